/*
 * pool.h — the thread pool: where blocking work goes so the loop does not
 * have to wait for it.
 *
 * Node's event loop is one thread, but libuv keeps a small pool of helper
 * threads (4 unless UV_THREADPOOL_SIZE says otherwise) for work that has no
 * non-blocking form: file system calls, DNS lookups, compression, crypto.
 * This is the same design.  You hand the pool a request with two callbacks:
 *
 *   work(req)           runs on a pool thread; may block, must not touch
 *                       the loop or anything the loop thread is using;
 *   after(req, status)  runs later on the loop thread, with status 0, or
 *                       LAB_ECANCELED if lab_cancel_work() won the race.
 *
 * The pool wakes the loop through an eventfd when work finishes, so after()
 * is an ordinary loop callback, with ticks drained after it.
 */
#ifndef LAB_POOL_H
#define LAB_POOL_H

#include "loop.h"

#define LAB_ECANCELED (-125)

typedef struct lab_work lab_work;
typedef void lab_work_cb(lab_work *req);
typedef void lab_after_work_cb(lab_work *req, int status);

struct lab_work {
    lab_loop *loop;
    lab_work_cb *work;
    lab_after_work_cb *after;
    int status;
    uint64_t queued_us;        /* when it was queued (lab_clock_us) */
    uint64_t started_us;       /* when a pool thread picked it up */
    uint64_t finished_us;      /* when work() returned */
    int thread;                /* which pool thread ran it: 1..size */
    lab_work *next;            /* the pool's queues; not yours */
    void *data;                /* yours */
};

/* Queues req.  Returns 0, or -1 if the pool could not be started. */
/* doc:queue-work */
int lab_queue_work(lab_loop *loop, lab_work *req,
                   lab_work_cb *work, lab_after_work_cb *after);
/* end doc:queue-work */
/* Finishes req without a thread: its work was already done on the loop
 * thread (a file read the page cache answered at once, see fs.c).  after()
 * still runs later, in the poll phase, exactly as for a pooled request, so
 * the order of events does not depend on which way the work went.
 * req->thread is 0.  Call it on the loop thread only: the list it goes on
 * has no lock.  Returns 0, or -1 if the pool could not be started. */
int lab_queue_done(lab_loop *loop, lab_work *req, lab_after_work_cb *after);
/* Cancels req if no thread has started it yet: after() then runs with
 * LAB_ECANCELED.  Returns 0 if cancelled, -1 if already running or done. */
int lab_cancel_work(lab_work *req);

/* The pool size this process uses: 4, or UV_THREADPOOL_SIZE clamped to
 * 1..1024 as libuv clamps it.  Read once, at the first call, as libuv does. */
int lab_pool_default_size(void);
/* Sets the size of this loop's pool before its first use (demos do this
 * to compare sizes).  Returns -1 if the pool is already running. */
int lab_pool_set_size(lab_loop *loop, int size);

/* Current occupancy, for telemetry and dashboards. */
typedef struct { int queued, busy, size; } lab_pool_stats;
lab_pool_stats lab_pool_get_stats(lab_loop *loop);

/* The number (1..size) of the pool thread calling this, or 0 when called
 * from a thread that is not a pool thread (for example the loop thread). */
int lab_pool_thread_number(void);

/* Used by loop.c. */
lab_pool *lab_pool_new(lab_loop *loop);
void lab_pool_free(lab_pool *pool);
/* True when finished requests wait for the loop (no lock, no syscall). */
bool lab_pool_has_done(const lab_pool *pool);
/* Calls after() for the requests lab_queue_done finished (the poll phase,
 * after the descriptors' callbacks). */
void lab_pool_run_local(lab_pool *pool);
/* The loop's spin setting, shared with the pool's idle threads. */
void lab_pool_set_spin(lab_pool *pool, unsigned spin_us);

#endif
