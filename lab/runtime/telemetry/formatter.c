/*
 * formatter.c — records in, JSON lines out (see tel_impl.h).
 *
 * The formatter is the one place where a record becomes text.  It runs on
 * its own thread, so the threads that emit pay only for copying bytes; a
 * thread emitting an event that another process will answer (spawn, ipc,
 * exit...: see sync_kind() in telemetry.c) runs it itself, under the same
 * lock, so that its line is in the pipe before the other process can
 * report the answer.
 *
 * Order: every record carries the process's sequence number, taken after
 * its ring had room, so the numbers have no gaps.  The formatter always
 * takes the record numbered next_seq, from whichever ring has it at its
 * head; when no ring has it yet, its thread is between taking the number
 * and publishing the record — a few instructions — and the formatter
 * waits for it.
 */
#define _GNU_SOURCE
#include "tel_impl.h"
#include "loop.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A record whose number was taken but that is not published after this
 * long is given up on (its thread died, or the telemetry was closed and
 * opened under it): the formatter goes on with the next it has. */
#define MISSING_GIVE_UP_US 50000

/* ---- writing lines ----------------------------------------------------- */

/* Writes whole lines, at most PIPE_BUF bytes per write(), so that each
 * write to a pipe is atomic and lines of several processes never mix. */
static void write_out_locked(void)
{
    size_t len = atomic_load_explicit(&tel.out_len, memory_order_relaxed), off = 0;
    int fd = atomic_load_explicit(&tel.fd, memory_order_relaxed);
    while (off < len && fd >= 0) {
        size_t n = 0;
        const char *p = tel.out + off;
        while (off + n < len) {
            const char *nl = memchr(p + n, '\n', len - off - n);
            size_t line = (size_t)(nl - (p + n)) + 1;
            if (n > 0 && n + line > PIPE_BUF) break;
            n += line;                 /* a single long line goes alone */
            if (n >= PIPE_BUF) break;
        }
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                atomic_store(&tel.fd, -1);     /* the reader is gone */
                off = len;
            }
            break;
        }
        off += (size_t)w;
        if ((size_t)w < n) break;      /* only a long line or a non-pipe is cut */
    }
    if (off == 0) return;
    memmove(tel.out, tel.out + off, len - off);
    atomic_store_explicit(&tel.out_len, len - off, memory_order_release);
}

static void append_line(const char *line, size_t n)
{
    size_t len = atomic_load_explicit(&tel.out_len, memory_order_relaxed);
    memcpy(tel.out + len, line, n);
    tel.out[len + n] = '\n';
    atomic_store_explicit(&tel.out_len, len + n + 1, memory_order_release);
}

/* ---- taking records in order ------------------------------------------- */

bool tel_rings_pending(void)
{
    int n = atomic_load_explicit(&tel.nrings, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (lab_ring_pending(&tel.rings[i]->ring)) return true;
    return false;
}

static const lab_rec *head_of(tel_ring *t)
{
    return (const lab_rec *)lab_ring_peek(&t->ring);
}

/* The record numbered next_seq, and its ring; NULL when no ring has it. */
static const lab_rec *next_record(tel_ring **from)
{
    const lab_rec *r;
    if (tel.cur && (r = head_of(tel.cur)) && r->seq == tel.next_seq) {
        *from = tel.cur;                       /* a thread's run of events */
        return r;
    }
    uint64_t wait_start = 0;
    for (;;) {
        int n = atomic_load_explicit(&tel.nrings, memory_order_acquire);
        uint64_t lowest = UINT64_MAX;
        for (int i = 0; i < n; i++) {
            tel_ring *t = tel.rings[i];
            if (!(r = head_of(t))) {
                if (atomic_load_explicit(&t->state, memory_order_acquire) == RING_ORPHAN)
                    atomic_store(&t->state, RING_FREE);       /* its thread ended, all read */
                continue;
            }
            if (r->seq == tel.next_seq) { *from = tel.cur = t; return r; }
            if (r->seq < lowest) lowest = r->seq;
        }
        if (lowest == UINT64_MAX) return NULL;                /* nothing waiting */
        if (lowest < tel.next_seq) { tel.next_seq = lowest; continue; }   /* reopened */
        uint64_t now = lab_clock_us();
        if (!wait_start) wait_start = now;
        if (now - wait_start > MISSING_GIVE_UP_US) { tel.next_seq = lowest; continue; }
        sched_yield();                         /* its thread is publishing it */
    }
}

/* Before the first record from a ring after it dropped some: how many. */
static void report_drops(tel_ring *t)
{
    uint64_t d = atomic_load_explicit(&t->ring.dropped, memory_order_relaxed);
    if (d == t->dropped_reported) return;
    char note[128];
    int n = snprintf(note, sizeof note, "{\"ts\":%llu,\"ev\":\"dropped\",\"pid\":%d,\"count\":%llu}",
                     (unsigned long long)(lab_clock_us() - tel.epoch_us), tel.pid,
                     (unsigned long long)(d - t->dropped_reported));
    append_line(note, (size_t)n);
    t->dropped_reported = d;
}

/* Room in `out` for a line of need bytes, writing what is there to make
 * it; false when the reader is behind. */
static bool room_for(size_t need)
{
    if (atomic_load_explicit(&tel.out_len, memory_order_relaxed) + need <= TEL_OUT_CAP) return true;
    write_out_locked();
    return atomic_load_explicit(&tel.out_len, memory_order_relaxed) + need <= TEL_OUT_CAP;
}

/* A record's line, appended to `out` (room_for() said yes). */
static void format_line(const lab_rec *r, bool with_cjson)
{
    size_t len = atomic_load_explicit(&tel.out_len, memory_order_relaxed), n;
    if (with_cjson) {
        cJSON *obj = lab_rec_to_cjson(r);
        char *line = cJSON_PrintUnformatted(obj);
        cJSON_Delete(obj);
        n = strlen(line);
        memcpy(tel.out + len, line, n);
        free(line);
    } else {
        n = lab_rec_format(r, tel.out + len);
    }
    tel.out[len + n] = '\n';
    /* The line is in `out` before the record leaves its ring, so
     * lab_tel_pending() never sees it in neither. */
    atomic_store_explicit(&tel.out_len, len + n + 1, memory_order_release);
    tel.written_lines++;
}

/* Frame mode: the folds tel_frame_peek() gives, as `coalesced` lines;
 * false when the reader is behind (the rest wait). */
static bool flush_folds(void)
{
    const lab_rec *r;
    lab_rec_buf b;
    while ((r = tel_frame_peek(&b))) {
        bool ok = lab_rec_json_max(r) + 1 <= TEL_OUT_CAP && room_for(lab_rec_json_max(r) + 1);
        if (ok) format_line(r, false);
        lab_rec_release(&b);
        if (!ok) return false;
        tel_frame_pop();
    }
    return true;
}

/* Frame mode: at a frame's end every fold goes out. */
static bool end_frame_if_due(void)
{
    if (!tel_frame_on()) return true;
    uint64_t now = lab_clock_us();
    if (!tel_frame_due(now)) return true;
    tel_frame_flush_all();
    if (!flush_folds()) return false;
    tel_frame_start(now);
    return true;
}

void tel_drain_frame_locked(void)
{
    if (!tel_frame_on()) return;
    tel_frame_flush_all();
    if (flush_folds()) tel_frame_start(lab_clock_us());
    write_out_locked();
}

size_t tel_drain_locked(bool with_cjson)
{
    size_t done = 0;
    write_out_locked();
    bool frames = tel_frame_on();
    for (;;) {
        if (frames && (done & 1023) == 0 && !end_frame_if_due()) break;
        tel_ring *t;
        const lab_rec *r = next_record(&t);
        if (!r) break;
        size_t need = lab_rec_json_max(r) + 130;           /* and a drop note */
        if (need > TEL_OUT_CAP) {                          /* cannot be a line: skip */
            lab_ring_consume(&t->ring, &r->h);
            tel.next_seq++;
            continue;
        }
        if (!room_for(need)) break;                        /* the reader is behind */
        if (frames) {
            int how = tel_frame_offer(r);
            if (how == FRAME_FLUSH_FIRST) {
                if (!flush_folds()) break;
                how = tel_frame_offer(r);
                if (!room_for(need)) break;
            }
            if (how == FRAME_FOLDED) {
                lab_ring_consume(&t->ring, &r->h);
                tel.next_seq++;
                done++;
                continue;
            }
        }
        report_drops(t);
        format_line(r, with_cjson);
        lab_ring_consume(&t->ring, &r->h);
        tel.next_seq++;
        done++;
    }
    write_out_locked();
    return done;
}

/* ---- the thread -------------------------------------------------------- */

static void futex(atomic_int *addr, int op, int val, const struct timespec *ts)
{
    syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

/* Wakes the formatter if it sleeps, after a record was published.  The
 * fence pairs with the formatter's own (formatter_main): it says
 * "sleeping", fences, and looks at the rings once more; this side
 * publishes, fences, and looks at "sleeping".  One of the two sees the
 * other, so a record never waits for a formatter that missed it. */
void tel_formatter_wake(void)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&tel.sleeping, memory_order_relaxed) &&
        atomic_exchange(&tel.sleeping, 0))
        futex(&tel.sleeping, FUTEX_WAKE, 1, NULL);
}

/* The same without the fence, for the data path's events.  The fence
 * costs more than it seems: it waits until every store before it has
 * reached the cache, and the record just written into the ring is on
 * lines the formatter last read — ~50 ns an event, a twentieth of a
 * microsecond-per-event firehose.  Without it, in the instant when the
 * formatter decides to sleep while this record is still on its way, the
 * two can miss each other: the record then waits for the formatter's
 * timed wake-up (FORMATTER_NAP_MS) or the loop's next lab_tel_flush(),
 * which do fence.  Late, never lost. */
void tel_formatter_nudge(void)
{
    if (atomic_load_explicit(&tel.sleeping, memory_order_relaxed)) tel_formatter_wake();
}

/* The longest the formatter sleeps with nothing to do: the latest a
 * record whose nudge it missed goes out (see tel_formatter_nudge). */
#define FORMATTER_NAP_MS 100

static void nap_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

static void *formatter_main(void *arg)
{
    atomic_store(&tel.started, true);
    while (!atomic_load(&tel.stop)) {
        pthread_mutex_lock(&tel.fmt_lock);
        size_t n = tel_drain_locked(false);
        bool blocked = atomic_load(&tel.out_len) > 0;
        pthread_mutex_unlock(&tel.fmt_lock);
        int fd = atomic_load(&tel.fd);
        if (blocked && fd >= 0) {                  /* the reader is behind */
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            poll(&pfd, 1, 20);
        } else if (n >= 1024) {
            nap_us(250);                           /* a firehose: keep up, in batches */
        } else if (n > 0) {
            nap_us(1000);                          /* let a batch gather */
        } else {
            /* Reading records the moment they are written would pull
             * each ring line from the emitting core while it still
             * writes the next record there; batches leave it alone. */
            atomic_store(&tel.sleeping, 1);        /* seq_cst: see tel_formatter_wake */
            atomic_thread_fence(memory_order_seq_cst);
            if (tel_rings_pending() || atomic_load(&tel.stop)) {
                atomic_store(&tel.sleeping, 0);
                continue;
            }
            struct timespec ts = { 0, FORMATTER_NAP_MS * 1000000L };
            if (tel_frame_pending()) {             /* folds wait for the frame's end */
                uint64_t now = lab_clock_us(), end = tel_frame_end();
                ts.tv_nsec = end > now ? (long)(end - now) * 1000L : 0;
                if (ts.tv_nsec > FORMATTER_NAP_MS * 1000000L) ts.tv_nsec = FORMATTER_NAP_MS * 1000000L;
            }
            futex(&tel.sleeping, FUTEX_WAIT, 1, &ts);
            atomic_store(&tel.sleeping, 0);
        }
    }
    return NULL;
}

void tel_formatter_start(void)
{
    if (tel.thread_on || tel.direct) return;   /* json-direct: no thread */
#ifdef __SANITIZE_THREAD__
    /* ThreadSanitizer cannot follow a thread started after a fork of a
     * process that has threads (it stops the child): under it, a forked
     * child formats on its emitting threads instead, as json-direct does. */
    if (tel.forked) return;
#endif
    atomic_store(&tel.stop, false);
    atomic_store(&tel.started, false);
    /* Signals are the loop's business (it blocks them for signalfd): the
     * formatter must not take one in its place. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&tel.thread, NULL, formatter_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) return;               /* no thread: every emitter formats its own */
    /* Wait until it runs: a thread still starting may hold the allocator's
     * locks, and a fork() then would leave them held in the child. */
    while (!atomic_load(&tel.started)) sched_yield();
    pthread_setname_np(tel.thread, "lab-telemetry");
    tel.thread_on = true;
}

void tel_formatter_stop(void)
{
    if (!tel.thread_on) return;
    atomic_store(&tel.stop, true);
    atomic_store(&tel.sleeping, 0);
    futex(&tel.sleeping, FUTEX_WAKE, 1, NULL);
    pthread_join(tel.thread, NULL);
    tel.thread_on = false;
}
