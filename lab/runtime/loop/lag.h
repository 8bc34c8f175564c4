/*
 * lag.h — measuring how late the loop is.
 *
 * A timer asked to fire every N ms can only fire when the loop gets round
 * to it.  If a callback computes for 300 ms, the timer fires ~300 ms late:
 * that lateness is the loop's lag, the number Node's
 * perf_hooks.monitorEventLoopDelay() reports.  This meter is such a timer.
 * Each time it fires it emits {"ev":"lag","ms":...} and remembers the max.
 */
#ifndef LAB_LAG_H
#define LAB_LAG_H

#include "loop.h"

typedef struct lab_lag {
    lab_timer timer;
    uint64_t interval_ms;
    uint64_t expected_us;      /* when the next tick should come */
    double last_ms, max_ms;
    uint64_t samples;
    void (*on_sample)(struct lab_lag *lag, double ms);  /* optional */
    void *data;
} lab_lag;

/* Samples every interval_ms.  The meter does not keep the loop alive. */
void lab_lag_start(lab_loop *loop, lab_lag *lag, uint64_t interval_ms);
void lab_lag_stop(lab_lag *lag);

#endif
