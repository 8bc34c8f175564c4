/*
 * cluster_http.c — demo `cluster.http`: one port, N worker processes.
 *
 * This process is the primary (lab/runtime/cluster): it forks `workers`
 * workers, each an HTTP server answering GET / with its own PID (in the
 * body and in an X-Worker-Pid header), and the policy `sched` decides how
 * connections reach them: rr (the primary accepts and hands each one to
 * the next free worker), none (one shared listening socket, the kernel
 * picks) or reuseport (not Node: a socket per worker).  With load=0 it
 * only serves, so curl, wrk or a test can drive it; load=1 starts the
 * runtime's load generator against it and reports what each worker
 * answered.
 *
 * It is also the contract scripts rely on (README, docs/cluster.md):
 *   - every `listening` event names the port (port=0: a free one);
 *   - `spawn` events name each worker's PID;
 *   - SIGTERM (or SIGINT) is the graceful stop: no new connections, the
 *     requests in flight are answered, exit 0;
 *   - SIGHUP is the rolling restart: one worker at a time, the new one
 *     listening before the old one is disconnected;
 *   - the end of --duration is a graceful stop too.
 * A port in use, or workers that all die before listening, end it with
 * one line on stderr and status 1.
 */
#include "cluster_demo.h"
#include "events.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The workers are cluster_demo.c's: GET / answers with the worker's PID. */

typedef struct {
    cluster_demo k;
    lab_loadgen *lg;
} demo_state;

static void start_load(demo_state *s);

static void on_ready(cluster_demo *k)
{
    demo_state *s = k->data;
    if (lab_demo_int(k->demo, "load")) start_load(s);
}

/* ---- load ---------------------------------------------------------------------------- */

static void load_done(lab_loadgen *lg)
{
    demo_state *s = lg->data;
    lab_loadgen_report(lg);
    /* The deadline stopped the load first, or a bounded load is done:
     * now the cluster. */
    if (s->k.stopping || lab_demo_int(s->k.demo, "requests")) cluster_demo_stop(&s->k);
}

static void start_load(demo_state *s)
{
    if (s->lg && !s->lg->done) return;
    if (s->lg) lab_loadgen_free(s->lg);
    lab_demo *d = s->k.demo;
    uint64_t left = d->duration_ms;          /* the deadline ends it sooner */
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .new_connection = !lab_demo_int(d, "keepalive"),
        .duration_ms = left ? left : 1000,
        .rate = (double)lab_demo_int(d, "rate"),
        .requests = (uint64_t)lab_demo_int(d, "requests"),
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = cluster_demo_load(&s->k, &o);
}

static void stop_load(demo_state *s)
{
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

/* ---- the end --------------------------------------------------------------------------- */

/* The graceful stop, however it was asked for (deadline, a key, SIGTERM):
 * the cluster stops; the load stops once the cluster has. */
static void on_stopped(cluster_demo *k)
{
    demo_state *s = k->data;
    k->stopping = true;
    stop_load(s);
}

static void on_deadline(lab_demo *d)
{
    demo_state *s = d->data;
    /* The load first, so that the numbers are about serving, not about
     * a server going away; then the cluster (load_done). */
    s->k.stopping = true;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else cluster_demo_stop(&s->k);
}

static void on_set(lab_demo *d, const char *key);

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    demo_state *s = d->data;
    lab_cluster *cl = s->k.cl;
    if (strcmp(cmd, "kill-worker") == 0) {
        int id = atoi(arg);
        lab_cluster_worker *w = id > 0 ? lab_cluster_find(cl, id) : NULL;
        for (size_t i = 0; !w && i < lab_cluster_count(cl); i++) {
            lab_cluster_worker *c = lab_cluster_get(cl, i);
            if (!c->dead && !c->exited_after_disconnect) w = c;
        }
        if (w) lab_cluster_worker_kill(w, SIGKILL);
    } else if (strcmp(cmd, "restart") == 0) {
        lab_cluster_restart(cl);
    } else if (strcmp(cmd, "stop") == 0) {
        cluster_demo_stop(&s->k);
    } else if (strcmp(cmd, "add-worker") == 0) {
        if (cl->target < LAB_CLUSTER_MAX_WORKERS) lab_cluster_set_workers(cl, cl->target + 1);
    } else if (strcmp(cmd, "load") == 0) {
        lab_demo_set(d, "load", lab_demo_int(d, "load") ? "0" : "1");
        on_set(d, "load");
    } else if (strcmp(cmd, "remove-worker") == 0) {
        if (cl->target > 1) lab_cluster_set_workers(cl, cl->target - 1);
    }
}

static void on_set(lab_demo *d, const char *key)
{
    demo_state *s = d->data;
    if (strcmp(key, "load") == 0) {
        if (lab_demo_int(d, "load") && s->k.ready && !s->k.stopping) start_load(s);
        else stop_load(s);
    } else if (strcmp(key, "crash") == 0) {
        s->k.cfg.crash = lab_demo_int(d, "crash");   /* workers forked from now on */
    }
}

static void report_summary(demo_state *s)
{
    lab_cluster *cl = s->k.cl;
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "policy", lab_cluster_sched_name(cl->sched));
    lab_ev_int(e, "port", s->k.port);
    lab_ev_int(e, "workers", s->k.workers);
    lab_ev_int(e, "forks", (int64_t)cl->forks);
    lab_ev_int(e, "respawns", (int64_t)cl->respawns);
    lab_ev_int(e, "killed_at_deadline", (int64_t)cl->killed_at_deadline);
    lab_ev_bool(e, "stopped", cl->stopped);
    if (s->lg) {
        lab_ev_int(e, "sent", (int64_t)s->lg->sent);
        lab_ev_int(e, "ok", (int64_t)s->lg->ok);
        lab_ev_int(e, "failed", (int64_t)s->lg->failed);
        lab_ev_int(e, "refused", (int64_t)s->lg->refused);
        lab_ev_int(e, "retried", (int64_t)s->lg->retried);
        lab_ev_num(e, "rps", lab_loadgen_rate(s->lg));
        lab_ev_int(e, "p50_us", (int64_t)lab_loadgen_percentile(s->lg, 50));
        lab_ev_int(e, "p99_us", (int64_t)lab_loadgen_percentile(s->lg, 99));
        cJSON *by = cJSON_CreateObject();
        for (size_t i = 0; i < s->lg->npids; i++) {
            char k[16];
            snprintf(k, sizeof k, "%d", (int)s->lg->pids[i].pid);
            cJSON_AddNumberToObject(by, k, (double)s->lg->pids[i].count);
        }
        lab_ev_json(e, "by_pid", by);
    }
    if (s->k.fatal[0]) lab_ev_str(e, "error", s->k.fatal);
    lab_ev_emit(e);
}

/* ---- parameters -------------------------------------------------------------------------- */

static int run(lab_demo *d)
{
    demo_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg = (cluster_demo_cfg){ .port = (int)lab_demo_int(d, "port"),
                                  .delay_ms = (int)lab_demo_int(d, "delay_ms"),
                                  .stats_ms = (int)lab_demo_int(d, "stats_ms"),
                                  .crash = lab_demo_int(d, "crash"),
                                  .trace = lab_demo_int(d, "trace") };
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    s.k.extra.stop_timeout_ms = (uint64_t)lab_demo_int(d, "stop_timeout_ms");
    if (cluster_demo_start(&s.k, lab_cluster_sched_parse(lab_demo_str(d, "sched")),
                           lab_demo_int(d, "respawn"))) {
        cluster_demo_signals(&s.k);
        lab_demo_listen(d, loop, on_set, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
        report_summary(&s);
    }
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_http = {
    .name = "cluster.http",
    .chapter = 3,
    .summary = "one port, N worker processes: Node's cluster, round-robin or shared socket",
    .shows = "spawn events with each worker's PID; worker events (fork, online, listening, "
             "disconnect, exit); schedule events (rr: connection -> worker); with load=1, "
             "load events and the responses per worker PID in load_done. "
             "SIGTERM: graceful stop, exit 0; SIGHUP: rolling restart",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "", "1..64",
          "worker processes (default: one per online core)", false, cluster_demo_check_workers },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port to serve (0: a free one, named in each listening event)", false },
        { "sched", LAB_PARAM_STR, 0, 0, 0, "", "rr|none|reuseport",
          "who picks the worker: rr (the primary, Node's default), none (the kernel, one "
          "shared socket), reuseport (not Node: a socket per worker)", false, cluster_demo_check_sched },
        { "load", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: the built-in load generator drives the server", true },
        { "connections", LAB_PARAM_INT, 8, 1, 1024, NULL, "connections",
          "load: concurrent connections", false },
        { "keepalive", LAB_PARAM_INT, 1, 0, 1, NULL, "0/1",
          "load: 1 keeps connections open, 0 opens one per request (each one scheduled)", false },
        { "rate", LAB_PARAM_INT, 0, 0, 1000000, NULL, "req/s",
          "load: requests per second in all (0: as fast as answered)", false },
        { "requests", LAB_PARAM_INT, 0, 0, 100000000, NULL, "requests",
          "load: stop after this many, then the demo ends (0: load until the end)", false },
        { "respawn", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: replace a worker that dies, with back-off when it dies young", false },
        { "crash", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: workers forked from now on exit 1 at start (a crash loop)", true },
        { "delay_ms", LAB_PARAM_INT, 0, 0, 10000, NULL, "ms",
          "each request is answered after this long (requests in flight to drain)", false },
        { "stats_ms", LAB_PARAM_INT, 500, 0, 60000, NULL, "ms",
          "workers report their stats this often (0: never)", false },
        { "stop_timeout_ms", LAB_PARAM_INT, 5000, 100, 60000, NULL, "ms",
          "graceful stop: workers still alive after this are killed", false },
        { "trace", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: a request event per request from every worker (slow: the stats "
          "every stats_ms are the default)", false },
    },
    .keys = {
        { 'l', "load", "load on/off", "load" },
        { 'k', "kill-worker", "kill a worker (SIGKILL)", "kill" },
        { '+', "add-worker", "one more worker", "workers" },
        { '-', "remove-worker", "one worker less", NULL },
        { 'g', "restart", "rolling restart: one worker at a time", "restart" },
        /* (`stop`, the graceful stop, is a command too; in the lab, t
         * sends the primary SIGTERM, which does the same.) */
    },
    /* In the lab: a worker killed with k is replaced (its new PID shows),
     * and a light load makes the table and the bars move. */
    .lab_sets = { "respawn=1", "load=1", "rate=1000" },
    .run = run,
};
