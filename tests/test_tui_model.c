/*
 * test_tui_model.c — the dashboard's model, fed telemetry lines the way a
 * demo writes them (docs/telemetry.md).  Each test names what a student
 * would see on the dashboard if the model got it wrong.
 *
 * Two kinds of input: a few lines written here, for one rule at a time;
 * and whole runs of real demos, recorded when the test runs (`nodelab demo
 * NAME --json`), whose numbers the model must agree with the demo's own
 * `summary` about — hand-made events only test what their author thought
 * the runtime sends.
 */
#include "tui/model.h"
#include "check_run.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static model M;

static void feed(const char *line)
{
    ck_assert_msg(model_feed(&M, line, strlen(line)) == 0, "not accepted: %s", line);
}

/* ---- recorded runs ------------------------------------------------------ */

/* The events of the last record(), parsed, in order. */
static cJSON *REC;

/* Called after each recorded line was fed, with its event. */
typedef void record_check(const cJSON *ev);
static void record_with(const char *demo_and_args, record_check *check);

/* Runs `nodelab demo DEMO ARGS --json`, feeds every line to M and keeps
 * the events for recorded(). */
static void record(const char *demo_and_args) { record_with(demo_and_args, NULL); }

static void record_with(const char *demo_and_args, record_check *check)
{
    const char *nodelab = getenv("NODELAB");
    ck_assert_msg(nodelab && *nodelab, "NODELAB is not set (run through make check)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' demo %s --json 2>/dev/null", nodelab, demo_and_args);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    cJSON_Delete(REC);
    REC = cJSON_CreateArray();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') line[--n] = '\0';
        ck_assert_msg(model_feed(&M, line, (size_t)n) == 0, "not accepted: %s", line);
        cJSON *ev = cJSON_ParseWithLength(line, (size_t)n);
        if (check) check(ev);
        cJSON_AddItemToArray(REC, ev);
    }
    free(line);
    pclose(f);
    ck_assert_msg(M.exited, "%s: the recording has no end (no exit event)", demo_and_args);
}

/* The nth (from 0) recorded event named ev, or NULL. */
static const cJSON *recorded(const char *ev, int nth)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, REC) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "ev");
        if (cJSON_IsString(name) && !strcmp(name->valuestring, ev) && nth-- == 0) return e;
    }
    return NULL;
}

static double field(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    ck_assert_msg(cJSON_IsNumber(v), "no number %s in the event", key);
    return v->valuedouble;
}

static void setup(void) { model_init(&M); }

/* The last log line (any kind), for checking what the log says. */
static const char *last_log(int mask)
{
    int n = model_log_count(&M, mask);
    ck_assert_int_gt(n, 0);
    return model_log_at(&M, mask, n - 1)->text;
}

START_TEST(demo_event_names_the_demo_and_its_parameters)
{
    feed("{\"ts\":221,\"ev\":\"demo\",\"pid\":300,\"name\":\"streams.backpressure\",\"chapter\":2,"
         "\"duration_ms\":6000,\"ppid\":299,\"params\":{\"hwm\":16384,\"mode\":\"fast\"}}");
    ck_assert_str_eq(M.demo, "streams.backpressure");
    ck_assert_int_eq(M.chapter, 2);
    ck_assert_int_eq(M.demo_pid, 300);
    ck_assert_int_eq(M.nprocs, 1);
    ck_assert_str_eq(M.procs[0].role, "demo");
    ck_assert_int_eq(M.procs[0].ppid, 299);
    const model_param *p = model_param_find(&M, "hwm");
    ck_assert_ptr_nonnull(p);
    ck_assert(p->value == 16384 && !p->is_str);
    p = model_param_find(&M, "mode");
    ck_assert(p && p->is_str && !strcmp(p->str, "fast"));
}
END_TEST

START_TEST(param_replies_update_the_value_or_say_why_not)
{
    feed("{\"ts\":1,\"ev\":\"demo\",\"pid\":7,\"name\":\"x\",\"params\":{\"offload\":0}}");
    feed("{\"ts\":2,\"ev\":\"param\",\"pid\":7,\"key\":\"offload\",\"value\":1}");
    ck_assert(model_param_find(&M, "offload")->value == 1);
    ck_assert_str_eq(M.param_note, "offload = 1");
    ck_assert(!M.param_rejected);
    feed("{\"ts\":3,\"ev\":\"param\",\"pid\":7,\"key\":\"every_ms\",\"rejected\":\"not a live parameter\"}");
    ck_assert(M.param_rejected);
    ck_assert(strstr(M.param_note, "every_ms refused: not a live parameter"));
    ck_assert(model_param_find(&M, "offload")->value == 1);
}
END_TEST

START_TEST(writes_make_a_gauge_and_false_is_logged_with_its_burst)
{
    const char *lines[] = {
        "{\"ts\":5484,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":4096,\"len\":4096,\"hwm\":16384,\"ret\":true}",
        "{\"ts\":10590,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":4096,\"len\":8192,\"hwm\":16384,\"ret\":true}",
        "{\"ts\":15692,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":4096,\"len\":12288,\"hwm\":16384,\"ret\":true}",
        "{\"ts\":25959,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":4096,\"len\":16384,\"hwm\":16384,\"ret\":false}",
        "{\"ts\":25972,\"ev\":\"pause\",\"pid\":9,\"stream\":\"source\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) feed(lines[i]);
    ck_assert_int_eq(M.nstreams, 2);
    model_stream *s = model_stream_find(&M, "sink");
    ck_assert_ptr_nonnull(s);
    ck_assert(s->w.seen && !s->r.seen);
    ck_assert_int_eq(s->kind, KIND_WRITABLE);
    ck_assert_int_eq(s->w.len, 16384);
    ck_assert_int_eq(s->w.hwm, 16384);
    ck_assert_int_eq(s->writes, 4);
    ck_assert_int_eq(s->falses, 1);
    ck_assert(s->need_drain);
    ck_assert_int_eq(s->bytes_in, 4 * 4096);
    /* Three writes returned true before the false one; the log says so. */
    ck_assert_int_eq(model_log_count(&M, LOG_BACKPRESSURE), 2);
    const char *line = model_log_at(&M, LOG_BACKPRESSURE, 0)->text;
    ck_assert_msg(strstr(line, "returned FALSE (after 3 true)"), "%s", line);
    ck_assert(model_stream_find(&M, "source")->paused);
    /* Drain clears the flag; resume unpauses. */
    feed("{\"ts\":101473,\"ev\":\"drain\",\"pid\":9,\"stream\":\"sink\"}");
    feed("{\"ts\":101477,\"ev\":\"resume\",\"pid\":9,\"stream\":\"source\"}");
    ck_assert(!model_stream_find(&M, "sink")->need_drain);
    ck_assert_int_eq(model_stream_find(&M, "sink")->drains, 1);
    ck_assert(!model_stream_find(&M, "source")->paused);
    ck_assert_str_eq(last_log(LOG_BACKPRESSURE), "source   resume");
}
END_TEST

START_TEST(falses_in_a_row_share_one_log_line)
{
    for (int i = 1; i <= 5; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\","
                 "\"size\":100,\"len\":%d,\"hwm\":200,\"ret\":%s}", i, i * 100, i < 2 ? "true" : "false");
        feed(line);
    }
    ck_assert_int_eq(model_log_count(&M, LOG_BACKPRESSURE), 1);
    const model_log_entry *e = model_log_at(&M, LOG_BACKPRESSURE, 0);
    ck_assert_int_eq(e->repeat, 4);
    ck_assert_int_eq(e->ts, 5);
    ck_assert_str_eq(e->text, "sink     write 100 → len 500/200 returned FALSE ×4");
    /* Anything in between starts a new line. */
    feed("{\"ts\":6,\"ev\":\"drain\",\"pid\":9,\"stream\":\"sink\"}");
    feed("{\"ts\":7,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":100,\"len\":100,\"hwm\":100,\"ret\":false}");
    ck_assert_int_eq(model_log_count(&M, LOG_BACKPRESSURE), 3);
    ck_assert_str_eq(last_log(LOG_BACKPRESSURE), "sink     write 100 → len 100/100 returned FALSE");
}
END_TEST

START_TEST(a_push_makes_a_readable_and_data_counts_bytes)
{
    feed("{\"ts\":100,\"ev\":\"push\",\"pid\":9,\"stream\":\"file\",\"size\":65536,\"len\":65536,\"hwm\":65536,\"ret\":false}");
    model_stream *s = model_stream_find(&M, "file");
    ck_assert(s->r.seen && !s->w.seen);
    ck_assert_int_eq(s->pushes, 1);
    ck_assert(!s->need_drain);                 /* only writables wait for drain */
    feed("{\"ts\":300000,\"ev\":\"data\",\"pid\":9,\"stream\":\"file\",\"size\":1000}");
    feed("{\"ts\":400000,\"ev\":\"data\",\"pid\":9,\"stream\":\"file\",\"size\":500}");
    feed("{\"ts\":600000,\"ev\":\"data\",\"pid\":9,\"stream\":\"file\",\"size\":7}");
    ck_assert(M.has_data_events);
    ck_assert_int_eq(s->bytes_out, 1507);
    /* 250 ms buckets: [250,500) holds 1500, [500,750) holds 7. */
    double last[3];
    model_series_last(&M.bytes, last, 3);
    ck_assert(last[0] == 0 && last[1] == 1500 && last[2] == 7);
    ck_assert(model_series_recent(&M.bytes, 4) == 1500);   /* complete buckets only */
}
END_TEST

START_TEST(cluster_worker_stats_count_requests_without_request_events)
{
    feed("{\"ts\":1,\"ev\":\"demo\",\"pid\":10,\"name\":\"cluster.http\"}");
    feed("{\"ts\":2,\"ev\":\"worker\",\"pid\":10,\"event\":\"fork\",\"id\":1,\"worker_pid\":11,\"state\":\"none\"}");
    feed("{\"ts\":3,\"ev\":\"worker\",\"pid\":10,\"event\":\"fork\",\"id\":2,\"worker_pid\":12,\"state\":\"none\"}");
    ck_assert_str_eq(model_proc_find(&M, 11)->role, "worker 1");
    feed("{\"ts\":300000,\"ev\":\"worker_stats\",\"pid\":10,\"id\":1,\"worker_pid\":11,\"requests\":70,\"connections\":2,\"rss\":2000000,\"cpu_us\":5}");
    feed("{\"ts\":300001,\"ev\":\"worker_stats\",\"pid\":10,\"id\":2,\"worker_pid\":12,\"requests\":30,\"connections\":2,\"rss\":2000000,\"cpu_us\":5}");
    feed("{\"ts\":600000,\"ev\":\"worker_stats\",\"pid\":10,\"id\":1,\"worker_pid\":11,\"requests\":100,\"connections\":2,\"rss\":3000000,\"cpu_us\":9}");
    model_proc *p = model_proc_find(&M, 11);
    ck_assert_int_eq(p->requests, 100);           /* the total, not a sum of totals */
    ck_assert_int_eq(p->rss, 3000000);
    ck_assert_int_eq(M.nworkers, 2);
    ck_assert_str_eq(M.workers[0].label, "pid 11");
    ck_assert_int_eq(M.workers[0].count, 100);
    ck_assert_int_eq(M.workers[1].count, 30);
    /* A threads' worker event (no worker_pid) names no process. */
    feed("{\"ts\":700000,\"ev\":\"worker\",\"pid\":10,\"event\":\"online\",\"id\":3}");
    ck_assert_ptr_null(model_proc_find(&M, 0));
}
END_TEST

START_TEST(a_spawn_adds_a_row_and_exit_reports_how_it_ended)
{
    feed("{\"ts\":1,\"ev\":\"demo\",\"pid\":10,\"name\":\"child.fork\"}");
    /* A parent reporting its child: the child's pid comes last. */
    feed("{\"ts\":2,\"ev\":\"spawn\",\"pid\":10,\"pid\":11,\"ppid\":10,\"file\":\"/bin/sleep\",\"argv\":[\"sleep\",\"9\"]}");
    model_proc *p = model_proc_find(&M, 11);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->role, "sleep");
    ck_assert_int_eq(p->ppid, 10);
    ck_assert_int_eq(p->state, PROC_RUNNING);
    feed("{\"ts\":3,\"ev\":\"exit\",\"pid\":10,\"pid\":11,\"code\":null,\"signal\":\"SIGKILL\"}");
    ck_assert_int_eq(p->state, PROC_EXITED);
    ck_assert_str_eq(p->signal, "SIGKILL");
    ck_assert(!M.exited);                      /* a child, not the demo */
    ck_assert_str_eq(last_log(LOG_PROCESS), "exit     sleep 11 killed by SIGKILL");
    /* A process that emits events before anyone announced it still shows. */
    feed("{\"ts\":4,\"ev\":\"lag\",\"pid\":12,\"ms\":1.5}");
    ck_assert_ptr_nonnull(model_proc_find(&M, 12));
    ck_assert_int_eq(model_proc_find(&M, 12)->events, 1);
}
END_TEST

START_TEST(the_demo_exit_says_crashed_or_finished)
{
    feed("{\"ts\":1,\"ev\":\"demo\",\"pid\":20,\"name\":\"test.crash\"}");
    feed("{\"ts\":800610,\"ev\":\"exit\",\"pid\":20,\"code\":null,\"signal\":\"SIGABRT\",\"role\":\"demo\"}");
    ck_assert(M.exited && M.crashed);
    ck_assert_str_eq(M.exit_signal, "SIGABRT");
    ck_assert_int_eq(M.exit_code, -1);
    ck_assert_str_eq(model_proc_find(&M, 20)->role, "demo");   /* role kept */

    model_init(&M);
    feed("{\"ts\":9,\"ev\":\"exit\",\"pid\":21,\"code\":0,\"signal\":null,\"role\":\"demo\"}");
    ck_assert(M.exited && !M.crashed);
    model_init(&M);
    feed("{\"ts\":9,\"ev\":\"exit\",\"pid\":21,\"code\":3,\"signal\":null,\"role\":\"demo\"}");
    ck_assert(M.exited && M.crashed);
    ck_assert_int_eq(M.exit_code, 3);
    model_init(&M);                            /* stopped by the lab: not a crash */
    feed("{\"ts\":9,\"ev\":\"exit\",\"pid\":21,\"code\":null,\"signal\":\"SIGTERM\",\"role\":\"demo\"}");
    ck_assert(M.exited && !M.crashed);
}
END_TEST

START_TEST(ipc_messages_are_kept_and_counted_per_process)
{
    /* Only the sender reports (the receiver has no telemetry): each
     * report is a message. */
    for (int i = 0; i < MODEL_IPC + 5; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"ipc\",\"pid\":30,\"from\":30,\"to\":31,"
                 "\"dir\":\"send\",\"bytes\":12,\"body\":\"{\\\"n\\\":%d}\"}", i, i);
        feed(line);
    }
    ck_assert_int_eq(M.ipc_total, MODEL_IPC + 5);
    ck_assert_int_eq(M.ipc_count, MODEL_IPC);
    ck_assert_str_eq(model_ipc_at(&M, 0)->body, "{\"n\":5}");              /* oldest kept */
    char newest[32];
    snprintf(newest, sizeof newest, "{\"n\":%d}", MODEL_IPC + 4);
    ck_assert_str_eq(model_ipc_at(&M, MODEL_IPC - 1)->body, newest);
    ck_assert_int_eq(model_ipc_at(&M, 0)->latency_us, -1);                /* one end only */
    ck_assert_int_eq(model_proc_find(&M, 30)->ipc_out, MODEL_IPC + 5);
    ck_assert_int_eq(model_proc_find(&M, 31)->ipc_in, MODEL_IPC + 5);
    /* An object body (not a string) is kept as JSON text. */
    feed("{\"ts\":1,\"ev\":\"ipc\",\"pid\":30,\"from\":31,\"to\":30,\"dir\":\"send\",\"bytes\":9,\"body\":{\"a\":1}}");
    ck_assert_str_eq(model_ipc_at(&M, MODEL_IPC - 1)->body, "{\"a\":1}");
}
END_TEST

START_TEST(an_ipc_message_both_ends_report_is_one_message)
{
    /* The receiver's line may reach the pipe before the sender's. */
    feed("{\"ts\":90,\"ev\":\"ipc\",\"pid\":41,\"from\":40,\"to\":41,\"dir\":\"recv\",\"bytes\":9,\"body\":\"{}\"}");
    feed("{\"ts\":50,\"ev\":\"ipc\",\"pid\":40,\"from\":40,\"to\":41,\"dir\":\"send\",\"bytes\":9,\"body\":\"{}\"}");
    feed("{\"ts\":100,\"ev\":\"ipc\",\"pid\":40,\"from\":40,\"to\":41,\"dir\":\"send\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert_int_eq(M.ipc_total, 2);
    const model_ipc_entry *x = model_ipc_at(&M, 0);
    ck_assert(x->sent && x->received);
    ck_assert_int_eq(x->ts, 50);                     /* listed when it was sent */
    ck_assert_int_eq(x->latency_us, 40);
    x = model_ipc_at(&M, 1);
    ck_assert(x->sent && !x->received);              /* still on its way */
    feed("{\"ts\":130,\"ev\":\"ipc\",\"pid\":41,\"from\":40,\"to\":41,\"dir\":\"recv\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert_int_eq(M.ipc_total, 2);
    ck_assert(x->received && x->latency_us == 30);
    ck_assert_int_eq(model_proc_find(&M, 40)->ipc_out, 2);
    ck_assert_int_eq(model_proc_find(&M, 41)->ipc_in, 2);
}
END_TEST

START_TEST(recorded_child_fork_counts_each_message_once)
{
    record("child.fork --set rounds=3 --set compute_ms=50");
    const cJSON *sum = recorded("summary", 0);
    ck_assert_ptr_nonnull(sum);
    int64_t sent = (int64_t)field(sum, "messages_sent"), got = (int64_t)field(sum, "messages_received");
    ck_assert_int_gt(sent, 0);
    ck_assert_int_eq(M.ipc_total, sent + got);
    int parent = M.demo_pid, worker = (int)field(sum, "worker_pid");
    ck_assert_int_eq(model_proc_find(&M, parent)->ipc_out, sent);
    ck_assert_int_eq(model_proc_find(&M, parent)->ipc_in, got);
    ck_assert_int_eq(model_proc_find(&M, worker)->ipc_in, sent);
    ck_assert_int_eq(model_proc_find(&M, worker)->ipc_out, got);
    /* Both ends have telemetry: every message arrived, with its latency. */
    for (int i = 0; i < M.ipc_count; i++) {
        const model_ipc_entry *x = model_ipc_at(&M, i);
        ck_assert_msg(x->sent && x->received && x->latency_us >= 0, "message %d: %s", i, x->body);
    }
    /* The worker exited 0, the demo too; nothing is left "running". */
    ck_assert_int_eq(model_proc_find(&M, worker)->state, PROC_EXITED);
    ck_assert_int_eq(model_proc_find(&M, worker)->code, 0);
    for (int i = 0; i < M.nprocs; i++)
        ck_assert_msg(M.procs[i].state != PROC_RUNNING, "pid %d still running", M.procs[i].pid);
}
END_TEST

/* streams.backpressure samples both buffers itself (`buffers`): at each
 * sample, the gauges must say the same — while the sink drains too, which
 * `write` events alone cannot tell. */
static int64_t samples, drained_samples;

static void gauges_match_the_samples(const cJSON *ev)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "ev");
    if (!cJSON_IsString(name) || strcmp(name->valuestring, "buffers")) return;
    const model_stream *sink = model_stream_find(&M, "sink");
    const model_stream *source = model_stream_find(&M, "source");
    /* (Once destroyed, a stream's buffer is let go: the gauge shows it
     * empty, whatever length the dead stream still counts.) */
    if (!sink || !source || sink->closed) return;  /* nothing written yet, or over */
    ck_assert_msg(sink->w.len == (int64_t)field(ev, "sink_len"), "at %.0f: sink gauge %lld, sink_len %.0f", field(ev, "ts"), (long long)sink->w.len, field(ev, "sink_len"));
    ck_assert_int_eq(source->r.len, (int64_t)field(ev, "source_len"));
    samples++;
    if (sink->need_drain && sink->w.len < sink->w.hwm) drained_samples++;
}

START_TEST(recorded_backpressure_gauges_follow_both_buffers)
{
    record_with("streams.backpressure --duration 2 --set sample_ms=10 --set delay_ms=20 "
                "--set chunk=4096",
                gauges_match_the_samples);
    ck_assert_int_gt(samples, 20);
    /* Caught between false and drain, below the mark: that is a gauge that
     * moved while the buffer drained (it used to stay at the mark). */
    ck_assert_int_gt(drained_samples, 0);
    const cJSON *sum = recorded("summary", 0);
    const model_stream *sink = model_stream_find(&M, "sink");
    ck_assert_int_eq(sink->kind, KIND_WRITABLE);
    ck_assert_int_eq(model_stream_find(&M, "source")->kind, KIND_READABLE);
    ck_assert_int_eq(sink->writes, (int64_t)field(sum, "writes"));
    ck_assert_int_eq(sink->falses, (int64_t)field(sum, "write_false"));
    ck_assert_int_eq(sink->drains, (int64_t)field(sum, "drains"));
    /* Closed at the end: an empty gauge, not a full one. */
    ck_assert(sink->closed);
    ck_assert_int_eq(sink->w.len, 0);
}
END_TEST

/* A demo whose result is the point: every point of the sweep is a bar,
 * the best one is the summary's, and each `result` is a row. */
START_TEST(recorded_results_are_kept_whole)
{
    record("streams.hwm-sweep --set size=256k --set min_hwm=4k --set max_hwm=64k --set repeats=1");
    const cJSON *sum = recorded("summary", 0);
    ck_assert_int_eq(M.nsweep, (int)field(sum, "marks"));
    int64_t best = 0;
    for (int i = 0; i < M.nsweep; i++) if (M.sweep[i].count > best) best = M.sweep[i].count;
    ck_assert_int_eq(best, (int64_t)field(sum, "best_bytes_per_s"));
    ck_assert_int_gt(M.nsummary, 3);
    model_init(&M);
    record("buffers.binary --set size=64k --set chunk=1000 --set rounds=1");
    ck_assert_int_eq(M.nresults, 2);
    ck_assert_str_eq(M.results[0].label, "string");
    ck_assert_str_eq(M.results[1].label, "binary");
    /* Every field of the event, in full: nothing cut, no exponent. */
    const cJSON *r = recorded("result", 0), *f;
    int fields = 0;
    cJSON_ArrayForEach(f, r)
        if (strcmp(f->string, "ts") && strcmp(f->string, "ev") && strcmp(f->string, "pid")) fields++;
    ck_assert_int_eq(M.results[0].nf, fields - 1);            /* less its label */
    for (int i = 0; i < M.results[0].nf; i++)
        ck_assert_msg(!strchr(M.results[0].f[i].text, 'e') || !strcmp(M.results[0].f[i].key, "checksum"),
                      "%s = %s", M.results[0].f[i].key, M.results[0].f[i].text);
}
END_TEST

START_TEST(numbers_are_worded_in_full)
{
    const struct { const char *json, *key; bool units; const char *want; } cases[] = {
        { "1010.482", "waited_ms", false, "1010" },
        { "1010", "waited_ms", false, "1010" },
        { "0.25", "ratio", false, "0.25" },
        { "7.6542", "ratio", false, "7.7" },
        { "0.0000123", "x", false, "0.000012" },
        { "342097152.5", "bytes_per_s", false, "326.2 MiB/s" },
        { "19075072", "peak_rss", true, "18.2 MiB" },
        { "19075072", "peak_rss", false, "19075072" },
        { "123456789012", "count", true, "123456789012" },
        { "\"a\\nb\"", "stdout", false, "a↵b" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        char buf[64];
        model_fmt_value(buf, sizeof buf, cases[i].key, v, cases[i].units);
        ck_assert_msg(!strcmp(buf, cases[i].want), "%s=%s: got %s, want %s", cases[i].key,
                      cases[i].json, buf, cases[i].want);
        cJSON_Delete(v);
    }
}
END_TEST

START_TEST(recorded_short_lived_children_end_and_keep_their_peak)
{
    record("streams.readfile-vs-stream --set size=8M --set sample_ms=5");
    for (int i = 0; i < M.nprocs; i++)
        ck_assert_msg(M.procs[i].state != PROC_RUNNING, "pid %d (%s) still running after the demo",
                      M.procs[i].pid, M.procs[i].role);
    /* Each child's row keeps its peak, not its last sample. */
    for (int k = 0; k < 2; k++) {
        const cJSON *r = recorded("result", k);
        ck_assert_ptr_nonnull(r);
        const model_proc *p = model_proc_find(&M, (int)field(r, "pid"));
        ck_assert_ptr_nonnull(p);
        ck_assert_int_ge(p->rss_peak, (int64_t)field(r, "peak_rss"));
    }
    const cJSON *sum = recorded("summary", 0);
    const model_proc *reader = model_proc_find(&M, (int)field(recorded("child", 0), "child"));
    ck_assert_int_ge(reader->rss_peak, (int64_t)field(sum, "readfile_peak_rss"));
    ck_assert_int_ge(reader->rss_peak, 8 << 20);        /* it held the whole file */
}
END_TEST

START_TEST(recorded_child_exec_names_its_pipes_and_ends_its_rows)
{
    record("child.exec --set lines=2 --set interval_ms=20 --set flood=65536 --set max_buffer=4096");
    ck_assert_ptr_null(model_stream_find(&M, "?"));   /* a process's close is no stream */
    const cJSON *spawn = recorded("spawn", 0);
    char name[64];
    snprintf(name, sizeof name, "child:%d:stdout", (int)field(spawn, "pid"));
    ck_assert_ptr_nonnull(model_stream_find(&M, name));
    for (int i = 0; i < M.nprocs; i++)
        ck_assert_msg(M.procs[i].state != PROC_RUNNING, "pid %d (%s) still running after the demo",
                      M.procs[i].pid, M.procs[i].role);
}
END_TEST

START_TEST(lag_pool_and_mem_feed_their_meters)
{
    feed("{\"ts\":20418,\"ev\":\"lag\",\"pid\":40,\"ms\":0.095}");
    feed("{\"ts\":505154,\"ev\":\"lag\",\"pid\":40,\"ms\":100.584}");
    feed("{\"ts\":525386,\"ev\":\"lag\",\"pid\":40,\"ms\":0.231}");
    ck_assert(M.lag_last == 0.231);
    ck_assert(M.lag_max == 100.584);
    ck_assert_int_eq(M.lag_samples, 3);
    double last[1];
    model_series_last(&M.lag, last, 1);
    ck_assert(last[0] == 100.584);             /* a bucket keeps its worst */
    feed("{\"ts\":526,\"ev\":\"pool\",\"pid\":40,\"queued\":5,\"busy\":4,\"size\":4}");
    feed("{\"ts\":527,\"ev\":\"pool\",\"pid\":40,\"queued\":3,\"busy\":4,\"size\":4}");
    ck_assert(M.has_pool);
    ck_assert_int_eq(M.pool_busy, 4);
    ck_assert_int_eq(M.pool_queued, 3);
    ck_assert_int_eq(M.pool_max_queued, 5);
    /* A mem event beats the lab's own /proc sample. */
    model_set_proc_sample(&M, 40, 111, 0, 'S');
    ck_assert_int_eq(model_proc_find(&M, 40)->rss, 111);
    feed("{\"ts\":600,\"ev\":\"mem\",\"pid\":40,\"rss\":2097152}");
    model_set_proc_sample(&M, 40, 222, 3000000, 'R');
    ck_assert_int_eq(model_proc_find(&M, 40)->rss, 2097152);
    ck_assert_int_eq(model_proc_find(&M, 40)->sys_state, 'R');
    ck_assert_int_eq(model_proc_find(&M, 40)->rss_peak, 3000000);     /* VmHWM */
    /* Gone from /proc without an exit event. */
    model_set_proc_sample(&M, 40, 0, 0, 0);
    ck_assert_int_eq(model_proc_find(&M, 40)->state, PROC_GONE);
}
END_TEST

START_TEST(time_the_lab_held_the_demo_is_not_lag)
{
    /* Stopped from 7.5 s to 10 s: a timer due at 7 s fired at 10 s, but
     * only 0.5 s of that was the loop's. */
    model_pause(&M, 7500000, 10000000);
    feed("{\"ts\":10000000,\"ev\":\"lag\",\"pid\":40,\"ms\":3000}");
    ck_assert(M.lag_last == 500 && M.lag_max == 500);
    /* Lag outside any pause is left alone. */
    feed("{\"ts\":12000000,\"ev\":\"lag\",\"pid\":40,\"ms\":250}");
    ck_assert(M.lag_last == 250);
    /* Entirely inside a pause: none of it was the loop's. */
    feed("{\"ts\":9000000,\"ev\":\"lag\",\"pid\":40,\"ms\":1000}");
    ck_assert(M.lag_last == 0);
}
END_TEST

START_TEST(requests_and_threads_make_distribution_bars)
{
    for (int i = 0; i < 30; i++) {
        char line[160];
        snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"request\",\"pid\":50,\"pid\":%d,"
                 "\"status\":200,\"us\":100}", i * 1000, i % 3 ? 51 : 52);
        feed(line);
    }
    ck_assert_int_eq(M.nworkers, 2);
    int64_t total = M.workers[0].count + M.workers[1].count;
    ck_assert_int_eq(total, 30);
    ck_assert_int_eq(model_proc_find(&M, 52)->requests, 10);
    /* Work per thread: a job counts once, at its start. */
    feed("{\"ts\":1,\"ev\":\"job\",\"pid\":9,\"phase\":\"start\",\"round\":1,\"thread\":\"loop\"}");
    feed("{\"ts\":2,\"ev\":\"job\",\"pid\":9,\"phase\":\"done\",\"round\":1,\"thread\":\"loop\"}");
    feed("{\"ts\":3,\"ev\":\"run\",\"pid\":9,\"what\":\"file read\",\"thread\":\"pool-2\"}");
    ck_assert_int_eq(M.nthreads, 2);
    ck_assert_str_eq(M.threads[0].label, "loop");
    ck_assert_int_eq(M.threads[0].count, 1);
    ck_assert_str_eq(M.threads[1].label, "pool-2");
}
END_TEST

START_TEST(events_nobody_knows_are_logged_as_fields)
{
    feed("{\"ts\":399784,\"ev\":\"job\",\"pid\":1,\"phase\":\"start\",\"round\":1,\"ms\":100,\"thread\":\"loop\"}");
    ck_assert_str_eq(last_log(LOG_OTHER), "job      start round=1 ms=100 thread=loop");
    feed("{\"ts\":1,\"ev\":\"gizmo\",\"pid\":1,\"ratio\":0.25,\"ok\":true}");
    ck_assert_str_eq(last_log(LOG_OTHER), "gizmo    ratio=0.25 ok=true");
    ck_assert_int_eq(model_count(&M, "job"), 1);
    ck_assert_int_eq(model_count(&M, "gizmo"), 1);
    ck_assert_int_eq(M.events, 2);
}
END_TEST

START_TEST(bad_lines_are_counted_not_fatal)
{
    ck_assert_int_eq(model_feed(&M, "not json", 8), -1);
    ck_assert_int_eq(model_feed(&M, "{\"no\":\"ev\"}", 11), -1);
    ck_assert_int_eq(model_feed(&M, "[1,2]", 5), -1);
    ck_assert_int_eq(M.bad_lines, 3);
    ck_assert_int_eq(M.events, 0);
    feed("{\"ts\":1,\"ev\":\"dropped\",\"pid\":1,\"count\":17}");
    feed("{\"ts\":2,\"ev\":\"dropped\",\"pid\":1,\"count\":3}");
    ck_assert_int_eq(M.dropped, 20);
}
END_TEST

START_TEST(the_log_keeps_the_newest_lines_and_filters_by_kind)
{
    for (int i = 0; i < MODEL_LOG + 10; i++) {
        char line[160];
        snprintf(line, sizeof line, "{\"ts\":%d,\"ev\":\"%s\",\"pid\":1,\"stream\":\"s%d\"}", i,
                 i % 2 ? "drain" : "close", i);
        feed(line);
    }
    ck_assert_int_eq(model_log_count(&M, ~0), MODEL_LOG);
    ck_assert_int_eq(model_log_at(&M, ~0, 0)->ts, 10);
    ck_assert_int_eq(model_log_count(&M, LOG_BACKPRESSURE), MODEL_LOG / 2);
    ck_assert_int_eq(model_log_count(&M, LOG_STREAM), MODEL_LOG / 2);
    ck_assert_ptr_null(model_log_at(&M, LOG_PROCESS, 0));
}
END_TEST

START_TEST(ticking_moves_history_on_through_quiet_time)
{
    feed("{\"ts\":100000,\"ev\":\"data\",\"pid\":1,\"stream\":\"s\",\"size\":10}");
    model_tick(&M, 2000000);                   /* 2 s later, nothing arrived */
    double last[9];
    model_series_last(&M.bytes, last, 9);
    ck_assert(last[0] == 10);                  /* bucket 0, eight buckets ago */
    for (int i = 1; i < 9; i++) ck_assert(last[i] == 0);
    ck_assert(model_series_recent(&M.bytes, 4) == 0);
    char t[32];
    model_fmt_ts(t, sizeof t, 67391000);
    ck_assert_str_eq(t, "01:07.391");
}
END_TEST

/* ---- frame mode: `coalesced` lines (docs/telemetry.md) ----------------- */

/* A coalesced line stands for `events` events of its kind: every counter
 * takes them all, every gauge the last one's state.  Read as one write, the
 * dashboard would show 3 writes where the demo made 1002. */
START_TEST(a_coalesced_line_counts_every_event_and_keeps_the_last_state)
{
    feed("{\"ts\":10,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":100,\"len\":100,\"hwm\":16384,\"ret\":true}");
    feed("{\"ts\":20,\"ev\":\"write\",\"pid\":9,\"stream\":\"sink\",\"size\":100,\"len\":200,\"hwm\":16384,\"ret\":true}");
    feed("{\"ts\":900,\"ev\":\"coalesced\",\"pid\":9,\"of\":\"write\",\"events\":1000,\"size_sum\":123456,"
         "\"false_count\":40,\"stream\":\"sink\",\"size\":300,\"len\":16500,\"hwm\":16384,\"ret\":false}");
    model_stream *s = model_stream_find(&M, "sink");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->writes, 1002);
    ck_assert_int_eq(s->falses, 40);
    ck_assert_int_eq(s->bytes_in, 200 + 123456);
    ck_assert_int_eq(s->w.len, 16500);                /* the last write's state */
    ck_assert(s->need_drain);
    ck_assert_int_eq(model_count(&M, "write"), 1002);
    ck_assert_int_eq(model_count(&M, "coalesced"), 0);
    ck_assert_int_eq(M.events, 1002);
    ck_assert_int_eq(model_proc_find(&M, 9)->events, 1002);
    double hist[1];
    model_series_last(&M.written, hist, 1);
    ck_assert(hist[0] == 200 + 123456);
    /* Drains, data, a request, folded the same way. */
    feed("{\"ts\":950,\"ev\":\"coalesced\",\"pid\":9,\"of\":\"drain\",\"events\":39,\"size_sum\":0,"
         "\"false_count\":0,\"stream\":\"sink\"}");
    ck_assert_int_eq(s->drains, 39);
    ck_assert(!s->need_drain);
    feed("{\"ts\":960,\"ev\":\"coalesced\",\"pid\":9,\"of\":\"data\",\"events\":70,\"size_sum\":7000,"
         "\"false_count\":0,\"stream\":\"src\",\"size\":100,\"len\":5}");
    ck_assert_int_eq(model_stream_find(&M, "src")->datas, 70);
    ck_assert_int_eq(model_stream_find(&M, "src")->bytes_out, 7000);
    ck_assert_int_eq(model_stream_find(&M, "src")->r.len, 5);
    feed("{\"ts\":970,\"ev\":\"coalesced\",\"pid\":9,\"of\":\"request\",\"events\":12,\"size_sum\":0,"
         "\"false_count\":0,\"status\":200,\"us\":5}");
    ck_assert_int_eq(model_proc_find(&M, 9)->requests, 12);
    ck_assert_int_eq(M.workers[0].count, 12);
    /* Junk counts are clamped, not trusted. */
    feed("{\"ts\":980,\"ev\":\"coalesced\",\"pid\":9,\"of\":\"drain\",\"events\":-5,\"stream\":\"sink\"}");
    ck_assert_int_eq(s->drains, 40);
}
END_TEST

/* IPC: a coalesced report of n messages by one end and the other end's
 * reports (plain or coalesced) still count each message once. */
START_TEST(coalesced_ipc_reports_count_each_message_once)
{
    feed("{\"ts\":10,\"ev\":\"ipc\",\"pid\":40,\"from\":40,\"to\":41,\"dir\":\"send\",\"bytes\":9,\"body\":\"{}\"}");
    feed("{\"ts\":50,\"ev\":\"coalesced\",\"pid\":40,\"of\":\"ipc\",\"events\":99,\"size_sum\":0,"
         "\"false_count\":0,\"from\":40,\"to\":41,\"dir\":\"send\",\"bytes\":9,\"body\":\"{\\\"n\\\":100}\"}");
    ck_assert_int_eq(M.ipc_total, 100);
    ck_assert_int_eq(M.ipc_count, 2);                 /* the first, and the last of the 99 */
    ck_assert_str_eq(model_ipc_at(&M, 1)->body, "{\"n\":100}");
    /* The receiver: 60 of them one by one... */
    feed("{\"ts\":60,\"ev\":\"ipc\",\"pid\":41,\"from\":40,\"to\":41,\"dir\":\"recv\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert(model_ipc_at(&M, 0)->received);
    ck_assert_int_eq(model_ipc_at(&M, 0)->latency_us, 50);
    feed("{\"ts\":70,\"ev\":\"coalesced\",\"pid\":41,\"of\":\"ipc\",\"events\":59,\"from\":40,\"to\":41,"
         "\"dir\":\"recv\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert_int_eq(M.ipc_total, 100);
    /* ...then the other 40 and 5 the sender has not reported yet. */
    feed("{\"ts\":90,\"ev\":\"coalesced\",\"pid\":41,\"of\":\"ipc\",\"events\":45,\"from\":40,\"to\":41,"
         "\"dir\":\"recv\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert_int_eq(M.ipc_total, 105);
    ck_assert(model_ipc_at(&M, 1)->received);         /* message 100 completed */
    ck_assert_int_eq(model_proc_find(&M, 40)->ipc_out, 105);
    ck_assert_int_eq(model_proc_find(&M, 41)->ipc_in, 105);
    feed("{\"ts\":95,\"ev\":\"coalesced\",\"pid\":40,\"of\":\"ipc\",\"events\":5,\"from\":40,\"to\":41,"
         "\"dir\":\"send\",\"bytes\":9,\"body\":\"{}\"}");
    ck_assert_int_eq(M.ipc_total, 105);
}
END_TEST

/* The lab's frame mode on a real firehose: the model's totals are the
 * demo's own (its summary's `counted`), though it read a few hundred
 * lines for 200 000 events. */
START_TEST(recorded_firehose_in_frame_mode_has_exact_totals)
{
    setenv("NODELAB_TELEMETRY_FRAME", "33", 1);
    record("bench.firehose --set events=200000 --set work_ns=0");
    unsetenv("NODELAB_TELEMETRY_FRAME");
    const cJSON *sum = recorded("summary", 0);
    ck_assert_ptr_nonnull(sum);
    ck_assert_ptr_nonnull(recorded("coalesced", 0));
    int lines = cJSON_GetArraySize(REC);
    ck_assert_int_lt(lines, 20000);
    model_stream *s = model_stream_find(&M, "firehose");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->pushes + M.dropped, (int64_t)field(sum, "counted"));
    if (M.dropped == 0) {
        ck_assert_int_eq(s->bytes_in, (int64_t)field(sum, "counted_bytes"));
        ck_assert_int_eq(s->push_falses, (int64_t)field(sum, "counted_falses"));
    }
    ck_assert_int_eq(model_count(&M, "push") + M.dropped, (int64_t)field(sum, "counted"));
}
END_TEST

/* together.system's overview: the numbers the dashboard draws are the
 * ones the demo's own audit counts (records read back from SQLite). */
START_TEST(recorded_system_overview_agrees_with_its_audit)
{
    record("together.system --set workers=2 --set uploads=6 --set size=1M --set crash=2 "
           "--set sample_ms=20");
    const cJSON *sum = recorded("summary", 0);
    ck_assert_ptr_nonnull(sum);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(sum, "records");
    const model_system *s = &M.system;
    ck_assert(s->active);
    ck_assert_int_eq(s->acked, (int64_t)field(sum, "ok"));
    ck_assert_int_eq(s->failed, (int64_t)field(sum, "failed"));
    ck_assert_int_eq(s->acked, 5);
    ck_assert_int_eq(s->records[MODEL_REC_STORED], (int64_t)field(rec, "stored"));
    ck_assert_int_eq(s->records[MODEL_REC_FAILED], (int64_t)field(rec, "failed"));
    ck_assert_int_eq(s->records[MODEL_REC_RECEIVED] + s->records[MODEL_REC_COMPRESSING], 0);
    ck_assert_str_eq(s->phase, "done");
    /* Each worker's last word: nothing in flight, its stores counted. */
    int64_t stored = 0;
    for (int i = 0; i < s->nw; i++) {
        ck_assert_int_eq(s->w[i].nc, 0);
        stored += s->w[i].stored;
    }
    ck_assert_int_eq(stored, 5);
    /* The killed child and its failed upload are on the timeline. */
    bool crash = false, failed = false;
    for (int i = 0; i < M.cluster.tl.count; i++) {
        const model_cevent *t = model_timeline_at(&M.cluster.tl, i);
        crash |= !strcmp(t->what, "gzip killed");
        failed |= !strcmp(t->what, "upload failed") && strstr(t->text, "500 ") == t->text;
    }
    ck_assert(crash && failed);
}
END_TEST

START_TEST(system_worker_rows_add_both_buffers_and_clamp_nonsense)
{
    feed("{\"ev\":\"system_worker\",\"pid\":7,\"worker\":1,\"worker_pid\":7,\"rss\":1e300,\"active\":1,"
         "\"children\":[{\"pid\":9,\"upload\":\"a.bin\",\"bytes_in\":100,\"bytes_out\":-5,"
         "\"stdin_buffered\":16384,\"stdin_kernel\":200000,\"stdin_hwm\":16384,"
         "\"stdin_capacity\":212992,\"waiting\":true}]}");
    const model_sysworker *w = &M.system.w[0];
    ck_assert_int_eq(M.system.nw, 1);
    ck_assert_int_eq(w->pid, 7);
    ck_assert_int_eq(w->nc, 1);
    ck_assert_int_eq(w->c[0].stdin_fill, 216384);
    ck_assert_int_eq(w->c[0].stdin_capacity, 229376);
    ck_assert(w->c[0].waiting);
    ck_assert_int_eq(w->c[0].out, 0);
    ck_assert_int_le(w->rss, (int64_t)1 << 50);
    feed("{\"ev\":\"system\",\"pid\":6,\"phase\":\"loading\",\"acked\":3,\"acked_per_s\":\"x\","
         "\"records\":{\"stored\":3,\"failed\":1}}");
    ck_assert_int_eq(M.system.records[MODEL_REC_STORED], 3);
    ck_assert_int_eq(M.system.nrate, 1);
    ck_assert(M.system.rate[0] == 0);
}
END_TEST

int main(void)
{
    return CHECK_RUN("tui model", 60, setup, NULL,
                     a_coalesced_line_counts_every_event_and_keeps_the_last_state,
                     coalesced_ipc_reports_count_each_message_once,
                     recorded_firehose_in_frame_mode_has_exact_totals,
                     demo_event_names_the_demo_and_its_parameters,
                     cluster_worker_stats_count_requests_without_request_events,
                     param_replies_update_the_value_or_say_why_not,
                     writes_make_a_gauge_and_false_is_logged_with_its_burst,
                     falses_in_a_row_share_one_log_line,
                     a_push_makes_a_readable_and_data_counts_bytes,
                     a_spawn_adds_a_row_and_exit_reports_how_it_ended,
                     the_demo_exit_says_crashed_or_finished,
                     ipc_messages_are_kept_and_counted_per_process,
                     an_ipc_message_both_ends_report_is_one_message,
                     recorded_child_fork_counts_each_message_once,
                     recorded_backpressure_gauges_follow_both_buffers,
                     recorded_results_are_kept_whole, numbers_are_worded_in_full,
                     recorded_short_lived_children_end_and_keep_their_peak,
                     recorded_child_exec_names_its_pipes_and_ends_its_rows,
                     lag_pool_and_mem_feed_their_meters,
                     time_the_lab_held_the_demo_is_not_lag,
                     requests_and_threads_make_distribution_bars,
                     events_nobody_knows_are_logged_as_fields,
                     bad_lines_are_counted_not_fatal,
                     the_log_keeps_the_newest_lines_and_filters_by_kind,
                     ticking_moves_history_on_through_quiet_time,
                     recorded_system_overview_agrees_with_its_audit,
                     system_worker_rows_add_both_buffers_and_clamp_nonsense);
}
