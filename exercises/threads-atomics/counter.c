/*
 * counter.c — exercise threads-atomics.  Your file: make the tests pass.
 *
 * Nothing here works yet: the barrier refuses everything and the counter
 * counts on the calling thread, with plain `+=`.
 *
 * TODO:
 *   1. barrier_arrive: remember b->round (the ticket), Atomics.add your
 *      arrival; the last of `parties` resets `arrived`, moves `round` on
 *      and notifies every sleeper on `round`;
 *   2. barrier_await: sleep with lab_atomics_wait on `round` while it
 *      still holds the ticket — look again after each wake-up, "ok" is
 *      not proof it opened; "not-equal" means already open;
 *   3. barrier_wait: the two together;
 *   4. count_together: pthread_create nthreads threads; each waits at a
 *      barrier, then adds with lab_atomics_add; join them all.
 */
#include "counter.h"

#include <math.h>
#include <pthread.h>

int barrier_arrive(barrier *b, int parties, int32_t *ticket)
{
    (void)b; (void)parties; (void)ticket;
    return -1;                                  /* TODO */
}

int barrier_await(barrier *b, int32_t ticket, double timeout_ms)
{
    (void)b; (void)ticket; (void)timeout_ms;
    return -1;                                  /* TODO */
}

int barrier_wait(barrier *b, int parties, double timeout_ms)
{
    (void)b; (void)parties; (void)timeout_ms;
    return -1;                                  /* TODO */
}

int64_t count_together(int32_t *counter, int nthreads, int per_thread)
{
    (void)nthreads; (void)per_thread;
    return *counter;                            /* TODO: count, in threads */
}
