/*
 * telemetry.h — how the runtime tells the world what it is doing.
 *
 * Every module reports its actions as events: one JSON object per line
 * (JSON Lines) written to a telemetry descriptor, usually a pipe read by
 * the TUI, by `nodelab demo`, or by a test.  Each line carries
 *   ts   microseconds since the demo started
 *   ev   the event name ("write", "drain", "spawn", "lag", ...)
 *   pid  the process that emitted it
 * plus the event's own fields (docs/telemetry.md lists them all).
 *
 * Three promises:
 *   - Cheap when off: lab_ev_new() returns NULL and every other call is a
 *     no-op on NULL, so an unobserved program pays one branch per event.
 *   - Cheap when on: an event is written as a binary record into a ring
 *     of the calling thread (no lock, no system call, no JSON there); a
 *     formatter thread makes the JSON lines, in the order the events were
 *     emitted, and writes them.  docs/telemetry.md, "Records".
 *   - Never blocks: when the reader falls behind, the rings fill and new
 *     events are dropped and counted; the next line of that thread that
 *     gets through is preceded by {"ev":"dropped","count":N}.  (When only
 *     the formatter is behind, the emitter whose ring is full formats and
 *     writes the waiting lines itself.)  The totals
 *     of lab_tel_totals_of() count every event, dropped or not.
 *
 * Safe to call from any thread.  After fork() the child has rings and a
 * formatter of its own (pthread_atfork), writing to the same descriptor:
 * a line is written whole in one write() of at most PIPE_BUF bytes, so
 * lines from several processes never interleave mid-line.  Events another
 * process answers (spawn, exit, kill, ipc, disconnect) are written before
 * lab_ev_emit() returns, so the answer is never reported first.
 * NODELAB_TELEMETRY=json-direct selects the old path (cJSON per event,
 * written by the emitter), for comparison in `make bench`.
 */
#ifndef LAB_TELEMETRY_H
#define LAB_TELEMETRY_H

#include "events.h"

#include <stdbool.h>
#include <stdint.h>

/* Starts reporting to fd (made non-blocking).  Time 0 is now, unless a
 * start time was inherited: see lab_tel_set_epoch(). */
void lab_tel_open(int fd);
/* In a program started by a demo: reports to the demo's telemetry pipe,
 * NODELAB_TELEMETRY_FD, on the demo's clock, NODELAB_EPOCH_US.  Returns
 * false (and stays off) when the variables are absent or the descriptor
 * is not open — e.g. the demo did not pass it down. */
bool lab_tel_open_from_env(void);
/* Flushes what it can within timeout_ms, then stops reporting. */
void lab_tel_close(int timeout_ms);
bool lab_tel_on(void);
/* The descriptor events go to, or -1. */
int lab_tel_fd(void);
/* Sets time 0 (lab_clock_us() units), e.g. from NODELAB_EPOCH_US so that a
 * program exec'd by a demo shares the demo's clock. */
void lab_tel_set_epoch(uint64_t epoch_us);
uint64_t lab_tel_epoch(void);
/* Microseconds since time 0. */
uint64_t lab_tel_now(void);

/* Wakes the formatter, without waiting for it.  The loop calls this each turn. */
void lab_tel_flush(void);
/* Formats and writes, before it returns, every event this process emitted
 * before the call (as much as the reader takes without waiting: a full
 * pipe keeps the rest).  For "the file is complete now": the end of a
 * loop's run, a test that reads the file next, a child about to be
 * watched by its parent. */
void lab_tel_sync(void);
/* True when events are waiting for the reader. */
bool lab_tel_pending(void);
/* Totals of this process: events queued for the reader, and dropped. */
uint64_t lab_tel_written(void);
uint64_t lab_tel_dropped(void);
/* Exact totals per kind of event, dropped ones included (kept apart from
 * the records, so a reader that misses records still gets the sums):
 * events; bytes, the sum of their "size" fields; falses, how many had
 * "ret": false.  LAB_EV_OTHER adds up every name not in events.h. */
typedef struct { uint64_t events, bytes, falses; } lab_tel_totals;
lab_tel_totals lab_tel_totals_of(lab_ev_id kind);

/* Building one event.  All setters accept NULL (telemetry off). */
typedef struct lab_ev lab_ev;
lab_ev *lab_ev_new(const char *name);
void lab_ev_str(lab_ev *e, const char *key, const char *value); /* NULL → null */
void lab_ev_int(lab_ev *e, const char *key, int64_t value);
void lab_ev_num(lab_ev *e, const char *key, double value);
void lab_ev_bool(lab_ev *e, const char *key, bool value);
void lab_ev_null(lab_ev *e, const char *key);
/* Adds any cJSON value (object, array); the event takes ownership. */
struct cJSON;
void lab_ev_json(lab_ev *e, const char *key, struct cJSON *value);
/* For events about another process (spawn, exit): "pid" names that
 * process instead of the emitter. */
void lab_ev_pid(lab_ev *e, int pid);
/* Queues the event's record and frees the event. */
void lab_ev_emit(lab_ev *e);

/* The data path's event, {stream, size, len, hwm, ret} — a stream's
 * push, write, data: the busiest there is, so it skips lab_ev_new's
 * building and writes its record straight into the ring (the same line
 * as the five setters would make). */
void lab_tel_flow(const char *ev, const char *stream, int64_t size, int64_t len, int64_t hwm,
                  bool ret);

/* Shorthand for the most common shapes. */
void lab_tel_stream(const char *ev, const char *stream);       /* end, drain... */
void lab_tel_error(const char *stream, int err, const char *message);

#endif
