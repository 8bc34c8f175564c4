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
#include "child_demo.h"
#include "cluster.h"
#include "demo.h"
#include "loadgen.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the workers ------------------------------------------------------------------ */

/* What a worker needs to know, copied into it by the fork. */
typedef struct {
    int id;
    int port;
    int delay_ms;
    int stats_ms;
    bool crash;
} worker_cfg;

typedef struct { lab_timer t; lab_http_out *res; int status; } pending_answer;

static void answer(lab_http_out *res, int status)
{
    static char body[96], pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    int n = status == 200
        ? snprintf(body, sizeof body, "hello from worker %d, pid %s\n", lab_cluster_worker_id(), pid)
        : snprintf(body, sizeof body, "not found (worker %d, pid %s)\n", lab_cluster_worker_id(), pid);
    lab_http_set_status(res, status);
    lab_http_set_header(res, "X-Worker-Pid", pid);
    lab_http_set_header(res, "Content-Type", "text/plain");
    lab_http_end(res, body, (size_t)n, NULL, NULL);
}

static void answer_late(lab_timer *t)
{
    pending_answer *p = t->data;
    p->res->on_close = NULL;
    answer(p->res, p->status);
    free(p);
}

/* The client went before the answer: forget it (the response is gone). */
static void answer_cancelled(lab_http_out *res, const char *code)
{
    pending_answer *p = res->data;
    lab_timer_stop(&p->t);
    free(p);
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    const worker_cfg *c = srv->data;
    int status = strcmp(req->url, "/") == 0 || strncmp(req->url, "/?", 2) == 0 ? 200 : 404;
    if (!c->delay_ms) { answer(res, status); return; }
    pending_answer *p = calloc(1, sizeof *p);
    if (!p) { answer(res, status); return; }
    p->res = res;
    p->status = status;
    res->data = p;
    res->on_close = answer_cancelled;
    lab_timer_init(srv->loop, &p->t);
    p->t.data = p;
    lab_timer_start(&p->t, answer_late, (uint64_t)c->delay_ms, 0);
}

static int listen_failed;

/* As in Node, a server that cannot listen is the worker's end. */
static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status == 0) return;
    listen_failed = 1;
    lab_loop_stop(srv->loop);
}

static int worker_main(void *arg)
{
    const worker_cfg *c = arg;
    lab_loop *loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    if (c->crash) return 1;            /* crash=1: a worker that dies at start */
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", c->port, on_request, on_listening) < 0)
        return 1;
    srv.data = (void *)c;
    if (c->stats_ms) lab_cluster_self_stats(self, (uint64_t)c->stats_ms);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return listen_failed;
}

/* ---- the primary --------------------------------------------------------------------- */

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_cluster *cl;
    lab_loadgen *lg;
    worker_cfg cfg;
    int workers;
    int port;                  /* the port the workers listen on */
    bool serving;              /* `serving` reported */
    bool ever_listened;
    char fatal[160];           /* why the demo failed, or "" */
    bool stopping;
} demo_state;

static void start_load(demo_state *s);

static void report_serving(demo_state *s)
{
    lab_ev *e = lab_ev_new("serving");
    lab_ev_str(e, "address", "127.0.0.1");
    lab_ev_int(e, "port", s->port);
    lab_ev_int(e, "workers", (int64_t)lab_cluster_count(s->cl));
    lab_ev_str(e, "policy", lab_cluster_sched_name(s->cl->sched));
    lab_ev_emit(e);
}

static int listening_workers(const lab_cluster *cl)
{
    int n = 0;
    for (size_t i = 0; i < lab_cluster_count(cl); i++)
        n += lab_cluster_get(cl, i)->state == LAB_WORKER_LISTENING;
    return n;
}

static void on_worker_listening(lab_cluster_worker *w, const char *address, int port)
{
    demo_state *s = w->cluster->data;
    s->port = port;
    s->ever_listened = true;
    if (!s->serving && listening_workers(s->cl) >= s->workers) {
        s->serving = true;
        report_serving(s);
        if (lab_demo_int(s->demo, "load")) start_load(s);
    }
}

static void stop_all(demo_state *s);

static void on_listen_error(lab_cluster_worker *w, int err, const char *message)
{
    demo_state *s = w->cluster->data;
    if (!s->fatal[0]) snprintf(s->fatal, sizeof s->fatal, "%s", message);
    stop_all(s);
}

/* Workers that all died before one ever listened, with nobody to replace
 * them: nothing will ever serve. */
static void on_worker_exit(lab_cluster_worker *w, int code, int sig)
{
    demo_state *s = w->cluster->data;
    if (s->ever_listened || s->cl->opts.respawn || s->stopping) return;
    for (size_t i = 0; i < lab_cluster_count(s->cl); i++)
        if (!lab_cluster_get(s->cl, i)->dead) return;
    if (!s->fatal[0]) {
        char how[32];
        if (sig) snprintf(how, sizeof how, "signal %s", lab_signal_name(sig));
        else snprintf(how, sizeof how, "exit code %d", code);
        snprintf(s->fatal, sizeof s->fatal, "every worker exited before listening (worker %d: %s)",
                 w->id, how);
    }
    stop_all(s);
}

/* ---- load ---------------------------------------------------------------------------- */

static void load_done(lab_loadgen *lg)
{
    demo_state *s = lg->data;
    lab_loadgen_report(lg);
    /* The deadline stopped the load first, or a bounded load is done:
     * now the cluster. */
    if (s->stopping || lab_demo_int(s->demo, "requests")) stop_all(s);
}

static void start_load(demo_state *s)
{
    if (s->lg && !s->lg->done) return;
    if (s->lg) lab_loadgen_free(s->lg);
    uint64_t left = s->demo->duration_ms;    /* the deadline ends it sooner */
    lab_loadgen_options o = {
        .port = s->port, .connections = (int)lab_demo_int(s->demo, "connections"),
        .new_connection = !lab_demo_int(s->demo, "keepalive"),
        .duration_ms = left ? left : 1000,
        .rate = (double)lab_demo_int(s->demo, "rate"),
        .requests = (uint64_t)lab_demo_int(s->demo, "requests"),
        .timeout_ms = 30000,           /* a busy machine is slow, not broken */
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = lab_loadgen_start(s->loop, &o);
    lab_ev *e = lab_ev_new("load_start");
    lab_ev_int(e, "port", s->port);
    lab_ev_int(e, "connections", o.connections);
    lab_ev_bool(e, "keepalive", !o.new_connection);
    lab_ev_emit(e);
}

static void stop_load(demo_state *s)
{
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

/* ---- the end --------------------------------------------------------------------------- */

/* The graceful stop, however it was asked for (deadline, a key, SIGTERM):
 * the cluster stops; the load stops once the cluster has. */
static void on_stopped(lab_cluster *cl)
{
    demo_state *s = cl->data;
    s->stopping = true;
    stop_load(s);
}

static void stop_all(demo_state *s)
{
    s->stopping = true;
    lab_cluster_stop(s->cl, on_stopped);
}

static void on_deadline(lab_demo *d)
{
    demo_state *s = d->data;
    /* The load first, so that the numbers are about serving, not about
     * a server going away; then the cluster (load_done). */
    s->stopping = true;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else lab_cluster_stop(s->cl, on_stopped);
}

static void on_set(lab_demo *d, const char *key);

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    demo_state *s = d->data;
    if (strcmp(cmd, "kill-worker") == 0) {
        int id = atoi(arg);
        lab_cluster_worker *w = id > 0 ? lab_cluster_find(s->cl, id) : NULL;
        for (size_t i = 0; !w && i < lab_cluster_count(s->cl); i++) {
            lab_cluster_worker *c = lab_cluster_get(s->cl, i);
            if (!c->dead && !c->exited_after_disconnect) w = c;
        }
        if (w) lab_cluster_worker_kill(w, SIGKILL);
    } else if (strcmp(cmd, "restart") == 0) {
        lab_cluster_restart(s->cl);
    } else if (strcmp(cmd, "stop") == 0) {
        stop_all(s);
    } else if (strcmp(cmd, "add-worker") == 0) {
        if (s->cl->target < LAB_CLUSTER_MAX_WORKERS) lab_cluster_set_workers(s->cl, s->cl->target + 1);
    } else if (strcmp(cmd, "load") == 0) {
        lab_demo_set(d, "load", lab_demo_int(d, "load") ? "0" : "1");
        on_set(d, "load");
    } else if (strcmp(cmd, "remove-worker") == 0) {
        if (s->cl->target > 1) lab_cluster_set_workers(s->cl, s->cl->target - 1);
    }
}

static void on_set(lab_demo *d, const char *key)
{
    demo_state *s = d->data;
    if (strcmp(key, "load") == 0) {
        if (lab_demo_int(d, "load") && s->serving && !s->stopping) start_load(s);
        else stop_load(s);
    } else if (strcmp(key, "crash") == 0) {
        s->cfg.crash = lab_demo_int(d, "crash");   /* workers forked from now on */
    }
}

static void report_summary(demo_state *s)
{
    lab_ev *e = lab_ev_new("summary");
    lab_ev_str(e, "policy", lab_cluster_sched_name(s->cl->sched));
    lab_ev_int(e, "port", s->port);
    lab_ev_int(e, "workers", s->workers);
    lab_ev_int(e, "forks", (int64_t)s->cl->forks);
    lab_ev_int(e, "respawns", (int64_t)s->cl->respawns);
    lab_ev_int(e, "killed_at_deadline", (int64_t)s->cl->killed_at_deadline);
    lab_ev_bool(e, "stopped", s->cl->stopped);
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
    if (s->fatal[0]) lab_ev_str(e, "error", s->fatal);
    lab_ev_emit(e);
}

/* ---- parameters -------------------------------------------------------------------------- */

static const char *check_workers(const char *v)
{
    static char why[96];
    if (!*v) return NULL;              /* one per online core */
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > LAB_CLUSTER_MAX_WORKERS) {
        snprintf(why, sizeof why, "allowed: 1..%d (or leave it out: one per online core, %d here)",
                 LAB_CLUSTER_MAX_WORKERS, lab_cluster_default_workers());
        return why;
    }
    return NULL;
}

static const char *check_sched(const char *v)
{
    if (!*v || lab_cluster_sched_parse(v)) return NULL;
    return "allowed: rr, none, reuseport (or leave it out: NODE_CLUSTER_SCHED_POLICY, else rr)";
}

static int run(lab_demo *d)
{
    demo_state s = { .demo = d };
    d->data = &s;
    const char *wv = lab_demo_str(d, "workers");
    s.workers = *wv ? atoi(wv) : lab_cluster_default_workers();
    s.cfg = (worker_cfg){ .port = (int)lab_demo_int(d, "port"),
                          .delay_ms = (int)lab_demo_int(d, "delay_ms"),
                          .stats_ms = (int)lab_demo_int(d, "stats_ms"),
                          .crash = lab_demo_int(d, "crash") };
    s.loop = lab_loop_new();
    lab_demo_announce(d);

    lab_spawn_options spawn = { 0 };
    child_demo_options(&spawn, CHILD_DEMO_FORK, true);
    lab_cluster_options o = {
        .main = worker_main, .arg = &s.cfg, .spawn = &spawn,
        .sched = lab_cluster_sched_parse(lab_demo_str(d, "sched")),
        .respawn = lab_demo_int(d, "respawn"),
        .stop_timeout_ms = (uint64_t)lab_demo_int(d, "stop_timeout_ms"),
        .on_listening = on_worker_listening, .on_exit = on_worker_exit,
        .on_listen_error = on_listen_error, .data = &s,
    };
    s.cl = lab_cluster_new(s.loop, &o);
    if (!s.cl) { perror("nodelab: cluster.http"); return 1; }
    lab_cluster_handle_signals(s.cl, on_stopped);
    lab_demo_listen(d, s.loop, on_set, on_command);
    lab_demo_deadline(d, s.loop, on_deadline);
    if (lab_cluster_start(s.cl, s.workers) < 0) {
        fprintf(stderr, "nodelab: cluster.http: cannot fork workers: %s\n", strerror(errno));
        stop_all(&s);
    }
    lab_loop_run(s.loop);

    report_summary(&s);
    int rc = 0;
    if (s.fatal[0]) {
        fprintf(stderr, "nodelab: cluster.http: %s\n", s.fatal);
        rc = 1;
    } else if (!s.ever_listened) {
        fprintf(stderr, "nodelab: cluster.http: no worker ever listened\n");
        rc = 1;
    }
    lab_loadgen_free(s.lg);
    lab_cluster_free(s.cl);
    lab_loop_free(s.loop);
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
          "worker processes (default: one per online core)", false, check_workers },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port to serve (0: a free one, named in each listening event)", false },
        { "sched", LAB_PARAM_STR, 0, 0, 0, "", "rr|none|reuseport",
          "who picks the worker: rr (the primary, Node's default), none (the kernel, one "
          "shared socket), reuseport (not Node: a socket per worker)", false, check_sched },
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
    },
    .keys = {
        { 'l', "load", "load on/off" },
        { 'k', "kill-worker", "kill a worker (SIGKILL)" },
        { '+', "add-worker", "one more worker" },
        { '-', "remove-worker", "one worker less" },
        { 'g', "restart", "rolling restart" },
        { 's', "stop", "graceful stop" },
    },
    .run = run,
};
