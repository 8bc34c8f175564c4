/* test_counter.c — exercise threads-atomics: the tests (one TCase per test).
 * Judged by values and by the runtime's own operation counts
 * (lab_atomics_counts: how many adds, waits, "timed-out"s... this process
 * did), never by how long anything took.
 *
 * bench/mutants.py: 42 of 42 killed. */
#define _GNU_SOURCE
#include "counter.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Threads of this process, from /proc: a refused call must start none. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* The scheduler's state of thread tid: 'S' when it sleeps (in a futex,
 * here), 'R' when it runs or could. */
static char thread_state(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f) return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');                 /* after "pid (name)" */
    return p && p[1] == ' ' ? p[2] : '?';
}

/* ---- the counter ------------------------------------------------------------- */

START_TEST(counts_exactly_under_contention)
{
    lab_shared *s = lab_shared_new(64);
    int32_t *cell = &lab_shared_int32(s)[3];
    cell[0] = 7;
    lab_atomics_count before = lab_atomics_counts();
    int64_t got = count_together(cell, 4, 200000);
    lab_atomics_count after = lab_atomics_counts();
    ck_assert_msg(got == 800007, "4 threads x 200000 increments on a counter at 7: count_together "
                  "returned %lld, wanted 800007", (long long)got);
    ck_assert_msg(lab_atomics_load(cell) == 800007, "the counter holds %d after 4 x 200000 increments "
                  "from 7, wanted 800007", lab_atomics_load(cell));
    ck_assert_msg(after.add - before.add >= 800000, "only %llu Atomics.add calls for 800000 increments: "
                  "`(*counter)++` on shared memory loses updates, use lab_atomics_add",
                  (unsigned long long)(after.add - before.add));
    ck_assert_msg(after.waits > before.waits, "the threads never waited in Atomics.wait: meet at a "
                  "barrier_wait before counting, so they all start together");
    ck_assert_msg(thread_count() == 1, "%d threads still run after count_together returned: join them",
                  thread_count() - 1);
    lab_shared_unref(s);
}
END_TEST

START_TEST(one_thread_and_the_most)
{
    int32_t cell = 0;
    ck_assert_msg(count_together(&cell, 1, 1000) == 1000, "1 thread x 1000: got %d, wanted 1000", cell);
    ck_assert_msg(count_together(&cell, COUNTER_MAX_THREADS, 1000) == 1000 + COUNTER_MAX_THREADS * 1000,
                  "COUNTER_MAX_THREADS threads x 1000 after 1000: the counter holds %d, wanted %d",
                  cell, 1000 + COUNTER_MAX_THREADS * 1000);
    ck_assert_msg(count_together(&cell, 3, 0) == 1000 + COUNTER_MAX_THREADS * 1000,
                  "0 increments per thread must leave the counter as it was (%d), it holds %d",
                  1000 + COUNTER_MAX_THREADS * 1000, cell);
}
END_TEST

START_TEST(bad_arguments_refused)
{
    static const struct { int threads, per; const char *what; } bad[] = {
        { 0, 10, "0 threads" }, { -1, 10, "-1 threads" },
        { COUNTER_MAX_THREADS + 1, 10, "COUNTER_MAX_THREADS + 1 threads" },
        { 2, -1, "-1 increments per thread" },
    };
    int32_t cell = 5;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(count_together(&cell, bad[i].threads, bad[i].per) == -1,
                      "count_together with %s should return -1", bad[i].what);
        ck_assert_msg(cell == 5, "count_together with %s changed the counter to %d", bad[i].what, cell);
    }
    ck_assert_msg(thread_count() == 1, "a refused count_together left %d threads running", thread_count() - 1);
    barrier b = { 0, 0 };
    int32_t ticket;
    ck_assert_msg(barrier_arrive(&b, 0, &ticket) == -1, "barrier_arrive with 0 parties should return -1");
    ck_assert_msg(barrier_arrive(&b, COUNTER_MAX_THREADS + 1, &ticket) == -1,
                  "barrier_arrive with COUNTER_MAX_THREADS + 1 parties should return -1");
    ck_assert_msg(barrier_wait(&b, -2, 0) == -1, "barrier_wait with -2 parties should return -1");
    ck_assert_msg(b.arrived == 0 && b.round == 0, "a refused arrival changed the barrier (arrived %d, "
                  "round %d)", b.arrived, b.round);
    ck_assert_msg(count_together(&cell, 2, 10) == 25, "2 threads x 10 from 5 should give 25");
}
END_TEST

/* ---- the barrier --------------------------------------------------------------- */

enum { PARTIES = 4, ROUNDS = 60 };

typedef struct {
    barrier b;
    int32_t arrivals[ROUNDS];            /* arrivals per round, before the barrier */
    int32_t openers[ROUNDS];             /* barrier_wait returned 1 */
    int32_t early[ROUNDS];               /* someone went on before all arrived */
    int32_t failed;                      /* barrier_wait returned something else */
} rounds;

static void *go_rounds(void *arg)
{
    rounds *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        lab_atomics_add(&r->arrivals[i], 1);
        int got = barrier_wait(&r->b, PARTIES, 20000);
        if (got == 1) lab_atomics_add(&r->openers[i], 1);
        else if (got != 0) lab_atomics_add(&r->failed, 1);
        if (lab_atomics_load(&r->arrivals[i]) != PARTIES) lab_atomics_add(&r->early[i], 1);
    }
    return NULL;
}

START_TEST(barrier_opens_once_all_arrive_round_after_round)
{
    rounds *r = calloc(1, sizeof *r);
    pthread_t t[PARTIES];
    for (int i = 0; i < PARTIES; i++) pthread_create(&t[i], NULL, go_rounds, r);
    for (int i = 0; i < PARTIES; i++) pthread_join(t[i], NULL);
    ck_assert_msg(r->failed == 0, "barrier_wait returned neither 0 nor 1 %d times (4 threads, %d rounds)",
                  r->failed, ROUNDS);
    for (int i = 0; i < ROUNDS; i++) {
        ck_assert_msg(r->early[i] == 0, "round %d: %d threads went on before all 4 had arrived",
                      i + 1, r->early[i]);
        ck_assert_msg(r->openers[i] == 1, "round %d: barrier_wait returned 1 to %d threads, wanted exactly "
                      "one (the last to arrive)", i + 1, r->openers[i]);
    }
    ck_assert_msg(r->b.round == ROUNDS, "after %d rounds b->round is %d, wanted %d", ROUNDS, r->b.round, ROUNDS);
    ck_assert_msg(r->b.arrived == 0, "after the last round b->arrived is %d, wanted 0", r->b.arrived);
    free(r);
}
END_TEST

typedef struct { barrier *b; pid_t tid; int got; } sleeper;

static void *sleep_at_barrier(void *arg)
{
    sleeper *s = arg;
    __atomic_store_n(&s->tid, gettid(), __ATOMIC_SEQ_CST);
    s->got = barrier_wait(s->b, 4, 10000);
    return NULL;
}

START_TEST(the_last_arrival_wakes_every_sleeper)
{
    barrier b = { 0, 0 };
    sleeper s[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        s[i] = (sleeper){ &b, 0, -9 };
        pthread_create(&t[i], NULL, sleep_at_barrier, &s[i]);
    }
    /* Three have arrived and are asleep (in Atomics.wait). */
    for (int i = 0; i < 3; i++) {
        while (__atomic_load_n(&s[i].tid, __ATOMIC_SEQ_CST) == 0) sched_yield();
        char st;
        while ((st = thread_state(s[i].tid)) != 'S' && st != '?' && st != 'Z') sched_yield();
        ck_assert_msg(st == 'S', "a thread that arrived 1st to 3rd at a barrier of 4 returned from "
                      "barrier_wait (%d) before the 4th arrived", s[i].got);
    }
    ck_assert_msg(lab_atomics_load(&b.arrived) == 3, "3 threads wait at a barrier of 4: arrived is %d",
                  lab_atomics_load(&b.arrived));
    lab_atomics_count before = lab_atomics_counts();
    ck_assert_msg(barrier_wait(&b, 4, 0) == 1, "the 4th arrival of 4 should return 1 (it opens)");
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    lab_atomics_count after = lab_atomics_counts();
    for (int i = 0; i < 3; i++)
        ck_assert_msg(s[i].got == 0, "a thread asleep at the barrier got %d, wanted 0 (woken when it "
                      "opened): the last arrival must notify every sleeper", s[i].got);
    ck_assert_msg(after.woken - before.woken == 3, "Atomics.notify woke %llu sleepers, wanted the 3 asleep",
                  (unsigned long long)(after.woken - before.woken));
}
END_TEST

static void *sleep_at_barrier_of_2(void *arg)
{
    sleeper *s = arg;
    __atomic_store_n(&s->tid, gettid(), __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->got, barrier_wait(s->b, 2, INFINITY), __ATOMIC_SEQ_CST);
    return NULL;
}

/* A notify on `round` while it still holds the ticket (what a late notify
 * from the round before looks like): the sleeper wakes with "ok", and must
 * see that its round is not over and sleep again.  Judged by the runtime's
 * count of waits: the thread either waits a second time or returns. */
START_TEST(a_stray_notify_is_not_an_opening)
{
    barrier b = { 0, 7 };
    sleeper s = { &b, 0, -9 };
    pthread_t t;
    pthread_create(&t, NULL, sleep_at_barrier_of_2, &s);
    while (__atomic_load_n(&s.tid, __ATOMIC_SEQ_CST) == 0) sched_yield();
    char st;
    while ((st = thread_state(s.tid)) != 'S' && st != '?' && st != 'Z') sched_yield();
    ck_assert_msg(st == 'S', "alone at a barrier of 2, barrier_wait returned %d", s.got);
    uint64_t waits = lab_atomics_counts().waits;
    ck_assert_msg(lab_atomics_notify(&b.round, -1) == 1, "the thread at the barrier was not asleep in "
                  "lab_atomics_wait on b->round");
    while (__atomic_load_n(&s.got, __ATOMIC_SEQ_CST) == -9 && lab_atomics_counts().waits == waits)
        sched_yield();
    ck_assert_msg(__atomic_load_n(&s.got, __ATOMIC_SEQ_CST) == -9, "woken by a notify while b->round was "
                  "still its ticket (7), barrier_wait returned %d: \"ok\" only says someone notified; the "
                  "round is over when b->round moves on", s.got);
    ck_assert_msg(barrier_wait(&b, 2, 0) == 1, "the 2nd arrival of 2 should return 1 (it opens)");
    pthread_join(t, NULL);
    ck_assert_msg(s.got == 0 && b.round == 8, "once the 2nd arrived, the sleeper got %d (wanted 0), round "
                  "%d (wanted 8)", s.got, b.round);
}
END_TEST

START_TEST(timed_out_when_a_party_is_missing)
{
    barrier b = { 0, 0 };
    lab_atomics_count before = lab_atomics_counts();
    ck_assert_msg(barrier_wait(&b, 2, 30) == -1, "alone at a barrier of 2 with a 30 ms timeout: "
                  "barrier_wait should return -1 (\"timed-out\")");
    lab_atomics_count after = lab_atomics_counts();
    ck_assert_msg(after.wait_timed_out > before.wait_timed_out, "barrier_wait gave up without "
                  "Atomics.wait saying \"timed-out\": sleep in lab_atomics_wait with the timeout");
    ck_assert_msg(after.waits - before.waits <= 2, "%llu calls to Atomics.wait for one timeout: sleep "
                  "once with the whole timeout, do not poll", (unsigned long long)(after.waits - before.waits));
    barrier c = { 0, 5 };
    int32_t ticket = -1;
    ck_assert_msg(barrier_arrive(&c, 3, &ticket) == 0, "arriving 1st of 3 should return 0");
    ck_assert_msg(ticket == 5, "the ticket is %d, the round 5: the ticket is the current round",
                  ticket);
    ck_assert_msg(barrier_await(&c, ticket, 0) == -1, "a round still open, waited for 0 ms: "
                  "barrier_await should return -1 (\"timed-out\")");
}
END_TEST

START_TEST(not_equal_means_it_opened_already)
{
    barrier b = { 0, 0 };
    int32_t first = -1, second = -1;
    ck_assert_msg(barrier_arrive(&b, 2, &first) == 0, "the 1st arrival of 2 should return 0");
    ck_assert_msg(barrier_arrive(&b, 2, &second) == 1, "the 2nd arrival of 2 should return 1 (it opens)");
    ck_assert_msg(first == second, "both arrivals of one round got different tickets (%d, %d)", first, second);
    /* The first one comes to wait only now: the round it waits for is over. */
    lab_atomics_count before = lab_atomics_counts();
    ck_assert_msg(barrier_await(&b, first, 0) == 0, "waiting (0 ms) for a round that is already over "
                  "should return 0 at once: Atomics.wait says \"not-equal\", which means it opened");
    ck_assert_msg(barrier_await(&b, first, INFINITY) == 0, "waiting (no limit) for a round that is already "
                  "over should return 0 at once");
    lab_atomics_count after = lab_atomics_counts();
    ck_assert_msg(after.wait_timed_out == before.wait_timed_out, "waiting for a round that is over timed out");
    int32_t next = -1;
    ck_assert_msg(barrier_arrive(&b, 2, &next) == 0 && next != first, "the next round's ticket (%d) must "
                  "differ from the last one's (%d)", next, first);
    ck_assert_msg(barrier_await(&b, first, 0) == 0, "an old ticket, two rounds later, should still return 0");
}
END_TEST

START_TEST(parties_of_one_and_the_most)
{
    barrier b = { 0, 0 };
    ck_assert_msg(barrier_wait(&b, 1, 0) == 1 && barrier_wait(&b, 1, 0) == 1, "a barrier of 1 opens at "
                  "every arrival: barrier_wait should return 1");
    ck_assert_msg(b.round == 2 && b.arrived == 0, "after two rounds of 1: round %d, arrived %d; wanted 2, 0",
                  b.round, b.arrived);
    barrier m = { 0, 0 };
    int32_t ticket;
    for (int i = 1; i < COUNTER_MAX_THREADS; i++)
        ck_assert_msg(barrier_arrive(&m, COUNTER_MAX_THREADS, &ticket) == 0,
                      "arrival %d of COUNTER_MAX_THREADS should return 0", i);
    ck_assert_msg(barrier_arrive(&m, COUNTER_MAX_THREADS, &ticket) == 1,
                  "the last of COUNTER_MAX_THREADS arrivals should return 1");
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("threads-atomics");
    struct { const char *name; const TTest *test; } cases[] = {
        { "counts_exactly_under_contention", counts_exactly_under_contention },
        { "one_thread_and_the_most", one_thread_and_the_most },
        { "bad_arguments_refused", bad_arguments_refused },
        { "barrier_opens_once_all_arrive_round_after_round", barrier_opens_once_all_arrive_round_after_round },
        { "the_last_arrival_wakes_every_sleeper", the_last_arrival_wakes_every_sleeper },
        { "timed_out_when_a_party_is_missing", timed_out_when_a_party_is_missing },
        { "not_equal_means_it_opened_already", not_equal_means_it_opened_already },
        { "a_stray_notify_is_not_an_opening", a_stray_notify_is_not_an_opening },
        { "parties_of_one_and_the_most", parties_of_one_and_the_most },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
