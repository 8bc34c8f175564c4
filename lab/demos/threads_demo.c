/* threads_demo.c — helpers of the Chapter 5 thread demos (threads_demo.h). */
#include "threads_demo.h"

#include <time.h>

uint64_t thd_thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t thd_burn_cpu_us(uint64_t us)
{
    uint64_t until = thd_thread_cpu_us() + us, x = 88172645463325252u;
    do {
        /* A few thousand steps of xorshift between two looks at the
         * clock: reading a thread's CPU clock is a system call. */
        for (int i = 0; i < 4096; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    } while (thd_thread_cpu_us() < until);
    return x;
}
