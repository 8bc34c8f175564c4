/*
 * tel_impl.h — what telemetry.c (the emitting side) and formatter.c (the
 * side that makes JSON lines) share.  Internal.
 *
 * The picture: every thread that reports owns a ring (ring.h) and writes
 * binary records (record.h) into it; nothing else happens on the thread
 * that emits.  One formatter thread per process takes the records of all
 * rings in the order they were emitted (each has the process's next
 * sequence number), makes them JSON lines, and writes whole lines to the
 * telemetry descriptor.  docs/telemetry.md, "Records", says why.
 */
#ifndef LAB_TEL_IMPL_H
#define LAB_TEL_IMPL_H

#include "events.h"
#include "record.h"
#include "ring.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define TEL_MAX_RINGS 256      /* threads that ever reported at once; 64 workers and pools fit */
#define TEL_RING_BYTES (256 * 1024)
#define TEL_OUT_CAP (64 * 1024) /* JSON lines formatted, not yet written */

enum { RING_OWNED, RING_ORPHAN, RING_FREE };

/* Totals per event kind (LAB_EV_OTHER counts names not in events.h). */
typedef struct {
    atomic_uint_fast64_t events, bytes, falses;
} tel_counter;

/* One thread's ring and its counters.  The counters are written by the
 * owning thread only (a relaxed load and store, no locked instruction)
 * and summed over the rings by whoever reads them. */
typedef struct tel_ring {
    lab_ring ring;
    atomic_int state;
    atomic_uint_fast64_t accepted;
    tel_counter kinds[LAB_EV_COUNT + 1];
    uint64_t dropped_reported;         /* the formatter's */
} tel_ring;

extern struct tel_state {
    /* Read by every event, written rarely. */
    atomic_int fd;                     /* -1: off */
    uint64_t epoch_us;
    int pid;                           /* getpid() is a system call: asked once */
    bool direct;                       /* NODELAB_TELEMETRY=json-direct */
    bool forked;                       /* a child forked from a reporting process */
    atomic_uint gen;                   /* a new one after fork: threads register again */
    atomic_uint_fast64_t lost;         /* events no ring could take */

    /* Written by every event: a cache line of its own, so that the
     * formatter reading the fields above does not take it from the
     * emitting thread, nor the other way round. */
    _Alignas(64) atomic_uint_fast64_t seq;     /* the next event's number */

    _Alignas(64) pthread_mutex_t reg_lock;     /* adding rings */
    tel_ring *rings[TEL_MAX_RINGS];
    atomic_int nrings;

    /* The formatter's, written for every line it makes: apart from what
     * the emitting threads read for every event (thread_on, sleeping). */
    _Alignas(64) pthread_mutex_t fmt_lock;     /* one formatter at a time */
    uint64_t next_seq;                 /* the next record to format */
    tel_ring *cur;
    char *out;
    atomic_size_t out_len;
    uint64_t written_lines;

    _Alignas(64) atomic_bool thread_on;        /* the formatter thread runs */
    pthread_t thread;
    atomic_bool stop;
    atomic_bool started;               /* it has begun running */
    atomic_int sleeping;               /* the formatter waits for a wake-up */
} tel;

/* formatter.c */
/* Formats every record it can into lines and writes what the descriptor
 * takes (never blocks); with_cjson: the old way, through cJSON.  Call with
 * fmt_lock held.  Returns the records it formatted. */
size_t tel_drain_locked(bool with_cjson);
/* Frame mode: writes every fold now (sync, close). */
void tel_drain_frame_locked(void);
bool tel_rings_pending(void);
void tel_formatter_start(void);
void tel_formatter_stop(void);
void tel_formatter_wake(void);    /* with a fence: never missed */
void tel_formatter_nudge(void);   /* without: late at worst, for the data path */

/* stamp.c: the time of an event, in lab_clock_us() units — the clock's
 * reading, or within a microsecond of it for less (the CPU's counter);
 * never earlier than the thread's previous stamp.  tel_stamp_check()
 * turns the counter off where it is no cheaper than the clock. */
uint64_t tel_stamp_us(void);
void tel_stamp_check(void);

/* frame.c: frame mode (NODELAB_TELEMETRY_FRAME), the data path coalesced
 * per frame for a reader that draws.  All of it under fmt_lock. */
enum { FRAME_PASS, FRAME_FOLDED, FRAME_FLUSH_FIRST };
void tel_frame_open(bool direct);      /* reads the variable */
void tel_frame_reset(void);            /* forgets the folds (fork, close) */
bool tel_frame_on(void);
/* What to do with the next record: format it (PASS), nothing (FOLDED: it
 * was folded, consume it), or flush folds with tel_frame_peek/pop first
 * and offer it again (FLUSH_FIRST). */
int tel_frame_offer(const lab_rec *r);
bool tel_frame_due(uint64_t now_us);   /* the frame ended: flush all, start the next */
void tel_frame_start(uint64_t now_us);
void tel_frame_flush_all(void);        /* the next peeks take every fold */
bool tel_frame_pending(void);
uint64_t tel_frame_end(void);          /* when the frame ends (the formatter's alarm) */
/* The oldest fold to flush as a `coalesced` record built in b (release b
 * after), or NULL; tel_frame_pop() once its line is out. */
const lab_rec *tel_frame_peek(lab_rec_buf *b);
void tel_frame_pop(void);

#endif
