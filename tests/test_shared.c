/* test_shared.c — shared regions and Atomics (lab/runtime/threads/shared.h),
 * with Check: every operation's return value as JavaScript's, exact counts
 * under contention between threads and between processes, and wait/notify's
 * "ok", "not-equal", "timed-out" and woken counts.  Judged by values and
 * counts; the one clock check is a lower bound (a wait of 20 ms cannot
 * return "timed-out" sooner), which a busy machine cannot break. */
#define _GNU_SOURCE
#include "shared.h"
#include "loop.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the operations, as JavaScript's Atomics ---------------------------------- */

START_TEST(every_operation_returns_what_atomics_returns)
{
    /* The values of tests/parity/threads/atomics-values.js. */
    lab_shared *s = lab_shared_new(16);
    ck_assert_ptr_nonnull(s);
    int32_t *a = lab_shared_int32(s);
    ck_assert_int_eq(a[0] | a[1] | a[2] | a[3], 0);          /* zero-filled */
    ck_assert_int_eq(lab_atomics_add(&a[1], 5), 0);
    ck_assert_int_eq(lab_atomics_sub(&a[1], 2), 5);
    ck_assert_int_eq(lab_atomics_and(&a[1], 2), 3);
    ck_assert_int_eq(lab_atomics_or(&a[1], 12), 2);
    ck_assert_int_eq(lab_atomics_xor(&a[1], 5), 14);
    ck_assert_int_eq(lab_atomics_exchange(&a[1], 7), 11);
    ck_assert_int_eq(lab_atomics_compare_exchange(&a[1], 7, 9), 7);   /* stored */
    ck_assert_int_eq(lab_atomics_compare_exchange(&a[1], 7, 11), 9);  /* not */
    ck_assert_int_eq(lab_atomics_load(&a[1]), 9);
    ck_assert_int_eq(lab_atomics_store(&a[1], -3), -3);
    ck_assert_int_eq(lab_atomics_add(&a[1], INT32_MAX), -3);          /* wraps */
    ck_assert_int_eq(lab_atomics_load(&a[1]), 2147483644);
    lab_shared_unref(s);
}
END_TEST

START_TEST(counts_cover_every_thread)
{
    lab_atomics_count before = lab_atomics_counts();
    int32_t cell = 0;
    lab_atomics_add(&cell, 1);
    lab_atomics_load(&cell);
    lab_atomics_wait(&cell, 0, 0);            /* not-equal */
    lab_atomics_notify(&cell, -1);
    lab_atomics_count after = lab_atomics_counts();
    ck_assert_uint_eq(after.add - before.add, 1);
    ck_assert_uint_eq(after.load - before.load, 1);
    ck_assert_uint_eq(after.waits - before.waits, 1);
    ck_assert_uint_eq(after.wait_not_equal - before.wait_not_equal, 1);
    ck_assert_uint_eq(after.notifies - before.notifies, 1);
    ck_assert_uint_eq(after.woken - before.woken, 0);
}
END_TEST

/* ---- exact counts under contention ---------------------------------------------- */

enum { THREADS = 4, ROUNDS = 100000 };

typedef struct { int32_t *cell; int mode; } adder;

/* mode 0: Atomics.add; mode 1: a compare-exchange loop (what add is made
 * of, when a processor has no fetch-and-add). */
static void *add_many(void *p)
{
    adder *a = p;
    for (int i = 0; i < ROUNDS; i++) {
        if (a->mode == 0) {
            lab_atomics_add(a->cell, 1);
        } else {
            int32_t old;
            do old = lab_atomics_load(a->cell);
            while (lab_atomics_compare_exchange(a->cell, old, old + 1) != old);
        }
    }
    return NULL;
}

static void contend(int mode)
{
    lab_shared *s = lab_shared_new(64);
    int32_t *cell = lab_shared_int32(s);
    pthread_t t[THREADS];
    adder a = { cell, mode };
    lab_atomics_count before = lab_atomics_counts();
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, add_many, &a);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    ck_assert_int_eq(lab_atomics_load(cell), THREADS * ROUNDS);
    lab_atomics_count after = lab_atomics_counts();  /* finished threads count */
    if (mode == 0) ck_assert_uint_eq(after.add - before.add, THREADS * ROUNDS);
    else ck_assert_uint_ge(after.compare_exchange - before.compare_exchange, THREADS * ROUNDS);
    lab_shared_unref(s);
}

START_TEST(atomic_add_loses_nothing_between_threads) { contend(0); }
END_TEST
START_TEST(compare_exchange_loop_loses_nothing_between_threads) { contend(1); }
END_TEST

/* A forked child shares the region (MAP_SHARED survives fork); a second
 * mapping made from the descriptor — what an exec'd program would do —
 * is the same memory too. */
START_TEST(atomic_add_loses_nothing_between_processes)
{
    lab_shared *s = lab_shared_new(4096);
    int32_t *cell = lab_shared_int32(s);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        lab_shared *again = lab_shared_open_fd(lab_shared_fd(s));
        if (!again) _exit(3);
        int32_t *other = lab_shared_int32(again);
        for (int i = 0; i < ROUNDS; i++) lab_atomics_add(i % 2 ? cell : other, 1);
        _exit(0);
    }
    for (int i = 0; i < ROUNDS; i++) lab_atomics_add(cell, 1);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(lab_atomics_load(cell), 2 * ROUNDS);
    lab_shared_unref(s);
}
END_TEST

/* ---- wait and notify ------------------------------------------------------------- */

START_TEST(wait_not_equal_and_timed_out)
{
    int32_t cell = 0;
    ck_assert_int_eq(lab_atomics_wait(&cell, 1, INFINITY), LAB_WAIT_NOT_EQUAL);
    ck_assert_str_eq(lab_wait_result_name(LAB_WAIT_NOT_EQUAL), "not-equal");
    ck_assert_int_eq(lab_atomics_wait(&cell, 0, 0), LAB_WAIT_TIMED_OUT);
    ck_assert_int_eq(lab_atomics_wait(&cell, 0, -5), LAB_WAIT_TIMED_OUT);  /* as 0 */
    uint64_t t0 = lab_clock_us();
    ck_assert_int_eq(lab_atomics_wait(&cell, 0, 20), LAB_WAIT_TIMED_OUT);
    ck_assert_uint_ge(lab_clock_us() - t0, 19000);           /* never early */
    ck_assert_str_eq(lab_wait_result_name(LAB_WAIT_TIMED_OUT), "timed-out");
    ck_assert_int_eq(lab_atomics_notify(&cell, 1), 0);        /* nobody waits */
    ck_assert_int_eq(lab_atomics_notify(&cell, 0), 0);
}
END_TEST

typedef struct { int32_t *cell, *ready; double timeout; lab_wait_result got; } waiter;

static void *wait_for_notify(void *p)
{
    waiter *w = p;
    lab_atomics_add(w->ready, 1);
    w->got = lab_atomics_wait(w->cell, 0, w->timeout);
    return NULL;
}

/* Notifies until n waiters have been woken: a notify before a waiter is
 * asleep wakes nobody (and says so), so the total, not one call, is what
 * is exact. */
static int notify_until(int32_t *cell, int count, int n)
{
    int woken = 0, calls = 0;
    while (woken < n) {
        int got = lab_atomics_notify(cell, count);
        ck_assert_int_le(got, n - woken);
        woken += got;
        if (++calls % 64 == 0) sched_yield();
    }
    return woken;
}

START_TEST(notify_wakes_waiters_who_return_ok)
{
    lab_shared *s = lab_shared_new(8);
    int32_t *a = lab_shared_int32(s);
    waiter w[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (waiter){ &a[0], &a[1], i == 0 ? NAN : INFINITY, -1 };   /* NaN: forever */
        pthread_create(&t[i], NULL, wait_for_notify, &w[i]);
    }
    while (lab_atomics_load(&a[1]) < 3) sched_yield();
    ck_assert_int_eq(notify_until(&a[0], 1, 1), 1);          /* one of three */
    ck_assert_int_eq(notify_until(&a[0], -1, 2), 2);         /* the other two */
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(w[i].got, LAB_WAIT_OK);
    }
    ck_assert_int_eq(lab_atomics_notify(&a[0], -1), 0);
    lab_shared_unref(s);
}
END_TEST

/* Two threads take turns: each waits for its number, then hands over —
 * the ping-pong of the shared-memory demo.  Every round is exact. */
enum { PING_ROUNDS = 2000 };

typedef struct { int32_t *turn; int me; int rounds; } player;

static void *play(void *p)
{
    player *pl = p;
    for (int i = 0; i < PING_ROUNDS; i++) {
        while (lab_atomics_load(pl->turn) != pl->me)
            lab_atomics_wait(pl->turn, 1 - pl->me, INFINITY);
        pl->rounds++;
        lab_atomics_store(pl->turn, 1 - pl->me);
        lab_atomics_notify(pl->turn, 1);
    }
    return NULL;
}

START_TEST(wait_notify_ping_pong_takes_exact_turns)
{
    int32_t turn = 0;
    player a = { &turn, 0, 0 }, b = { &turn, 1, 0 };
    pthread_t ta, tb;
    pthread_create(&ta, NULL, play, &a);
    pthread_create(&tb, NULL, play, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ck_assert_int_eq(a.rounds, PING_ROUNDS);
    ck_assert_int_eq(b.rounds, PING_ROUNDS);
    ck_assert_int_eq(turn, 0);
}
END_TEST

/* A waiter in another process is woken by a notify in this one: the
 * futex is not the private kind. */
START_TEST(notify_reaches_a_waiter_in_another_process)
{
    lab_shared *s = lab_shared_new(8);
    int32_t *a = lab_shared_int32(s);
    pid_t pid = fork();
    if (pid == 0) {
        lab_atomics_store(&a[1], 1);
        _exit(lab_atomics_wait(&a[0], 0, INFINITY) == LAB_WAIT_OK ? 0 : 1);
    }
    while (lab_atomics_load(&a[1]) == 0) sched_yield();
    ck_assert_int_eq(notify_until(&a[0], 1, 1), 1);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    lab_shared_unref(s);
}
END_TEST

START_TEST(bad_sizes_and_descriptors_are_refused)
{
    errno = 0;
    ck_assert_ptr_null(lab_shared_new(0));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(lab_shared_open_fd(-1));
    ck_assert_int_eq(errno, EBADF);
    lab_shared *s = lab_shared_new(100);
    ck_assert_uint_eq(lab_shared_size(s), 100);
    ck_assert_ptr_eq(lab_shared_ref(s), s);
    lab_shared_unref(s);
    lab_shared_unref(s);
}
END_TEST

int main(void)
{
    return CHECK_RUN("shared", 30, NULL, NULL,
                     every_operation_returns_what_atomics_returns,
                     counts_cover_every_thread,
                     atomic_add_loses_nothing_between_threads,
                     compare_exchange_loop_loses_nothing_between_threads,
                     atomic_add_loses_nothing_between_processes,
                     wait_not_equal_and_timed_out,
                     notify_wakes_waiters_who_return_ok,
                     wait_notify_ping_pong_takes_exact_turns,
                     notify_reaches_a_waiter_in_another_process,
                     bad_sizes_and_descriptors_are_refused);
}
