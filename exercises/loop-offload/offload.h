/*
 * offload.h — exercise loop-offload: the API you implement.
 *
 * count_primes() (primes.c, given) is slow on purpose: it counts primes by
 * trial division and takes hundreds of milliseconds for large limits.
 * Called on the loop thread, it freezes every timer and every descriptor
 * of the program for that long.  Your job: count_primes_async() gets the
 * same answer without ever blocking the loop.
 */
#ifndef OFFLOAD_H
#define OFFLOAD_H

#include "loop.h"
#include <stdint.h>

typedef void primes_done_cb(uint64_t count, void *arg);

/* Counts the primes below limit without blocking the loop, then calls
 * done(count, arg) once, on the loop thread, after count_primes_async()
 * has returned.  Returns 0, or -1 if the work could not be queued. */
int count_primes_async(lab_loop *loop, uint64_t limit, primes_done_cb *done, void *arg);

/* Given (primes.c): the slow, blocking count. */
uint64_t count_primes(uint64_t limit);

#endif
