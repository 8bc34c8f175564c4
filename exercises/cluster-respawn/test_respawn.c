/* test_respawn.c — exercise cluster-respawn: the tests (one TCase per
 * test).  The policy is checked on its own with made-up workers and
 * times; then a real cluster, whose workers the tests SIGKILL (or which
 * crash at start), with the student's respawn_on_exit as its on_exit.
 * Time is the loop's clock, and only as lower bounds: a busy machine
 * makes waits longer, never shorter.
 *
 * bench/mutants.py: 13 of 14 killed; the survivor (`delay * 2 <=
 * max_delay_ms`) gives max either way. */
#define _GNU_SOURCE
#include "respawn.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* ---- the policy alone ---------------------------------------------------------- */

static lab_cluster fake_cluster;

/* A worker forked at `born` (ms), dying now. */
static lab_cluster_worker fake_worker(uint64_t born)
{
    lab_cluster_worker w;
    memset(&w, 0, sizeof w);
    w.cluster = &fake_cluster;
    w.forked_ms = born;
    return w;
}

static respawn_policy policy(uint64_t min, uint64_t max, uint64_t stable)
{
    respawn_policy p;
    memset(&p, 0, sizeof p);
    p.min_delay_ms = min;
    p.max_delay_ms = max;
    p.stable_ms = stable;
    return p;
}

/* A death after `lived` ms, at a time well past 0. */
static int64_t death(respawn_policy *p, uint64_t lived)
{
    lab_cluster_worker w = fake_worker(100000);
    return respawn_delay(p, &w, 100000 + lived);
}

START_TEST(delays_double_in_a_crash_loop)
{
    memset(&fake_cluster, 0, sizeof fake_cluster);
    respawn_policy p = policy(100, 1000, 500);
    int64_t want[] = { 100, 200, 400, 800, 1000, 1000, 1000 };
    for (int i = 0; i < 7; i++) {
        int64_t got = death(&p, 10);
        ck_assert_msg(got == want[i], "quick death %d (lived 10 ms; min 100, max 1000): wait %lld ms, wanted %lld",
                      i + 1, (long long)got, (long long)want[i]);
        ck_assert_msg(p.quick_deaths == i + 1, "after %d quick deaths quick_deaths is %d", i + 1, p.quick_deaths);
    }
    /* min 0 would never grow: the settings here start at 1 */
    respawn_policy q = policy(1, 3, 500);
    int64_t w1 = death(&q, 0), w2 = death(&q, 499), w3 = death(&q, 1), w4 = death(&q, 1);
    ck_assert_msg(w1 == 1 && w2 == 2 && w3 == 3 && w4 == 3,
                  "min 1, max 3, deaths at 0, 499, 1, 1 ms: waits %lld %lld %lld %lld, wanted 1 2 3 3",
                  (long long)w1, (long long)w2, (long long)w3, (long long)w4);
}
END_TEST

START_TEST(a_stable_worker_resets_the_wait)
{
    memset(&fake_cluster, 0, sizeof fake_cluster);
    respawn_policy p = policy(100, 5000, 1000);
    death(&p, 5);
    death(&p, 5);
    int64_t third = death(&p, 999);
    ck_assert_msg(third == 400, "a death at 999 ms with stable_ms 1000 is quick: wait %lld, wanted 400",
                  (long long)third);
    int64_t old = death(&p, 1000);
    ck_assert_msg(old == 0, "a worker that lived exactly stable_ms: wait %lld, wanted 0 (at once)", (long long)old);
    ck_assert_msg(p.quick_deaths == 0, "after a long-lived worker, quick_deaths is %d, wanted 0", p.quick_deaths);
    int64_t again = death(&p, 5);
    ck_assert_msg(again == 100, "the first quick death after a long-lived one: wait %lld, wanted min 100",
                  (long long)again);
    ck_assert_msg(death(&p, 86400000) == 0, "a worker that lived a day: replaced at once");
}
END_TEST

START_TEST(no_replacement_when_asked_to_go)
{
    memset(&fake_cluster, 0, sizeof fake_cluster);
    respawn_policy p = policy(100, 5000, 1000);
    death(&p, 5);
    death(&p, 5);                      /* the next would wait 400 */
    lab_cluster_worker w = fake_worker(100000);
    w.exited_after_disconnect = true;
    ck_assert_msg(respawn_delay(&p, &w, 100005) == -1,
                  "a worker that exited after a disconnect is not replaced (-1)");
    w = fake_worker(100000);
    fake_cluster.stopping = true;
    ck_assert_msg(respawn_delay(&p, &w, 100005) == -1, "no replacement while the cluster is stopping (-1)");
    ck_assert_msg(respawn_delay(&p, &w, 200000) == -1, "no replacement while stopping, even for an old worker");
    fake_cluster.stopping = false;
    ck_assert_msg(p.quick_deaths == 2, "those exits changed quick_deaths to %d (wanted 2: not counted)",
                  p.quick_deaths);
    int64_t next = death(&p, 5);
    ck_assert_msg(next == 400, "after those exits the next quick death waits %lld, wanted 400 (unchanged)",
                  (long long)next);
}
END_TEST

/* ---- a real cluster -------------------------------------------------------------- */

#define MAX_FORKS 32

typedef struct {
    lab_cluster *cl;
    respawn_policy policy;
    respawn_worker_cfg cfg;
    int forks, listening_now, kills, want_kills;
    pid_t pids[MAX_FORKS];
    uint64_t fork_ms[MAX_FORKS], exit_ms[MAX_FORKS];
    int exits, forks_after_stop;
    bool stop_after_exit;              /* stop right after the student's on_exit */
    int stop_at_forks;                 /* stop once this many forks were seen */
    bool stopped, gave_up;
    lab_timer safety;
} run_state;

static run_state *R;

static void stop(run_state *r)
{
    if (r->stopped) return;
    r->stopped = true;
    lab_cluster_stop(r->cl, NULL);
}

/* A bound for a wrong solution only: QUIET_MS without a single cluster
 * event (a fork, a listening, an exit) ends the run.  A right solution
 * has its next event within max_delay_ms (at most 200 here), so the
 * bound is 25 times that: a busy machine cannot reach it. */
#define QUIET_MS 5000

static void give_up(lab_timer *t)
{
    run_state *r = t->data;
    r->gave_up = true;
    stop(r);
}

static void event(run_state *r)
{
    lab_timer_start(&r->safety, give_up, QUIET_MS, 0);
    lab_timer_unref(&r->safety);
}

static void on_fork(lab_cluster_worker *w)
{
    run_state *r = R;
    event(r);
    if (r->stopped) r->forks_after_stop++;
    if (r->forks < MAX_FORKS) {
        r->pids[r->forks] = w->pid;
        r->fork_ms[r->forks] = lab_loop_now(w->cluster->loop);
    }
    r->forks++;
    if (r->stop_at_forks && r->forks >= r->stop_at_forks) stop(r);
}

/* Both workers listen: kill the oldest, until want_kills were killed. */
static void on_listening(lab_cluster_worker *w, const char *address, int port)
{
    run_state *r = R;
    event(r);
    r->listening_now++;
    if (r->listening_now < 2 || r->stopped) return;
    if (r->kills == r->want_kills) { stop(r); return; }
    lab_cluster_worker *oldest = lab_cluster_get(r->cl, 0);
    r->kills++;
    r->listening_now--;
    ck_assert_int_eq(lab_cluster_worker_kill(oldest, SIGKILL), 0);
}

static void on_exit_cb(lab_cluster_worker *w, int code, int sig)
{
    run_state *r = R;
    event(r);
    if (r->exits < MAX_FORKS) r->exit_ms[r->exits] = lab_loop_now(w->cluster->loop);
    r->exits++;
    respawn_on_exit(w, code, sig);
    if (r->stop_after_exit && r->exits == 2) stop(r);
}


static void run(run_state *r, int workers)
{
    R = r;
    lab_loop *loop = lab_loop_new();
    lab_cluster_options o = {
        .main = respawn_worker_main, .arg = &r->cfg, .sched = LAB_CLUSTER_RR,
        .on_fork = on_fork, .on_listening = on_listening, .on_exit = on_exit_cb,
        .stop_timeout_ms = 5000, .data = &r->policy,
    };
    r->cl = lab_cluster_new(loop, &o);
    ck_assert_ptr_nonnull(r->cl);
    lab_timer_init(loop, &r->safety);
    r->safety.data = r;
    event(r);
    ck_assert_int_eq(lab_cluster_start(r->cl, workers), 0);
    lab_loop_run(loop);
    lab_timer_stop(&r->safety);
    lab_cluster_free(r->cl);
    lab_loop_free(loop);
}

START_TEST(sigkill_gets_a_new_listening_worker)
{
    static run_state r;
    memset(&r, 0, sizeof r);
    r.policy = policy(20, 200, 1);
    r.want_kills = 3;
    run(&r, 2);
    ck_assert_msg(!r.gave_up, "after SIGKILL %d of 3 no new worker was listening: nothing happened for 5 s (%d forks)",
                  r.kills, r.forks);
    ck_assert_msg(r.kills == 3, "%d workers were killed, wanted 3", r.kills);
    ck_assert_msg(r.forks == 5, "%d workers were forked: wanted 2 at the start and one per kill (5)", r.forks);
    ck_assert_msg(r.policy.replacements == 3, "replacements is %llu, wanted 3",
                  (unsigned long long)r.policy.replacements);
    for (int i = 0; i < r.forks && i < MAX_FORKS; i++)
        for (int j = 0; j < i; j++)
            ck_assert_msg(r.pids[i] != r.pids[j], "worker %d has the PID of worker %d", i + 1, j + 1);
    ck_assert_msg(r.forks_after_stop == 0, "%d worker(s) were forked during the graceful stop",
                  r.forks_after_stop);
}
END_TEST

/* Every worker crashes at start.  The replacements must come no sooner
 * than the waits (40, 80, 160, 160, 160 ms after the crash that caused
 * each), so in any window the forks are few. */
START_TEST(a_crash_loop_backs_off)
{
    static run_state r;
    memset(&r, 0, sizeof r);
    r.policy = policy(40, 160, 60000);
    r.cfg.crash = 1;
    r.stop_at_forks = 6;
    run(&r, 1);
    ck_assert_msg(!r.gave_up, "a worker that crashes at start was replaced %d times, then nothing for 5 s; wanted 5",
                  r.forks - 1);
    ck_assert_msg(r.forks == 6, "%d forks, wanted 6 (then the cluster stopped)", r.forks);
    uint64_t want[] = { 40, 80, 160, 160, 160 };
    for (int i = 0; i < 5; i++) {
        uint64_t gap = r.fork_ms[i + 1] - r.exit_ms[i];
        ck_assert_msg(r.fork_ms[i + 1] >= r.exit_ms[i] && gap >= want[i],
                      "replacement %d was forked %llu ms after the crash; a crash loop must wait "
                      "%llu ms there (40, doubling up to 160) — forks this fast are a fork storm",
                      i + 1, (unsigned long long)gap, (unsigned long long)want[i]);
    }
    ck_assert_msg(r.policy.quick_deaths >= 5, "quick_deaths is %d after 5 crashes at start", r.policy.quick_deaths);
}
END_TEST

/* One replacement, then a second worker killed and the cluster stopped
 * while its replacement waits: the wait must end in no fork. */
START_TEST(stopping_cancels_a_waiting_replacement)
{
    static run_state r;
    memset(&r, 0, sizeof r);
    r.policy = policy(30, 1000, 60000);
    r.want_kills = 2;
    r.stop_after_exit = true;
    run(&r, 2);
    ck_assert_msg(!r.gave_up, "the run stalled: nothing happened for 5 s (%d forks, %d kills)",
                  r.forks, r.kills);
    ck_assert_msg(r.kills == 2, "%d workers were killed, wanted 2 (the first was never replaced?)", r.kills);
    ck_assert_msg(r.forks_after_stop == 0,
                  "a replacement was forked after the cluster began stopping (%d fork(s))", r.forks_after_stop);
    ck_assert_msg(r.forks == 3, "%d forks, wanted 3 (2, and the first kill's replacement)", r.forks);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("cluster-respawn");
    struct { const char *name; const TTest *test; } tests[] = {
        { "delays_double_in_a_crash_loop", delays_double_in_a_crash_loop },
        { "a_stable_worker_resets_the_wait", a_stable_worker_resets_the_wait },
        { "no_replacement_when_asked_to_go", no_replacement_when_asked_to_go },
        { "sigkill_gets_a_new_listening_worker", sigkill_gets_a_new_listening_worker },
        { "a_crash_loop_backs_off", a_crash_loop_backs_off },
        { "stopping_cancels_a_waiting_replacement", stopping_cancels_a_waiting_replacement },
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
