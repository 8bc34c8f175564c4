/*
 * test_tui_cluster.c — the cluster view's model (lab/tui/model_cluster.c):
 * the worker table, the distribution and the lifecycle timeline, fed the
 * lines a cluster's primary writes.  The lines below were recorded from
 * `nodelab demo cluster.http --json --set workers=2 --set respawn=1` with
 * one worker killed by `kill -9` (numbers trimmed only where a test needs
 * round ones).  Each test names what the dashboard would show wrong.
 */
#include "tui/model.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static model M;

static void setup(void) { model_init(&M); }

static void feed(const char *line)
{
    ck_assert_msg(model_feed(&M, line, strlen(line)) == 0, "not accepted: %s", line);
}

/* The i-th timeline line as the dashboard words it: "what text". */
static const char *tl(int i)
{
    static char buf[160];
    const model_cevent *e = model_timeline_at(&M.cluster.tl, i);
    ck_assert_msg(e != NULL, "no timeline line %d (of %d)", i, M.cluster.tl.count);
    snprintf(buf, sizeof buf, "%s %s", e->what, e->text);
    return buf;
}

static bool timeline_has(const char *text)
{
    for (int i = 0; i < M.cluster.tl.count; i++)
        if (strstr(tl(i), text)) return true;
    return false;
}

/* Two workers, both listening (recorded). */
static void two_workers(void)
{
    feed("{\"ts\":10067,\"ev\":\"cluster\",\"pid\":23396,\"phase\":\"start\",\"workers\":2,\"policy\":\"rr\"}");
    feed("{\"ts\":27630,\"ev\":\"worker\",\"pid\":23396,\"event\":\"fork\",\"id\":1,\"worker_pid\":23397,\"state\":\"none\"}");
    feed("{\"ts\":27705,\"ev\":\"worker\",\"pid\":23396,\"event\":\"fork\",\"id\":2,\"worker_pid\":23398,\"state\":\"none\"}");
    feed("{\"ts\":27939,\"ev\":\"worker\",\"pid\":23396,\"event\":\"online\",\"id\":1,\"worker_pid\":23397,\"state\":\"online\"}");
    feed("{\"ts\":33503,\"ev\":\"worker\",\"pid\":23396,\"event\":\"listening\",\"id\":1,\"worker_pid\":23397,\"state\":\"listening\",\"address\":\"127.0.0.1\",\"port\":36319,\"policy\":\"rr\"}");
    feed("{\"ts\":34394,\"ev\":\"worker\",\"pid\":23396,\"event\":\"online\",\"id\":2,\"worker_pid\":23398,\"state\":\"online\"}");
    feed("{\"ts\":35384,\"ev\":\"worker\",\"pid\":23396,\"event\":\"listening\",\"id\":2,\"worker_pid\":23398,\"state\":\"listening\",\"address\":\"127.0.0.1\",\"port\":36319,\"policy\":\"rr\"}");
    feed("{\"ts\":35409,\"ev\":\"serving\",\"pid\":23396,\"address\":\"127.0.0.1\",\"port\":36319,\"workers\":2,\"policy\":\"rr\"}");
}

START_TEST(the_primary_and_a_row_per_worker_in_id_order)
{
    ck_assert(!M.cluster.active);                  /* no cluster: the generic panels */
    two_workers();
    ck_assert(M.cluster.active);
    ck_assert_int_eq(M.cluster.primary_pid, 23396);
    ck_assert_str_eq(M.cluster.address, "127.0.0.1");
    ck_assert_int_eq(M.cluster.port, 36319);
    ck_assert_str_eq(M.cluster.policy, "rr");
    ck_assert_int_eq(M.cluster.wanted, 2);
    ck_assert_int_eq(model_cluster_alive(&M), 2);
    const model_cworker *w = model_cluster_alive_at(&M, 0);
    ck_assert_int_eq(w->id, 1);
    ck_assert_int_eq(w->pid, 23397);
    ck_assert_str_eq(w->state, "listening");
    ck_assert_int_eq(model_cluster_alive_at(&M, 1)->pid, 23398);
    ck_assert_ptr_null(model_cluster_alive_at(&M, 2));
}
END_TEST

START_TEST(the_timeline_has_each_step_in_order)
{
    two_workers();
    ck_assert_str_eq(tl(0), "primary start (2 workers)");
    ck_assert_str_eq(tl(1), "fork worker 1 → pid 23397");
    ck_assert_str_eq(tl(2), "fork worker 2 → pid 23398");
    ck_assert_str_eq(tl(3), "online worker 1");
    ck_assert_str_eq(tl(4), "listening worker 1 on 127.0.0.1:36319");
    ck_assert_int_eq(M.cluster.tl.count, 7);
    ck_assert_int_eq(model_timeline_at(&M.cluster.tl, 4)->ts, 33503);
}
END_TEST

START_TEST(stats_fill_the_row_and_rates_come_from_two_reports)
{
    two_workers();
    feed("{\"ts\":1000000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":1,\"worker_pid\":23397,\"requests\":100,\"connections\":4,\"rss\":2949120,\"cpu_us\":10000}");
    const model_cworker *w = model_cluster_alive_at(&M, 0);
    ck_assert_int_eq(w->reqs, 100);
    ck_assert_int_eq(w->conns, 4);
    ck_assert_int_eq(w->rss, 2949120);
    ck_assert(w->rps == 0);                        /* one report: no rate yet */
    feed("{\"ts\":1500000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":1,\"worker_pid\":23397,\"requests\":300,\"connections\":3,\"rss\":3018752,\"cpu_us\":60000}");
    ck_assert_int_eq(w->reqs, 300);
    ck_assert_int_eq(w->conns, 3);
    ck_assert_double_eq_tol(w->rps, 400, 1e-9);    /* 200 requests in 0.5 s */
    ck_assert_double_eq_tol(w->cpu_pct, 10, 1e-9); /* 50 ms of CPU in 0.5 s */
    ck_assert_double_eq_tol(model_cluster_rps(&M), 400, 1e-9);
    /* The last IPC: the act of the newest message to or from the worker. */
    feed("{\"ts\":1500100,\"ev\":\"ipc\",\"pid\":23397,\"from\":23397,\"to\":23396,\"dir\":\"send\",\"bytes\":106,"
         "\"body\":\"{\\\"cmd\\\":\\\"NODELAB_CLUSTER\\\",\\\"act\\\":\\\"stats\\\",\\\"requests\\\":300,\\\"seq\\\":7}\"}");
    ck_assert_str_eq(w->last_ipc, "stats");
    feed("{\"ts\":1500200,\"ev\":\"ipc\",\"pid\":23396,\"from\":23396,\"to\":23397,\"dir\":\"send\",\"bytes\":60,"
         "\"handle\":true,\"body\":\"{\\\"cmd\\\":\\\"NODELAB_CLUSTER\\\",\\\"act\\\":\\\"newconn\\\",\\\"seq\\\":9}\"}");
    ck_assert_str_eq(w->last_ipc, "newconn");
}
END_TEST

START_TEST(shares_follow_the_rates_else_the_totals)
{
    double s[4];
    two_workers();
    feed("{\"ts\":1000000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":1,\"worker_pid\":23397,\"requests\":30,\"connections\":1,\"rss\":1,\"cpu_us\":1}");
    feed("{\"ts\":1000000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":2,\"worker_pid\":23398,\"requests\":10,\"connections\":1,\"rss\":1,\"cpu_us\":1}");
    ck_assert_int_eq(model_cluster_shares(&M, s, 4), 2);
    ck_assert_double_eq_tol(s[0], 0.75, 1e-9);     /* no rate yet: 30 of 40 so far */
    ck_assert_double_eq_tol(s[1], 0.25, 1e-9);
    feed("{\"ts\":2000000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":1,\"worker_pid\":23397,\"requests\":40,\"connections\":1,\"rss\":1,\"cpu_us\":1}");
    feed("{\"ts\":2000000,\"ev\":\"worker_stats\",\"pid\":23396,\"id\":2,\"worker_pid\":23398,\"requests\":40,\"connections\":1,\"rss\":1,\"cpu_us\":1}");
    model_cluster_shares(&M, s, 4);
    ck_assert_double_eq_tol(s[0], 0.25, 1e-9);     /* now: 10/s against 30/s */
    ck_assert_double_eq_tol(s[1], 0.75, 1e-9);
}
END_TEST

/* The lab's k: the exit it caused says so, the primary's respawn forks a
 * new worker with a new PID, and the table moves on to it (recorded). */
START_TEST(a_worker_the_lab_killed_is_replaced_and_the_timeline_says_you_did)
{
    two_workers();
    model_cluster_note(&M, 23398, 'k', "SIGKILL", 1872000);
    ck_assert(timeline_has("you pressed k: SIGKILL to worker 2, pid 23398"));
    feed("{\"ts\":1872946,\"ev\":\"worker\",\"pid\":23396,\"event\":\"exit\",\"id\":2,\"worker_pid\":23398,\"state\":\"dead\",\"code\":null,\"signal\":\"SIGKILL\",\"exitedAfterDisconnect\":false,\"lived_ms\":1863}");
    ck_assert_int_eq(model_cluster_alive(&M), 1);
    ck_assert(timeline_has("exit worker 2 pid 23398 signal SIGKILL (you pressed k)"));
    ck_assert(model_timeline_at(&M.cluster.tl, M.cluster.tl.count - 1)->by_lab);
    feed("{\"ts\":1873084,\"ev\":\"respawn\",\"pid\":23396,\"id\":2,\"worker_pid\":23398,\"lived_ms\":1863,\"delay_ms\":0,\"quick_deaths\":0}");
    ck_assert(timeline_has("respawn worker 2 died after 1863 ms: a new one in 0 ms"));
    feed("{\"ts\":1880288,\"ev\":\"worker\",\"pid\":23396,\"event\":\"fork\",\"id\":3,\"worker_pid\":23625,\"state\":\"none\"}");
    feed("{\"ts\":1881632,\"ev\":\"worker\",\"pid\":23396,\"event\":\"online\",\"id\":3,\"worker_pid\":23625,\"state\":\"online\"}");
    feed("{\"ts\":1882447,\"ev\":\"worker\",\"pid\":23396,\"event\":\"listening\",\"id\":3,\"worker_pid\":23625,\"state\":\"listening\",\"address\":\"127.0.0.1\",\"port\":36319,\"policy\":\"rr\"}");
    ck_assert_int_eq(model_cluster_alive(&M), 2);
    ck_assert_int_eq(model_cluster_alive_at(&M, 1)->pid, 23625);
    ck_assert_int_eq(model_cluster_alive_at(&M, 1)->id, 3);
    ck_assert_str_eq(model_cluster_alive_at(&M, 1)->state, "listening");
    /* An exit nobody pressed a key for says nothing of the kind; a clean
     * one says its code. */
    feed("{\"ts\":2009942,\"ev\":\"cluster\",\"pid\":23396,\"phase\":\"stopping\",\"workers\":2,\"queued\":0}");
    ck_assert_str_eq(M.cluster.phase, "stopping");
    feed("{\"ts\":2014664,\"ev\":\"worker\",\"pid\":23396,\"event\":\"exit\",\"id\":3,\"worker_pid\":23625,\"state\":\"dead\",\"code\":0,\"signal\":null,\"exitedAfterDisconnect\":true,\"lived_ms\":141}");
    ck_assert_str_eq(tl(M.cluster.tl.count - 1), "exit worker 3 pid 23625 code 0");
    ck_assert(!model_timeline_at(&M.cluster.tl, M.cluster.tl.count - 1)->by_lab);
}
END_TEST

START_TEST(sigterm_to_the_primary_is_on_the_timeline)
{
    two_workers();
    model_cluster_note(&M, 23396, 't', "SIGTERM", 3000000);
    ck_assert_str_eq(tl(M.cluster.tl.count - 1), "you pressed t: SIGTERM to the primary, pid 23396");
    model_timeline_said(&M.cluster.tl, 3000001, "you", "pressed %c: %s", 'g', "rolling restart");
    ck_assert_str_eq(tl(M.cluster.tl.count - 1), "you pressed g: rolling restart");
}
END_TEST

static void fork_worker(int id, int pid)
{
    char line[256];
    snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"worker\",\"pid\":100,\"event\":\"fork\",\"id\":%d,\"worker_pid\":%d,\"state\":\"none\"}",
             1000 + id, id, pid);
    feed(line);
}

static void exit_worker(int id, int pid)
{
    char line[256];
    snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"worker\",\"pid\":100,\"event\":\"exit\",\"id\":%d,\"worker_pid\":%d,\"state\":\"dead\",\"code\":null,\"signal\":\"SIGKILL\"}",
             90000 + id, id, pid);
    feed(line);
}

/* 64 workers, killed and replaced many times over: the table still has the
 * 64 live ones, in id order, and the timeline its newest lines. */
START_TEST(sixty_four_workers_replaced_many_times_keep_their_rows)
{
    for (int id = 1; id <= 64; id++) fork_worker(id, 1000 + id);
    ck_assert_int_eq(model_cluster_alive(&M), 64);
    int next = 65;
    for (int round = 0; round < 200; round++) {    /* more than the rows kept */
        const model_cworker *w = model_cluster_alive_at(&M, round % 64);
        int id = w->id, pid = w->pid;
        exit_worker(id, pid);
        fork_worker(next, 1000 + next);
        next++;
    }
    ck_assert_int_eq(model_cluster_alive(&M), 64);
    ck_assert_int_le(M.cluster.nw, MODEL_CLUSTER_WORKERS);
    for (int i = 1; i < 64; i++)
        ck_assert_int_lt(model_cluster_alive_at(&M, i - 1)->id, model_cluster_alive_at(&M, i)->id);
    ck_assert_int_eq(model_cluster_alive_at(&M, 63)->id, next - 1);
    ck_assert_int_eq(M.cluster.tl.count, MODEL_CLUSTER_TIMELINE);
    char want[64];
    snprintf(want, sizeof want, "fork worker %d → pid %d", next - 1, 1000 + next - 1);
    ck_assert_str_eq(tl(MODEL_CLUSTER_TIMELINE - 1), want);
}
END_TEST

/* Lines a broken demo could send: nothing crashes, nothing is invented. */
START_TEST(odd_lines_make_no_rows)
{
    feed("{\"ts\":1,\"ev\":\"worker\",\"pid\":10,\"event\":\"online\",\"id\":3}");     /* a thread's */
    feed("{\"ts\":2,\"ev\":\"worker_stats\",\"pid\":10,\"worker_pid\":-5,\"requests\":1e300}");
    feed("{\"ts\":3,\"ev\":\"worker\",\"pid\":10,\"worker_pid\":7}");                 /* no step */
    feed("{\"ts\":4,\"ev\":\"ipc\",\"pid\":10,\"from\":7,\"to\":10,\"body\":\"{\\\"act\\\":\\\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
    feed("{\"ts\":5,\"ev\":\"cluster\",\"pid\":10}");
    ck_assert_int_eq(model_cluster_alive(&M), 1);  /* pid 7: a row, no timeline line */
    ck_assert_int_eq(M.cluster.tl.count, 0);
    ck_assert_int_lt((int)strlen(model_cluster_alive_at(&M, 0)->last_ipc), 40);
}
END_TEST

int main(void)
{
    return CHECK_RUN("tui cluster model", 30, setup, NULL,
                     the_primary_and_a_row_per_worker_in_id_order,
                     the_timeline_has_each_step_in_order,
                     stats_fill_the_row_and_rates_come_from_two_reports,
                     shares_follow_the_rates_else_the_totals,
                     a_worker_the_lab_killed_is_replaced_and_the_timeline_says_you_did,
                     sigterm_to_the_primary_is_on_the_timeline,
                     sixty_four_workers_replaced_many_times_keep_their_rows,
                     odd_lines_make_no_rows);
}
