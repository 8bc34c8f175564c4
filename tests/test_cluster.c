/* test_cluster.c — the cluster (lab/runtime/cluster) and the load
 * generator, with Check: policies and bounds; round-robin's order and its
 * re-queue of refused or orphaned connections; shared and reuseport
 * sockets; an exec'd worker; graceful stop, its deadline, respawn and its
 * back-off, rolling restart, a dying primary, stats.  Everything is judged
 * by events and counts, never by how long something took. */
#define _GNU_SOURCE
#include "cluster.h"
#include "loadgen.h"
#include "telemetry.h"

#include "check_run.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the workers ----------------------------------------------------------------- */

enum { W_HTTP, W_REFUSE, W_VANISH };

typedef struct {
    int mode;
    int port;
    int delay_ms;              /* answer after this, telling the primary {got} */
    int stats_ms;
    bool exit_at_start, hang;
    bool spin;                 /* once listening, never return to the loop */
} wcfg;

typedef struct { lab_timer t; lab_http_out *res; } later;

static void answer_now(lab_http_out *res)
{
    static char body[32], pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    int n = snprintf(body, sizeof body, "%s\n", pid);
    lab_http_set_header(res, "X-Worker-Pid", pid);
    lab_http_end(res, body, (size_t)n, NULL, NULL);
}

static void answer_later(lab_timer *t)
{
    later *l = t->data;
    answer_now(l->res);
    free(l);
}

static lab_cluster_self *me;

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    const wcfg *c = srv->data;
    if (!c->delay_ms) { answer_now(res); return; }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "got", req->url);
    lab_cluster_self_send(me, m, NULL, NULL);
    cJSON_Delete(m);
    later *l = calloc(1, sizeof *l);
    l->res = res;
    lab_timer_init(srv->loop, &l->t);
    l->t.data = l;
    lab_timer_start(&l->t, answer_later, (uint64_t)c->delay_ms, 0);
}

static int listen_status;
static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    const wcfg *c = srv->data;
    listen_status = status;
    if (status < 0) lab_loop_stop(srv->loop);
    if (c->spin) {
        lab_ipc_flush(me->ipc);                /* the primary hears `listening` */
        for (volatile int i = 0;; i++) { }
    }
}

/* A worker that speaks the protocol by hand and misbehaves on newconn:
 * refuses every connection, or dies holding the first one. */
static void fake_message(lab_ipc *ch, cJSON *msg, int fd)
{
    const wcfg *c = ch->data;
    const char *act = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "act"));
    if (act && strcmp(act, "newconn") == 0) {
        if (c->mode == W_VANISH) _exit(0);
        cJSON *ack = cJSON_CreateObject();
        cJSON_AddStringToObject(ack, "cmd", "NODELAB_CLUSTER");
        cJSON_AddNumberToObject(ack, "ack", cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "seq")));
        cJSON_AddBoolToObject(ack, "accepted", false);
        lab_ipc_send(ch, ack, NULL, NULL);
        cJSON_Delete(ack);
        if (fd >= 0) close(fd);
        return;
    }
    if (fd >= 0) close(fd);
    if (act && strcmp(act, "disconnect") == 0) {
        lab_ipc_disconnect(ch);
    } else if (cJSON_GetObjectItem(msg, "ack")) {      /* the queryServer reply */
        cJSON *l = cJSON_Parse("{\"cmd\":\"NODELAB_CLUSTER\",\"act\":\"listening\","
                               "\"address\":\"127.0.0.1\",\"seq\":1001}");
        cJSON *name = cJSON_GetObjectItem(msg, "sockname");
        cJSON_AddNumberToObject(l, "port", cJSON_GetNumberValue(cJSON_GetObjectItem(name, "port")));
        lab_ipc_send(ch, l, NULL, NULL);
        cJSON_Delete(l);
    }
}

static int fake_worker(lab_cluster_self *self, wcfg *c)
{
    self->ipc->data = c;
    self->ipc->on_message = fake_message;
    self->ipc->on_disconnect = NULL;
    cJSON *q = cJSON_Parse("{\"cmd\":\"NODELAB_CLUSTER\",\"act\":\"queryServer\","
                           "\"address\":\"127.0.0.1\",\"port\":0,\"index\":0,\"seq\":1000}");
    lab_ipc_send(self->ipc, q, NULL, NULL);
    cJSON_Delete(q);
    lab_loop_run(self->loop);
    return 0;
}

static void never(lab_timer *t) { }

static int worker(void *arg)
{
    wcfg *c = arg;
    lab_loop *l = lab_loop_new();
    me = lab_cluster_self_open(l);
    if (!me) return 3;
    if (c->exit_at_start) return 1;
    if (c->mode != W_HTTP) return fake_worker(me, c);
    static lab_http_server srv;
    if (lab_cluster_http_listen(me, &srv, NULL, c->port, on_request, on_listening) < 0) return 4;
    srv.data = c;
    if (c->stats_ms) lab_cluster_self_stats(me, (uint64_t)c->stats_ms);
    lab_timer hang;
    lab_timer_init(l, &hang);
    if (c->hang) lab_timer_start(&hang, never, 1000, 1000);
    lab_loop_run(l);
    return listen_status < 0 ? 1 : 0;
}

/* ---- the primary's side: a trace of events -------------------------------------------- */

static struct {
    lab_loop *loop;
    lab_cluster *cl;
    char trace[8192];
    char w[8][256];            /* the same, one worker's events each */
    int listening, exits, port;
    void (*then)(void);        /* once `want` workers listen */
    int want;
    lab_loadgen *lg;
    void (*on_exit)(lab_cluster_worker *w, int code, int sig);
    int got;                   /* {got} messages */
    void (*on_got)(int n);
} P;

static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s%s", n ? " " : "", s);
}

/* One event of worker id, in the whole trace and in the worker's own. */
static void note(int id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(int id, const char *fmt, ...)
{
    char line[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char full[80];                     /* "exit:0" of worker 1 is "exit1:0" */
    const char *colon = strchr(line, ':');
    int k = colon ? (int)(colon - line) : (int)strlen(line);
    snprintf(full, sizeof full, "%.*s%d%s", k, line, id, line + k);
    append(P.trace, sizeof P.trace, full);
    if (id < 8) append(P.w[id], sizeof P.w[id], line);
}

static void p_fork(lab_cluster_worker *w) { note(w->id, "fork"); }
static void p_listening(lab_cluster_worker *w, const char *a, int port)
{
    note(w->id, "listening");
    P.port = port;
    if (++P.listening == P.want && P.then) P.then();
}
static void p_disconnect(lab_cluster_worker *w) { note(w->id, "disconnect"); }
static void p_exit(lab_cluster_worker *w, int code, int sig)
{
    if (sig) note(w->id, "exit:%s", lab_signal_name(sig));
    else note(w->id, "exit:%d%s", code, w->exited_after_disconnect ? "" : "!");
    P.exits++;
    if (P.on_exit) P.on_exit(w, code, sig);
}
static void p_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    if (cJSON_GetObjectItem(msg, "got") && P.on_got) P.on_got(++P.got);
}

static lab_cluster_options options(lab_child_main *main, void *arg)
{
    lab_cluster_options o = { .main = main, .arg = arg, .on_fork = p_fork,
                              .on_listening = p_listening, .on_disconnect = p_disconnect,
                              .on_exit = p_exit, .on_message = p_message };
    return o;
}

static void setup(void)
{
    memset(&P, 0, sizeof P);
    unsetenv(LAB_CLUSTER_SCHED_ENV);
    P.loop = lab_loop_new();
}

static void teardown(void)
{
    if (P.lg) lab_loadgen_free(P.lg);
    if (P.cl) lab_cluster_free(P.cl);
    lab_loop_free(P.loop);
}

static void start(lab_cluster_options *o, int n, void (*then)(void))
{
    P.cl = lab_cluster_new(P.loop, o);
    ck_assert_ptr_nonnull(P.cl);
    P.want = n;
    P.then = then;
    ck_assert_int_eq(lab_cluster_start(P.cl, n), 0);
}

static void stop_cluster(lab_loadgen *lg) { lab_cluster_stop(P.cl, NULL); }

/* Load on P.port; the cluster stops when it is done. */
static void load(int conns, bool fresh, uint64_t requests)
{
    lab_loadgen_options o = { .port = P.port, .connections = conns, .new_connection = fresh,
                              .requests = requests, .on_done = stop_cluster };
    P.lg = lab_loadgen_start(P.loop, &o);
    ck_assert_ptr_nonnull(P.lg);
}

static uint64_t served_by(const lab_loadgen *lg, pid_t pid)
{
    for (size_t i = 0; i < lg->npids; i++)
        if (lg->pids[i].pid == pid) return lg->pids[i].count;
    return 0;
}

/* ---- policies and bounds ---------------------------------------------------------------- */

START_TEST(policy_from_option_then_environment_then_rr)
{
    ck_assert_int_eq(lab_cluster_sched_from_env(), LAB_CLUSTER_RR);
    setenv(LAB_CLUSTER_SCHED_ENV, "none", 1);
    ck_assert_int_eq(lab_cluster_sched_from_env(), LAB_CLUSTER_NONE);
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    lab_cluster *cl = lab_cluster_new(P.loop, &o);
    ck_assert_int_eq(cl->sched, LAB_CLUSTER_NONE);
    lab_cluster_free(cl);
    o.sched = LAB_CLUSTER_REUSEPORT;           /* the option wins */
    cl = lab_cluster_new(P.loop, &o);
    ck_assert_int_eq(cl->sched, LAB_CLUSTER_REUSEPORT);
    lab_cluster_free(cl);
    setenv(LAB_CLUSTER_SCHED_ENV, "reuseport", 1);   /* not Node's: ignored */
    ck_assert_int_eq(lab_cluster_sched_from_env(), LAB_CLUSTER_RR);
    setenv(LAB_CLUSTER_SCHED_ENV, "rr", 1);
    ck_assert_int_eq(lab_cluster_sched_from_env(), LAB_CLUSTER_RR);
    ck_assert_str_eq(lab_cluster_sched_name(LAB_CLUSTER_NONE), "none");
    ck_assert_int_eq(lab_cluster_sched_parse("reuseport"), LAB_CLUSTER_REUSEPORT);
    ck_assert_int_eq(lab_cluster_sched_parse("fast"), LAB_CLUSTER_SCHED_DEFAULT);
}
END_TEST

START_TEST(workers_are_one_to_sixty_four)
{
    int n = lab_cluster_default_workers();
    ck_assert(n >= 1 && n <= LAB_CLUSTER_MAX_WORKERS);
    lab_cluster_options none = { 0 };
    errno = 0;
    ck_assert_ptr_null(lab_cluster_new(P.loop, &none));
    ck_assert_int_eq(errno, EINVAL);
    wcfg c = { .exit_at_start = true };
    lab_cluster_options o = options(worker, &c);
    P.cl = lab_cluster_new(P.loop, &o);
    errno = 0;
    ck_assert_int_eq(lab_cluster_start(P.cl, 65), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(lab_cluster_start(P.cl, -1), -1);
    ck_assert_int_eq(lab_cluster_count(P.cl), 0);
    for (int i = 0; i < LAB_CLUSTER_MAX_WORKERS; i++) ck_assert_ptr_nonnull(lab_cluster_fork(P.cl));
    errno = 0;
    ck_assert_ptr_null(lab_cluster_fork(P.cl));
    ck_assert_int_eq(errno, ENOSPC);
    lab_loop_run(P.loop);                      /* they all exit 1 */
    ck_assert_int_eq(P.exits, LAB_CLUSTER_MAX_WORKERS);
    ck_assert_int_eq(lab_cluster_count(P.cl), 0);
}
END_TEST

/* ---- round-robin ------------------------------------------------------------------------ */

static void thirty_one_by_one(void) { load(1, true, 30); }

START_TEST(rr_hands_connections_in_turn)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    start(&o, 3, thirty_one_by_one);
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->ok, 30);
    ck_assert_uint_eq(P.lg->npids, 3);
    for (size_t i = 0; i < P.lg->npids; i++) ck_assert_uint_eq(P.lg->pids[i].count, 10);
    for (int id = 1; id <= 3; id++)
        ck_assert_str_eq(P.w[id], "fork listening disconnect exit:0");
}
END_TEST

static void many_at_once(void) { load(16, true, 400); }

START_TEST(rr_drops_nothing_under_concurrency)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    start(&o, 2, many_at_once);
    pid_t pids[2] = { lab_cluster_get(P.cl, 0)->pid, lab_cluster_get(P.cl, 1)->pid };
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->ok, 400);
    ck_assert_uint_eq(P.lg->failed + P.lg->refused, 0);
    ck_assert_uint_eq(served_by(P.lg, pids[0]) + served_by(P.lg, pids[1]), 400);
    ck_assert(served_by(P.lg, pids[0]) > 0 && served_by(P.lg, pids[1]) > 0);
}
END_TEST

static wcfg normal_cfg, odd_cfg;

/* Worker 1 is normal, worker 2 the odd one. */
static int mixed_worker(void *arg)
{
    return worker(lab_cluster_worker_id() == 1 ? &normal_cfg : &odd_cfg);
}

static void twenty(void) { load(2, true, 20); }

static void run_mixed(int odd_mode)
{
    odd_cfg = (wcfg){ .mode = odd_mode };
    lab_cluster_options o = options(mixed_worker, NULL);
    start(&o, 2, twenty);
    pid_t normal = lab_cluster_get(P.cl, 0)->pid;
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->ok, 20);
    ck_assert_uint_eq(P.lg->failed, 0);
    ck_assert_uint_eq(served_by(P.lg, normal), 20);
}

START_TEST(rr_refused_connection_goes_to_another_worker)
{
    run_mixed(W_REFUSE);
    /* The refusing worker was offered connections: each came back. */
    ck_assert_str_eq(P.w[2], "fork listening disconnect exit:0");
}
END_TEST

START_TEST(rr_connection_of_a_vanished_worker_is_requeued)
{
    run_mixed(W_VANISH);
    ck_assert_str_eq(P.w[2], "fork listening disconnect exit:0!");
}
END_TEST

/* ---- shared and reuseport sockets -------------------------------------------------------- */

static void hundred(void) { load(4, true, 100); }

static uint64_t scheduled;             /* connections the primary handed out */

static void count_scheduled(lab_cluster_worker *w, int code, int sig) { scheduled += w->scheduled; }

static void run_policy(lab_cluster_sched sched)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    o.sched = sched;
    start(&o, 2, hundred);
    P.on_exit = count_scheduled;
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->ok, 100);
    ck_assert_uint_eq(P.lg->failed + P.lg->refused, 0);
    ck_assert_int_eq(P.exits, 2);
    ck_assert_uint_eq(scheduled, 0);           /* the kernel chose */
}

START_TEST(none_shares_one_listening_socket)
{
    run_policy(LAB_CLUSTER_NONE);
}
END_TEST

START_TEST(reuseport_gives_each_worker_its_own_socket)
{
    run_policy(LAB_CLUSTER_REUSEPORT);
}
END_TEST

/* ---- an exec'd worker program ----------------------------------------------------------- */

static void one_request(void) { load(1, false, 1); }

START_TEST(a_program_can_be_a_worker)
{
    char *argv[] = { "test_cluster", NULL };
    lab_cluster_options o = options(NULL, NULL);
    o.file = "/proc/self/exe";
    o.argv = argv;
    start(&o, 1, one_request);
    pid_t pid = lab_cluster_get(P.cl, 0)->pid;
    lab_loop_run(P.loop);
    ck_assert_uint_eq(served_by(P.lg, pid), 1);
    ck_assert_str_eq(P.trace, "fork1 listening1 disconnect1 exit1:0");
}
END_TEST

/* ---- graceful stop ------------------------------------------------------------------- */

static void stop_now(int n)
{
    if (n == 4) lab_cluster_stop(P.cl, NULL);
}

static void four_slow_then_more(void)
{
    P.on_got = stop_now;
    lab_loadgen_options o = { .port = P.port, .connections = 4, .requests = 8 };
    P.lg = lab_loadgen_start(P.loop, &o);
}

static void stop_under_load(lab_cluster_sched sched)
{
    wcfg c = { .delay_ms = 200 };
    lab_cluster_options o = options(worker, &c);
    o.sched = sched;
    start(&o, 2, four_slow_then_more);
    lab_loop_run(P.loop);
    ck_assert(P.cl->stopped);
    /* The four in flight are answered; the four after them find nobody
     * listening — but one whose connection the primary (or the kernel,
     * for a shared socket) accepted just before the stop is answered
     * too: a connection accepted is a connection served. */
    ck_assert_uint_ge(P.lg->ok, 4);
    ck_assert_uint_eq(P.lg->failed, 0);
    ck_assert_uint_eq(P.lg->ok + P.lg->refused, 8);
    ck_assert_uint_eq(P.cl->killed_at_deadline, 0);
    for (int id = 1; id <= 2; id++)
        ck_assert_str_eq(P.w[id], "fork listening disconnect exit:0");
}

START_TEST(stop_answers_what_is_in_flight) { stop_under_load(LAB_CLUSTER_RR); }
END_TEST

/* The shared socket is shut down for every worker at once: no connection
 * lands in a queue that is about to vanish. */
START_TEST(stop_with_a_shared_socket_answers_what_is_in_flight) { stop_under_load(LAB_CLUSTER_NONE); }
END_TEST

static void stop_at_once(void) { lab_cluster_stop(P.cl, NULL); }

START_TEST(stop_kills_a_worker_past_the_deadline)
{
    wcfg c = { .hang = true };
    lab_cluster_options o = options(worker, &c);
    o.stop_timeout_ms = 100;
    start(&o, 1, stop_at_once);
    lab_loop_run(P.loop);
    ck_assert(P.cl->stopped);
    ck_assert_uint_eq(P.cl->killed_at_deadline, 1);
    ck_assert_str_eq(P.trace, "fork1 listening1 disconnect1 exit1:SIGKILL");
}
END_TEST

/* ---- respawn -------------------------------------------------------------------------- */

static void kill_first(void)
{
    P.then = NULL;
    lab_cluster_worker_kill(lab_cluster_find(P.cl, 1), SIGKILL);
}

static void stop_when_three_listen(lab_cluster_worker *w, const char *a, int port)
{
    p_listening(w, a, port);
    if (w->id == 3) lab_cluster_stop(P.cl, NULL);
}

START_TEST(respawn_replaces_a_killed_worker)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    o.respawn = true;
    o.stable_ms = 1;                           /* it lived long enough: no wait */
    o.on_listening = stop_when_three_listen;
    P.cl = lab_cluster_new(P.loop, &o);        /* Node's way: fork() twice */
    P.want = 2;
    P.then = kill_first;
    lab_cluster_fork(P.cl);
    lab_cluster_fork(P.cl);
    ck_assert_int_eq(P.cl->target, 2);
    lab_loop_run(P.loop);
    ck_assert_msg(strstr(P.trace, "exit1:SIGKILL fork3 listening3") != NULL, "%s", P.trace);
    ck_assert_uint_eq(P.cl->respawns, 1);
    ck_assert_uint_eq(P.cl->forks, 3);
}
END_TEST

static int tel_file;

/* The delay_ms of every `respawn` event written so far. */
static void respawn_delays(char *out, size_t size)
{
    lab_tel_sync();
    out[0] = 0;
    FILE *f = fdopen(dup(tel_file), "r");
    rewind(f);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        cJSON *e = cJSON_Parse(line);
        if (e && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "ev")), "respawn") == 0) {
            size_t n = strlen(out);
            snprintf(out + n, size - n, "%s%.0f", n ? " " : "",
                     cJSON_GetNumberValue(cJSON_GetObjectItem(e, "delay_ms")));
        }
        cJSON_Delete(e);
    }
    fclose(f);
}

static void stop_after_six(lab_cluster_worker *w)
{
    p_fork(w);
    if (w->id == 7) lab_cluster_stop(P.cl, NULL);
}

START_TEST(a_crash_loop_backs_off)
{
    char path[] = "/tmp/nodelab-cluster-tel.XXXXXX";
    tel_file = mkstemp(path);
    unlink(path);
    fcntl(tel_file, F_SETFL, O_APPEND);
    lab_tel_open(tel_file);
    wcfg c = { .exit_at_start = true };
    lab_cluster_options o = options(worker, &c);
    o.respawn = true;
    o.respawn_min_ms = 10;
    o.respawn_max_ms = 80;
    o.stable_ms = 60000;                       /* every death is quick */
    o.on_fork = stop_after_six;
    start(&o, 1, NULL);
    lab_loop_run(P.loop);
    char delays[256];
    respawn_delays(delays, sizeof delays);
    ck_assert_str_eq(delays, "10 20 40 80 80 80");
    ck_assert_int_eq(P.cl->quick_deaths, 6);   /* the 7th died during the stop */
    lab_tel_close(0);
}
END_TEST

/* ---- rolling restart ---------------------------------------------------------------------- */

static void restart(void)
{
    P.then = NULL;
    ck_assert_int_eq(lab_cluster_restart(P.cl), 0);
    ck_assert_int_eq(lab_cluster_restart(P.cl), -1);   /* one at a time */
}

static void stop_after_restart(lab_cluster_worker *w, int code, int sig)
{
    if (w->id == 2) lab_cluster_stop(P.cl, NULL);
}

START_TEST(rolling_restart_replaces_one_at_a_time)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    start(&o, 2, restart);
    P.on_exit = stop_after_restart;
    lab_loop_run(P.loop);
    /* Each step waits for the one before: this part of the order is fixed. */
    ck_assert_msg(strstr(P.trace, "listening2 fork3 listening3 disconnect1 exit1:0"
                                  " fork4 listening4 disconnect2 exit2:0") ||
                  strstr(P.trace, "listening1 fork3 listening3 disconnect1 exit1:0"
                                  " fork4 listening4 disconnect2 exit2:0"), "%s", P.trace);
    ck_assert_str_eq(P.w[3], "fork listening disconnect exit:0");
    ck_assert_str_eq(P.w[4], "fork listening disconnect exit:0");
}
END_TEST

static int left_after_shrink = -1, first_left = -1;

static void shrunk(lab_cluster_worker *w, int code, int sig)
{
    if (P.exits != 2) return;
    left_after_shrink = (int)lab_cluster_count(P.cl) - 1;    /* w leaves after this */
    first_left = lab_cluster_get(P.cl, 0)->id;
    lab_cluster_stop(P.cl, NULL);
}

START_TEST(set_workers_grows_and_shrinks)
{
    wcfg c = { 0 };
    lab_cluster_options o = options(worker, &c);
    start(&o, 1, NULL);
    P.on_exit = shrunk;
    ck_assert_int_eq(lab_cluster_set_workers(P.cl, 3), 0);
    ck_assert_int_eq(lab_cluster_count(P.cl), 3);
    ck_assert_int_eq(lab_cluster_set_workers(P.cl, 1), 0);     /* 3 and 2 go */
    lab_loop_run(P.loop);
    ck_assert_int_eq(left_after_shrink, 1);
    ck_assert_int_eq(first_left, 1);
    ck_assert_str_eq(P.w[2], "fork disconnect exit:0");
    ck_assert_str_eq(P.w[3], "fork disconnect exit:0");
}
END_TEST

/* ---- the primary dies ------------------------------------------------------------------ */

static int pid_pipe;

static void send_pids(void)
{
    pid_t pids[2] = { lab_cluster_get(P.cl, 0)->pid, lab_cluster_get(P.cl, 1)->pid };
    ck_assert_int_eq(write(pid_pipe, pids, sizeof pids), (ssize_t)sizeof pids);
}

/* Forks a primary with 2 workers, SIGKILLs it once they listen, and
 * returns how the workers ended (as this process adopts them). */
static void orphans_end(int pdeathsig, int status[2])
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t primary = fork();
    if (primary == 0) {
        close(fds[0]);
        pid_pipe = fds[1];
        P.loop = lab_loop_new();               /* not the parent's epoll */
        wcfg c = { .spin = pdeathsig == 0 };   /* deaf to the channel */
        lab_spawn_options spawn = { .pdeathsig = pdeathsig };
        lab_cluster_options o = options(worker, &c);
        o.spawn = &spawn;
        start(&o, 2, send_pids);
        lab_loop_run(P.loop);
        _exit(0);
    }
    close(fds[1]);
    pid_t pids[2];
    ck_assert_int_eq(read(fds[0], pids, sizeof pids), (ssize_t)sizeof pids);
    kill(primary, SIGKILL);
    ck_assert_int_eq(waitpid(primary, NULL, 0), primary);
    for (int i = 0; i < 2; i++) ck_assert_int_eq(waitpid(pids[i], &status[i], 0), pids[i]);
}

START_TEST(workers_die_with_their_primary)
{
    int status[2];
    orphans_end(0, status);                    /* busy workers: PDEATHSIG kills them */
    for (int i = 0; i < 2; i++) ck_assert(WIFSIGNALED(status[i]) && WTERMSIG(status[i]) == SIGKILL);
}
END_TEST

START_TEST(workers_leave_when_the_channel_closes)
{
    int status[2];
    orphans_end(-1, status);                   /* no PDEATHSIG: the channel tells */
    for (int i = 0; i < 2; i++) ck_assert(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0);
}
END_TEST

/* ---- stats and a port in use --------------------------------------------------------------- */

static void check_stats(lab_cluster_worker *w)
{
    if (w->stats.requests == 25 && !P.cl->stopping) {
        ck_assert_uint_gt(w->stats.rss, 0);
        ck_assert_uint_gt(w->stats.cpu_us, 0);
        lab_cluster_stop(P.cl, NULL);
    }
}

static void twenty_five(void)
{
    lab_loadgen_options o = { .port = P.port, .connections = 5, .requests = 25 };
    P.lg = lab_loadgen_start(P.loop, &o);
}

START_TEST(workers_report_stats)
{
    wcfg c = { .stats_ms = 20 };
    lab_cluster_options o = options(worker, &c);
    o.on_stats = check_stats;
    start(&o, 1, twenty_five);
    lab_loop_run(P.loop);
    ck_assert(P.cl->stopped);
    ck_assert_uint_eq(lab_cluster_count(P.cl), 0);
}
END_TEST

static char listen_error[128];
static void p_listen_error(lab_cluster_worker *w, int err, const char *msg)
{
    snprintf(listen_error, sizeof listen_error, "%s", msg);
}

static void no_conn(lab_tcp *t, int status) { }

START_TEST(a_port_in_use_is_eaddrinuse)
{
    lab_tcp blocker;
    lab_tcp_init(P.loop, &blocker);
    ck_assert_int_eq(lab_tcp_listen(&blocker, NULL, 0, 0, no_conn), 0);
    wcfg c = { .port = blocker.port };
    lab_cluster_options o = options(worker, &c);
    o.on_listen_error = p_listen_error;
    start(&o, 1, NULL);
    lab_tcp_unref(&blocker);
    lab_loop_run(P.loop);
    char want[64];
    snprintf(want, sizeof want, "bind EADDRINUSE 127.0.0.1:%d", blocker.port);
    ck_assert_str_eq(listen_error, want);
    ck_assert_str_eq(P.trace, "fork1 disconnect1 exit1:1!");
    lab_tcp_close(&blocker, NULL);
    lab_loop_run(P.loop);
}
END_TEST

/* ---- the load generator on its own ------------------------------------------------------- */

START_TEST(loadgen_needs_a_bound_and_a_port)
{
    lab_loadgen_options o = { .port = 8000 };
    errno = 0;
    ck_assert_ptr_null(lab_loadgen_start(P.loop, &o));     /* no bound */
    ck_assert_int_eq(errno, EINVAL);
    o.requests = 1;
    o.port = 0;
    ck_assert_ptr_null(lab_loadgen_start(P.loop, &o));
    o.port = 8000;
    o.connections = LAB_LOADGEN_MAX_CONNECTIONS + 1;
    ck_assert_ptr_null(lab_loadgen_start(P.loop, &o));
}
END_TEST

START_TEST(loadgen_counts_refused_connections)
{
    lab_tcp probe;                              /* a port nobody listens on */
    lab_tcp_init(P.loop, &probe);
    ck_assert_int_eq(lab_tcp_listen(&probe, NULL, 0, 0, no_conn), 0);
    int port = probe.port;
    lab_tcp_close(&probe, NULL);
    lab_loop_run(P.loop);
    lab_loadgen_options o = { .port = port, .connections = 2, .requests = 6 };
    P.lg = lab_loadgen_start(P.loop, &o);
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->refused, 6);
    ck_assert_uint_eq(P.lg->ok + P.lg->failed, 0);
    ck_assert(P.lg->done);
}
END_TEST

static lab_http_server ka_srv;
static void ka_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res) { answer_now(res); }
static void ka_done(lab_loadgen *lg) { lab_http_server_close(&ka_srv, NULL); }

START_TEST(loadgen_reconnects_when_an_idle_connection_is_closed)
{
    /* Paced requests (rate 5/s on one connection: one each 200 ms) leave
     * the keep-alive connection idle between them, and the server closes
     * it after 50 ms idle.  The client must notice that while idle and
     * connect anew for the next request; it used to write the request
     * into the closed connection and count a timeout (in the lab, a killed
     * worker's paced connections did that: the load fell to ~100 req/s).
     * (Should the machine be so slow that the close comes after the next
     * request, that request is simply answered: nothing can fail then.) */
    ck_assert_int_eq(lab_http_server_listen(&ka_srv, P.loop, "127.0.0.1", 0, ka_request), 0);
    ka_srv.keep_alive_ms = 50;
    lab_loadgen_options o = { .port = ka_srv.port, .connections = 1, .requests = 4, .rate = 5,
                              .timeout_ms = 2000, .on_done = ka_done };
    P.lg = lab_loadgen_start(P.loop, &o);
    ck_assert_ptr_nonnull(P.lg);
    lab_loop_run(P.loop);
    ck_assert_uint_eq(P.lg->ok, 4);
    ck_assert_uint_eq(P.lg->failed, 0);
    ck_assert(P.lg->done);
}
END_TEST

int main(int argc, char **argv)
{
    /* Started as a cluster worker (a_program_can_be_a_worker): be one. */
    if (lab_cluster_is_worker()) {
        wcfg c = { 0 };
        return worker(&c);
    }
    return CHECK_RUN("cluster", 30, setup, teardown,
                     policy_from_option_then_environment_then_rr, workers_are_one_to_sixty_four,
                     rr_hands_connections_in_turn, rr_drops_nothing_under_concurrency,
                     rr_refused_connection_goes_to_another_worker,
                     rr_connection_of_a_vanished_worker_is_requeued,
                     none_shares_one_listening_socket, reuseport_gives_each_worker_its_own_socket,
                     a_program_can_be_a_worker, stop_answers_what_is_in_flight,
                     stop_with_a_shared_socket_answers_what_is_in_flight,
                     stop_kills_a_worker_past_the_deadline, respawn_replaces_a_killed_worker,
                     a_crash_loop_backs_off, rolling_restart_replaces_one_at_a_time,
                     set_workers_grows_and_shrinks, workers_die_with_their_primary,
                     workers_leave_when_the_channel_closes, workers_report_stats,
                     a_port_in_use_is_eaddrinuse, loadgen_needs_a_bound_and_a_port,
                     loadgen_counts_refused_connections,
                     loadgen_reconnects_when_an_idle_connection_is_closed);
}
