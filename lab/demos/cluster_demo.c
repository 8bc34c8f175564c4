/* cluster_demo.c — the Chapter 3 demos' worker and primary (see cluster_demo.h). */
#include "cluster_demo.h"
#include "child_demo.h"
#include "errors.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ==== the worker ================================================================== */

/* The worker's own cache: a few keys in its own memory.  Every worker has
 * one, and none sees the others' — which is the point. */
#define CACHE_KEYS 64
static struct { char key[32], value[64]; } cache[CACHE_KEYS];
static redisContext *redis;            /* the shared cache, when configured */
static char *ballast;                  /* ballast_mb, touched */

static const char *cache_get(const char *key)
{
    static char value[64];
    if (redis) {
        /* A blocking call on the loop: Redis on a Unix socket answers in
         * microseconds, and the demo is about who sees what, not speed.
         * (A server in production would use hiredis' async API.) */
        redisReply *r = redisCommand(redis, "GET %s", key);
        snprintf(value, sizeof value, "%s", r && r->type == REDIS_REPLY_STRING ? r->str : "");
        if (r) freeReplyObject(r);
        return value;
    }
    for (int i = 0; i < CACHE_KEYS; i++)
        if (strcmp(cache[i].key, key) == 0) return cache[i].value;
    return "";
}

static void cache_set(const char *key, const char *value)
{
    if (redis) {
        redisReply *r = redisCommand(redis, "SET %s %s", key, value);
        if (r) freeReplyObject(r);
        return;
    }
    int slot = -1;
    for (int i = 0; i < CACHE_KEYS && slot < 0; i++)
        if (!cache[i].key[0] || strcmp(cache[i].key, key) == 0) slot = i;
    if (slot < 0) slot = 0;
    snprintf(cache[slot].key, sizeof cache[slot].key, "%s", key);
    snprintf(cache[slot].value, sizeof cache[slot].value, "%s", value);
}

/* name's value in the query of url ("/get?key=a" -> "a"), or "". */
static void query_param(const char *url, const char *name, char *out, size_t outlen)
{
    out[0] = 0;
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    for (q = q ? q + 1 : NULL; q && *q; q = strchr(q, '&') ? strchr(q, '&') + 1 : NULL) {
        if (strncmp(q, name, nl) != 0 || q[nl] != '=') continue;
        const char *v = q + nl + 1;
        size_t n = strcspn(v, "&");
        if (n >= outlen) n = outlen - 1;
        memcpy(out, v, n);
        out[n] = 0;
        return;
    }
}

static bool path_is(const char *url, const char *path)
{
    size_t n = strlen(path);
    return strncmp(url, path, n) == 0 && (url[n] == 0 || url[n] == '?');
}

bool cluster_demo_path_is(const char *url, const char *path) { return path_is(url, path); }

void cluster_demo_query(const char *url, const char *name, char *out, size_t outlen)
{
    query_param(url, name, out, outlen);
}

typedef struct { lab_timer t; lab_http_out *res; char url[160]; } pending_answer;

/* This process's PID as text, set once at start (getpid() is a system
 * call, and every answer names the PID), and the answer to GET /, which
 * never changes in one worker: formatted once, not for every request
 * (snprintf was a tenth of a request's user-space instructions). */
static char my_pid[16];
static char hello[96];
static size_t hello_len;

static void know_myself(void)
{
    snprintf(my_pid, sizeof my_pid, "%d", (int)getpid());
    int n = snprintf(hello, sizeof hello, "hello from worker %d, pid %s\n",
                     lab_cluster_worker_id(), my_pid);
    hello_len = n > 0 && (size_t)n < sizeof hello ? (size_t)n : 0;
}

/* A body lives until its write is done (http.h): one made for this
 * answer is freed then. */
static void free_body(void *body, int status) { free(body); }

static void log_line(const char *url, int status)
{
    char line[256];
    int n = snprintf(line, sizeof line, "%llu %s %d GET %.150s %d\n",
                     (unsigned long long)lab_tel_now(), my_pid, lab_cluster_worker_id(),
                     url, status);
    /* One write() per line, under PIPE_BUF: lines of many workers on one
     * pipe never mix. */
    if (write(STDOUT_FILENO, line, (size_t)n) < 0) { /* the primary is gone */ }
}

static bool log_on;

static void answer(lab_http_out *res, const char *url)
{
    char *body, key[32], value[64];
    const char *pid = my_pid;
    int status = 200;
    if (path_is(url, "/")) {
        lab_http_set_header(res, "X-Worker-Pid", pid);
        lab_http_set_header(res, "Content-Type", "text/plain");
        lab_http_end(res, hello, hello_len, NULL, NULL);
        if (log_on) log_line(url, status);
        return;
    }
    if (path_is(url, "/set") || path_is(url, "/get")) {
        query_param(url, "key", key, sizeof key);
        if (path_is(url, "/set")) {
            query_param(url, "value", value, sizeof value);
            cache_set(key, value);
        } else {
            snprintf(value, sizeof value, "%s", cache_get(key));
        }
        lab_http_set_header(res, "X-Cache-Value", value);
        body = lab_xasprintf("%s=%s (worker %d, pid %s)\n", key, value,
                             lab_cluster_worker_id(), pid);
    } else {
        status = 404;
        body = lab_xasprintf("not found (worker %d, pid %s)\n", lab_cluster_worker_id(), pid);
    }
    lab_http_set_status(res, status);
    lab_http_set_header(res, "X-Worker-Pid", pid);
    lab_http_set_header(res, "Content-Type", "text/plain");
    lab_http_end(res, body, strlen(body), free_body, body);
    if (log_on) log_line(url, status);
}

static void answer_late(lab_timer *t)
{
    pending_answer *p = t->data;
    p->res->on_close = NULL;
    answer(p->res, p->url);
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
    const cluster_demo_cfg *c = srv->data;
    /* A CPU-heavy handler blocks this worker's loop: nothing else it holds
     * moves until it returns. */
    if (c->cpu_ms && (!c->cpu_worker || c->cpu_worker == lab_cluster_worker_id()))
        lab_demo_burn_cpu((uint64_t)c->cpu_ms);
    if (!c->delay_ms) { answer(res, req->url); return; }
    pending_answer *p = calloc(1, sizeof *p);
    if (!p) { answer(res, req->url); return; }
    p->res = res;
    snprintf(p->url, sizeof p->url, "%s", req->url);
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

/* Messages from the primary (cluster.ipc): a ping is answered at once
 * with a pong carrying the same number, the primary's send time and the
 * same padding (a message as big each way). */
static void on_message(lab_cluster_self *self, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    const cJSON *ping = cJSON_GetObjectItemCaseSensitive(msg, "ping");
    if (!cJSON_IsNumber(ping)) return;
    cJSON *pong = cJSON_CreateObject();
    cJSON_AddNumberToObject(pong, "pong", ping->valuedouble);
    const cJSON *sent = cJSON_GetObjectItemCaseSensitive(msg, "sent_us");
    if (cJSON_IsNumber(sent)) cJSON_AddNumberToObject(pong, "sent_us", sent->valuedouble);
    cJSON_AddNumberToObject(pong, "worker", lab_cluster_worker_id());
    const cJSON *pad = cJSON_GetObjectItemCaseSensitive(msg, "pad");
    if (cJSON_IsString(pad)) cJSON_AddStringToObject(pong, "pad", pad->valuestring);
    lab_cluster_self_send(self, pong, NULL, NULL);
    cJSON_Delete(pong);
}

int cluster_demo_worker_main(void *arg)
{
    const cluster_demo_cfg *c = arg;
    lab_loop *loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    if (c->crash) return 1;            /* a worker that dies at start */
    self->on_message = on_message;
    log_on = c->log;
    know_myself();
    if (c->ballast_mb > 0) {
        size_t n = (size_t)c->ballast_mb << 20;
        ballast = malloc(n);
        if (ballast) memset(ballast, 0x5a, n);     /* touched: resident */
    }
    if (c->redis_socket[0]) {
        redis = redisConnectUnix(c->redis_socket);
        if (!redis || redis->err) {
            fprintf(stderr, "nodelab: worker %d: cannot reach redis at %s: %s\n",
                    lab_cluster_worker_id(), c->redis_socket, redis ? redis->errstr : "no memory");
            return 1;
        }
    }
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", c->port, on_request, on_listening) < 0)
        return 1;
    srv.data = (void *)c;
    srv.no_request_events = !c->trace;
    if (c->stats_ms) lab_cluster_self_stats(self, (uint64_t)c->stats_ms);
    lab_loop_run(loop);
    lab_loop_free(loop);
    if (redis) redisFree(redis);
    free(ballast);
    return listen_failed;
}

/* As Node's plain server.listen(): the port is ours, no primary asked. */
int cluster_demo_single_main(void *arg)
{
    const cluster_demo_cfg *c = arg;
    lab_loop *loop = lab_loop_new();
    static lab_http_server srv;
    log_on = c->log;
    know_myself();
    int rc = lab_http_server_listen(&srv, loop, "127.0.0.1", c->port, on_request);
    if (rc < 0) {
        fprintf(stderr, "nodelab: server: listen %s 127.0.0.1:%d\n", lab_errno_name(-rc), c->port);
        return 1;
    }
    srv.data = (void *)c;
    srv.no_request_events = !c->trace;
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}

/* ==== the primary =================================================================== */

const char *cluster_demo_check_workers(const char *v)
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

int cluster_demo_workers(const lab_demo *d)
{
    const char *wv = lab_demo_str(d, "workers");
    return *wv ? atoi(wv) : lab_cluster_default_workers();
}

const char *cluster_demo_check_sched(const char *v)
{
    if (!*v || lab_cluster_sched_parse(v)) return NULL;
    return "allowed: rr, none, reuseport (or leave it out: NODE_CLUSTER_SCHED_POLICY, else rr)";
}

int cluster_demo_listening(const lab_cluster *cl)
{
    int n = 0;
    for (size_t i = 0; i < lab_cluster_count(cl); i++)
        n += lab_cluster_get(cl, i)->state == LAB_WORKER_LISTENING;
    return n;
}

static void report_serving(cluster_demo *k)
{
    lab_ev *e = lab_ev_new(LAB_EV(SERVING));
    lab_ev_str(e, "address", "127.0.0.1");
    lab_ev_int(e, "port", k->port);
    lab_ev_int(e, "workers", (int64_t)lab_cluster_count(k->cl));
    lab_ev_str(e, "policy", lab_cluster_sched_name(k->cl->sched));
    lab_ev_emit(e);
}

static void k_listening(lab_cluster_worker *w, const char *address, int port)
{
    cluster_demo *k = w->cluster->data;
    if (w->cluster != k->cl) return;
    k->port = port;
    k->ever_listened = true;
    if (k->extra.on_listening) k->extra.on_listening(w, address, port);
    if (!k->ready && cluster_demo_listening(k->cl) >= k->workers) {
        k->ready = true;
        report_serving(k);
        if (k->on_ready) k->on_ready(k);
    }
}

static void k_listen_error(lab_cluster_worker *w, int err, const char *message)
{
    cluster_demo *k = w->cluster->data;
    if (!k->fatal[0]) snprintf(k->fatal, sizeof k->fatal, "%s", message);
    cluster_demo_stop(k);
}

/* Workers that all died before one listened, with nobody to replace
 * them: nothing will ever serve. */
static void k_exit(lab_cluster_worker *w, int code, int sig)
{
    cluster_demo *k = w->cluster->data;
    if (k->extra.on_exit) k->extra.on_exit(w, code, sig);
    lab_cluster *cl = w->cluster;
    if (cl != k->cl || k->ready || cl->opts.respawn || k->stopping) return;
    for (size_t i = 0; i < lab_cluster_count(cl); i++)
        if (!lab_cluster_get(cl, i)->dead) return;
    if (!k->fatal[0]) {
        char how[32];
        if (sig) snprintf(how, sizeof how, "signal %s", lab_signal_name(sig));
        else snprintf(how, sizeof how, "exit code %d", code);
        snprintf(k->fatal, sizeof k->fatal, "every worker exited before listening (worker %d: %s)",
                 w->id, how);
    }
    cluster_demo_stop(k);
}

void cluster_demo_init(cluster_demo *k, lab_demo *d, lab_loop *loop)
{
    k->demo = d;
    k->loop = loop;
    k->workers = cluster_demo_workers(d);
    d->data = k;
    child_demo_options(&k->spawn, CHILD_DEMO_FORK, true);
    lab_demo_announce(d);
}

lab_cluster *cluster_demo_start(cluster_demo *k, lab_cluster_sched sched, bool respawn)
{
    if (k->nruns == CLUSTER_DEMO_MAX_RUNS) {
        snprintf(k->fatal, sizeof k->fatal, "too many runs");
        return NULL;
    }
    lab_cluster_options o = k->extra;
    o.main = k->worker_main ? k->worker_main : cluster_demo_worker_main;
    o.arg = k->worker_main ? k->worker_arg : &k->cfg;
    o.spawn = &k->spawn;
    o.sched = sched;
    o.respawn = respawn;
    o.on_listening = k_listening;
    o.on_listen_error = k_listen_error;
    o.on_exit = k_exit;
    o.data = k;
    lab_cluster *cl = lab_cluster_new(k->loop, &o);
    if (!cl) { snprintf(k->fatal, sizeof k->fatal, "cannot make a cluster: %s", strerror(errno)); return NULL; }
    k->runs[k->nruns++] = cl;
    k->cl = cl;
    k->ready = false;
    k->stopping = false;
    if (lab_cluster_start(cl, k->workers) < 0) {
        snprintf(k->fatal, sizeof k->fatal, "cannot fork workers: %s", strerror(errno));
        cluster_demo_stop(k);
    }
    return cl;
}

static void k_stopped(lab_cluster *cl)
{
    cluster_demo *k = cl->data;
    if (k->on_stopped) k->on_stopped(k);
}

void cluster_demo_stop(cluster_demo *k)
{
    if (!k->cl || k->cl->stopping) return;
    k->stopping = true;
    lab_cluster_stop(k->cl, k_stopped);
}

void cluster_demo_signals(cluster_demo *k)
{
    lab_cluster_handle_signals(k->cl, k_stopped);
}

int cluster_demo_finish(cluster_demo *k)
{
    int rc = 0;
    if (k->fatal[0]) {
        fprintf(stderr, "nodelab: %s: %s\n", k->demo->def->name, k->fatal);
        rc = 1;
    } else if (!k->ever_listened) {
        fprintf(stderr, "nodelab: %s: no worker ever listened\n", k->demo->def->name);
        rc = 1;
    }
    for (int i = 0; i < k->nruns; i++) lab_cluster_free(k->runs[i]);
    k->nruns = 0;
    k->cl = NULL;
    return rc;
}

uint64_t cluster_demo_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t cluster_demo_cpu_us(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* Fields 14 and 15 (utime, stime, in clock ticks) come after the
     * command name, which is in parentheses and may hold spaces. */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (ut + st) * 1000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
}

void cluster_demo_distribution(const cluster_demo *k, const lab_loadgen *lg, lab_ev *e,
                               int max, uint64_t *lo, uint64_t *hi)
{
    cJSON *by = cJSON_CreateArray();
    *lo = UINT64_MAX;
    *hi = 0;
    for (size_t i = 0; k->cl && i < lab_cluster_count(k->cl); i++) {
        const lab_cluster_worker *w = lab_cluster_get(k->cl, i);
        if (w->dead || w->exited_after_disconnect) continue;
        uint64_t n = 0;
        for (size_t j = 0; j < lg->npids; j++)
            if (lg->pids[j].pid == w->pid) n = lg->pids[j].count;
        if (n < *lo) *lo = n;
        if (n > *hi) *hi = n;
        if (max-- > 0) {
            char key[16];
            snprintf(key, sizeof key, "w%d", w->id);
            lab_ev_int(e, key, (int64_t)n);
        }
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "id", w->id);
        cJSON_AddNumberToObject(row, "pid", w->pid);
        cJSON_AddNumberToObject(row, "responses", (double)n);
        cJSON_AddItemToArray(by, row);
    }
    if (*lo == UINT64_MAX) *lo = 0;
    lab_ev_json(e, "by_worker", by);
}

lab_loadgen *cluster_demo_load(cluster_demo *k, lab_loadgen_options *o)
{
    o->port = k->port;
    if (!o->timeout_ms) o->timeout_ms = 30000;   /* a busy machine is slow, not broken */
    lab_loadgen *lg = lab_loadgen_start(k->loop, o);
    lab_ev *e = lab_ev_new(LAB_EV(LOAD_START));
    lab_ev_int(e, "port", k->port);
    lab_ev_int(e, "connections", o->connections);
    lab_ev_bool(e, "keepalive", !o->new_connection);
    if (o->path) lab_ev_str(e, "path", o->path);
    lab_ev_emit(e);
    return lg;
}

lab_cluster_worker *cluster_demo_by_pid(const cluster_demo *k, pid_t pid)
{
    for (size_t i = 0; k->cl && i < lab_cluster_count(k->cl); i++)
        if (lab_cluster_get(k->cl, i)->pid == pid) return lab_cluster_get(k->cl, i);
    return NULL;
}

int cluster_demo_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

bool cluster_demo_which(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    /* nginx lives in /usr/sbin, which a user's PATH may lack. */
    snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, outlen, "%s/%s", *d ? d : ".", name);
        if (access(out, X_OK) == 0) return true;
    }
    out[0] = 0;
    return false;
}

bool cluster_demo_tmpdir(char *out, size_t outlen, const char *what)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, outlen, "%s/nodelab-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    return mkdtemp(out) != NULL;
}

void cluster_demo_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) < 0) cluster_demo_rmdir(path);     /* nginx's temp dirs */
    }
    closedir(d);
    rmdir(dir);
}

/* ==== a real server: redis-server, nginx ============================================ */

static void component_event(const cluster_demo_server *srv, const char *state)
{
    lab_ev *e = lab_ev_new(LAB_EV(COMPONENT));
    lab_ev_str(e, "name", srv->name);
    lab_ev_str(e, "state", state);
    lab_ev_int(e, "server_pid", srv->pid);
    if (srv->unix_path[0]) lab_ev_str(e, "socket", srv->unix_path);
    else lab_ev_int(e, "port", srv->port);
    lab_ev_emit(e);
}

/* Does its socket accept a connection now?  (A connect to a local socket
 * answers at once: accepted, or refused / not there yet.) */
static bool accepts(const cluster_demo_server *srv)
{
    int fd;
    int rc;
    if (srv->unix_path[0]) {
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        snprintf(a.sun_path, sizeof a.sun_path, "%s", srv->unix_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)srv->port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (fd >= 0) close(fd);
    return rc == 0;
}

static void on_probe(lab_timer *t)
{
    cluster_demo_server *srv = t->data;
    if (!srv->proc || srv->stopping) { lab_timer_stop(t); return; }
    if (accepts(srv)) {
        lab_timer_stop(t);
        srv->ready = true;
        component_event(srv, "ready");
        if (srv->on_ready) srv->on_ready(srv);
    } else if (++srv->probes == 500) {
        lab_timer_stop(t);
        fprintf(stderr, "nodelab: %s did not accept connections within 10 s: stopping it\n", srv->name);
        cluster_demo_server_stop(srv);
    }
}

static void on_server_exit(lab_process *p, int code, int sig)
{
    cluster_demo_server *srv = p->data;
    lab_timer_stop(&srv->probe);
    srv->proc = NULL;
    component_event(srv, "stopped");
    if (srv->on_exit) srv->on_exit(srv, code, sig);
}

bool cluster_demo_server_start(cluster_demo_server *srv, lab_loop *loop, char *const *argv)
{
    lab_spawn_options o = { .file = argv ? argv[0] : NULL, .argv = argv, .pdeathsig = SIGKILL,
                            .stdio_count = 3, .on_exit = on_server_exit, .data = srv };
    o.stdio[0].kind = LAB_STDIO_IGNORE;
    o.stdio[1].kind = LAB_STDIO_IGNORE;   /* our stdout is the event stream */
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    if (argv) {
        srv->proc = lab_spawn(loop, &o);
    } else {
        /* Our own server: it reports telemetry as the workers do. */
        child_demo_options(&o, CHILD_DEMO_FORK, true);
        o.stdio[3].kind = LAB_STDIO_IGNORE;   /* no channel: not a worker */
        srv->proc = lab_fork_call(loop, srv->main, srv->arg, &o);
    }
    if (!srv->proc) return false;
    srv->pid = srv->proc->pid;
    component_event(srv, "started");
    lab_timer_init(loop, &srv->probe);
    srv->probe.data = srv;
    lab_timer_start(&srv->probe, on_probe, 20, 20);
    return true;
}

void cluster_demo_server_stop(cluster_demo_server *srv)
{
    if (!srv->proc || srv->stopping) return;
    srv->stopping = true;
    lab_process_kill(srv->proc, SIGTERM);
}
