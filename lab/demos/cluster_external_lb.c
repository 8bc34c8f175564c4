/*
 * cluster_external_lb.c — demo `cluster.external-lb`: when a balancer is
 * already there, the cluster module is not needed.
 *
 * The same server, the same load, two set-ups side by side:
 *
 *   nginx     N plain single-process servers, each on a port of its own
 *             (no primary, no IPC: server.listen() as in any program),
 *             and a real nginx in front of them: an `upstream` of the N
 *             ports, round-robin, keep-alive connections to them.  nginx
 *             is started by the demo on 127.0.0.1 with a config it writes
 *             to a private temporary directory (`nginx -p DIR -c
 *             DIR/nginx.conf`; pid file, error log and temp paths all in
 *             DIR; `daemon off;` and `master_process off;`: one process
 *             that is the demo's child and dies with it, PR_SET_PDEATHSIG
 *             — a master's workers would outlive a SIGKILLed demo);
 *   cluster   N workers behind Node's primary (rr), as cluster.http.
 *
 * A `result` row per set-up: requests per second, p50/p99 latency, the
 * responses per process (the X-Worker-Pid header passes through nginx)
 * and their spread.  nginx, its backends and the workers are stopped
 * and the directory removed before the demo ends.  Without nginx
 * installed (or not at $NODELAB_NGINX, when set): one line how to
 * install it, exit 2, nothing started.  A
 * `port` in use: Node's line (listen EADDRINUSE), exit 1.
 */
#include "cluster_demo.h"
#include "child_demo.h"
#include "events.h"
#include "errors.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PART_NGINX, PART_CLUSTER, PART_END };

typedef struct {
    cluster_demo k;
    int part;
    char nginx_path[4096];
    char dir[256];
    cluster_demo_server nginx;
    cluster_demo_server backends[LAB_CLUSTER_MAX_WORKERS];
    cluster_demo_cfg backend_cfg[LAB_CLUSTER_MAX_WORKERS];
    int nbackends, backends_ready, backends_alive;
    lab_loadgen *lg;
    double rps[2];
} lb_state;

static void next_part(lb_state *s);

static void fail(lb_state *s, const char *fmt, const char *what)
{
    if (!s->k.fatal[0]) snprintf(s->k.fatal, sizeof s->k.fatal, fmt, what);
}

/* ---- the load, and its row --------------------------------------------------------- */

static void report(lb_state *s, const char *setup)
{
    lab_loadgen *lg = s->lg;
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "setup", setup);
    lab_ev_int(e, "processes", s->k.workers);
    lab_ev_num(e, "rps", lab_loadgen_rate(lg));
    lab_ev_num(e, "p50_ms", (double)lab_loadgen_percentile(lg, 50) / 1000.0);
    lab_ev_num(e, "p99_ms", (double)lab_loadgen_percentile(lg, 99) / 1000.0);
    lab_ev_int(e, "ok", (int64_t)lg->ok);
    lab_ev_int(e, "failed", (int64_t)lg->failed);
    uint64_t lo = UINT64_MAX, hi = 0;
    cJSON *by = cJSON_CreateArray();
    for (size_t i = 0; i < lg->npids; i++) {
        uint64_t n = lg->pids[i].count;
        if (n < lo) lo = n;
        if (n > hi) hi = n;
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "pid", lg->pids[i].pid);
        cJSON_AddNumberToObject(row, "responses", (double)n);
        cJSON_AddItemToArray(by, row);
    }
    lab_ev_json(e, "by_process", by);
    double mean = lg->npids ? (double)lg->ok / (double)lg->npids : 0;
    lab_ev_num(e, "spread_pct", mean > 0 ? (double)(hi - lo) * 100.0 / mean : 0);
    lab_ev_emit(e);
    s->rps[s->part] = lab_loadgen_rate(lg);
}

static void load_done(lab_loadgen *lg)
{
    lb_state *s = lg->data;
    lab_loadgen_report(lg);
    if (s->k.demo->expired) { next_part(s); return; }
    report(s, s->part == PART_NGINX ? "nginx + single processes" : "cluster module (rr)");
    if (s->part == PART_NGINX) {
        for (int i = 0; i < s->nbackends; i++) cluster_demo_server_stop(&s->backends[i]);
        cluster_demo_server_stop(&s->nginx);   /* the last exit: next_part */
    } else {
        cluster_demo_stop(&s->k);              /* on_stopped: next_part */
    }
}

static void start_load(lb_state *s, int port)
{
    lab_demo *d = s->k.demo;
    lab_loadgen_options o = {
        .port = port,
        .connections = (int)lab_demo_int(d, "connections"),
        .new_connection = !lab_demo_int(d, "keepalive"),
        .requests = (uint64_t)lab_demo_int(d, "requests"),
        .duration_ms = d->duration_ms, .report_ms = 500, .on_done = load_done, .data = s,
    };
    lab_loadgen_free(s->lg);
    s->k.port = port;
    s->lg = cluster_demo_load(&s->k, &o);
}

/* ---- part 1: nginx in front of N single processes ------------------------------ */

static void on_nginx_ready(cluster_demo_server *srv)
{
    start_load(srv->data, srv->port);
}

/* nginx and every backend gone: the next part. */
static void part1_exit(lb_state *s)
{
    if (s->nginx.proc || s->backends_alive) return;
    next_part(s);
}

static void on_nginx_exit(cluster_demo_server *srv, int code, int sig)
{
    lb_state *s = srv->data;
    if (!srv->stopping) {
        char why[64];
        snprintf(why, sizeof why, "code %d", code);
        fail(s, "nginx exited before the demo stopped it (%s; its log was in the "
                "temporary directory)", why);
        for (int i = 0; i < s->nbackends; i++) cluster_demo_server_stop(&s->backends[i]);
        if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    }
    part1_exit(s);
}

static bool write_config(lb_state *s, int port)
{
    char path[300];
    snprintf(path, sizeof path, "%s/nginx.conf", s->dir);
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f,
            "# written by nodelab's cluster.external-lb; removed when it ends\n"
            "daemon off;\n"
            "master_process off;          # one process: the demo's child, dies with it\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    access_log off;\n"
            "    client_body_temp_path %s/body;\n"
            "    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fastcgi;\n"
            "    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n"
            "    upstream backends {\n",
            s->dir, s->dir, s->dir, s->dir, s->dir, s->dir, s->dir);
    for (int i = 0; i < s->nbackends; i++)
        fprintf(f, "        server 127.0.0.1:%d;\n", s->backend_cfg[i].port);
    fprintf(f,
            "        keepalive 64;             # reuse connections to the backends\n"
            "    }\n"
            "    server {\n"
            "        listen 127.0.0.1:%d;\n"
            "        location / {\n"
            "            proxy_pass http://backends;\n"
            "            proxy_http_version 1.1;\n"
            "            proxy_set_header Connection \"\";\n"
            "        }\n"
            "    }\n"
            "}\n", port);
    return fclose(f) == 0;
}

static void start_nginx(lb_state *s)
{
    int port = (int)lab_demo_int(s->k.demo, "port");
    if (!port) port = cluster_demo_free_port();
    if (!write_config(s, port)) { fail(s, "cannot write %s/nginx.conf", s->dir); return; }
    cluster_demo_server *n = &s->nginx;
    n->name = "nginx";
    n->port = port;
    n->on_ready = on_nginx_ready;
    n->on_exit = on_nginx_exit;
    n->data = s;
    char conf[300];
    snprintf(conf, sizeof conf, "%s/nginx.conf", s->dir);
    char *argv[] = { s->nginx_path, "-p", s->dir, "-c", conf, "-e", "stderr", NULL };
    if (!cluster_demo_server_start(n, s->k.loop, argv)) fail(s, "cannot start %s", s->nginx_path);
}

static void on_backend_ready(cluster_demo_server *srv)
{
    lb_state *s = srv->data;
    if (++s->backends_ready == s->nbackends && !s->k.fatal[0]) start_nginx(s);
}

static void on_backend_exit(cluster_demo_server *srv, int code, int sig)
{
    lb_state *s = srv->data;
    s->backends_alive--;
    if (!srv->stopping) {
        fail(s, "%s exited on its own", srv->name);
        for (int i = 0; i < s->nbackends; i++) cluster_demo_server_stop(&s->backends[i]);
        cluster_demo_server_stop(&s->nginx);
        if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    }
    part1_exit(s);
}

/* The port the user asked nginx to listen on must be free: say so as Node
 * would, before anything starts. */
static bool port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void start_part1(lb_state *s)
{
    s->nbackends = s->k.workers;
    for (int i = 0; i < s->nbackends; i++) {
        cluster_demo_cfg *c = &s->backend_cfg[i];
        *c = s->k.cfg;
        c->port = cluster_demo_free_port();
        cluster_demo_server *b = &s->backends[i];
        b->name = "server";
        b->port = c->port;
        b->main = cluster_demo_single_main;
        b->arg = c;
        b->on_ready = on_backend_ready;
        b->on_exit = on_backend_exit;
        b->data = s;
        if (!cluster_demo_server_start(b, s->k.loop, NULL)) { fail(s, "cannot fork a %s", "server"); break; }
        s->backends_alive++;
    }
    if (s->k.fatal[0])
        for (int i = 0; i < s->nbackends; i++) cluster_demo_server_stop(&s->backends[i]);
}

/* ---- part 2: the cluster module ---------------------------------------------------- */

static void on_ready(cluster_demo *k)
{
    start_load(k->data, k->port);
}

static void on_stopped(cluster_demo *k)
{
    lb_state *s = k->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else next_part(s);
}

static void next_part(lb_state *s)
{
    if (s->k.fatal[0] || s->k.demo->expired) s->part = PART_END;
    else s->part++;
    if (s->part == PART_CLUSTER) cluster_demo_start(&s->k, LAB_CLUSTER_RR, false);
}

static void on_deadline(lab_demo *d)
{
    lb_state *s = d->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    for (int i = 0; i < s->nbackends; i++) cluster_demo_server_stop(&s->backends[i]);
    cluster_demo_server_stop(&s->nginx);
    cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    lb_state *s = lab_xcalloc(1, sizeof *s);
    /* NODELAB_NGINX: another nginx than the one in PATH (or /usr/sbin). */
    const char *given = getenv("NODELAB_NGINX");
    if (given && *given) snprintf(s->nginx_path, sizeof s->nginx_path, "%s", given);
    if (given && *given ? access(s->nginx_path, X_OK) != 0
                        : !cluster_demo_which("nginx", s->nginx_path, sizeof s->nginx_path)) {
        fprintf(stderr, "nodelab: cluster.external-lb: nginx is not installed%s%s "
                        "(apt-get install nginx-light, or ./bootstrap)\n",
                given && *given ? " at " : "", given && *given ? given : "");
        free(s);
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    int port = (int)lab_demo_int(d, "port");
    if (port && !port_free(port)) {
        fprintf(stderr, "nodelab: cluster.external-lb: listen EADDRINUSE: address already in use "
                        "127.0.0.1:%d\n", port);
        free(s);
        return 1;
    }
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s->k, d, loop);
    s->k.data = s;
    s->k.on_ready = on_ready;
    s->k.on_stopped = on_stopped;
    lab_demo_deadline(d, loop, on_deadline);
    if (!cluster_demo_tmpdir(s->dir, sizeof s->dir, "nginx")) fail(s, "cannot make a %s", "temporary directory");
    else start_part1(s);
    lab_loop_run(loop);
    if (s->dir[0]) cluster_demo_rmdir(s->dir);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "processes", s->k.workers);
    lab_ev_num(e, "rps_nginx", s->rps[PART_NGINX]);
    lab_ev_num(e, "rps_cluster", s->rps[PART_CLUSTER]);
    if (s->rps[PART_NGINX] > 0) lab_ev_num(e, "cluster_vs_nginx", s->rps[PART_CLUSTER] / s->rps[PART_NGINX]);
    lab_ev_bool(e, "nginx_stopped", s->nginx.pid && !s->nginx.proc);
    lab_ev_emit(e);
    lab_loadgen_free(s->lg);
    int rc = cluster_demo_finish(&s->k);
    lab_loop_free(loop);
    free(s);
    return rc;
}

const lab_demo_def lab_demo_cluster_external_lb = {
    .name = "cluster.external-lb",
    .chapter = 3,
    .summary = "a real nginx in front of N single-process servers vs the cluster module, same load",
    .shows = "component events: N plain servers and nginx start (its config in a temporary "
             "directory), the load goes through nginx, then everything stops; then N cluster "
             "workers take the same load. Two result rows side by side: rps, p50/p99, "
             "responses per process (by_process) and their spread",
    .duration_s = 120,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "server processes in each set-up (\"\": one per online core)", false,
          cluster_demo_check_workers },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port nginx listens on (0: a free one)", false },
        { "requests", LAB_PARAM_INT, 4000, 1, 10000000, NULL, "requests",
          "requests per set-up", false },
        { "connections", LAB_PARAM_INT, 8, 1, 1024, NULL, "connections",
          "clients at once", false },
        { "keepalive", LAB_PARAM_INT, 1, 0, 1, NULL, "0/1",
          "1: clients keep their connections; 0: a new one per request", false },
    },
    .run = run,
};
