/* test_parallel.c — exercise child-parallel: the tests (one TCase per test). */
#define _GNU_SOURCE
#include "parallel.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Forks that fail on purpose, as when the machine has too many processes:
 * while forks_allowed >= 0, that many more fork() calls succeed and the
 * next fails with EAGAIN.  This fork() stands in for the C library's in
 * the whole test program (the runtime's lab_fork_call included). */
static int forks_allowed = -1;

pid_t fork(void)
{
    static pid_t (*real_fork)(void);
    if (forks_allowed == 0) { errno = EAGAIN; return -1; }
    if (forks_allowed > 0) forks_allowed--;
    if (!real_fork) real_fork = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
    return real_fork();
}

typedef struct {
    int calls;
    int64_t total;
    pid_t pids[PARALLEL_MAX_WORKERS];
    int nworkers;
    bool returned, called_early;
} result;

static void on_done(int64_t total, const pid_t *pids, int nworkers, void *arg)
{
    result *r = arg;
    r->calls++;
    r->total = total;
    r->nworkers = nworkers;
    for (int i = 0; i < nworkers && i < PARALLEL_MAX_WORKERS; i++) r->pids[i] = pids[i];
    if (!r->returned) r->called_early = true;
}

/* What the workers wrote to the log: "pid from to" per part they summed. */
typedef struct { pid_t pid; int64_t from, to; } part;

static int read_log(int fd, part *parts, int max)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    int count = 0;
    for (char *line = strtok(buf, "\n"); line && count < max; line = strtok(NULL, "\n")) {
        long long pid, from, to;
        if (sscanf(line, "%lld %lld %lld", &pid, &from, &to) == 3)
            parts[count++] = (part){ (pid_t)pid, from, to };
    }
    return count;
}

/* Runs parallel_sum on a fresh loop; collects the workers' log. */
static void run(int64_t from, int64_t to, int workers, result *r, part *parts, int *nparts)
{
    int log[2];
    ck_assert_int_eq(pipe(log), 0);                 /* no close-on-exec: the workers keep it */
    fcntl(log[0], F_SETFL, O_NONBLOCK);
    sum_worker_log_fd = log[1];
    lab_loop *loop = lab_loop_new();
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(parallel_sum(loop, from, to, workers, on_done, r), 0);
    r->returned = true;
    lab_loop_run(loop);
    lab_loop_free(loop);
    close(log[1]);
    sum_worker_log_fd = -1;
    if (parts) *nparts = read_log(log[0], parts, 64);
    close(log[0]);
}

START_TEST(total_is_correct)
{
    result r;
    run(1, 1000001, 4, &r, NULL, NULL);
    ck_assert_msg(r.calls == 1, "done was called %d times, wanted once", r.calls);
    ck_assert_msg(r.total == 500000500000LL, "sum of 1..1000000: got %lld, wanted 500000500000",
                  (long long)r.total);
}
END_TEST

START_TEST(four_distinct_child_pids_did_the_work)
{
    result r;
    part parts[64];
    int n = 0;
    run(0, 400000, 4, &r, parts, &n);
    ck_assert_msg(r.calls == 1 && r.nworkers == 4, "done: %d calls, %d workers", r.calls, r.nworkers);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(r.pids[i] != getpid(), "pid %d is the parent's own: nothing was forked",
                      (int)r.pids[i]);
        for (int j = 0; j < i; j++)
            ck_assert_msg(r.pids[i] != r.pids[j], "pid %d appears twice", (int)r.pids[i]);
    }
    ck_assert_msg(n == 4, "%d workers summed a part, wanted 4", n);
    for (int i = 0; i < 4; i++) {
        bool reported = false;
        for (int j = 0; j < 4; j++) reported |= parts[i].pid == r.pids[j];
        ck_assert_msg(reported, "worker %d summed a part but its pid was not reported", (int)parts[i].pid);
    }
}
END_TEST

static int by_from(const void *a, const void *b)
{
    const part *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

START_TEST(parts_cover_the_range_exactly)
{
    result r;
    part parts[64];
    int n = 0;
    run(10, 1011, 4, &r, parts, &n);                /* 1001 numbers: not divisible by 4 */
    ck_assert_int_eq(n, 4);
    qsort(parts, (size_t)n, sizeof parts[0], by_from);
    ck_assert_msg(parts[0].from == 10, "the first part starts at %lld, wanted 10", (long long)parts[0].from);
    for (int i = 1; i < n; i++)
        ck_assert_msg(parts[i].from == parts[i - 1].to, "parts [%lld,%lld) and [%lld,%lld) do not join",
                      (long long)parts[i - 1].from, (long long)parts[i - 1].to,
                      (long long)parts[i].from, (long long)parts[i].to);
    ck_assert_msg(parts[n - 1].to == 1011, "the last part ends at %lld, wanted 1011", (long long)parts[n - 1].to);
    ck_assert_int_eq(r.total, 510510);
}
END_TEST

START_TEST(done_once_and_later)
{
    result r;
    run(0, 1000, 4, &r, NULL, NULL);
    ck_assert_msg(r.calls == 1, "done was called %d times, wanted once", r.calls);
    ck_assert_msg(!r.called_early, "done ran before parallel_sum returned: wait for the replies");
}
END_TEST

START_TEST(workers_exit_when_done)
{
    result r;
    run(0, 1000, 4, &r, NULL, NULL);
    /* The loop returned, so every worker closed; none is left, not even a zombie. */
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker is still running or unreaped after the loop ended");
}
END_TEST

START_TEST(tiny_range_more_workers_than_numbers)
{
    result r;
    part parts[64];
    int n = 0;
    run(5, 7, 4, &r, parts, &n);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.total, 11);
    ck_assert_int_eq(n, 4);
}
END_TEST

START_TEST(one_worker_and_the_most)
{
    int counts[] = { 1, PARALLEL_MAX_WORKERS };
    for (int k = 0; k < 2; k++) {
        int w = counts[k];
        result r;
        part parts[64];
        int n = 0;
        run(-1000, 3001, w, &r, parts, &n);
        ck_assert_msg(r.calls == 1, "%d worker%s: done was called %d times, wanted once", w, w == 1 ? "" : "s", r.calls);
        ck_assert_msg(r.total == 4001000, "%d worker%s: the sum of [-1000, 3001) came out as %lld, wanted 4001000",
                      w, w == 1 ? "" : "s", (long long)r.total);
        ck_assert_msg(r.nworkers == w && n == w, "%d worker%s asked for: done reported %d, %d summed a part",
                      w, w == 1 ? "" : "s", r.nworkers, n);
    }
}
END_TEST

START_TEST(empty_and_negative_ranges)
{
    result r;
    part parts[64];
    int n = 0;
    run(42, 42, 4, &r, parts, &n);
    ck_assert_msg(r.calls == 1 && r.total == 0, "[42, 42) is empty: done called %d times with %lld, "
                  "wanted once with 0", r.calls, (long long)r.total);
    run(-500, 500, 3, &r, NULL, NULL);
    ck_assert_msg(r.calls == 1 && r.total == -500, "the sum of [-500, 500): got %lld, wanted -500",
                  (long long)r.total);
}
END_TEST

START_TEST(rejects_bad_arguments)
{
    static const struct { int64_t from, to; int workers; const char *what; } bad[] = {
        { 0, 10, 0, "0 workers" }, { 0, 10, -1, "-1 workers" },
        { 0, 10, PARALLEL_MAX_WORKERS + 1, "more than PARALLEL_MAX_WORKERS workers" },
        { 10, 9, 2, "from > to" },
    };
    lab_loop *loop = lab_loop_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r;
        memset(&r, 0, sizeof r);
        ck_assert_msg(parallel_sum(loop, bad[i].from, bad[i].to, bad[i].workers, on_done, &r) == -1,
                      "parallel_sum with %s should return -1", bad[i].what);
        lab_loop_run(loop);
        ck_assert_msg(r.calls == 0, "parallel_sum with %s: done was called", bad[i].what);
    }
    lab_loop_free(loop);
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker was started for a request that was refused");
}
END_TEST

START_TEST(a_worker_that_cannot_start)
{
    lab_loop *loop = lab_loop_new();
    result r;
    memset(&r, 0, sizeof r);
    forks_allowed = 2;                              /* the third worker's fork fails */
    int rc = parallel_sum(loop, 0, 1000, 4, on_done, &r);
    forks_allowed = -1;
    r.returned = true;
    ck_assert_msg(rc == -1, "the fork of the third of four workers failed (EAGAIN): parallel_sum "
                  "returned %d, wanted -1 (a worker that cannot start has p->ipc NULL)", rc);
    lab_loop_run(loop);                             /* ends once the two started have exited */
    lab_loop_free(loop);
    ck_assert_msg(r.calls == 0, "done was called although a worker never started");
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker started before the failed fork is still running or unreaped");
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("child-parallel");
    struct { const char *name; const TTest *test; } cases[] = {
        { "total_is_correct", total_is_correct },
        { "four_distinct_child_pids_did_the_work", four_distinct_child_pids_did_the_work },
        { "parts_cover_the_range_exactly", parts_cover_the_range_exactly },
        { "done_once_and_later", done_once_and_later },
        { "workers_exit_when_done", workers_exit_when_done },
        { "tiny_range_more_workers_than_numbers", tiny_range_more_workers_than_numbers },
        { "one_worker_and_the_most", one_worker_and_the_most },
        { "empty_and_negative_ranges", empty_and_negative_ranges },
        { "rejects_bad_arguments", rejects_bad_arguments },
        { "a_worker_that_cannot_start", a_worker_that_cannot_start },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 15);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
