/* primes.c — exercise loop-offload: the slow computation (given; do not edit). */
#include "offload.h"

#include <pthread.h>

/* The tests look here to see which thread did the counting. */
pthread_t count_primes_thread;
int count_primes_calls;
/* ... and may hold the count back until the loop has shown it is alive. */
void (*count_primes_gate)(void);

uint64_t count_primes(uint64_t limit)
{
    count_primes_thread = pthread_self();
    __atomic_add_fetch(&count_primes_calls, 1, __ATOMIC_SEQ_CST);
    if (count_primes_gate) count_primes_gate();
    uint64_t count = 0;
    for (uint64_t n = 2; n < limit; n++) {
        int prime = 1;
        for (uint64_t k = 2; k * k <= n; k++)
            if (n % k == 0) { prime = 0; break; }
        count += (uint64_t)prime;
    }
    return count;
}
