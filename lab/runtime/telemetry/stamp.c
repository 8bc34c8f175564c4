/*
 * stamp.c — an event's timestamp, for less than the clock costs (see
 * tel_impl.h: tel_stamp_us).
 *
 * Every event carries the time it happened, in microseconds.  Asking the
 * kernel's clock — clock_gettime(), answered in user space by the vDSO —
 * costs ~30 ns on this lab's virtual machines (kvm-clock): 3% of a demo
 * that reports an event every microsecond, on its own.  The processor's
 * time-stamp counter (RDTSC) costs ~12 ns and ticks at a constant rate on
 * every core of a modern x86 machine ("constant_tsc" in /proc/cpuinfo) —
 * which is how perf and LTTng timestamp their events.
 *
 * So each thread reads the real clock now and then (at most every
 * millisecond) and, in between, counts ticks from its last reading, at a
 * rate measured over the thread's life so far (the first 10 ms read the
 * clock for every event, to measure it).  The result stays within a
 * microsecond of the clock's (tests/test_telemetry checks it), never goes
 * back, and is the clock itself on a machine without the counter.  A
 * counter that misbehaves — a reading found more than 50 µs from the
 * clock's, or a counter slower to read than the clock — turns the trick off
 * for the process.
 */
#define _GNU_SOURCE
#include "tel_impl.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#define CALIBRATE_NS 10000000u     /* measure the rate over 10 ms at least */
#define SPAN_NS 1000000u           /* then read the clock once a millisecond */
#define TRUST_NS 50000u            /* further than this from the clock: off */
#define TIGHT_NS 500               /* a reading of the clock this narrow: exact enough */

static atomic_bool tsc_off;        /* the counter cannot be trusted here */

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if HAVE_TSC
static __thread struct {
    uint64_t first_tsc, first_ns;  /* the thread's first reading: the rate's start */
    uint64_t tsc, ns;              /* the latest reading of the clock */
    uint64_t span;                 /* SPAN_NS in ticks; 0 until the rate is known */
    double ns_per_tick;
    uint64_t last_us;              /* the last stamp: never go back */
} me;

/* The clock, and the counter at the same instant: the middle of two
 * counter readings around the clock's.  The scheduler may cut such a
 * reading in two (the thread waits for a CPU between them): of up to four
 * tries the narrowest is kept, and *exact says whether it is narrow
 * enough (TIGHT_NS) to count ticks from. */
static uint64_t read_clock(uint64_t *tsc, bool *exact)
{
    uint64_t best_ns = 0, best_width = UINT64_MAX;
    for (int i = 0; i < 4; i++) {
        uint64_t before = __rdtsc();
        uint64_t ns = clock_ns();
        uint64_t after = __rdtsc();
        if (after - before < best_width) {
            best_width = after - before;
            best_ns = ns;
            *tsc = before + best_width / 2;
        }
        if (me.span && (double)best_width * me.ns_per_tick < TIGHT_NS) break;
    }
    /* Before the rate is known, the narrowest of four is taken on trust. */
    *exact = !me.span || (double)best_width * me.ns_per_tick < TIGHT_NS;
    return best_ns;
}

static uint64_t keep_order(uint64_t us)
{
    if (us < me.last_us) us = me.last_us;
    me.last_us = us;
    return us;
}

uint64_t tel_stamp_us(void)
{
    if (atomic_load_explicit(&tsc_off, memory_order_relaxed)) return clock_ns() / 1000u;
    uint64_t tsc = __rdtsc();
    if (me.span && tsc - me.tsc < me.span)          /* the common case */
        return keep_order((me.ns + (uint64_t)((double)(tsc - me.tsc) * me.ns_per_tick)) / 1000u);

    bool exact;
    uint64_t ns = read_clock(&tsc, &exact);
    if (!exact) return keep_order(ns / 1000u);      /* cut: the clock, once */
    if (me.span) {                                  /* was the counter right? */
        uint64_t guess = me.ns + (uint64_t)((double)(tsc - me.tsc) * me.ns_per_tick);
        if (guess > ns + TRUST_NS || ns > guess + TRUST_NS) atomic_store(&tsc_off, true);
    }
    if (!me.first_tsc) {
        me.first_tsc = tsc;
        me.first_ns = ns;
    } else if (ns - me.first_ns >= CALIBRATE_NS && tsc > me.first_tsc) {
        me.ns_per_tick = (double)(ns - me.first_ns) / (double)(tsc - me.first_tsc);
        me.span = (uint64_t)(SPAN_NS / me.ns_per_tick);
    }
    me.tsc = tsc;
    me.ns = ns;
    return keep_order(ns / 1000u);
}

/* A counter that costs as much as the clock (a hypervisor that traps
 * RDTSC) is not worth it: measured once, when the telemetry opens. */
void tel_stamp_check(void)
{
    uint64_t t0 = clock_ns();
    uint64_t sum = 0;
    for (int i = 0; i < 64; i++) sum += __rdtsc();
    uint64_t t1 = clock_ns();
    for (int i = 0; i < 64; i++) sum += clock_ns();
    uint64_t t2 = clock_ns();
    if (t1 - t0 >= t2 - t1 || sum == 0) atomic_store(&tsc_off, true);
}
#else
uint64_t tel_stamp_us(void) { return clock_ns() / 1000u; }
void tel_stamp_check(void) {}
#endif
