/*
 * bench_firehose.c — bench.firehose, a hidden demo for `make bench`
 * (bench/telemetry.sh): what telemetry costs at a million events a second.
 *
 * One thread does a fixed piece of work per step (a calibrated busy loop,
 * about work_ns long) and, with emit=1, reports each step as a `push` of
 * a stream named "firehose", the shape of the runtime's busiest event.
 * The same run with emit=0 does the same work and reports nothing: the
 * difference in elapsed time is the telemetry's cost on the demo.  On a
 * shared machine two runs are seconds apart under different loads, so
 * emit=2 measures within one run: blocks of steps alternate, reported and
 * silent, and the summary compares the time of the two halves — by the
 * wall clock (overhead) and by the thread's own CPU time (overhead_cpu,
 * which a busy machine's scheduling does not blur).  The
 * summary compares what the demo emitted with the telemetry's own exact
 * totals (lab_tel_totals_of), which count every event even when the
 * reader fell behind and records were dropped.
 */
#include "demo.h"
#include "events.h"
#include "loop.h"
#include "telemetry.h"

#include <stdint.h>
#include <time.h>

#define BLOCK 10000            /* steps per block with emit=2 */

static volatile uint64_t sink;             /* keeps the work from being optimised away */

static uint64_t spin(uint64_t iterations, uint64_t x)
{
    for (uint64_t i = 0; i < iterations; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

/* Iterations of spin() per microsecond on this machine: the best of a
 * few tries, since a try the scheduler interrupted looks slower. */
static double calibrate(void)
{
    uint64_t n = 1000, t0, t;
    for (;;) {
        t0 = lab_clock_us();
        sink = spin(n, t0);
        t = lab_clock_us() - t0;
        if (t >= 5000) break;
        n *= 2;
    }
    double best = (double)n / (double)t;
    for (int i = 0; i < 10; i++) {
        t0 = lab_clock_us();
        sink = spin(n, t0);
        t = lab_clock_us() - t0;
        if (t > 0 && (double)n / (double)t > best) best = (double)n / (double)t;
    }
    return best;
}

/* The CPU time this thread has had: unlike the wall clock, it does not
 * count the time the thread waited for a CPU, which on a busy machine
 * differs between two blocks by more than the telemetry costs. */
static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int firehose_run(lab_demo *d)
{
    lab_demo_announce(d);
    int64_t events = lab_demo_int(d, "events"), work_ns = lab_demo_int(d, "work_ns");
    int64_t mode = lab_demo_int(d, "emit");
    /* spin=N fixes the work per step, so that separate runs (emit=0 and
     * emit=1, headless and in the lab) do exactly the same work; else it
     * is calibrated to work_ns, which differs a little from run to run. */
    uint64_t per_step = lab_demo_int(d, "spin") > 0
                            ? (uint64_t)lab_demo_int(d, "spin")
                            : (uint64_t)(calibrate() * (double)work_ns / 1000.0 + 0.5);
    lab_tel_totals before = lab_tel_totals_of(LAB_EV_PUSH);
    uint64_t dropped_before = lab_tel_dropped();
    uint64_t x = 1, t0 = lab_clock_us(), block_start = t0, time_on = 0, time_off = 0;
    uint64_t cpu_start = thread_cpu_us(), cpu_on = 0, cpu_off = 0;
    int64_t bytes = 0, falses = 0, emitted = 0;
    for (int64_t i = 0; i < events; i++) {
        bool emit = mode == 1 || (mode == 2 && (i / BLOCK) % 2 == 0);
        if (mode == 2 && i % BLOCK == BLOCK - 1) {        /* a block ends */
            uint64_t now = lab_clock_us(), cpu = thread_cpu_us();
            *(emit ? &time_on : &time_off) += now - block_start;
            *(emit ? &cpu_on : &cpu_off) += cpu - cpu_start;
            block_start = now;
            cpu_start = cpu;
        }
        x = spin(per_step, x);
        if (!emit) continue;
        int64_t size = 64 + (i & 63);
        bool ret = (i & 7) != 0;
        bytes += size;
        falses += !ret;
        emitted++;
        /* The call a readable makes for each push (stream.c). */
        lab_tel_flow(LAB_EV(PUSH), "firehose", size, i & 1023, 65536, ret);
    }
    uint64_t elapsed = lab_clock_us() - t0;
    sink = x;
    lab_tel_totals after = lab_tel_totals_of(LAB_EV_PUSH);
    uint64_t counted = after.events - before.events;
    /* The summary must not be the record a full ring drops: let the
     * reader catch up first (for a few seconds at most). */
    for (uint64_t until = lab_clock_us() + 5000000; lab_tel_pending() && lab_clock_us() < until;) {
        lab_tel_flush();
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "events", emitted);
    lab_ev_int(e, "work_ns", work_ns);
    lab_ev_int(e, "spin", (int64_t)per_step);
    lab_ev_int(e, "elapsed_us", (int64_t)elapsed);
    lab_ev_int(e, "events_per_s", elapsed ? (int64_t)((double)events * 1e6 / (double)elapsed) : 0);
    lab_ev_int(e, "counted", (int64_t)counted);
    lab_ev_int(e, "counted_bytes", (int64_t)(after.bytes - before.bytes));
    lab_ev_int(e, "counted_falses", (int64_t)(after.falses - before.falses));
    lab_ev_int(e, "dropped", (int64_t)(lab_tel_dropped() - dropped_before));
    if (mode == 2) {
        lab_ev_int(e, "reported_us", (int64_t)time_on);
        lab_ev_int(e, "silent_us", (int64_t)time_off);
        lab_ev_num(e, "overhead", time_off ? (double)time_on / (double)time_off - 1 : 0);
        lab_ev_int(e, "reported_cpu_us", (int64_t)cpu_on);
        lab_ev_int(e, "silent_cpu_us", (int64_t)cpu_off);
        lab_ev_num(e, "overhead_cpu", cpu_off ? (double)cpu_on / (double)cpu_off - 1 : 0);
    }
    lab_ev_bool(e, "exact", (counted == (uint64_t)emitted &&
                                      after.bytes - before.bytes == (uint64_t)bytes &&
                                      after.falses - before.falses == (uint64_t)falses));
    lab_ev_emit(e);
    return 0;
}

const lab_demo_def lab_demo_bench_firehose = {
    .name = "bench.firehose",
    .chapter = 0,
    .summary = "a million telemetry events a second (for make bench)",
    .shows = "what watching costs: the same work with emit=1 and emit=0",
    .duration_s = 60,
    .params = {
        { "events", LAB_PARAM_INT, 10000000, 1, 1000000000, NULL, "events",
          "how many steps (each one event with emit=1)", false },
        { "work_ns", LAB_PARAM_INT, 900, 0, 1000000, NULL, "ns",
          "busy work per step: 900 makes about a million steps a second", false },
        { "spin", LAB_PARAM_INT, 0, 0, 100000000, NULL, "iterations",
          "busy-loop iterations per step (0: calibrate to work_ns); a summary's "
          "spin repeats a run's work exactly", false },
        { "emit", LAB_PARAM_INT, 1, 0, 2, NULL, "0/1/2",
          "1: report every step as a push event; 0: the same work, silent; "
          "2: blocks of 10000 steps, reported and silent in turn", false },
    },
    .run = firehose_run,
    .hidden = true,
};
