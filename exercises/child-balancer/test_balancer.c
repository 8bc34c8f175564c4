/* test_balancer.c — exercise child-balancer: the tests (one TCase per test). */
#define _GNU_SOURCE
#include "balancer.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TASKS 64

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
    int results[MAX_TASKS];            /* how many times each task came back */
    double value[MAX_TASKS];
    pid_t by[MAX_TASKS];
    int closed_calls, results_at_close;
    int total;
    int release_after;                 /* results of other tasks before task 0 may end */
    balancer *b;
} run_state;

static int hold_pipe[2] = { -1, -1 };

static void on_result(int task, double result, pid_t worker, void *arg)
{
    run_state *r = arg;
    ck_assert_msg(task >= 0 && task < MAX_TASKS, "a result for task %d, which was never submitted", task);
    r->results[task]++;
    r->value[task] = result;
    r->by[task] = worker;
    r->total++;
    if (task != 0 && r->release_after > 0 && --r->release_after == 0)
        ck_assert_int_eq(write(hold_pipe[1], "", 1), 1);   /* task 0 may end now */
}

static void on_closed(void *arg)
{
    run_state *r = arg;
    r->closed_calls++;
    r->results_at_close = r->total;
}

static int log_pipe[2];

static lab_loop *setup_loop(void)
{
    ck_assert_int_eq(pipe(log_pipe), 0);            /* no close-on-exec: workers keep it */
    fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
    task_worker_log_fd = log_pipe[1];
    return lab_loop_new();
}

/* Runs the loop to the end; returns the workers' log. */
static char *finish_loop(lab_loop *loop)
{
    lab_loop_run(loop);
    lab_loop_free(loop);
    close(log_pipe[1]);
    task_worker_log_fd = -1;
    static char log[65536];
    ssize_t n = read(log_pipe[0], log, sizeof log - 1);
    log[n > 0 ? n : 0] = '\0';
    close(log_pipe[0]);
    return log;
}

/* Submits tasks 0..n-1 with the given durations, closes, runs. */
static char *run_tasks(int workers, const int *ms, int n, run_state *r)
{
    memset(r, 0, sizeof *r);
    lab_loop *loop = setup_loop();
    r->b = balancer_new(loop, workers);
    ck_assert_ptr_nonnull(r->b);
    for (int i = 0; i < n; i++) balancer_submit(r->b, i, ms[i], on_result, r);
    balancer_close(r->b, on_closed, r);
    return finish_loop(loop);
}

START_TEST(every_task_completes_exactly_once)
{
    int ms[30];
    for (int i = 0; i < 30; i++) ms[i] = 5 + (i * 7) % 25;
    run_state r;
    run_tasks(3, ms, 30, &r);
    for (int i = 0; i < 30; i++) {
        ck_assert_msg(r.results[i] == 1, "task %d came back %d times, wanted once", i, r.results[i]);
        ck_assert_msg(r.value[i] == (double)i * i, "task %d: result %g, wanted %d", i, r.value[i], i * i);
    }
    ck_assert_msg(r.closed_calls == 1, "closed was called %d times, wanted once", r.closed_calls);
    ck_assert_msg(r.results_at_close == 30, "closed came after %d of 30 results", r.results_at_close);
}
END_TEST

/* One long task, then short ones: round robin puts a short one behind it.
 * The long one is held (task_worker_hold_task) until every short one has
 * come back, so it is still running when they are handed out however
 * slow the machine; 5 s is only the bound for a balancer that queued a
 * short task behind it. */
static const int uneven[] = { 5000, 10, 10, 10, 10, 10, 10, 10, 10 };

static char *run_uneven(run_state *r)
{
    ck_assert_int_eq(pipe(hold_pipe), 0);
    task_worker_hold_task = 0;
    task_worker_hold_fd = hold_pipe[0];
    memset(r, 0, sizeof *r);
    r->release_after = 8;
    lab_loop *loop = setup_loop();
    r->b = balancer_new(loop, 2);
    ck_assert_ptr_nonnull(r->b);
    for (int i = 0; i < 9; i++) balancer_submit(r->b, i, uneven[i], on_result, r);
    balancer_close(r->b, on_closed, r);
    return finish_loop(loop);
}

START_TEST(never_sent_to_a_busy_worker)
{
    run_state r;
    char *log = run_uneven(&r);
    char *busy = strstr(log, "busy ");
    ck_assert_msg(busy == NULL, "a worker got a task while busy (its log says \"%.*s\")",
                  busy ? (int)strcspn(busy, "\n") : 0, busy ? busy : "");
    for (int i = 0; i < 9; i++) ck_assert_int_eq(r.results[i], 1);
}
END_TEST

START_TEST(the_free_worker_takes_the_next_task)
{
    run_state r;
    run_uneven(&r);
    for (int i = 1; i < 9; i++)
        ck_assert_msg(r.by[i] != r.by[0],
                      "short task %d waited for the worker busy with the long one (pid %d)", i, (int)r.by[0]);
}
END_TEST

START_TEST(every_worker_gets_work)
{
    int ms[9];
    for (int i = 0; i < 9; i++) ms[i] = 60;
    run_state r;
    run_tasks(3, ms, 9, &r);
    pid_t seen[3] = { 0 };
    int distinct = 0;
    for (int i = 0; i < 9; i++) {
        bool known = false;
        for (int j = 0; j < distinct; j++) known |= seen[j] == r.by[i];
        if (!known && distinct < 3) seen[distinct++] = r.by[i];
        ck_assert_msg(r.by[i] != getpid() && r.by[i] > 0, "task %d was not done by a worker", i);
    }
    ck_assert_msg(distinct == 3, "%d of 3 workers did any work", distinct);
}
END_TEST

START_TEST(close_waits_for_queued_tasks)
{
    int ms[5] = { 20, 20, 20, 20, 20 };
    run_state r;
    run_tasks(1, ms, 5, &r);
    ck_assert_msg(r.results_at_close == 5, "closed came after %d of 5 results", r.results_at_close);
    ck_assert_int_eq(r.closed_calls, 1);
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker is still running or unreaped after closed");
}
END_TEST

static void resubmit(int task, double result, pid_t worker, void *arg)
{
    run_state *r = arg;
    on_result(task, result, worker, arg);
    if (task == 0) {
        for (int i = 1; i <= 3; i++) balancer_submit(r->b, i, 15, on_result, r);
        balancer_close(r->b, on_closed, r);
    }
}

START_TEST(tasks_submitted_from_a_result)
{
    run_state r;
    memset(&r, 0, sizeof r);
    lab_loop *loop = setup_loop();
    r.b = balancer_new(loop, 2);
    ck_assert_ptr_nonnull(r.b);
    balancer_submit(r.b, 0, 10, resubmit, &r);
    char *log = finish_loop(loop);
    for (int i = 0; i <= 3; i++) ck_assert_int_eq(r.results[i], 1);
    ck_assert_int_eq(r.closed_calls, 1);
    ck_assert_ptr_null(strstr(log, "busy "));
}
END_TEST

/* One worker, each task submitted from the previous one's result: the
 * worker must be free again once it has answered, queue or no queue. */
static void chain(int task, double result, pid_t worker, void *arg)
{
    run_state *r = arg;
    on_result(task, result, worker, arg);
    if (task < 3) balancer_submit(r->b, task + 1, 5, chain, r);
    else balancer_close(r->b, on_closed, r);
}

START_TEST(one_worker_task_after_task)
{
    run_state r;
    memset(&r, 0, sizeof r);
    lab_loop *loop = setup_loop();
    r.b = balancer_new(loop, 1);
    ck_assert_ptr_nonnull(r.b);
    balancer_submit(r.b, 0, 5, chain, &r);
    finish_loop(loop);
    for (int i = 0; i <= 3; i++)
        ck_assert_msg(r.results[i] == 1, "task %d came back %d times, wanted once (one worker, "
                      "each task submitted when the one before was done)", i, r.results[i]);
    ck_assert_int_eq(r.closed_calls, 1);
}
END_TEST

START_TEST(worker_counts_checked)
{
    static const int bad[] = { 0, -1, BALANCER_MAX_WORKERS + 1 };
    lab_loop *loop = setup_loop();
    for (int i = 0; i < 3; i++)
        ck_assert_msg(balancer_new(loop, bad[i]) == NULL, "balancer_new with %d workers should be NULL", bad[i]);
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker was started for a worker count that was refused");
    run_state r;
    memset(&r, 0, sizeof r);
    r.b = balancer_new(loop, BALANCER_MAX_WORKERS);
    ck_assert_msg(r.b != NULL, "balancer_new with BALANCER_MAX_WORKERS (%d) workers is allowed",
                  BALANCER_MAX_WORKERS);
    balancer_submit(r.b, 0, 5, on_result, &r);
    balancer_close(r.b, on_closed, &r);
    finish_loop(loop);
    ck_assert_int_eq(r.results[0], 1);
    ck_assert_int_eq(r.closed_calls, 1);
}
END_TEST

/* The third of four forks fails, then (a second balancer) the first of
 * two: balancer_new() is NULL both times, the loop still ends, and no
 * worker is left running or unreaped. */
START_TEST(a_worker_that_cannot_start)
{
    lab_loop *loop = lab_loop_new();
    forks_allowed = 2;
    balancer *b = balancer_new(loop, 4);
    forks_allowed = 0;
    balancer *none = balancer_new(loop, 2);
    forks_allowed = -1;
    ck_assert_msg(b == NULL, "the fork of the third of four workers failed (EAGAIN), yet "
                  "balancer_new did not return NULL (a worker that cannot start has p->ipc NULL)");
    ck_assert_msg(none == NULL, "the fork of the first worker failed (EAGAIN), yet balancer_new "
                  "did not return NULL");
    lab_loop_run(loop);                 /* ends once the two started have exited */
    lab_loop_free(loop);
    errno = 0;
    ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
                  "a worker started before the failed fork is still running or unreaped");
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("child-balancer");
    struct { const char *name; const TTest *test; } cases[] = {
        { "every_task_completes_exactly_once", every_task_completes_exactly_once },
        { "never_sent_to_a_busy_worker", never_sent_to_a_busy_worker },
        { "the_free_worker_takes_the_next_task", the_free_worker_takes_the_next_task },
        { "every_worker_gets_work", every_worker_gets_work },
        { "close_waits_for_queued_tasks", close_waits_for_queued_tasks },
        { "tasks_submitted_from_a_result", tasks_submitted_from_a_result },
        { "one_worker_task_after_task", one_worker_task_after_task },
        { "worker_counts_checked", worker_counts_checked },
        { "a_worker_that_cannot_start", a_worker_that_cannot_start },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
