/*
 * cluster_pitfalls.c — demo `cluster.pitfalls`: what N copies of a
 * process cost, and what they do not share.
 *
 * Three parts, one after the other:
 *
 *   memory     every worker holds `ballast_mb` (a cache, a big module):
 *              the primary reads each one's RSS from /proc and adds them
 *              up — N workers, N times the memory (`rss` events, a result
 *              row with the sum);
 *   in-memory  `rounds` times: GET /set?key=k&value=i, then GET /get?key=k,
 *              each on a new connection.  With rr the two land on
 *              different workers, and each worker has its own cache: the
 *              get answers a stale value or nothing (`cache` events with
 *              who set and who answered; the row counts disagreements);
 *   redis      the fix: a real redis-server, started by the demo on a
 *              Unix socket in a private temporary directory, and the
 *              workers' cache is that one (hiredis).  The same rounds now
 *              agree every time.  Then the demo stops redis and removes
 *              the directory.
 *
 * Without redis-server installed, the demo says so in one line and how
 * to install it, and exits 2 having started nothing.
 */
#include "cluster_demo.h"
#include "events.h"
#include "http.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PART_MEMORY, PART_MEMO, PART_REDIS, PART_END };

typedef struct {
    cluster_demo k;
    int part;
    int round, rounds;
    int agreed, disagreed;
    char set_pid[16];
    lab_http_client *client;
    bool getting;
    char redis_path[4096];
    char tmpdir[256];
    cluster_demo_server redis;
    int disagreed_memo, disagreed_redis;
    uint64_t rss_sum;
} pit_state;

static void next_part(pit_state *s);
static void send_request(pit_state *s);

/* ---- part 1: memory ------------------------------------------------------------- */

static void measure_memory(pit_state *s)
{
    uint64_t sum = 0;
    lab_cluster *cl = s->k.cl;
    for (size_t i = 0; i < lab_cluster_count(cl); i++) {
        const lab_cluster_worker *w = lab_cluster_get(cl, i);
        uint64_t rss = cluster_demo_rss(w->pid);
        sum += rss;
        lab_ev *e = lab_ev_new(LAB_EV(RSS));
        lab_ev_int(e, "id", w->id);
        lab_ev_int(e, "worker_pid", w->pid);
        lab_ev_int(e, "rss", (int64_t)rss);
        lab_ev_emit(e);
    }
    s->rss_sum = sum;
    uint64_t mine = cluster_demo_rss(getpid());
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "part", "memory");
    lab_ev_int(e, "workers", (int64_t)lab_cluster_count(cl));
    lab_ev_int(e, "ballast_mb", s->k.cfg.ballast_mb);
    lab_ev_num(e, "per_worker_mb", (double)sum / (double)lab_cluster_count(cl) / 1048576.0);
    lab_ev_num(e, "sum_mb", (double)sum / 1048576.0);
    lab_ev_num(e, "primary_mb", (double)mine / 1048576.0);
    lab_ev_emit(e);
}

/* ---- parts 2 and 3: set, then get, each on a new connection --------------------- */

static void report_rounds(pit_state *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "part", s->part == PART_MEMO ? "in-memory cache" : "redis cache");
    lab_ev_int(e, "rounds", s->rounds);
    lab_ev_int(e, "agreed", s->agreed);
    lab_ev_int(e, "disagreed", s->disagreed);
    lab_ev_emit(e);
    if (s->part == PART_MEMO) s->disagreed_memo = s->disagreed;
    else s->disagreed_redis = s->disagreed;
}

static void on_body_end(lab_http_msg *res)
{
    pit_state *s = res->data;
    lab_http_client_close(s->client);
    s->client = NULL;
    if (s->k.stopping) return;
    if (s->getting) {
        s->round++;
        if (s->round == s->rounds) { report_rounds(s); cluster_demo_stop(&s->k); return; }
    }
    s->getting = !s->getting;
    send_request(s);
}

static void on_response(lab_http_client *c, lab_http_msg *res)
{
    pit_state *s = c->data;
    const char *pid = lab_http_msg_header(res, "X-Worker-Pid");
    res->data = s;
    res->on_end = on_body_end;
    if (!s->getting) {
        snprintf(s->set_pid, sizeof s->set_pid, "%s", pid ? pid : "?");
        return;
    }
    const char *got = lab_http_msg_header(res, "X-Cache-Value");
    char want[16];
    snprintf(want, sizeof want, "%d", s->round + 1);
    bool agree = got && strcmp(got, want) == 0;
    if (agree) s->agreed++; else s->disagreed++;
    lab_ev *e = lab_ev_new(LAB_EV(CACHE));
    lab_ev_int(e, "round", s->round + 1);
    lab_ev_str(e, "store", s->part == PART_MEMO ? "memory" : "redis");
    lab_ev_str(e, "set_by", s->set_pid);
    lab_ev_str(e, "answered_by", pid ? pid : "?");
    lab_ev_str(e, "wanted", want);
    lab_ev_str(e, "got", got ? got : "");
    lab_ev_bool(e, "agree", agree);
    lab_ev_emit(e);
}

static void on_error(lab_http_client *c, const char *code)
{
    pit_state *s = c->data;
    lab_http_client_close(c);
    s->client = NULL;
    if (!s->k.fatal[0]) snprintf(s->k.fatal, sizeof s->k.fatal, "a cache request failed: %s", code);
    cluster_demo_stop(&s->k);
}

static void send_request(pit_state *s)
{
    char path[64];
    if (s->getting) snprintf(path, sizeof path, "/get?key=k");
    else snprintf(path, sizeof path, "/set?key=k&value=%d", s->round + 1);
    lab_http_header close = { "Connection", "close" };
    lab_http_request_opts o = { .port = s->k.port, .path = path, .headers = &close, .nheaders = 1 };
    s->client = lab_http_request(s->k.loop, &o, on_response, on_error, s);
    lab_http_end(&s->client->out, NULL, 0, NULL, NULL);
}

/* ---- the parts in turn ----------------------------------------------------------- */

static void on_ready(cluster_demo *k)
{
    pit_state *s = k->data;
    if (s->part == PART_MEMORY) {
        measure_memory(s);
        s->part = PART_MEMO;
    }
    s->round = s->agreed = s->disagreed = 0;
    s->getting = false;
    send_request(s);
}

static void on_redis_ready(cluster_demo_server *srv)
{
    pit_state *s = srv->data;
    snprintf(s->k.cfg.redis_socket, sizeof s->k.cfg.redis_socket, "%s", srv->unix_path);
    s->k.cfg.ballast_mb = 0;
    cluster_demo_start(&s->k, LAB_CLUSTER_RR, false);
}

static void on_redis_exit(cluster_demo_server *srv, int code, int sig)
{
    pit_state *s = srv->data;
    if (!srv->stopping && !s->k.fatal[0])
        snprintf(s->k.fatal, sizeof s->k.fatal, "redis-server exited on its own (code %d, signal %d)",
                 code, sig);
    if (!srv->ready) cluster_demo_stop(&s->k);
}

static void start_redis(pit_state *s)
{
    if (!cluster_demo_tmpdir(s->tmpdir, sizeof s->tmpdir, "redis")) {
        snprintf(s->k.fatal, sizeof s->k.fatal, "cannot make a temporary directory");
        return;
    }
    cluster_demo_server *r = &s->redis;
    r->name = "redis-server";
    snprintf(r->unix_path, sizeof r->unix_path, "%s/redis.sock", s->tmpdir);
    r->on_ready = on_redis_ready;
    r->on_exit = on_redis_exit;
    r->data = s;
    char logfile[300];
    snprintf(logfile, sizeof logfile, "%s/redis.log", s->tmpdir);
    /* No TCP port at all, no persistence: a private cache for this run. */
    char *argv[] = { s->redis_path, "--port", "0", "--unixsocket", r->unix_path,
                     "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                     "--dir", s->tmpdir, "--logfile", logfile, "--daemonize", "no", NULL };
    if (!cluster_demo_server_start(r, s->k.loop, argv))
        snprintf(s->k.fatal, sizeof s->k.fatal, "cannot start %s", s->redis_path);
}

static void next_part(pit_state *s)
{
    if (s->k.fatal[0] || s->k.demo->expired) s->part = PART_END;
    if (s->part == PART_MEMO) {
        s->part = PART_REDIS;
        start_redis(s);
    } else {
        s->part = PART_END;
        cluster_demo_server_stop(&s->redis);
    }
}

static void on_stopped(cluster_demo *k)
{
    pit_state *s = k->data;
    if (s->client) { lab_http_client_close(s->client); s->client = NULL; }
    next_part(s);
}

static void on_deadline(lab_demo *d)
{
    pit_state *s = d->data;
    cluster_demo_stop(&s->k);
    cluster_demo_server_stop(&s->redis);
}

static int run(lab_demo *d)
{
    pit_state s = { 0 };
    if (!cluster_demo_which("redis-server", s.redis_path, sizeof s.redis_path)) {
        fprintf(stderr, "nodelab: cluster.pitfalls: redis-server is not installed "
                        "(apt-get install redis-server, or ./bootstrap)\n");
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.ballast_mb = (int)lab_demo_int(d, "ballast_mb");
    s.rounds = (int)lab_demo_int(d, "rounds");
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    lab_demo_deadline(d, loop, on_deadline);
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) lab_loop_run(loop);
    if (s.tmpdir[0]) cluster_demo_rmdir(s.tmpdir);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_num(e, "rss_sum_mb", (double)s.rss_sum / 1048576.0);
    lab_ev_int(e, "rounds", s.rounds);
    lab_ev_int(e, "disagreed_in_memory", s.disagreed_memo);
    lab_ev_int(e, "disagreed_redis", s.disagreed_redis);
    lab_ev_bool(e, "redis_stopped", s.redis.pid && !s.redis.proc);
    lab_ev_emit(e);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_pitfalls = {
    .name = "cluster.pitfalls",
    .chapter = 3,
    .summary = "N workers, N times the memory, N caches that disagree; then one Redis for all",
    .shows = "rss events and a memory row: the workers' RSS summed; cache events: a value set "
             "on one worker and read on another — with in-memory caches the answers disagree; "
             "a real redis-server starts (component events), the same rounds all agree, and "
             "redis is stopped",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "ballast_mb", LAB_PARAM_INT, 20, 0, 512, NULL, "MiB",
          "memory each worker holds (its own copy of a cache)", false },
        { "rounds", LAB_PARAM_INT, 10, 1, 10000, NULL, "rounds",
          "set-then-get rounds per cache", false },
    },
    .run = run,
};
