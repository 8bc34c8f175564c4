/* lag.c — the loop-lag meter (see lag.h). */
#include "lag.h"
#include "events.h"
#include "telemetry.h"

static void on_tick(lab_timer *t)
{
    lab_lag *lag = t->data;
    uint64_t now = lab_clock_us();
    double ms = now > lag->expected_us ? (double)(now - lag->expected_us) / 1000.0 : 0.0;
    lag->expected_us = now + lag->interval_ms * 1000u;
    lag->last_ms = ms;
    if (ms > lag->max_ms) lag->max_ms = ms;
    lag->samples++;
    lab_ev *e = lab_ev_new(LAB_EV(LAG));
    lab_ev_num(e, "ms", (double)(int64_t)(ms * 1000.0) / 1000.0);
    lab_ev_emit(e);
    if (lag->on_sample) lag->on_sample(lag, ms);
}

void lab_lag_start(lab_loop *loop, lab_lag *lag, uint64_t interval_ms)
{
    lab_timer_init(loop, &lag->timer);
    lag->timer.data = lag;
    lag->interval_ms = interval_ms;
    lag->expected_us = lab_clock_us() + interval_ms * 1000u;
    lag->last_ms = lag->max_ms = 0;
    lag->samples = 0;
    lab_timer_start(&lag->timer, on_tick, interval_ms, interval_ms);
    lab_timer_unref(&lag->timer);
}

void lab_lag_stop(lab_lag *lag) { lab_timer_stop(&lag->timer); }
