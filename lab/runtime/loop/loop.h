/*
 * loop.h — the event loop: one thread, one epoll descriptor, many handles.
 *
 * This is nodelab's libuv.  A program creates one lab_loop, registers
 * handles on it (descriptor watchers, timers, signal watchers), queues
 * callbacks (next tick, immediate) and work for the thread pool, then calls
 * lab_loop_run(), which returns when nothing is left that could ever call
 * back — exactly the rule that makes `node script.js` exit by itself.
 *
 * Vocabulary (borrowed from libuv):
 *   handle   a long-lived object that may call back many times
 *            (lab_io, lab_timer, lab_signal).  The caller owns its memory;
 *            the loop only keeps pointers, so a handle must stay alive
 *            while it is started.
 *   request  a one-shot operation that calls back once (lab_work, in pool.h).
 *
 * One iteration of lab_loop_run(), in Node's phase order:
 *   1. timers      every timer whose due time has passed, in due order
 *   2. poll        wait in epoll_wait() for descriptors (and signals, and
 *                  finished pool work), then run their callbacks
 *   3. check       the immediates queued before this phase began
 * After every single callback the next-tick queue is drained, as Node
 * drains process.nextTick() and promise jobs between callbacks.
 */
#ifndef LAB_LOOP_H
#define LAB_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_loop lab_loop;
typedef struct lab_io lab_io;
typedef struct lab_timer lab_timer;
typedef struct lab_signal lab_signal;

/* ---- the loop ---------------------------------------------------------- */

lab_loop *lab_loop_new(void);
/* Frees the loop.  Stops the thread pool (waiting for running jobs). */
void lab_loop_free(lab_loop *loop);
/* Runs until no referenced handle or request is left, or lab_loop_stop().
 * Returns 0, or -1 if epoll itself failed (errno set). */
int lab_loop_run(lab_loop *loop);
/* Makes lab_loop_run() return after the current iteration. */
void lab_loop_stop(lab_loop *loop);
/* The loop's idea of "now" in milliseconds, refreshed once per iteration
 * (like uv_now): cheap, and the same for every callback of one phase. */
uint64_t lab_loop_now(const lab_loop *loop);
/* A monotonic clock in microseconds, read fresh. */
uint64_t lab_clock_us(void);
/* True when called on the thread that runs this loop. */
bool lab_loop_is_loop_thread(const lab_loop *loop);

/* Spinning before sleeping: with spin_us > 0, a poll that would block
 * first checks the descriptors again and again (epoll_wait with timeout
 * 0) for up to spin_us microseconds.  A reply that arrives within that
 * window is seen without the kernel putting the thread to sleep and
 * waking it again — the cost that dominates a ping-pong between two
 * processes — at the price of a busy core while waiting.  Off (0) by
 * default, as in libuv; lab_loop_new() reads NODELAB_SPIN_US. */
void lab_loop_set_spin(lab_loop *loop, unsigned spin_us);
/* One round of a busy-wait: tells the CPU we are spinning (x86 `pause`),
 * which frees the core's resources for its other hardware thread — on a
 * virtual machine, possibly the very thread we are waiting for. */
static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Something outside the loop's own handles (a child process, an open
 * stream, a pending connect) that must keep the loop alive holds a
 * reference; it releases it when done. */
void lab_loop_hold(lab_loop *loop);
void lab_loop_release(lab_loop *loop);

/* ---- descriptor watchers ----------------------------------------------- */

enum { LAB_READABLE = 1, LAB_WRITABLE = 2 };

typedef void lab_io_cb(lab_io *io, int events);

struct lab_io {
    lab_loop *loop;
    int fd;
    int mask;              /* LAB_READABLE | LAB_WRITABLE being watched  */
    bool unref;            /* true: does not keep the loop alive         */
    lab_io_cb *on_readable;
    lab_io_cb *on_writable;
    void *data;            /* yours */
};

void lab_io_init(lab_loop *loop, lab_io *io, int fd);
/* Watches one direction (LAB_READABLE or LAB_WRITABLE) with its callback.
 * Returns 0 or -1 (errno from epoll_ctl, e.g. EPERM for a regular file). */
int lab_io_start(lab_io *io, int direction, lab_io_cb *cb);
void lab_io_stop(lab_io *io, int direction);
/* Stops both directions.  Does not close the descriptor. */
void lab_io_close(lab_io *io);
void lab_io_unref(lab_io *io);

/* ---- timers ------------------------------------------------------------ */

typedef void lab_timer_cb(lab_timer *timer);

struct lab_timer {
    lab_loop *loop;
    lab_timer_cb *cb;
    uint64_t due;          /* loop time (ms) at which it fires           */
    uint64_t repeat;       /* 0: one-shot; else the period in ms          */
    uint64_t seq;          /* start order: equal due times fire in order  */
    size_t heap_index;     /* position in the loop's heap; SIZE_MAX: off  */
    bool unref;
    void *data;
};

void lab_timer_init(lab_loop *loop, lab_timer *timer);
/* (Re)starts the timer: first call after timeout_ms, then every repeat_ms. */
void lab_timer_start(lab_timer *timer, lab_timer_cb *cb,
                     uint64_t timeout_ms, uint64_t repeat_ms);
void lab_timer_stop(lab_timer *timer);
bool lab_timer_active(const lab_timer *timer);
void lab_timer_unref(lab_timer *timer);

/* ---- signals ----------------------------------------------------------- */

typedef void lab_signal_cb(lab_signal *sig, int signum);

struct lab_signal {
    lab_loop *loop;
    lab_signal_cb *cb;
    int signum;            /* 0 while stopped */
    bool unref;
    lab_signal *next;      /* the loop's list of started watchers */
    void *data;
};

void lab_signal_init(lab_loop *loop, lab_signal *sig);
/* Delivers signum as a callback on the loop thread instead of running the
 * default action.  Returns 0 or -1. */
int lab_signal_start(lab_signal *sig, lab_signal_cb *cb, int signum);
void lab_signal_stop(lab_signal *sig);
void lab_signal_unref(lab_signal *sig);

/* ---- queued callbacks -------------------------------------------------- */

typedef void lab_callback(lab_loop *loop, void *arg);

/* Runs cb as soon as the current callback returns, before any I/O: Node's
 * process.nextTick().  A tick may queue more ticks; they run too. */
void lab_next_tick(lab_loop *loop, lab_callback *cb, void *arg);
/* Runs cb in the check phase, after the poll: Node's setImmediate(). */
void lab_set_immediate(lab_loop *loop, lab_callback *cb, void *arg);
/* Drains the next-tick queue now.  For a handle that delivers several
 * events from one poll callback (a port's batch of messages, port.h):
 * Node drains the ticks between any two callbacks, so it does too. */
void lab_loop_run_ticks(lab_loop *loop);

/* Mostly for the thread pool (pool.c): the loop's private hooks. */
typedef struct lab_pool lab_pool;
lab_pool *lab_loop_pool(lab_loop *loop);

#endif
