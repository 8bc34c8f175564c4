/*
 * threads_demo.h — what the Chapter 5 thread demos share (threads_demo.c):
 *
 *   threads_actors.c         `threads.actors`: a pipeline of actor threads
 *   threads_shared_memory.c  `threads.shared-memory`: one counter, many
 *                            threads, four ways; wait/notify; no-copy reads
 *   threads_transfer.c       `threads.transfer`: postMessage's copy against
 *                            a transfer, by message size
 */
#ifndef NL_THREADS_DEMO_H
#define NL_THREADS_DEMO_H

#include "demo.h"

#include <stdint.h>

/* Keeps the calling thread computing until it has used us microseconds
 * of CPU (its own CPU clock, not the wall's: on a busy machine the work
 * takes longer, but it is the same work).  Returns a value that depends
 * on the work, so the compiler cannot drop it. */
uint64_t thd_burn_cpu_us(uint64_t us);

/* CPU time used by the calling thread so far, in microseconds. */
uint64_t thd_thread_cpu_us(void);

#endif
