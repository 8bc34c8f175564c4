/*
 * pool.c — the thread pool (see pool.h).
 *
 * Two queues and one lock:
 *   pending   requests waiting for a thread (FIFO);
 *   done      requests whose work() returned, waiting for the loop.
 * A pool thread takes from pending, runs work(), appends to done and
 * writes to an eventfd; the loop, woken by that eventfd, runs after().
 * Every change of occupancy is reported as a `pool` telemetry event.
 */
#include "pool.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct lab_pool {
    lab_loop *loop;
    pthread_mutex_t lock;
    pthread_cond_t has_work;
    lab_work *pending_head, *pending_tail;
    lab_work *done_head, *done_tail;
    atomic_int queued;         /* changed under the lock; a spinning
                                  thread watches it without (see below) */
    int busy, size;
    bool started, quitting;
    int spinners;              /* threads spinning for work (0 or 1) */
    unsigned spin_us;          /* the loop's spin setting, see below */
    atomic_int ndone;          /* requests in done, read without the lock */
    lab_work *local_head, *local_tail;   /* finished on the loop thread
                                            itself: only the loop touches
                                            them, so no lock, no eventfd */
    pthread_t *threads;
    int wakefd;                /* eventfd: "something is in done" */
    lab_io wake_io;
};

static __thread int this_thread_number;   /* 0 outside the pool */

int lab_pool_thread_number(void) { return this_thread_number; }

/* doc:pool-default-size */
int lab_pool_default_size(void)
{
    static int size;
    if (size == 0) {
        /* libuv's rule (threadpool.c): unset means 4; otherwise the number,
         * with 0 (or junk) raised to 1 and anything else out of range
         * clamped to 1024. */
        const char *env = getenv("UV_THREADPOOL_SIZE");
        long n = env ? strtol(env, NULL, 10) : 4;
        size = n == 0 ? 1 : (n < 0 || n > 1024) ? 1024 : (int)n;
    }
    return size;
}
/* end doc:pool-default-size */

static void append(lab_work **head, lab_work **tail, lab_work *req)
{
    req->next = NULL;
    if (*tail) (*tail)->next = req; else *head = req;
    *tail = req;
}

/* Called with the lock held, so the three numbers agree with each other. */
static void report(lab_pool *pool)
{
    lab_ev *e = lab_ev_new(LAB_EV(POOL));
    lab_ev_int(e, "queued", pool->queued);
    lab_ev_int(e, "busy", pool->busy);
    lab_ev_int(e, "size", pool->size);
    lab_ev_emit(e);
}

/* With the loop set to spin (lab_loop_set_spin), one idle thread also
 * spins a while before sleeping, watching the queue without the lock, so a
 * request that comes soon is taken without a futex wake-up: on a virtual
 * machine waking a sleeping thread costs tens of microseconds, more than
 * copying 64 KiB.  Called and returns with the lock held. */
static void spin_for_work(lab_pool *pool)
{
    pool->spinners++;
    pthread_mutex_unlock(&pool->lock);
    uint64_t until = lab_clock_us() + pool->spin_us;
    for (unsigned i = 1; atomic_load_explicit(&pool->queued, memory_order_relaxed) == 0; i++) {
        if ((i & 255) == 0 && lab_clock_us() >= until) break;
        lab_cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
    pool->spinners--;
    if (!pool->pending_head && !pool->quitting)      /* nothing came: sleep */
        pthread_cond_wait(&pool->has_work, &pool->lock);
}

struct thread_arg { lab_pool *pool; int number; };

static void *pool_thread(void *p)
{
    struct thread_arg arg = *(struct thread_arg *)p;
    free(p);
    lab_pool *pool = arg.pool;
    this_thread_number = arg.number;

    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->pending_head && !pool->quitting) {
            if (pool->spin_us > 0 && pool->spinners == 0) {
                spin_for_work(pool);          /* returns with the lock held */
                continue;
            }
            pthread_cond_wait(&pool->has_work, &pool->lock);
        }
        if (pool->quitting) break;
        lab_work *req = pool->pending_head;
        pool->pending_head = req->next;
        if (!pool->pending_head) pool->pending_tail = NULL;
        /* doc:pool-worker-runs-job */
        pool->queued--;
        pool->busy++;
        req->thread = arg.number;
        req->started_us = lab_clock_us();
        report(pool);
        pthread_mutex_unlock(&pool->lock);

        req->work(req);                      /* the blocking part */

        pthread_mutex_lock(&pool->lock);
        req->finished_us = lab_clock_us();
        pool->busy--;
        append(&pool->done_head, &pool->done_tail, req);
        /* end doc:pool-worker-runs-job */
        atomic_fetch_add_explicit(&pool->ndone, 1, memory_order_release);
        report(pool);
        uint64_t one = 1;
        if (write(pool->wakefd, &one, sizeof one) < 0) { /* counter full: loop is awake anyway */ }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* On the loop thread: call after() for each request of a finished list. */
static void run_after(lab_pool *pool, lab_work *req)
{
    /* doc:pool-run-after */
    while (req) {
        lab_work *next = req->next;      /* after() may reuse req */
        lab_loop_release(pool->loop);
        req->after(req, req->status);
        req = next;
    }
    /* end doc:pool-run-after */
}

/* On the loop thread, when the eventfd says pool threads finished work. */
static void on_wake(lab_io *io, int events)
{
    lab_pool *pool = io->data;
    uint64_t count;
    if (read(pool->wakefd, &count, sizeof count) < 0) { /* spurious */ }
    /* doc:pool-take-done */
    pthread_mutex_lock(&pool->lock);
    lab_work *req = pool->done_head;
    pool->done_head = pool->done_tail = NULL;
    atomic_store_explicit(&pool->ndone, 0, memory_order_relaxed);
    pthread_mutex_unlock(&pool->lock);
    run_after(pool, req);
    /* end doc:pool-take-done */
}

void lab_pool_run_local(lab_pool *pool)
{
    if (!pool || !pool->local_head) return;
    lab_work *req = pool->local_head;
    pool->local_head = pool->local_tail = NULL;
    run_after(pool, req);
}

lab_pool *lab_pool_new(lab_loop *loop)
{
    lab_pool *pool = lab_xcalloc(1, sizeof *pool);
    pool->loop = loop;
    pool->size = lab_pool_default_size();
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->has_work, NULL);
    pool->wakefd = -1;
    return pool;
}

/* Threads start at the first request, as libuv's do. */
static int pool_start(lab_pool *pool)
{
    pool->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pool->wakefd < 0) return -1;
    lab_io_init(pool->loop, &pool->wake_io, pool->wakefd);
    pool->wake_io.data = pool;
    lab_io_unref(&pool->wake_io);        /* queued requests hold the loop */
    lab_io_start(&pool->wake_io, LAB_READABLE, on_wake);

    pool->threads = lab_xcalloc((size_t)pool->size, sizeof *pool->threads);
    /* Pool threads must never receive signals: the loop reads them from
     * its signalfd, so they are blocked here and inherited blocked. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < pool->size; i++) {
        struct thread_arg *arg = lab_xmalloc(sizeof *arg);
        arg->pool = pool;
        arg->number = i + 1;
        if (pthread_create(&pool->threads[i], NULL, pool_thread, arg) != 0) {
            free(arg);
            pool->size = i;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pool->started = true;
    return pool->size > 0 ? 0 : -1;
}

void lab_pool_free(lab_pool *pool)
{
    if (pool->started) {
        pthread_mutex_lock(&pool->lock);
        pool->quitting = true;
        pthread_cond_broadcast(&pool->has_work);
        pthread_mutex_unlock(&pool->lock);
        for (int i = 0; i < pool->size; i++)
            pthread_join(pool->threads[i], NULL);
        lab_io_close(&pool->wake_io);
        close(pool->wakefd);
    }
    free(pool->threads);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->has_work);
    free(pool);
}

int lab_pool_set_size(lab_loop *loop, int size)
{
    lab_pool *pool = lab_loop_pool(loop);
    if (!pool || pool->started || size < 1 || size > 1024) return -1;
    pool->size = size;
    return 0;
}

/* The part both ways of handing in a request share: the pool running, the
 * request filled in, the loop held until after() (released just before). */
static lab_pool *accept_request(lab_loop *loop, lab_work *req,
                                lab_work_cb *work, lab_after_work_cb *after)
{
    lab_pool *pool = lab_loop_pool(loop);
    /* Work already done (lab_queue_done) needs no thread: the pool's
     * threads start with the first request that does. */
    if (!pool || (work && !pool->started && pool_start(pool) < 0)) return NULL;
    req->loop = loop;
    req->work = work;
    req->after = after;
    req->status = 0;
    req->thread = 0;
    lab_loop_hold(loop);
    return pool;
}

int lab_queue_work(lab_loop *loop, lab_work *req,
                   lab_work_cb *work, lab_after_work_cb *after)
{
    lab_pool *pool = accept_request(loop, req, work, after);
    if (!pool) return -1;
    req->queued_us = lab_clock_us();
    pthread_mutex_lock(&pool->lock);
    append(&pool->pending_head, &pool->pending_tail, req);
    pool->queued++;
    report(pool);
    if (pool->spinners == 0 || pool->queued > pool->spinners)
        pthread_cond_signal(&pool->has_work);   /* a spinner needs no wake-up */
    pthread_mutex_unlock(&pool->lock);
    return 0;
}

int lab_queue_done(lab_loop *loop, lab_work *req, lab_after_work_cb *after)
{
    lab_pool *pool = accept_request(loop, req, NULL, after);
    if (!pool) return -1;
    req->started_us = req->queued_us;     /* the caller timed the work */
    /* The loop runs this list after its next poll (lab_pool_run_local) and
     * polls without sleeping while it is not empty: no lock, no eventfd,
     * no thread woken, which is the whole saving. */
    append(&pool->local_head, &pool->local_tail, req);
    return 0;
}

int lab_cancel_work(lab_work *req)
{
    lab_pool *pool = lab_loop_pool(req->loop);
    int rc = -1;
    pthread_mutex_lock(&pool->lock);
    lab_work **p = &pool->pending_head, *prev = NULL;
    while (*p && *p != req) { prev = *p; p = &(*p)->next; }
    if (*p) {                            /* still waiting: take it out */
        *p = req->next;
        if (pool->pending_tail == req) pool->pending_tail = prev;
        pool->queued--;
        req->status = LAB_ECANCELED;
        append(&pool->done_head, &pool->done_tail, req);
        atomic_fetch_add_explicit(&pool->ndone, 1, memory_order_release);
        uint64_t one = 1;
        if (write(pool->wakefd, &one, sizeof one) < 0) { /* loop awake */ }
        report(pool);
        rc = 0;
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}

bool lab_pool_has_done(const lab_pool *pool)
{
    return pool && (pool->local_head ||
                    atomic_load_explicit(&((lab_pool *)pool)->ndone, memory_order_acquire) > 0);
}

void lab_pool_set_spin(lab_pool *pool, unsigned spin_us)
{
    pthread_mutex_lock(&pool->lock);
    pool->spin_us = spin_us;
    pthread_mutex_unlock(&pool->lock);
}

lab_pool_stats lab_pool_get_stats(lab_loop *loop)
{
    lab_pool *pool = lab_loop_pool(loop);
    lab_pool_stats s = { 0, 0, 0 };
    if (!pool) return s;
    pthread_mutex_lock(&pool->lock);
    s.queued = pool->queued;
    s.busy = pool->busy;
    s.size = pool->size;
    pthread_mutex_unlock(&pool->lock);
    return s;
}
