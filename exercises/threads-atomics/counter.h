/*
 * counter.h — exercise threads-atomics: the API you implement.
 *
 * Two pieces of shared-memory machinery built on shared.h (Node's
 * SharedArrayBuffer and Atomics):
 *
 *   - a reusable barrier: `parties` threads meet, nobody goes on until the
 *     last one has arrived, then all go on together.  Made of one
 *     Atomics.add (arrive), one Atomics.wait (sleep until the round
 *     changes) and one Atomics.notify (the last arrival wakes the others);
 *   - a counter that several threads increment at once and that loses no
 *     update: Atomics.add, never `(*counter)++`.
 *
 * Everything here may be called from any thread.
 */
#ifndef COUNTER_H
#define COUNTER_H

#include "shared.h"

#include <stdint.h>

#define COUNTER_MAX_THREADS 16

/* The barrier's state: two Int32Array cells, zero-filled to start (in a
 * lab_shared region, or anywhere the threads can all reach). */
typedef struct {
    int32_t arrived;           /* arrivals in the current round */
    int32_t round;             /* +1 each time the barrier opens */
} barrier;

/* Arrives at the barrier of `parties` threads (1..COUNTER_MAX_THREADS).
 * *ticket receives the round this arrival belongs to (the value of
 * b->round before the barrier opens), for barrier_await().  Returns 1 if
 * this was the last arrival — it opened the barrier: the next round starts
 * with nobody arrived, and every thread asleep in this round is woken —
 * 0 if others are still missing, -1 if parties is out of range (nothing
 * changed). */
int barrier_arrive(barrier *b, int parties, int32_t *ticket);

/* Waits until the round `ticket` is over (the barrier opened), at most
 * timeout_ms milliseconds (INFINITY: no limit), sleeping in Atomics.wait —
 * no busy loop.  Returns 0 once it is over — at once if it already is
 * (Atomics.wait then answers "not-equal": the barrier opened between the
 * arrival and the wait), -1 if the time ran out first ("timed-out").
 * A wake-up alone does not say the round is over: a notify can come that
 * was meant for another round (or for nobody).  Only `round` moving past
 * the ticket does. */
int barrier_await(barrier *b, int32_t ticket, double timeout_ms);

/* barrier_arrive + barrier_await: returns 1 for the thread that opened the
 * barrier (it does not wait), 0 for the others once it opened, -1 on a
 * timeout or bad arguments. */
int barrier_wait(barrier *b, int parties, double timeout_ms);

/* Starts `nthreads` threads (1..COUNTER_MAX_THREADS) that first meet at a
 * barrier (so they all start counting together), then each add 1 to
 * *counter `per_thread` times (>= 0) with lab_atomics_add.  Returns once
 * every thread has ended (joined), with the counter's final value; the
 * counter is added to, not reset.  -1 for arguments out of range (no
 * thread started, counter untouched). */
int64_t count_together(int32_t *counter, int nthreads, int per_thread);

#endif
