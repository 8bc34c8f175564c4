/*
 * test_tui_shutdown.c — Chapter 5's dashboards' models: the graceful
 * shutdown (lab/tui/model_shutdown.c) and the thread demos
 * (lab/tui/model_threads.c), fed lines the demos write.  The shutdown
 * lines were recorded from `nodelab demo shutdown.graceful --json --set
 * load=4 --set stop_after=100 --set slow_ms=300` (its busiest events, one
 * per request, left out: the model does not need them).
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

static void feed_all(const char *const *lines)
{
    for (int i = 0; lines[i]; i++) feed(lines[i]);
}

static bool timeline_has(const model_timeline *tl, const char *text)
{
    for (int i = 0; i < tl->count; i++) {
        const model_cevent *e = model_timeline_at(tl, i);
        char buf[160];
        snprintf(buf, sizeof buf, "%s %s", e->what, e->text);
        if (strstr(buf, text)) return true;
    }
    return false;
}

/* SIGTERM with requests in flight: recorded. */
static const char *const term_run[] = {
    "{\"ts\":14649,\"ev\":\"worker\",\"pid\":11045,\"thread\":1,\"name\":\"db\",\"phase\":\"spawn\"}",
    "{\"ts\":15764,\"ev\":\"worker\",\"pid\":11045,\"thread\":1,\"name\":\"db\",\"phase\":\"online\",\"tid\":11047}",
    "{\"ts\":32917,\"ev\":\"db\",\"pid\":11045,\"phase\":\"open\",\"path\":\"/tmp/nodelab-shutdown.wTKnIO/requests.db\",\"journal\":\"wal\",\"rows\":0}",
    "{\"ts\":34084,\"ev\":\"serving\",\"pid\":11045,\"port\":36363,\"db\":\"/tmp/nodelab-shutdown.wTKnIO/requests.db\",\"deadline_ms\":5000}",
    "{\"ts\":1905883,\"ev\":\"stop\",\"pid\":11044,\"signal\":\"SIGTERM\",\"server\":11045,\"acknowledged\":100,\"in_flight\":4}",
    "{\"ts\":1906078,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"signal\",\"ms\":0,\"signal\":\"SIGTERM\",\"in_flight\":3,\"deadline_ms\":5000}",
    "{\"ts\":1906169,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"stop-accepting\",\"ms\":0,\"listener\":\"http\"}",
    "{\"ts\":1906196,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"draining\",\"ms\":0,\"in_flight\":3}",
    "{\"ts\":2201466,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"drained\",\"ms\":295}",
    "{\"ts\":2201476,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"closing\",\"ms\":295,\"closer\":\"db\"}",
    "{\"ts\":2275730,\"ev\":\"db\",\"pid\":11045,\"phase\":\"closed\",\"commits\":103}",
    "{\"ts\":2275862,\"ev\":\"worker\",\"pid\":11045,\"thread\":1,\"name\":\"db\",\"phase\":\"exit\",\"code\":0,\"cpu_ms\":19.945}",
    "{\"ts\":2278978,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"closed\",\"ms\":373,\"closer\":\"db\",\"took_ms\":78}",
    "{\"ts\":2278988,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"closing\",\"ms\":373,\"closer\":\"log\"}",
    "{\"ts\":2278996,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"closed\",\"ms\":373,\"closer\":\"log\",\"took_ms\":0}",
    "{\"ts\":2279002,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"done\",\"ms\":373,\"code\":0}",
    "{\"ts\":2279023,\"ev\":\"summary\",\"pid\":11045,\"role\":\"server\",\"port\":36363,\"db\":\"/tmp/nodelab-shutdown.wTKnIO/requests.db\",\"requests\":103,\"acknowledged\":103,\"failed\":0,\"cut_off\":0,\"slow\":25,\"in_flight_at_signal\":3,\"in_flight\":0,\"phase\":\"done\",\"code\":0}",
    "{\"ts\":2280694,\"ev\":\"exit\",\"pid\":11045,\"ppid\":11044,\"code\":0,\"signal\":null}",
    "{\"ts\":2283688,\"ev\":\"summary\",\"pid\":11044,\"role\":\"audit\",\"db\":\"/tmp/nodelab-shutdown.wTKnIO/requests.db\",\"stop\":\"SIGTERM\",\"load\":4,\"requests\":104,\"acknowledged\":103,\"acknowledged_after_signal\":3,\"acknowledged_present\":103,\"acknowledged_missing\":0,\"rows\":103,\"unacknowledged_rows\":0,\"cut_off\":0,\"refused\":1,\"errors\":0,\"server_code\":0}",
    "{\"ts\":2285002,\"ev\":\"exit\",\"pid\":11044,\"code\":0,\"signal\":null,\"role\":\"demo\"}",
    NULL
};

START_TEST(sigterm_walks_every_step_and_the_audit_counts_the_rows)
{
    const model_shutdown *s = &M.shutdown;
    ck_assert(!s->active);
    feed_all((const char *const[]){ term_run[0], term_run[1], term_run[2], term_run[3], NULL });
    ck_assert(s->active);
    ck_assert_int_eq(s->server_pid, 11045);
    ck_assert_int_eq(s->port, 36363);
    ck_assert_str_eq(s->db, "requests.db");
    ck_assert_str_eq(s->journal, "wal");
    ck_assert_int_eq(s->reached, SD_SERVING);
    ck_assert_int_eq(model_shutdown_deadline_used(&M, 1000000), 0);   /* no signal yet */
    feed("{\"ts\":1800000,\"ev\":\"load\",\"pid\":11044,\"requests\":100,\"acknowledged\":96,\"in_flight\":4,\"cut_off\":0,\"refused\":0}");
    ck_assert_int_eq(s->in_flight, 4);
    ck_assert_int_eq(s->acknowledged, 96);
    for (int i = 4; i <= 7; i++) feed(term_run[i]);           /* stop .. draining */
    ck_assert_int_eq(s->reached, SD_DRAINING);
    ck_assert_str_eq(s->signal, "SIGTERM");
    ck_assert_int_eq(s->in_flight, 3);
    ck_assert_int_eq(s->deadline_ms, 5000);
    ck_assert_int_eq(model_shutdown_deadline_used(&M, 1906078 + 250000), 250);
    feed("{\"ts\":2000000,\"ev\":\"load\",\"pid\":11044,\"requests\":104,\"acknowledged\":101,\"in_flight\":3,\"cut_off\":0,\"refused\":1}");
    ck_assert_int_eq(model_shutdown_refused_since(&M), 1);
    ck_assert_int_eq(s->in_flight, 3);                       /* the server's count, after the signal */
    feed_all(term_run + 8);
    ck_assert_int_eq(s->reached, SD_EXIT);
    for (int p = 0; p < SD_NPHASES; p++) ck_assert_msg(s->phase_seen[p], "step %d not seen", p);
    ck_assert(!s->forced && !s->killed);
    ck_assert_int_eq(s->in_flight, 0);
    ck_assert_int_eq(s->exit_code, 0);
    ck_assert_int_eq(s->commits, 103);
    ck_assert(s->audited);
    ck_assert_int_eq(s->acknowledged, 103);
    ck_assert_int_eq(s->rows, 103);
    ck_assert_int_eq(s->present, 103);
    ck_assert_int_eq(s->missing, 0);
    /* The deadline stopped at the exit (done at 2279002, the signal at 1906078). */
    ck_assert_int_eq(model_shutdown_deadline_used(&M, 9000000), 372);
    ck_assert(timeline_has(&s->tl, "signal SIGTERM: 3 in flight, deadline 5000 ms"));
    ck_assert(timeline_has(&s->tl, "server close http: no new connections"));
    ck_assert(timeline_has(&s->tl, "closed db in 78 ms"));
    ck_assert(timeline_has(&s->tl, "done exit 0"));
    ck_assert(timeline_has(&s->tl, "audit 103 acknowledged, 103 of them in the db, 0 missing"));
}
END_TEST

/* SIGKILL: the server never hears of it; the steps between are skipped. */
START_TEST(sigkill_skips_the_steps_and_cuts_requests_off)
{
    const model_shutdown *s = &M.shutdown;
    feed_all((const char *const[]){ term_run[2], term_run[3], NULL });
    feed("{\"ts\":1466853,\"ev\":\"stop\",\"pid\":11044,\"signal\":\"SIGKILL\",\"server\":11045,\"acknowledged\":30,\"in_flight\":4}");
    ck_assert_int_eq(s->reached, SD_SIGNAL);
    ck_assert_str_eq(s->signal, "SIGKILL");
    feed("{\"ts\":1513052,\"ev\":\"exit\",\"pid\":11045,\"ppid\":11044,\"code\":null,\"signal\":\"SIGKILL\"}");
    ck_assert(s->killed);
    ck_assert_int_eq(s->reached, SD_EXIT);
    ck_assert(!s->phase_seen[SD_STOP_ACCEPTING] && !s->phase_seen[SD_DRAINING] && !s->phase_seen[SD_CLOSE_DB]);
    ck_assert(timeline_has(&s->tl, "exit server killed by SIGKILL: nothing closed"));
    feed("{\"ts\":1621607,\"ev\":\"summary\",\"pid\":11044,\"role\":\"audit\",\"stop\":\"SIGKILL\",\"acknowledged\":32,\"acknowledged_present\":32,\"acknowledged_missing\":0,\"rows\":32,\"unacknowledged_rows\":0,\"cut_off\":4,\"refused\":1}");
    ck_assert_int_eq(s->rows, 32);
    ck_assert_int_eq(s->cut_off, 4);
}
END_TEST

START_TEST(a_passed_deadline_is_a_forced_exit)
{
    const model_shutdown *s = &M.shutdown;
    feed(term_run[3]);
    feed("{\"ts\":100,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"signal\",\"ms\":0,\"signal\":\"SIGTERM\",\"in_flight\":2,\"deadline_ms\":50}");
    feed("{\"ts\":60000,\"ev\":\"shutdown\",\"pid\":11045,\"phase\":\"forced\",\"ms\":50,\"reason\":\"deadline of 50 ms passed\",\"in_flight\":2,\"not_closed\":[\"log\",\"db\"]}");
    ck_assert(s->forced);
    ck_assert_int_eq(s->reached, SD_EXIT);
    ck_assert(timeline_has(&s->tl, "forced deadline of 50 ms passed, 2 still in flight"));
}
END_TEST

START_TEST(a_cluster_is_not_a_shutdown)
{
    feed("{\"ts\":35409,\"ev\":\"serving\",\"pid\":23396,\"address\":\"127.0.0.1\",\"port\":36319,\"workers\":2,\"policy\":\"rr\"}");
    feed("{\"ts\":533335,\"ev\":\"load\",\"pid\":23396,\"sent\":104,\"ok\":104,\"failed\":0,\"refused\":0,\"retried\":0,\"rps\":208,\"connections\":8}");
    ck_assert(!M.shutdown.active);
    ck_assert_int_eq(M.shutdown.acknowledged, 0);
}
END_TEST

/* threads.shared-memory: a row per way, the newest round's. */
START_TEST(counts_make_a_row_per_way_and_a_new_round_replaces_them)
{
    const model_threads *t = &M.threads_view;
    feed("{\"ts\":534883,\"ev\":\"stage\",\"pid\":21554,\"mode\":\"plain\",\"round\":1,\"threads\":2}");
    ck_assert_str_eq(t->running, "plain");
    feed("{\"ts\":571036,\"ev\":\"count\",\"pid\":21554,\"mode\":\"plain\",\"round\":1,\"threads\":2,\"increments\":200000,\"expected\":400000,\"final\":312345,\"lost\":87655,\"exact\":false,\"ms\":1.479,\"overlap_ms\":1.25}");
    feed("{\"ts\":582110,\"ev\":\"count\",\"pid\":21554,\"mode\":\"atomic\",\"round\":1,\"threads\":2,\"increments\":200000,\"expected\":400000,\"final\":400000,\"lost\":0,\"exact\":true,\"ms\":9.249}");
    ck_assert_int_eq(t->ncounts, 2);
    ck_assert_str_eq(t->running, "");
    ck_assert_str_eq(t->counts[0].mode, "plain");
    ck_assert_int_eq(t->counts[0].lost, 87655);
    ck_assert_double_eq_tol(t->counts[0].overlap_ms, 1.25, 1e-9);
    ck_assert(!t->counts[0].exact);
    ck_assert(t->counts[1].exact);
    ck_assert_double_eq_tol(t->counts[1].ms, 9.249, 1e-9);
    feed("{\"ts\":971036,\"ev\":\"count\",\"pid\":21554,\"mode\":\"plain\",\"round\":2,\"threads\":2,\"increments\":200000,\"expected\":400000,\"final\":400000,\"lost\":0,\"exact\":true,\"ms\":1.2}");
    ck_assert_int_eq(t->ncounts, 2);
    ck_assert(t->counts[0].exact);
    feed("{\"ts\":916161,\"ev\":\"pingpong\",\"pid\":21554,\"round\":1,\"round_trips\":20000,\"per_s\":66274.7,\"ms\":301.774,\"wait_ok\":23812,\"wait_not_equal\":0,\"wait_timed_out\":0,\"probe_not_equal\":\"not-equal\",\"probe_timed_out\":\"timed-out\",\"final_cell\":0}");
    ck_assert(t->has_pingpong);
    ck_assert_int_eq(t->wait_ok, 23812);
    ck_assert_str_eq(t->probe_timed_out, "timed-out");
    feed("{\"ts\":917004,\"ev\":\"stage\",\"pid\":21554,\"mode\":\"no-copy\",\"round\":1,\"threads\":2}");
    ck_assert_str_eq(t->running, "no-copy");
    feed("{\"ts\":925497,\"ev\":\"nocopy\",\"pid\":32089,\"round\":1,\"bytes\":1048576,\"same_address\":true,\"same_sum\":true,\"message_bytes\":96,\"read_ms_1\":1.451,\"read_ms_2\":1.178}");
    ck_assert_str_eq(t->running, "");
    ck_assert(t->has_nocopy && t->nocopy_same);
    ck_assert_int_eq(t->nocopy_bytes, 1048576);
}
END_TEST

/* threads.actors: a mailbox depth per actor, and the deepest seen. */
START_TEST(actors_give_a_depth_per_mailbox)
{
    const model_threads *t = &M.threads_view;
    feed("{\"ts\":273007,\"ev\":\"actors\",\"pid\":21645,\"depth\":[372,89,0],\"msgs_per_s\":[474.7,110.5,110.5],\"cpu_ms\":[25.3,24.2,7.3],\"busy_pct\":[10.3,9.9,3.0],\"cores\":0.23,\"in_per_s\":1997.3,\"out_per_s\":110.5,\"sent\":488,\"delivered\":27}");
    feed("{\"ts\":522357,\"ev\":\"actors\",\"pid\":21645,\"depth\":[205,192,0],\"msgs_per_s\":[657.5,244.5,244.5],\"cpu_ms\":[59.4,74.2,21.7],\"busy_pct\":[13.6,20.0,5.7],\"cores\":0.39,\"in_per_s\":1992.7,\"out_per_s\":248.5,\"sent\":985,\"delivered\":89}");
    ck_assert_int_eq(t->nactors, 3);
    ck_assert_int_eq(t->depth[0], 205);
    ck_assert_int_eq(t->max_depth[0], 372);
    ck_assert_int_eq(t->depth[1], 192);
    ck_assert_double_eq_tol(t->busy_pct[1], 20.0, 1e-9);
    ck_assert_int_eq(t->delivered, 89);
    /* Junk in the arrays is zero, not a crash. */
    feed("{\"ts\":600000,\"ev\":\"actors\",\"pid\":21645,\"depth\":[\"x\",null,-5,1e300]}");
    ck_assert_int_eq(t->nactors, 4);
    ck_assert_int_eq(t->depth[0], 0);
    ck_assert_int_eq(t->depth[2], 0);
}
END_TEST

int main(void)
{
    return CHECK_RUN("tui chapter 5 models", 30, setup, NULL,
                     sigterm_walks_every_step_and_the_audit_counts_the_rows,
                     sigkill_skips_the_steps_and_cuts_requests_off,
                     a_passed_deadline_is_a_forced_exit, a_cluster_is_not_a_shutdown,
                     counts_make_a_row_per_way_and_a_new_round_replaces_them,
                     actors_give_a_depth_per_mailbox);
}
