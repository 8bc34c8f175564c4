/*
 * counter.c — exercise threads-atomics, reference solution.
 *
 * The barrier is two cells.  Arriving is one Atomics.add on `arrived`:
 * the thread whose add brings it to `parties` is the last, and only that
 * one touches `round`.  Everyone else sleeps on `round` with the value it
 * read before arriving as the expected value — so if the last arrival
 * moves `round` on between our add and our wait, the kernel sees the
 * change and the wait answers "not-equal" at once instead of sleeping
 * through the wake-up it missed.  And a wake-up is not an opening: a
 * late notify from the round before can wake a sleeper of this one, so
 * the sleeper looks at `round` again before it goes on.
 */
#include "counter.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

int barrier_arrive(barrier *b, int parties, int32_t *ticket)
{
    if (parties < 1 || parties > COUNTER_MAX_THREADS) return -1;
    /* Read the round before arriving: once we have arrived, the last
     * arrival may open the barrier at any moment. */
    *ticket = lab_atomics_load(&b->round);
    if (lab_atomics_add(&b->arrived, 1) + 1 < parties) return 0;
    /* Last: nobody else can arrive in this round, so resetting is safe;
     * reset before opening, or a fast thread could arrive in the next
     * round and see the old count. */
    lab_atomics_store(&b->arrived, 0);
    lab_atomics_add(&b->round, 1);
    lab_atomics_notify(&b->round, -1);
    return 1;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int barrier_await(barrier *b, int32_t ticket, double timeout_ms)
{
    /* "ok" says only that someone notified `round`, not that our round is
     * over: the opener of the round before may notify late, after we have
     * gone on and are asleep in the next one.  The barrier is open when
     * `round` has moved past the ticket; until then, sleep again for the
     * time that is left.  ("not-equal": it moved before we slept.) */
    double until = now_ms() + timeout_ms;
    while (lab_atomics_load(&b->round) == ticket) {
        double left = isfinite(timeout_ms) ? until - now_ms() : INFINITY;
        if (lab_atomics_wait(&b->round, ticket, left > 0 ? left : 0) == LAB_WAIT_TIMED_OUT)
            return lab_atomics_load(&b->round) == ticket ? -1 : 0;
    }
    return 0;
}

int barrier_wait(barrier *b, int parties, double timeout_ms)
{
    int32_t ticket;
    int r = barrier_arrive(b, parties, &ticket);
    if (r != 0) return r;
    return barrier_await(b, ticket, timeout_ms);
}

typedef struct {
    int32_t *counter;
    int per_thread, parties;
    barrier start;
} job;

static void *adder(void *arg)
{
    job *j = arg;
    barrier_wait(&j->start, j->parties, INFINITY);
    for (int i = 0; i < j->per_thread; i++) lab_atomics_add(j->counter, 1);
    return NULL;
}

int64_t count_together(int32_t *counter, int nthreads, int per_thread)
{
    if (nthreads < 1 || nthreads > COUNTER_MAX_THREADS || per_thread < 0) return -1;
    job j = { .counter = counter, .per_thread = per_thread, .parties = nthreads };
    pthread_t t[COUNTER_MAX_THREADS];
    /* (A thread that cannot be created would leave the others waiting at
     * the barrier forever: out of threads, give up loudly.) */
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, adder, &j) != 0) abort();
    for (int i = 0; i < nthreads; i++) pthread_join(t[i], NULL);
    return lab_atomics_load(counter);
}
