/* test_offload.c — exercise loop-offload: the tests (one TCase per test). */
#define _GNU_SOURCE                    /* RTLD_NEXT */
#include "offload.h"
#include "pool.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

extern pthread_t count_primes_thread;
extern int count_primes_calls;
extern void (*count_primes_gate)(void);

/* Threads that cannot start, as on a machine out of them: while
 * threads_fail is set, pthread_create fails with EAGAIN.  This one stands
 * in for the C library's in the whole test program (the pool's included). */
static int threads_fail;

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (threads_fail) return EAGAIN;
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
    return real(t, attr, fn, arg);
}

typedef struct {
    int calls;
    uint64_t count;
    pthread_t thread;
    int beats_before_done;
    int returned;              /* count_primes_async had returned */
    int done_before_return;
} result;

static int beats;
static pthread_mutex_t beat_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t beat_cond = PTHREAD_COND_INITIALIZER;

static void on_done(uint64_t count, void *arg)
{
    result *r = arg;
    r->calls++;
    r->count = count;
    r->thread = pthread_self();
    r->beats_before_done = beats;
    if (!r->returned) r->done_before_return = 1;
}

static void on_beat(lab_timer *t)
{
    pthread_mutex_lock(&beat_lock);
    beats++;
    pthread_cond_signal(&beat_cond);
    pthread_mutex_unlock(&beat_lock);
}

/* count_primes waits here until the heartbeat has fired 5 times: it can
 * only if the loop runs while the count waits, i.e. if the count is off
 * the loop thread.  On the loop thread nothing can beat, and after 5 s
 * the count goes ahead with 0 beats.  An event, not a duration: a busy
 * machine delays the beats, it cannot fake or hide them. */
static void wait_for_beats(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&beat_lock);
    while (beats < 5 && pthread_cond_timedwait(&beat_cond, &beat_lock, &until) == 0) {}
    pthread_mutex_unlock(&beat_lock);
}

/* Runs one count on a fresh loop with a heartbeat every 2 ms. */
static void run_one(uint64_t limit, result *r)
{
    lab_loop *loop = lab_loop_new();
    lab_timer beat;
    lab_timer_init(loop, &beat);
    lab_timer_start(&beat, on_beat, 2, 2);
    lab_timer_unref(&beat);            /* only the count keeps the loop alive */
    beats = 0;
    ck_assert_int_eq(count_primes_async(loop, limit, on_done, r), 0);
    r->returned = 1;
    lab_loop_run(loop);
    lab_loop_free(loop);
}

START_TEST(counts_correctly)
{
    result r = { 0 };
    run_one(100000, &r);
    ck_assert_msg(r.calls == 1, "done was called %d times, wanted once", r.calls);
    ck_assert_msg(r.count == 9592, "counted %llu primes below 100000, wanted 9592",
                  (unsigned long long)r.count);
}
END_TEST

START_TEST(counting_runs_on_a_pool_thread)
{
    result r = { 0 };
    run_one(20000, &r);
    ck_assert_msg(count_primes_calls == 1, "count_primes ran %d times", count_primes_calls);
    ck_assert_msg(!pthread_equal(count_primes_thread, pthread_self()),
                  "count_primes ran on the loop thread: it must run on the pool");
}
END_TEST

START_TEST(callback_runs_later_on_the_loop_thread)
{
    result r = { 0 };
    run_one(20000, &r);
    ck_assert_msg(r.calls == 1, "done was called %d times, wanted once", r.calls);
    ck_assert_msg(!r.done_before_return,
                  "done was called before count_primes_async returned: call back later");
    ck_assert_msg(pthread_equal(r.thread, pthread_self()),
                  "done ran on a pool thread: it must run on the loop thread");

    /* No pool thread can start: the work cannot be queued, so -1, and
     * done never runs. */
    result none = { 0 };
    lab_loop *loop = lab_loop_new();
    threads_fail = 1;
    int rc = count_primes_async(loop, 1000, on_done, &none);
    threads_fail = 0;
    none.returned = 1;
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_msg(rc == -1, "no pool thread could start (pthread_create failed), so lab_queue_work "
                  "returned -1: count_primes_async returned %d, wanted -1", rc);
    ck_assert_msg(none.calls == 0, "done was called for work that was never queued");
}
END_TEST

START_TEST(loop_stays_responsive)
{
    /* The count waits for 5 heartbeats (wait_for_beats) before it starts. */
    result r = { 0 };
    count_primes_gate = wait_for_beats;
    run_one(200000, &r);
    ck_assert_msg(r.calls == 1, "done was called %d times, wanted once", r.calls);
    ck_assert_msg(r.beats_before_done >= 5,
                  "the 2 ms heartbeat fired %d times while counting: the loop was blocked",
                  r.beats_before_done);
}
END_TEST

static void on_done_many(uint64_t count, void *arg)
{
    uint64_t *slot = arg;
    *slot = count + 1;                 /* +1: 0 means "never called" */
}

START_TEST(several_counts_at_once)
{
    static const uint64_t limits[] = { 10, 100, 1000, 10000, 100000, 50000 };
    static const uint64_t want[] = { 4, 25, 168, 1229, 9592, 5133 };
    uint64_t got[6] = { 0 };
    lab_loop *loop = lab_loop_new();
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(count_primes_async(loop, limits[i], on_done_many, &got[i]), 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(got[i] == want[i] + 1, "count below %llu: got %lld, wanted %llu",
                      (unsigned long long)limits[i], (long long)got[i] - 1,
                      (unsigned long long)want[i]);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("loop-offload");
    struct { const char *name; const TTest *test; } cases[] = {
        { "counts_correctly", counts_correctly },
        { "counting_runs_on_a_pool_thread", counting_runs_on_a_pool_thread },
        { "callback_runs_later_on_the_loop_thread", callback_runs_later_on_the_loop_thread },
        { "loop_stays_responsive", loop_stays_responsive },
        { "several_counts_at_once", several_counts_at_once },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 10);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
