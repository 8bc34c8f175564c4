/* test_ipcstats.c — exercise cluster-ipc-stats: the tests (one TCase per
 * test).  A real cluster whose workers run the student's handler and
 * reporting; this process is the primary, with the student's on_message
 * behind a recorder.  The tests count reports (events), and use the
 * loop's clock only as lower bounds: a timer never fires early, so a
 * report can come late on a busy machine but never before its time.
 *
 * bench/mutants.py: 20 of 23 killed; the survivors are equivalent: the
 * entry search reading one past the end (never the same id) and
 * `fd > 0` for `fd >= 0` (a report never comes with descriptor 0). */
#define _GNU_SOURCE
#include "ipcstats.h"
#include "loadgen.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* ---- the primary's table alone ---------------------------------------------- */

static lab_cluster fake_cluster;
static stats_table fake_table;

static lab_cluster_worker fake_worker(int id, pid_t pid)
{
    lab_cluster_worker w;
    memset(&w, 0, sizeof w);
    w.cluster = &fake_cluster;
    w.id = id;
    w.pid = pid;
    return w;
}

static void deliver(lab_cluster_worker *w, const char *json)
{
    cJSON *m = cJSON_Parse(json);
    ck_assert_ptr_nonnull(m);
    stats_on_message(w, m, -1);
    cJSON_Delete(m);
}

static void fresh_table(void)
{
    memset(&fake_cluster, 0, sizeof fake_cluster);
    memset(&fake_table, 0, sizeof fake_table);
    fake_cluster.data = &fake_table;
}

START_TEST(the_table_keeps_the_last_total_per_worker)
{
    fresh_table();
    lab_cluster_worker a = fake_worker(1, 1001), b = fake_worker(2, 1002);
    deliver(&a, "{\"type\":\"stats\",\"requests\":5}");
    deliver(&b, "{\"type\":\"stats\",\"requests\":3}");
    deliver(&a, "{\"type\":\"stats\",\"requests\":7}");
    stats_table *t = &fake_table;
    ck_assert_msg(t->nworkers == 2, "%zu entries for 2 workers", t->nworkers);
    ck_assert_msg(t->workers[0].id == 1 && t->workers[0].pid == 1001 && t->workers[1].id == 2 &&
                  t->workers[1].pid == 1002, "entries in order of first report, with id and pid");
    ck_assert_msg(t->workers[0].requests == 7,
                  "worker 1 reported 5, then 7 (running totals): its entry says %llu, wanted 7",
                  (unsigned long long)t->workers[0].requests);
    ck_assert_msg(t->workers[0].reports == 2 && t->workers[1].reports == 1 && t->reports == 3,
                  "reports: %llu and %llu per worker, %llu in all; wanted 2, 1, 3",
                  (unsigned long long)t->workers[0].reports, (unsigned long long)t->workers[1].reports,
                  (unsigned long long)t->reports);
    ck_assert_msg(stats_total(t) == 10, "stats_total %llu, wanted 7 + 3 = 10", (unsigned long long)stats_total(t));
}
END_TEST

START_TEST(other_messages_are_ignored)
{
    fresh_table();
    lab_cluster_worker a = fake_worker(4, 2004);
    deliver(&a, "{\"type\":\"stats\",\"requests\":2}");
    deliver(&a, "{\"type\":\"hello\",\"requests\":50}");
    deliver(&a, "{\"requests\":60}");
    deliver(&a, "{\"type\":\"stats\"}");
    deliver(&a, "{\"type\":\"stats\",\"requests\":\"70\"}");
    deliver(&a, "{\"type\":5,\"requests\":80}");
    deliver(&a, "[1,2]");
    stats_table *t = &fake_table;
    ck_assert_msg(t->nworkers == 1 && t->workers[0].requests == 2 && t->workers[0].reports == 1 &&
                  t->reports == 1, "only {\"type\":\"stats\",\"requests\":N} is a report (entry: %llu requests, "
                  "%llu reports)", (unsigned long long)t->workers[0].requests,
                  (unsigned long long)t->workers[0].reports);
    fresh_table();
    deliver(&a, "{\"type\":\"hello\"}");
    ck_assert_msg(fake_table.nworkers == 0, "a message that is not a report adds no entry");
}
END_TEST

START_TEST(gone_workers_still_count)
{
    fresh_table();
    /* Worker 1 served 5 and died; 3 replaced it.  Ids are never reused. */
    lab_cluster_worker a = fake_worker(1, 11), b = fake_worker(2, 12), c = fake_worker(3, 13);
    deliver(&a, "{\"type\":\"stats\",\"requests\":5}");
    deliver(&b, "{\"type\":\"stats\",\"requests\":4}");
    deliver(&c, "{\"type\":\"stats\",\"requests\":1}");
    deliver(&c, "{\"type\":\"stats\",\"requests\":2}");
    ck_assert_msg(stats_total(&fake_table) == 11, "total %llu, wanted 5 + 4 + 2 = 11",
                  (unsigned long long)stats_total(&fake_table));
    /* The most workers a table holds, and one more. */
    fresh_table();
    for (int i = 1; i <= STATS_MAX_WORKERS + 1; i++) {
        lab_cluster_worker w = fake_worker(100 + i, 5000 + i);
        deliver(&w, "{\"type\":\"stats\",\"requests\":1}");
    }
    ck_assert_msg(fake_table.nworkers == STATS_MAX_WORKERS && stats_total(&fake_table) == STATS_MAX_WORKERS,
                  "%d workers reporting 1 each: %zu entries, total %llu; wanted %d and %d",
                  STATS_MAX_WORKERS + 1, fake_table.nworkers, (unsigned long long)stats_total(&fake_table),
                  STATS_MAX_WORKERS, STATS_MAX_WORKERS);
}
END_TEST

/* ---- a real cluster ------------------------------------------------------------ */

#define MAX_WORKERS 4
#define MAX_REPORTS 4096

typedef struct {
    lab_cluster *cl;
    stats_table table;
    stats_worker_cfg cfg;
    int workers, listening, bad_exits;
    uint64_t after_load[MAX_WORKERS + 1];  /* reports per worker since the load ended */
    uint64_t per_worker[MAX_WORKERS + 1];  /* reports per worker, counted here */
    int bad_reports;
    char bad[200];
    uint64_t early;                        /* a report before its time */
    char early_msg[200];
    /* the load */
    uint64_t requests;
    lab_loadgen *lg;
    bool lg_started;                   /* the clients' counts, kept at the end */
    uint64_t lg_ok, lg_failed;
    bool load_done, stopped, gave_up, settled, drifted;
    uint64_t at_settle[MAX_WORKERS + 1];   /* per_worker when the total was right */
    uint64_t drift_total;                  /* the total when it moved again */
    uint64_t want_reports;                 /* idle run: reports per worker */
    uint64_t settle_within;                /* loaded run: reports after the load */
    lab_timer safety;
} run_state;

static run_state *R;

static void stop(run_state *r)
{
    if (r->stopped) return;
    r->stopped = true;
    lab_cluster_stop(r->cl, NULL);
}

/* A bound for a wrong solution only: QUIET_MS without a report (or a
 * listening) ends the run.  Reports come every 20 or 50 ms here: the bound
 * is 100 times that, out of reach of a busy machine. */
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

static bool all_at_least(const uint64_t *n, int workers, uint64_t want)
{
    for (int i = 1; i <= workers; i++)
        if (n[i] < want) return false;
    return true;
}

/* After the load: the total must reach the requests sent, and then stay
 * there while every worker sends STAY_REPORTS more reports (no request
 * comes any more, so nothing may change it).  Judged by reports, not time. */
#define STAY_REPORTS 3

static void settle(run_state *r)
{
    uint64_t total = stats_total(&r->table);
    if (!r->settled) {
        if (total == r->requests) {
            r->settled = true;
            memcpy(r->at_settle, r->per_worker, sizeof r->at_settle);
        } else if (all_at_least(r->after_load, r->workers, r->settle_within)) {
            stop(r);
        }
        return;
    }
    if (total != r->requests && !r->drifted) {
        r->drifted = true;
        r->drift_total = total;
    }
    for (int i = 1; i <= r->workers; i++)
        if (r->per_worker[i] < r->at_settle[i] + STAY_REPORTS) return;
    stop(r);
}

static void on_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    run_state *r = R;
    event(r);
    uint64_t now = lab_loop_now(w->cluster->loop);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(msg, "requests");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "stats") != 0 || !cJSON_IsNumber(n)) {
        char *text = cJSON_PrintUnformatted(msg);
        if (!r->bad_reports++) snprintf(r->bad, sizeof r->bad, "%.150s", text ? text : "?");
        cJSON_free(text);
    } else if (w->id >= 1 && w->id <= MAX_WORKERS) {
        uint64_t k = ++r->per_worker[w->id];
        /* The k-th report cannot leave before k intervals after the fork
         * (w->forked_ms: the loop's clock when it forked, if anything early). */
        if (now - w->forked_ms + 2 < k * r->cfg.every_ms && !r->early++)
            snprintf(r->early_msg, sizeof r->early_msg,
                     "worker %d's report %llu came %llu ms after its fork; at one every %llu ms it "
                     "cannot come before %llu ms", w->id, (unsigned long long)k,
                     (unsigned long long)(now - w->forked_ms), (unsigned long long)r->cfg.every_ms,
                     (unsigned long long)(k * r->cfg.every_ms));
        if (r->load_done) r->after_load[w->id]++;
    }
    stats_on_message(w, msg, fd);
    if (r->stopped) return;
    if (r->want_reports && all_at_least(r->per_worker, r->workers, r->want_reports)) stop(r);
    if (r->load_done) settle(r);
}

static void on_load_done(lab_loadgen *lg)
{
    R->load_done = true;
}

static void on_listening(lab_cluster_worker *w, const char *address, int port)
{
    run_state *r = R;
    event(r);
    if (++r->listening != r->workers || !r->requests) return;
    lab_loadgen_options o = {
        .port = port, .connections = 6, .new_connection = true, .requests = r->requests,
        .timeout_ms = 20000, .on_done = on_load_done,
    };
    r->lg = lab_loadgen_start(w->cluster->loop, &o);
    ck_assert_msg(r->lg != NULL, "the load generator did not start");
}

static void on_exit_cb(lab_cluster_worker *w, int code, int sig)
{
    if (code != 0 || sig != 0) R->bad_exits++;
}


static void run(run_state *r, int workers, uint64_t every_ms, uint64_t requests)
{
    R = r;
    r->workers = workers;
    r->cfg.every_ms = every_ms;
    r->requests = requests;
    lab_loop *loop = lab_loop_new();
    lab_cluster_options o = {
        .main = stats_worker_main, .arg = &r->cfg, .sched = LAB_CLUSTER_RR,
        .on_listening = on_listening, .on_message = on_message,
        .on_exit = on_exit_cb, .stop_timeout_ms = 5000, .data = &r->table,
    };
    r->cl = lab_cluster_new(loop, &o);
    ck_assert_ptr_nonnull(r->cl);
    lab_timer_init(loop, &r->safety);
    r->safety.data = r;
    event(r);
    ck_assert_int_eq(lab_cluster_start(r->cl, workers), 0);
    lab_loop_run(loop);
    lab_timer_stop(&r->safety);
    uint64_t killed = r->cl->killed_at_deadline;
    /* The clients' counts, kept before the load generator is freed. */
    r->lg_started = r->lg != NULL;
    r->lg_ok = r->lg ? r->lg->ok : 0;
    r->lg_failed = r->lg ? r->lg->failed : 0;
    if (r->lg) lab_loadgen_free(r->lg);
    r->lg = NULL;
    lab_cluster_free(r->cl);
    lab_loop_free(loop);
    ck_assert_msg(r->bad_reports == 0, "%d message(s) from the workers were not reports, e.g. %s",
                  r->bad_reports, r->bad);
    ck_assert_msg(killed == 0, "%llu worker(s) did not exit when disconnected (killed after 5 s): does "
                  "the report timer keep the loop alive?", (unsigned long long)killed);
    ck_assert_msg(r->bad_exits == 0, "%d worker(s) crashed or exited with a non-zero status", r->bad_exits);
}

START_TEST(reports_arrive_on_the_interval)
{
    static run_state r;
    memset(&r, 0, sizeof r);
    r.want_reports = 4;
    run(&r, 2, 50, 0);
    ck_assert_msg(!r.gave_up, "the workers sent %llu and %llu reports, then nothing for 5 s; at one "
                  "every 50 ms, wanted 4 each", (unsigned long long)r.per_worker[1], (unsigned long long)r.per_worker[2]);
    ck_assert_msg(r.early == 0, "%s", r.early_msg);
    ck_assert_msg(r.table.nworkers == 2, "the table has %zu entries for 2 workers", r.table.nworkers);
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(r.table.workers[i].requests == 0 && r.table.workers[i].reports >= 4,
                      "idle worker %d: %llu requests in %llu reports, wanted 0 in at least 4",
                      r.table.workers[i].id, (unsigned long long)r.table.workers[i].requests,
                      (unsigned long long)r.table.workers[i].reports);
}
END_TEST

/* 150 requests; then the reports must bring the total to exactly 150
 * within 50 more reports from each worker (a second at 20 ms), and keep
 * it there for STAY_REPORTS more from each. */
START_TEST(totals_equal_requests_sent)
{
    static run_state r;
    memset(&r, 0, sizeof r);
    r.settle_within = 50;
    run(&r, 3, 20, 150);
    ck_assert_msg(r.lg_started && r.lg_ok == 150 && r.lg_failed == 0, "the clients got %llu answers of 150",
                  (unsigned long long)r.lg_ok);
    ck_assert_msg(!r.gave_up, "no report came for 5 s after the load ended");
    ck_assert_msg(r.settled, "150 requests were answered, but after 50 more reports from each worker "
                  "the primary's total is %llu", (unsigned long long)stats_total(&r.table));
    ck_assert_msg(!r.drifted, "the primary's total reached 150, then became %llu with the next reports, "
                  "though no request came any more", (unsigned long long)r.drift_total);
    ck_assert_msg(r.table.nworkers == 3, "the table has %zu entries for 3 workers", r.table.nworkers);
    ck_assert_msg(r.early == 0, "%s", r.early_msg);
    uint64_t reports = 0;
    for (size_t i = 0; i < r.table.nworkers; i++) reports += r.table.workers[i].reports;
    ck_assert_msg(reports == r.table.reports, "the entries count %llu reports, the table %llu",
                  (unsigned long long)reports, (unsigned long long)r.table.reports);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("cluster-ipc-stats");
    struct { const char *name; const TTest *test; } tests[] = {
        { "the_table_keeps_the_last_total_per_worker", the_table_keeps_the_last_total_per_worker },
        { "other_messages_are_ignored", other_messages_are_ignored },
        { "gone_workers_still_count", gone_workers_still_count },
        { "reports_arrive_on_the_interval", reports_arrive_on_the_interval },
        { "totals_equal_requests_sent", totals_equal_requests_sent },
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
