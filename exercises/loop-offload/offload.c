/*
 * offload.c — exercise loop-offload.  Your file: make the tests pass.
 *
 * Right now count_primes_async() does the obvious thing: it counts on the
 * calling thread — the loop thread — and calls back at once.  It gets the
 * right answer, and it freezes the loop while it does.
 *
 * TODO: run count_primes() on the thread pool (lab_queue_work in pool.h)
 * and deliver the result from the pool's after-callback, which runs on the
 * loop thread.  The request and its data must outlive this function call.
 */
#include "offload.h"
#include "pool.h"

#include <stdlib.h>

int count_primes_async(lab_loop *loop, uint64_t limit, primes_done_cb *done, void *arg)
{
    (void)loop;
    uint64_t count = count_primes(limit);   /* TODO: not here — on the pool */
    done(count, arg);                       /* TODO: later, on the loop thread */
    return 0;
}
