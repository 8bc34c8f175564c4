/* test_pipeline.c — exercise threads-actors: the tests (one TCase per test).
 * Judged by values, their order, and what each stage's thread recorded
 * (stages.c: which thread ran it, its CPU time) — never by the clock.
 *
 * bench/mutants.py: 35 of 41 killed; the 6 survivors are equivalent for
 * what a test can see:
 * `sink_closed = true` made false and `exited++` made `--` (the job is
 * never freed: a leak), and the `return -1` after calloc or
 * lab_channel_new fails (out of memory or descriptors). */
#define _GNU_SOURCE
#include "pipeline.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_RESULTS = 1024 };

typedef struct {
    int64_t got[MAX_RESULTS];
    size_t results, done_count;
    int done_calls;
    bool returned, early, after_done;
} outcome;

static void on_result(int64_t value, void *arg)
{
    outcome *o = arg;
    if (!o->returned) o->early = true;
    if (o->done_calls) o->after_done = true;
    if (o->results < MAX_RESULTS) o->got[o->results] = value;
    o->results++;
}

static void on_done(size_t count, void *arg)
{
    outcome *o = arg;
    if (!o->returned) o->early = true;
    o->done_calls++;
    o->done_count = count;
}

static void *nothing(void *arg) { return arg; }

/* The threads of this process.  The first call starts and joins one
 * thread: under ThreadSanitizer (as the grader runs these tests) that
 * starts the race detector's own background thread, which would
 * otherwise appear between two counts and look like a stage left running. */
static int thread_count(void)
{
    static bool settled;
    if (!settled) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) == 0) pthread_join(t, NULL);
        settled = true;
    }
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static int64_t expected(int stages, int64_t v)
{
    for (int k = 1; k <= stages; k++) v = stage_function(k, v);
    return v;
}

/* Runs a pipeline over inputs on a fresh loop, to its end. */
static void run(int stages, const int64_t *inputs, size_t n, outcome *o)
{
    memset(o, 0, sizeof *o);
    memset(pipeline_evidence, 0, sizeof pipeline_evidence);
    lab_loop *loop = lab_loop_new();
    ck_assert_msg(pipeline_run(loop, stages, inputs, n, on_result, on_done, o) == 0,
                  "pipeline_run with %d stages and %zu inputs should return 0", stages, n);
    o->returned = true;
    lab_loop_run(loop);
    lab_loop_free(loop);
}

static void check_results(int stages, const int64_t *inputs, size_t n, const outcome *o)
{
    ck_assert_msg(!o->early, "%d stages: a result or the end came before pipeline_run returned — the "
                  "work belongs in the actors, the results come back through the loop", stages);
    ck_assert_msg(o->results == n, "%d stages, %zu inputs: %zu results", stages, n, o->results);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(o->got[i] == expected(stages, inputs[i]), "%d stages: result %zu is %lld, wanted "
                      "%lld (input %lld through every stage, in order, results in input order)",
                      stages, i + 1, (long long)o->got[i], (long long)expected(stages, inputs[i]),
                      (long long)inputs[i]);
    ck_assert_msg(o->done_calls == 1 && o->done_count == n, "%d stages: on_done called %d times (with %zu), "
                  "wanted once with %zu", stages, o->done_calls, o->done_count, n);
    ck_assert_msg(!o->after_done, "%d stages: a result came after on_done", stages);
}

static void numbers(int64_t *v, size_t n, int64_t seed)
{
    for (size_t i = 0; i < n; i++) v[i] = seed + (int64_t)(i * i) - 37 * (int64_t)i;
}

START_TEST(exact_results_in_input_order)
{
    int64_t in[300];
    numbers(in, 300, 1000);
    outcome o;
    run(3, in, 300, &o);
    check_results(3, in, 300, &o);
}
END_TEST

START_TEST(each_stage_is_an_actor_on_its_own_thread)
{
    int64_t in[200];
    numbers(in, 200, -50);
    outcome o;
    run(4, in, 200, &o);
    ck_assert_msg(!o.early, "results came before pipeline_run returned");
    for (int k = 1; k <= 4; k++) {
        const stage_evidence *e = &pipeline_evidence[k];
        ck_assert_msg(e->calls == 200, "stage %d ran %llu times for 200 inputs", k, (unsigned long long)e->calls);
        ck_assert_msg(e->thread_id > 0, "stage %d ran on the main thread (threadId 0): each stage runs in "
                      "a worker (lab_worker_new)", k);
        ck_assert_msg(e->tid != getpid(), "stage %d ran on the process's main thread", k);
        ck_assert_msg(e->other_threads == 0, "stage %d ran on more than one thread: an actor is one thread",
                      k);
        ck_assert_msg(e->cpu_ns > 0, "stage %d's thread used no CPU time", k);
        for (int l = 1; l < k; l++)
            ck_assert_msg(pipeline_evidence[l].thread_id != e->thread_id,
                          "stages %d and %d ran on the same thread (threadId %d): one worker per stage",
                          l, k, e->thread_id);
    }
}
END_TEST

START_TEST(each_stage_sees_the_values_in_order)
{
    int64_t in[150], v[150];
    numbers(in, 150, 7);
    outcome o;
    run(3, in, 150, &o);
    ck_assert_msg(!o.early, "results came before pipeline_run returned: the stages belong in workers");
    memcpy(v, in, sizeof v);
    for (int k = 1; k <= 3; k++) {
        uint64_t order = 0;
        for (int i = 0; i < 150; i++) {
            order = stage_order_step(order, v[i]);
            v[i] = stage_function(k, v[i]);
        }
        ck_assert_msg(pipeline_evidence[k].calls == 150, "stage %d ran %llu times for 150 inputs", k,
                      (unsigned long long)pipeline_evidence[k].calls);
        ck_assert_msg(pipeline_evidence[k].order == order, "stage %d received the values out of order "
                      "(or not the previous stage's results): each stage takes what the stage before it "
                      "produced, in order", k);
    }
}
END_TEST

START_TEST(done_once_then_every_worker_exits)
{
    int64_t in[50];
    numbers(in, 50, 3);
    int before = thread_count();
    outcome o;
    run(3, in, 50, &o);
    check_results(3, in, 50, &o);
    ck_assert_msg(thread_count() == before, "the loop ended with %d threads still running: every stage's "
                  "worker must exit (close its ports when its input closes)", thread_count() - before);
}
END_TEST

START_TEST(one_stage_and_the_most)
{
    int64_t in[40];
    numbers(in, 40, 99);
    outcome o;
    run(1, in, 40, &o);
    check_results(1, in, 40, &o);
    run(PIPELINE_MAX_STAGES, in, 40, &o);
    check_results(PIPELINE_MAX_STAGES, in, 40, &o);
    for (int k = 1; k <= PIPELINE_MAX_STAGES; k++)
        ck_assert_msg(pipeline_evidence[k].thread_id > 0 && pipeline_evidence[k].calls == 40,
                      "%d stages: stage %d ran %llu times on threadId %d", PIPELINE_MAX_STAGES, k,
                      (unsigned long long)pipeline_evidence[k].calls, pipeline_evidence[k].thread_id);
}
END_TEST

START_TEST(no_inputs_still_ends)
{
    outcome o;
    int before = thread_count();
    run(2, NULL, 0, &o);
    ck_assert_msg(!o.early, "on_done ran before pipeline_run returned");
    ck_assert_msg(o.results == 0 && o.done_calls == 1 && o.done_count == 0,
                  "no inputs: %zu results, on_done %d times (with %zu); wanted none, once with 0",
                  o.results, o.done_calls, o.done_count);
    ck_assert_msg(thread_count() == before, "no inputs: %d threads still running after the loop ended",
                  thread_count() - before);
}
END_TEST

START_TEST(bad_arguments_refused)
{
    static const struct { int stages; bool null_inputs; size_t n; const char *what; } bad[] = {
        { 0, false, 3, "0 stages" }, { -1, false, 3, "-1 stages" },
        { PIPELINE_MAX_STAGES + 1, false, 3, "PIPELINE_MAX_STAGES + 1 stages" },
        { 2, true, 3, "inputs NULL with n = 3" }, { 2, true, 1, "inputs NULL with n = 1" },
    };
    int64_t in[3] = { 1, 2, 3 };
    int before = thread_count();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        outcome o;
        memset(&o, 0, sizeof o);
        lab_loop *loop = lab_loop_new();
        ck_assert_msg(pipeline_run(loop, bad[i].stages, bad[i].null_inputs ? NULL : in, bad[i].n, on_result,
                                   on_done, &o) == -1, "pipeline_run with %s should return -1", bad[i].what);
        lab_loop_run(loop);
        lab_loop_free(loop);
        ck_assert_msg(o.results == 0 && o.done_calls == 0, "pipeline_run with %s: a callback ran",
                      bad[i].what);
    }
    ck_assert_msg(thread_count() == before, "a refused pipeline_run started %d threads",
                  thread_count() - before);
    outcome o;
    run(2, in, 3, &o);
    check_results(2, in, 3, &o);
}
END_TEST

START_TEST(inputs_are_sent_before_it_returns)
{
    int64_t *in = malloc(100 * sizeof *in), copy[100];
    numbers(in, 100, 55);
    memcpy(copy, in, sizeof copy);
    outcome o;
    memset(&o, 0, sizeof o);
    memset(pipeline_evidence, 0, sizeof pipeline_evidence);
    lab_loop *loop = lab_loop_new();
    ck_assert_int_eq(pipeline_run(loop, 2, in, 100, on_result, on_done, &o), 0);
    o.returned = true;
    for (int i = 0; i < 100; i++) in[i] = -1;  /* the caller reuses its array */
    free(in);
    lab_loop_run(loop);
    lab_loop_free(loop);
    check_results(2, copy, 100, &o);
}
END_TEST

/* The exercise is built with ThreadSanitizer ("sanitize": "thread" in
 * exercise.json): every memory access of the student's code is watched,
 * and the first two that touch the same bytes from two threads, one a
 * write, with no lock, atomic or message ordering them, stop the test
 * with TSan's report.  Any test can hit that; this one gives a race every
 * chance to happen — the most stages, many values, twice — and is there
 * so that "no data race" has its own line and points. */
START_TEST(no_data_race)
{
    enum { N = 600 };
    int64_t *in = malloc(N * sizeof *in);
    numbers(in, N, 11);
    outcome *o = malloc(sizeof *o);
    for (int round = 0; round < 2; round++) {
        run(PIPELINE_MAX_STAGES, in, N, o);
        check_results(PIPELINE_MAX_STAGES, in, N, o);
    }
    free(o);
    free(in);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("threads-actors");
    struct { const char *name; const TTest *test; } cases[] = {
        { "exact_results_in_input_order", exact_results_in_input_order },
        { "each_stage_is_an_actor_on_its_own_thread", each_stage_is_an_actor_on_its_own_thread },
        { "each_stage_sees_the_values_in_order", each_stage_sees_the_values_in_order },
        { "done_once_then_every_worker_exits", done_once_then_every_worker_exits },
        { "one_stage_and_the_most", one_stage_and_the_most },
        { "no_inputs_still_ends", no_inputs_still_ends },
        { "bad_arguments_refused", bad_arguments_refused },
        { "inputs_are_sent_before_it_returns", inputs_are_sent_before_it_returns },
        { "no_data_race", no_data_race },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
