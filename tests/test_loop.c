/* test_loop.c — the event loop and the thread pool, with Check. */
#include "loop.h"
#include "pool.h"
#include "grow.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A trace of what ran, in order: "t3 t1 tick imm" ... */
static char trace[1024];
static void note(const char *what)
{
    if (*trace) strcat(trace, " ");
    strcat(trace, what);
}

static void on_timer(lab_timer *t) { note(t->data); }

START_TEST(timers_fire_in_due_order)
{
    lab_loop *loop = lab_loop_new();
    lab_timer t[4];
    const char *names[] = { "t30", "t10", "t20", "t10b" };
    uint64_t due[] = { 30, 10, 20, 10 };
    trace[0] = '\0';
    for (int i = 0; i < 4; i++) {
        lab_timer_init(loop, &t[i]);
        t[i].data = (void *)names[i];
        lab_timer_start(&t[i], on_timer, due[i], 0);
    }
    ck_assert_int_eq(lab_loop_run(loop), 0);
    /* Equal due times fire in start order. */
    ck_assert_str_eq(trace, "t10 t10b t20 t30");
    lab_loop_free(loop);
}
END_TEST

static int repeats;
static void on_repeat(lab_timer *t)
{
    if (++repeats == 3) lab_timer_stop(t);
}

START_TEST(repeating_timer_stops_itself)
{
    lab_loop *loop = lab_loop_new();
    lab_timer t;
    lab_timer_init(loop, &t);
    repeats = 0;
    lab_timer_start(&t, on_repeat, 1, 1);
    lab_loop_run(loop);
    ck_assert_int_eq(repeats, 3);
    ck_assert(!lab_timer_active(&t));
    lab_loop_free(loop);
}
END_TEST

START_TEST(stopped_timer_never_fires)
{
    lab_loop *loop = lab_loop_new();
    lab_timer a, b;
    lab_timer_init(loop, &a);
    lab_timer_init(loop, &b);
    a.data = "a";
    b.data = "b";
    trace[0] = '\0';
    lab_timer_start(&a, on_timer, 5, 0);
    lab_timer_start(&b, on_timer, 1, 0);
    lab_timer_stop(&a);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "b");
    lab_loop_free(loop);
}
END_TEST

START_TEST(unref_timer_does_not_keep_loop_alive)
{
    lab_loop *loop = lab_loop_new();
    lab_timer t;
    lab_timer_init(loop, &t);
    t.data = "never";
    trace[0] = '\0';
    lab_timer_start(&t, on_timer, 10000, 0);
    lab_timer_unref(&t);
    uint64_t start = lab_clock_us();
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "");
    ck_assert_uint_lt(lab_clock_us() - start, 5000000);
    lab_loop_free(loop);
}
END_TEST

/* ---- ticks and immediates ---------------------------------------------- */

static void on_tick2(lab_loop *loop, void *arg) { note("tick2"); }
static void on_tick(lab_loop *loop, void *arg)
{
    note("tick");
    lab_next_tick(loop, on_tick2, NULL);
}
static void on_imm2(lab_loop *loop, void *arg) { note("imm2"); }
static void on_imm(lab_loop *loop, void *arg)
{
    note("imm");
    lab_set_immediate(loop, on_imm2, NULL);     /* next iteration */
    lab_next_tick(loop, on_tick, NULL);         /* right after this one */
}
static void on_t0(lab_timer *t)
{
    note("timer");
}

START_TEST(ticks_run_after_each_callback_and_immediates_in_check_phase)
{
    lab_loop *loop = lab_loop_new();
    lab_timer t;
    lab_timer_init(loop, &t);
    trace[0] = '\0';
    lab_set_immediate(loop, on_imm, NULL);
    lab_next_tick(loop, on_tick, NULL);
    lab_timer_start(&t, on_t0, 0, 0);
    lab_loop_run(loop);
    /* The first ticks run before anything; the timer fires in phase 1; the
     * immediate in phase 3 queues a tick (runs at once) and an immediate
     * (runs in the next iteration). */
    ck_assert_str_eq(trace, "tick tick2 timer imm tick tick2 imm2");
    lab_loop_free(loop);
}
END_TEST

/* A 0 ms timer started by a timer callback waits for the next iteration,
 * so an immediate queued beside it runs first (Node and libuv agree). */
static void on_zero(lab_timer *t) { note("zero-timer"); }
static void on_imm_note(lab_loop *loop, void *arg) { note("immediate"); }
static void on_outer(lab_timer *t)
{
    note("outer");
    lab_timer_start(t->data, on_zero, 0, 0);
    lab_set_immediate(t->loop, on_imm_note, NULL);
}

START_TEST(zero_timer_from_timer_waits_for_next_iteration)
{
    lab_loop *loop = lab_loop_new();
    lab_timer outer, inner;
    lab_timer_init(loop, &outer);
    lab_timer_init(loop, &inner);
    outer.data = &inner;
    trace[0] = '\0';
    lab_timer_start(&outer, on_outer, 1, 0);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "outer immediate zero-timer");
    lab_loop_free(loop);
}
END_TEST

/* ---- descriptors ------------------------------------------------------- */

static void on_readable(lab_io *io, int events)
{
    char buf[16];
    ssize_t n = read(io->fd, buf, sizeof buf);
    if (n > 0) { buf[n] = '\0'; note(buf); }
    else lab_io_close(io);                   /* EOF */
}

typedef struct { int fds[2]; lab_timer late; } io_timer;

static void on_write_timer(lab_timer *t)
{
    io_timer *it = t->data;
    if (write(it->fds[1], "hello", 5) != 5) abort();
    close(it->fds[1]);
    lab_timer_start(&it->late, on_timer, 0, 0);
}

/* A timer writes "hello" into a pipe, closes it and starts a 0 ms timer,
 * "late".  The bytes are in the pipe before this iteration polls, and a
 * timer started by a timer waits for the next iteration: the watcher
 * sees the data, then the late timer fires, then EOF ends the watcher.
 * Spinning changes how the loop waits, never what it delivers.  (Order
 * of events, not of clocks: a busy machine cannot change it.) */
static void io_then_timer(unsigned spin_us)
{
    lab_loop *loop = lab_loop_new();
    lab_loop_set_spin(loop, spin_us);
    io_timer it;
    ck_assert_int_eq(pipe(it.fds), 0);
    lab_io io;
    lab_io_init(loop, &io, it.fds[0]);
    ck_assert_int_eq(lab_io_start(&io, LAB_READABLE, on_readable), 0);
    lab_timer t;
    lab_timer_init(loop, &t);
    lab_timer_init(loop, &it.late);
    t.data = &it;
    it.late.data = "late";
    lab_timer_start(&t, on_write_timer, 5, 0);
    trace[0] = '\0';
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "hello late");
    close(it.fds[0]);
    lab_loop_free(loop);
}

START_TEST(io_watcher_sees_data_then_eof) { io_then_timer(0); }
END_TEST

START_TEST(spinning_loop_still_delivers_io_and_timers) { io_then_timer(2000); }
END_TEST

/* ---- signals ----------------------------------------------------------- */

static void on_usr1(lab_signal *s, int signum)
{
    note(signum == SIGUSR1 ? "SIGUSR1" : "other");
    lab_signal_stop(s);
}

static void on_raise(lab_timer *t) { kill(getpid(), SIGUSR1); }

START_TEST(signal_is_delivered_as_an_event)
{
    lab_loop *loop = lab_loop_new();
    lab_signal s;
    lab_signal_init(loop, &s);
    ck_assert_int_eq(lab_signal_start(&s, on_usr1, SIGUSR1), 0);
    lab_timer t;
    lab_timer_init(loop, &t);
    lab_timer_start(&t, on_raise, 1, 0);
    trace[0] = '\0';
    lab_loop_run(loop);
    /* Had the signal not been routed to the loop, SIGUSR1's default
     * action would have killed this test. */
    ck_assert_str_eq(trace, "SIGUSR1");
    lab_loop_free(loop);
}
END_TEST

/* ---- the thread pool --------------------------------------------------- */

typedef struct {
    lab_work req;
    pthread_t work_thread, after_thread;
    int status;
} job;

static void job_work(lab_work *req)
{
    job *j = req->data;
    j->work_thread = pthread_self();
    usleep(20000);
}

static void job_after(lab_work *req, int status)
{
    job *j = req->data;
    j->after_thread = pthread_self();
    j->status = status;
}

START_TEST(pool_work_runs_off_loop_and_completes_on_loop_thread)
{
    lab_loop *loop = lab_loop_new();
    job jobs[6];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 6; i++) {
        jobs[i].req.data = &jobs[i];
        ck_assert_int_eq(lab_queue_work(loop, &jobs[i].req, job_work, job_after), 0);
    }
    lab_loop_run(loop);
    for (int i = 0; i < 6; i++) {
        ck_assert(!pthread_equal(jobs[i].work_thread, pthread_self()));
        ck_assert(pthread_equal(jobs[i].after_thread, pthread_self()));
        ck_assert_int_eq(jobs[i].status, 0);
        ck_assert_int_ge(jobs[i].req.thread, 1);
        ck_assert_int_le(jobs[i].req.thread, 4);
    }
    lab_loop_free(loop);
}
END_TEST

/* Work the loop thread did itself (lab_queue_done) completes later, on
 * the loop thread, and starts no pool thread. */
START_TEST(done_work_completes_on_the_loop_without_threads)
{
    int before = thread_count();
    lab_loop *loop = lab_loop_new();
    job j = { .req.data = &j };
    j.status = -1;
    ck_assert_int_eq(lab_queue_done(loop, &j.req, job_after), 0);
    ck_assert_int_eq(j.status, -1);                 /* not from inside the call */
    lab_loop_run(loop);
    ck_assert_int_eq(j.status, 0);
    ck_assert(pthread_equal(j.after_thread, pthread_self()));
    ck_assert_int_eq(j.req.thread, 0);
    ck_assert_int_eq(thread_count(), before);
    lab_loop_free(loop);
}
END_TEST

/* The first job holds the only thread until the test opens the gate, so
 * what waits behind it waits for certain, however busy the machine. */
static int gate[2];

static void gated_work(lab_work *req)
{
    job_work(req);
    char c;
    if (read(gate[0], &c, 1) != 1) abort();
}

START_TEST(pool_of_one_serialises_and_cancel_works)
{
    lab_loop *loop = lab_loop_new();
    ck_assert_int_eq(pipe(gate), 0);
    ck_assert_int_eq(lab_pool_set_size(loop, 1), 0);
    job jobs[4];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 3; i++) {
        jobs[i].req.data = &jobs[i];
        lab_queue_work(loop, &jobs[i].req, i == 0 ? gated_work : job_work, job_after);
    }
    /* The last one waits behind the first: cancel it.  Then one more is
     * queued behind the one cancelled at the tail: it must still run. */
    ck_assert_int_eq(lab_cancel_work(&jobs[2].req), 0);
    jobs[3].req.data = &jobs[3];
    lab_queue_work(loop, &jobs[3].req, job_work, job_after);
    ck_assert_int_eq(write(gate[1], "go", 1), 1);
    lab_loop_run(loop);
    ck_assert_int_eq(jobs[0].status, 0);
    ck_assert_int_eq(jobs[2].status, LAB_ECANCELED);
    ck_assert_int_eq(jobs[3].status, 0);
    /* One thread: each started only after the one before it finished. */
    ck_assert_uint_ge(jobs[1].req.started_us, jobs[0].req.finished_us);
    ck_assert_uint_ge(jobs[3].req.started_us, jobs[1].req.finished_us);
    ck_assert_int_eq(lab_pool_set_size(loop, 2), -1);   /* already running */
    lab_loop_free(loop);
    close(gate[0]);
    close(gate[1]);
}
END_TEST

/* With the loop spinning, one idle pool thread spins too (pool.c): work
 * queued while it spins, and work queued after it gave up and slept, must
 * both be taken, and freeing the loop must not wait for a spinner. */
static job late_jobs[4];
static int late_queued;

static void queue_late(lab_timer *t)
{
    job *j = &late_jobs[late_queued++];
    j->req.data = j;
    ck_assert_int_eq(lab_queue_work(t->data, &j->req, job_work, job_after), 0);
    if (late_queued == 2) lab_timer_start(t, queue_late, 40, 0);   /* spinner asleep */
    else if (late_queued < 4) lab_timer_start(t, queue_late, 0, 0);
}

START_TEST(spinning_pool_takes_early_and_late_work)
{
    lab_loop *loop = lab_loop_new();
    lab_loop_set_spin(loop, 5000);              /* 5 ms */
    memset(late_jobs, 0, sizeof late_jobs);
    late_queued = 0;
    lab_timer t;
    lab_timer_init(loop, &t);
    t.data = loop;
    lab_timer_start(&t, queue_late, 0, 0);
    lab_loop_run(loop);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(late_jobs[i].status, 0);
        ck_assert(pthread_equal(late_jobs[i].after_thread, pthread_self()));
        ck_assert_int_ge(late_jobs[i].req.thread, 1);
    }
    uint64_t t0 = lab_clock_us();
    lab_loop_free(loop);
    ck_assert_uint_lt(lab_clock_us() - t0, 1000000);  /* not stuck on a spinner */
}
END_TEST

/* ---- out of memory: one policy (mem.h) ---------------------------------- */

/* An array that cannot grow stops the process with one line that says
 * so, and SIGABRT.  (Asking for more than the address space, so that it
 * fails at once, before any allocator is asked, sanitizers included.) */
START_TEST(out_of_memory_says_so_and_aborts)
{
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        size_t cap = 0;
        lab_grow_or_die(NULL, &cap, SIZE_MAX / 2, 16, 16);
        _exit(0);                            /* not reached */
    }
    close(err[1]);
    char line[256] = "";
    ssize_t n = read(err[0], line, sizeof line - 1);
    line[n > 0 ? n : 0] = 0;
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    ck_assert_ptr_nonnull(strstr(line, ": out of memory (asked for "));
    close(err[0]);
}
END_TEST

int main(void)
{
    return CHECK_RUN("loop", 20, NULL, NULL,
                     timers_fire_in_due_order, repeating_timer_stops_itself,
                     stopped_timer_never_fires, unref_timer_does_not_keep_loop_alive,
                     ticks_run_after_each_callback_and_immediates_in_check_phase,
                     zero_timer_from_timer_waits_for_next_iteration,
                     io_watcher_sees_data_then_eof, spinning_loop_still_delivers_io_and_timers,
                     signal_is_delivered_as_an_event,
                     pool_work_runs_off_loop_and_completes_on_loop_thread,
                     pool_of_one_serialises_and_cancel_works,
                     done_work_completes_on_the_loop_without_threads,
                     spinning_pool_takes_early_and_late_work,
                     out_of_memory_says_so_and_aborts);
}
