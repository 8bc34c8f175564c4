/*
 * loop.c — the event loop (see loop.h for the model).
 *
 * Read it top to bottom: the data structures, the three kinds of handle
 * (descriptor watchers, timers, signals), the two callback queues (next
 * tick, immediate) and finally lab_loop_run(), which ties them together.
 * Redis's ae.c was the model: one file, one idea, nothing hidden.
 */
#include "loop.h"
#include "grow.h"
#include "mem.h"
#include "pool.h"
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* A growable ring of (callback, argument) pairs: the next-tick queue and
 * the immediate queue are both one of these. */
typedef struct {
    struct { lab_callback *cb; void *arg; } *items;
    size_t head, len, cap;
} cb_queue;

struct lab_loop {
    int epfd;
    pthread_t thread;          /* the thread that created the loop */
    uint64_t now;              /* cached loop time, ms */
    bool stopping;

    lab_io **ios;              /* indexed by descriptor: who watches fd n */
    int ios_cap;

    lab_timer **heap;          /* binary min-heap on (due, seq) */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;

    int sigfd;                 /* signalfd for every watched signal, or -1 */
    sigset_t sigmask;
    lab_io sig_io;
    lab_signal *signals;       /* started signal watchers */

    cb_queue ticks, immediates;

    int active;                /* referenced, started handles */
    int holds;                 /* lab_loop_hold() minus lab_loop_release() */
    unsigned spin_us;          /* busy-poll this long before sleeping */
    lab_pool *pool;            /* created on first use (pool.c) */
};

/* ---- small helpers ----------------------------------------------------- */

uint64_t lab_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void update_time(lab_loop *loop) { loop->now = lab_clock_us() / 1000u; }

uint64_t lab_loop_now(const lab_loop *loop) { return loop->now; }

bool lab_loop_is_loop_thread(const lab_loop *loop)
{
    return pthread_equal(pthread_self(), loop->thread);
}

void lab_loop_hold(lab_loop *loop) { loop->holds++; }
void lab_loop_release(lab_loop *loop) { loop->holds--; }

static void queue_push(cb_queue *q, lab_callback *cb, void *arg)
{
    if (q->len == q->cap) {            /* grow, unrolling the ring */
        size_t cap = q->cap ? q->cap * 2 : 64;
        void *items = lab_xmalloc(cap * sizeof *q->items);
        for (size_t i = 0; i < q->len; i++)
            memcpy((char *)items + i * sizeof *q->items,
                   &q->items[(q->head + i) % q->cap], sizeof *q->items);
        free(q->items);
        q->items = items;
        q->cap = cap;
        q->head = 0;
    }
    size_t tail = (q->head + q->len) % q->cap;
    q->items[tail].cb = cb;
    q->items[tail].arg = arg;
    q->len++;
}

/* Pops the oldest entry and runs it.  The entry is copied out first: the
 * callback may push onto the same queue and move its storage. */
static void queue_run_one(lab_loop *loop, cb_queue *q)
{
    lab_callback *cb = q->items[q->head].cb;
    void *arg = q->items[q->head].arg;
    q->head = (q->head + 1) % q->cap;
    q->len--;
    cb(loop, arg);
}

/* ---- the loop object --------------------------------------------------- */

lab_loop *lab_loop_new(void)
{
    lab_loop *loop = lab_xcalloc(1, sizeof *loop);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) { free(loop); return NULL; }
    loop->thread = pthread_self();
    loop->sigfd = -1;
    sigemptyset(&loop->sigmask);
    const char *spin = getenv("NODELAB_SPIN_US");
    if (spin) lab_loop_set_spin(loop, (unsigned)strtoul(spin, NULL, 10));
    update_time(loop);
    return loop;
}

void lab_loop_free(lab_loop *loop)
{
    if (!loop) return;
    if (loop->pool) lab_pool_free(loop->pool);
    if (loop->sigfd >= 0) {
        pthread_sigmask(SIG_UNBLOCK, &loop->sigmask, NULL);
        close(loop->sigfd);
    }
    close(loop->epfd);
    free(loop->ios);
    free(loop->heap);
    free(loop->ticks.items);
    free(loop->immediates.items);
    free(loop);
}

lab_pool *lab_loop_pool(lab_loop *loop)
{
    if (!loop->pool && (loop->pool = lab_pool_new(loop)))
        lab_pool_set_spin(loop->pool, loop->spin_us);
    return loop->pool;
}

void lab_loop_stop(lab_loop *loop) { loop->stopping = true; }

void lab_loop_set_spin(lab_loop *loop, unsigned spin_us)
{
    loop->spin_us = spin_us > 100000 ? 100000 : spin_us;
    if (loop->pool) lab_pool_set_spin(loop->pool, loop->spin_us);
}

/* The loop lives while anything could still call back. */
/* doc:loop-alive */
static bool loop_alive(const lab_loop *loop)
{
    return loop->active > 0 || loop->holds > 0 ||
           loop->ticks.len > 0 || loop->immediates.len > 0;
}
/* end doc:loop-alive */

/* Runs every queued tick, including ticks queued by ticks. */
/* doc:run-ticks */
static void run_ticks(lab_loop *loop)
{
    while (loop->ticks.len > 0) queue_run_one(loop, &loop->ticks);
}
/* end doc:run-ticks */

void lab_loop_run_ticks(lab_loop *loop) { run_ticks(loop); }

void lab_next_tick(lab_loop *loop, lab_callback *cb, void *arg)
{
    queue_push(&loop->ticks, cb, arg);
}

void lab_set_immediate(lab_loop *loop, lab_callback *cb, void *arg)
{
    queue_push(&loop->immediates, cb, arg);
}

/* ---- descriptor watchers ----------------------------------------------- */

void lab_io_init(lab_loop *loop, lab_io *io, int fd)
{
    memset(io, 0, sizeof *io);
    io->loop = loop;
    io->fd = fd;
}

/* Tells epoll the watcher's new mask: ADD, MOD or DEL as needed. */
static int io_update(lab_io *io, int old_mask)
{
    lab_loop *loop = io->loop;
    struct epoll_event ev = { 0 };
    ev.data.fd = io->fd;
    if (io->mask & LAB_READABLE) ev.events |= EPOLLIN;
    if (io->mask & LAB_WRITABLE) ev.events |= EPOLLOUT;
    int op = old_mask == 0 ? EPOLL_CTL_ADD
           : io->mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(loop->epfd, op, io->fd, &ev);
}

int lab_io_start(lab_io *io, int direction, lab_io_cb *cb)
{
    lab_loop *loop = io->loop;
    if (io->fd >= loop->ios_cap) {
        int cap = loop->ios_cap ? loop->ios_cap : 64;
        while (cap <= io->fd) cap *= 2;
        lab_io **ios = lab_xrealloc(loop->ios, (size_t)cap * sizeof *ios);
        memset(ios + loop->ios_cap, 0,
               (size_t)(cap - loop->ios_cap) * sizeof *ios);
        loop->ios = ios;
        loop->ios_cap = cap;
    }
    int old = io->mask;
    io->mask |= direction;
    if (io_update(io, old) < 0) { io->mask = old; return -1; }
    if (direction & LAB_READABLE) io->on_readable = cb;
    if (direction & LAB_WRITABLE) io->on_writable = cb;
    loop->ios[io->fd] = io;
    if (old == 0 && !io->unref) loop->active++;
    return 0;
}

void lab_io_stop(lab_io *io, int direction)
{
    int old = io->mask;
    if (!(old & direction)) return;
    io->mask &= ~direction;
    io_update(io, old);
    if (io->mask == 0) {
        io->loop->ios[io->fd] = NULL;
        if (!io->unref) io->loop->active--;
    }
}

void lab_io_close(lab_io *io) { lab_io_stop(io, LAB_READABLE | LAB_WRITABLE); }

void lab_io_unref(lab_io *io)
{
    if (!io->unref && io->mask) io->loop->active--;
    io->unref = true;
}

/* ---- timers: a binary min-heap ordered by (due, seq) -------------------- */

static bool timer_before(const lab_timer *a, const lab_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(lab_loop *loop, size_t i, lab_timer *t)
{
    loop->heap[i] = t;
    t->heap_index = i;
}

static void heap_sift_up(lab_loop *loop, size_t i)
{
    lab_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, loop->heap[parent])) break;
        heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_set(loop, i, t);
}

static void heap_sift_down(lab_loop *loop, size_t i)
{
    lab_timer *t = loop->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->heap_len) break;
        if (child + 1 < loop->heap_len &&
            timer_before(loop->heap[child + 1], loop->heap[child]))
            child++;
        if (!timer_before(loop->heap[child], t)) break;
        heap_set(loop, i, loop->heap[child]);
        i = child;
    }
    heap_set(loop, i, t);
}

static void heap_remove(lab_loop *loop, lab_timer *t)
{
    size_t i = t->heap_index;
    lab_timer *last = loop->heap[--loop->heap_len];
    t->heap_index = SIZE_MAX;
    if (last == t) return;
    heap_set(loop, i, last);
    heap_sift_up(loop, i);
    heap_sift_down(loop, last->heap_index);
}

void lab_timer_init(lab_loop *loop, lab_timer *timer)
{
    memset(timer, 0, sizeof *timer);
    timer->loop = loop;
    timer->heap_index = SIZE_MAX;
}

bool lab_timer_active(const lab_timer *timer)
{
    return timer->heap_index != SIZE_MAX;
}

void lab_timer_start(lab_timer *timer, lab_timer_cb *cb,
                     uint64_t timeout_ms, uint64_t repeat_ms)
{
    lab_loop *loop = timer->loop;
    lab_timer_stop(timer);
    loop->heap = lab_grow_or_die(loop->heap, &loop->heap_cap, loop->heap_len + 1,
                                 sizeof *loop->heap, 16);
    timer->cb = cb;
    timer->due = loop->now + timeout_ms;
    timer->repeat = repeat_ms;
    timer->seq = loop->timer_seq++;
    heap_set(loop, loop->heap_len++, timer);
    heap_sift_up(loop, timer->heap_index);
    if (!timer->unref) loop->active++;
}

void lab_timer_stop(lab_timer *timer)
{
    if (!lab_timer_active(timer)) return;
    heap_remove(timer->loop, timer);
    if (!timer->unref) timer->loop->active--;
}

void lab_timer_unref(lab_timer *timer)
{
    if (!timer->unref && lab_timer_active(timer)) timer->loop->active--;
    timer->unref = true;
}

/* Phase 1: run every timer that was due when the phase began.  A timer
 * started (or rescheduled) by a callback of this phase waits for the next
 * iteration, even with timeout 0, as in libuv: otherwise a callback that
 * keeps starting 0 ms timers would never let the loop reach the poll.
 * A repeating timer is put back before its callback runs, so the callback
 * may stop it. */
/* doc:run-timers */
static void run_timers(lab_loop *loop)
{
    uint64_t started_before = loop->timer_seq;
    while (loop->heap_len > 0 && loop->heap[0]->due <= loop->now &&
           loop->heap[0]->seq < started_before) {
        lab_timer *t = loop->heap[0];
        if (t->repeat) {
            heap_remove(loop, t);
            t->due = loop->now + t->repeat;
            t->seq = loop->timer_seq++;
            heap_set(loop, loop->heap_len++, t);
            heap_sift_up(loop, t->heap_index);
        } else {
            lab_timer_stop(t);
        }
        t->cb(t);
        run_ticks(loop);
    }
}
/* end doc:run-timers */

/* ---- signals: one signalfd carries every watched signal ----------------- */

static void on_signalfd(lab_io *io, int events)
{
    lab_loop *loop = io->loop;
    struct signalfd_siginfo info;
    while (read(loop->sigfd, &info, sizeof info) == (ssize_t)sizeof info) {
        lab_signal *s = loop->signals;
        while (s) {
            lab_signal *next = s->next;   /* the callback may stop s */
            if (s->signum == (int)info.ssi_signo) {
                s->cb(s, s->signum);
                run_ticks(loop);
            }
            s = next;
        }
    }
}

/* Points the signalfd at the set of signals someone is watching. */
static int signals_update(lab_loop *loop)
{
    sigset_t wanted;
    sigemptyset(&wanted);
    for (lab_signal *s = loop->signals; s; s = s->next)
        sigaddset(&wanted, s->signum);
    /* Block the new ones so the kernel queues them for signalfd instead of
     * running the default action; unblock those nobody watches any more. */
    pthread_sigmask(SIG_BLOCK, &wanted, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&loop->sigmask, sig) == 1 &&
            sigismember(&wanted, sig) != 1) {
            sigset_t one;
            sigemptyset(&one);
            sigaddset(&one, sig);
            pthread_sigmask(SIG_UNBLOCK, &one, NULL);
        }
    loop->sigmask = wanted;
    int fd = signalfd(loop->sigfd, &wanted, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return -1;
    if (loop->sigfd < 0) {
        loop->sigfd = fd;
        lab_io_init(loop, &loop->sig_io, fd);
        lab_io_unref(&loop->sig_io);    /* the watchers hold the loop */
        lab_io_start(&loop->sig_io, LAB_READABLE, on_signalfd);
    }
    return 0;
}

void lab_signal_init(lab_loop *loop, lab_signal *sig)
{
    memset(sig, 0, sizeof *sig);
    sig->loop = loop;
}

int lab_signal_start(lab_signal *sig, lab_signal_cb *cb, int signum)
{
    lab_signal_stop(sig);
    sig->cb = cb;
    sig->signum = signum;
    sig->next = sig->loop->signals;
    sig->loop->signals = sig;
    if (!sig->unref) sig->loop->active++;
    return signals_update(sig->loop);
}

void lab_signal_stop(lab_signal *sig)
{
    if (sig->signum == 0) return;
    lab_signal **p = &sig->loop->signals;
    while (*p && *p != sig) p = &(*p)->next;
    if (*p) *p = sig->next;
    sig->signum = 0;
    if (!sig->unref) sig->loop->active--;
    signals_update(sig->loop);
}

void lab_signal_unref(lab_signal *sig)
{
    if (!sig->unref && sig->signum) sig->loop->active--;
    sig->unref = true;
}

/* ---- the run loop ------------------------------------------------------ */

/* How long phase 2 may sleep: not at all if callbacks are queued, until
 * the next timer if there is one, otherwise until a descriptor is ready. */
static int poll_timeout(const lab_loop *loop)
{
    if (loop->stopping || !loop_alive(loop)) return 0;   /* about to exit */
    if (loop->ticks.len || loop->immediates.len) return 0;
    if (lab_pool_has_done(loop->pool)) return 0;     /* see lab_queue_done */
    int timeout = -1;
    if (loop->heap_len > 0) {
        uint64_t due = loop->heap[0]->due;
        timeout = due <= loop->now ? 0 : (int)(due - loop->now);
    }
    /* Telemetry the reader could not take yet is retried soon. */
    if (lab_tel_pending() && (timeout < 0 || timeout > 20)) timeout = 20;
    return timeout;
}

/* Phase 2: wait for descriptors, then call their watchers.  The watcher is
 * looked up by descriptor for each event, not remembered, because an
 * earlier callback in the same batch may have stopped it. */
static int run_poll(lab_loop *loop)
{
    struct epoll_event events[64];
    lab_tel_flush();
    int timeout = poll_timeout(loop), n = 0;
    if (timeout != 0 && loop->spin_us > 0) {       /* see lab_loop_set_spin */
        uint64_t spin = loop->spin_us;
        if (timeout > 0 && spin > (uint64_t)timeout * 1000u) spin = (uint64_t)timeout * 1000u;
        uint64_t until = lab_clock_us() + spin;
        /* Finished pool work is noticed from memory, without a syscall;
         * descriptors need epoll_wait, asked every few rounds. */
        for (unsigned i = 0;; i++) {
            if ((i & 31) == 0 || lab_pool_has_done(loop->pool)) {
                if ((n = epoll_wait(loop->epfd, events, 64, 0)) != 0) break;
                if (lab_clock_us() >= until) break;
            }
            lab_cpu_relax();
        }
    }
    if (n == 0) n = epoll_wait(loop->epfd, events, 64, timeout);
    if (n < 0) return errno == EINTR ? 0 : -1;
    update_time(loop);
    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        uint32_t e = events[i].events;
        bool err = e & (EPOLLERR | EPOLLHUP);
        lab_io *io = fd < loop->ios_cap ? loop->ios[fd] : NULL;
        if (io && (io->mask & LAB_READABLE) && ((e & EPOLLIN) || err)) {
            io->on_readable(io, LAB_READABLE);
            run_ticks(loop);
        }
        io = fd < loop->ios_cap ? loop->ios[fd] : NULL;
        if (io && (io->mask & LAB_WRITABLE) && ((e & EPOLLOUT) || err)) {
            io->on_writable(io, LAB_WRITABLE);
            run_ticks(loop);
        }
    }
    /* Work the loop thread finished itself (lab_queue_done) completes
     * here, in the same phase as work a pool thread finished. */
    lab_pool_run_local(loop->pool);
    run_ticks(loop);
    return 0;
}

/* Phase 3: the immediates queued before this phase; ones they queue wait
 * for the next iteration, as in Node. */
/* doc:run-immediates */
static void run_immediates(lab_loop *loop)
{
    size_t n = loop->immediates.len;
    while (n-- > 0) {
        queue_run_one(loop, &loop->immediates);
        run_ticks(loop);
    }
}
/* end doc:run-immediates */

/* doc:loop-run */
int lab_loop_run(lab_loop *loop)
{
    loop->thread = pthread_self();
    loop->stopping = false;
    update_time(loop);
    run_ticks(loop);           /* ticks queued before the loop started */
    while (loop_alive(loop) && !loop->stopping) {
        update_time(loop);
        run_timers(loop);
        if (run_poll(loop) < 0) return -1;
        run_immediates(loop);
    }
    lab_tel_sync();       /* write out what this run reported */
    return 0;
}
/* end doc:loop-run */
