/*
 * worker.c — the worker's side of the cluster: Node's
 * lib/internal/cluster/child.js.
 *
 * A worker never binds its port by itself.  lab_cluster_http_listen()
 * asks the primary (queryServer) and the reply says how connections will
 * come:
 *
 *   rr         one at a time, each as a newconn message carrying the
 *              descriptor; the worker acknowledges each (accepted: true
 *              unless its server is closing) and serves it
 *              (lab_http_server_adopt);
 *   none       the reply carries the listening socket itself, shared with
 *              every other worker (lab_http_server_listen_fd);
 *   reuseport  the reply carries only the port; the worker binds its own
 *              SO_REUSEPORT socket to it.
 *
 * Disconnecting (asked by the primary, or lab_cluster_self_disconnect()):
 * every server closes — no new connections, the requests in flight are
 * answered — and only then does the channel close.  The process then ends
 * by itself when its loop has nothing left, with status 0.  A channel that
 * closes without a disconnect means the primary is gone: the worker exits
 * at once (Node's process.exit(0) in _setupWorker).
 *
 * One worker per process: the runtime keeps it in `self_now`.
 */
#define _GNU_SOURCE
#include "cluster_impl.h"
#include "errors.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct cluster_server {
    lab_http_server *srv;
    char host[48];
    int port, index;
    char key[96];              /* the primary's name for it, once known */
    int query_seq;             /* the queryServer awaiting its reply, or -1 */
    lab_cluster_sched policy;
    bool listening, closing;
    bool awaited;              /* a disconnect waits for it to close */
    lab_cluster_listen_cb *on_listening;
    void (*on_closed)(lab_http_server *srv);
    struct cluster_server *next;
} cluster_server;

static lab_cluster_self *self_now;
static int self_id;            /* read from the environment once */

/* ---- who am I ------------------------------------------------------------------ */

int lab_cluster_worker_id(void)
{
    if (self_id > 0) return self_id;
    const char *v = getenv(LAB_CLUSTER_ID_ENV);
    char *end;
    long id = v && *v ? strtol(v, &end, 10) : 0;
    return v && *v && !*end && id > 0 && id < 1 << 30 ? (int)id : 0;
}

bool lab_cluster_is_worker(void) { return lab_cluster_worker_id() > 0; }

/* ---- servers -------------------------------------------------------------------- */

static cluster_server *find_by_srv(lab_cluster_self *self, const lab_http_server *srv)
{
    for (cluster_server *s = self->servers; s; s = s->next)
        if (s->srv == srv) return s;
    return NULL;
}

static void unlink_server(lab_cluster_self *self, cluster_server *s)
{
    for (cluster_server **p = &self->servers; *p; p = &(*p)->next)
        if (*p == s) { *p = s->next; break; }
}

/* Node's index: the how-many-th server of this process on host:port. */
static int next_index(lab_cluster_self *self, const char *host, int port)
{
    int n = 0;
    for (cluster_server *s = self->servers; s; s = s->next)
        if (s->port == port && strcmp(s->host, host) == 0) n++;
    return n;
}

static void listen_failed(lab_cluster_self *self, cluster_server *s, int err)
{
    char msg[128];
    snprintf(msg, sizeof msg, "bind %s %s:%d", lab_errno_name(err), s->host, s->port);
    unlink_server(self, s);
    lab_cluster_listen_cb *cb = s->on_listening;
    lab_http_server *srv = s->srv;
    free(s);
    if (cb) cb(srv, -err, msg);
}

/* The server is up: say so to the primary, then to its owner. */
static void listened(lab_cluster_self *self, cluster_server *s, int port)
{
    s->listening = true;
    s->srv->port = port;
    self->state = "listening";
    cJSON *m = cluster_msg("listening");
    cJSON_AddStringToObject(m, "address", s->host);
    cJSON_AddNumberToObject(m, "port", port);
    cJSON_AddNumberToObject(m, "addressType", 4);
    cJSON_AddNumberToObject(m, "index", s->index);
    cluster_send(self->ipc, m, -1);
    if (s->on_listening) s->on_listening(s->srv, 0, NULL);
}

/* The primary's answer to our queryServer. */
static void on_query_reply(lab_cluster_self *self, cluster_server *s, const cJSON *msg, int fd)
{
    s->query_seq = -1;
    int err = -(int)cluster_num(msg, "errno", 0);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(msg, "sockname");
    int port = (int)cluster_num(name, "port", s->port);
    snprintf(s->key, sizeof s->key, "%s", cluster_str(msg, "key") ? cluster_str(msg, "key") : "");
    s->policy = lab_cluster_sched_parse(cluster_str(msg, "policy"));
    int rc = 0;
    if (err) {
        rc = -err;
    } else if (s->policy == LAB_CLUSTER_NONE) {
        rc = fd >= 0 ? lab_http_server_listen_fd(s->srv, fd) : -EBADF;
        if (rc == 0) fd = -1;                     /* the server owns it */
    } else if (s->policy == LAB_CLUSTER_REUSEPORT) {
        int own = lab_tcp_bind_fd(s->host, port, 0, LAB_TCP_REUSEPORT);
        rc = own < 0 ? own : lab_http_server_listen_fd(s->srv, own);
        if (own >= 0 && rc < 0) close(own);
    }
    if (fd >= 0) close(fd);
    if (rc < 0) {
        s->port = port ? port : s->port;
        listen_failed(self, s, -rc);
        return;
    }
    listened(self, s, port);
}

/* rr: the primary hands us a connection.  Ack first (Node does), then
 * serve it; a server that is closing refuses, and the primary gives the
 * connection to another worker. */
/* doc:on-newconn */
static void on_newconn(lab_cluster_self *self, const cJSON *msg, int seq, int fd)
{
    const char *key = cluster_str(msg, "key");
    cluster_server *s = NULL;
    for (cluster_server *t = self->servers; t && key; t = t->next)
        if (t->listening && !t->closing && strcmp(t->key, key) == 0) s = t;
    cJSON *ack = cluster_msg(NULL);
    cJSON_AddNumberToObject(ack, "ack", seq);
    cJSON_AddBoolToObject(ack, "accepted", s != NULL && fd >= 0);
    cluster_send(self->ipc, ack, -1);
    if (fd < 0) return;
    if (!s || lab_http_server_adopt(s->srv, fd) < 0) close(fd);
}
/* end doc:on-newconn */

/* ---- disconnecting ------------------------------------------------------------ */

static void finish_disconnect(lab_cluster_self *self);

static void server_closed(lab_http_server *srv)
{
    lab_cluster_self *self = self_now;
    cluster_server *s = self ? find_by_srv(self, srv) : NULL;
    if (!s) return;
    void (*cb)(lab_http_server *) = s->on_closed;
    bool awaited = s->awaited;
    unlink_server(self, s);
    free(s);
    if (cb) cb(srv);
    if (awaited && --self->waiting == 0) finish_disconnect(self);
}

/* Closes one server: the primary stops sending to it, it stops taking
 * connections and finishes those it has. */
static void close_server(lab_cluster_self *self, cluster_server *s)
{
    if (s->closing) return;
    s->closing = true;
    if (s->key[0]) {
        cJSON *m = cluster_msg("close");
        cJSON_AddStringToObject(m, "key", s->key);
        cluster_send(self->ipc, m, -1);
    }
    lab_http_server_close(s->srv, server_closed);     /* may call back now */
}

static void disconnect_now(lab_cluster_self *self)
{
    if (self->ipc && self->ipc->connected) lab_ipc_disconnect(self->ipc);
}

static void finish_disconnect(lab_cluster_self *self)
{
    /* Asked by the primary: it knows.  Our own idea: tell it first, so
     * that it sees exitedAfterDisconnect before the channel closes. */
    if (self->primary_initiated) disconnect_now(self);
    else cluster_send(self->ipc, cluster_msg("exitedAfterDisconnect"), -1);
}

/* Node's _disconnect(primaryInitiated). */
static void start_disconnect(lab_cluster_self *self, bool primary)
{
    if (strcmp(self->state, "disconnecting") == 0) return;
    self->state = "disconnecting";
    self->exited_after_disconnect = true;
    self->primary_initiated = primary;
    self->waiting = 1;                 /* ourselves: released below */
    cluster_server *next;
    for (cluster_server *s = self->servers; s; s = next) {
        next = s->next;                /* close_server may free s */
        self->waiting++;
        s->awaited = true;
        if (!s->closing) close_server(self, s);
    }
    if (--self->waiting == 0) finish_disconnect(self);
}

void lab_cluster_self_disconnect(lab_cluster_self *self) { start_disconnect(self, false); }

/* ---- the channel ---------------------------------------------------------------- */

static void self_message(lab_ipc *ch, cJSON *msg, int fd)
{
    lab_cluster_self *self = ch->data;
    const char *act;
    int seq, ack;
    if (!cluster_parse(msg, &act, &seq, &ack)) {
        if (self->on_message) self->on_message(self, msg, fd);
        else if (fd >= 0) close(fd);
        return;
    }
    if (act && strcmp(act, "newconn") == 0) { on_newconn(self, msg, seq, fd); return; }
    if (act && strcmp(act, "disconnect") == 0) start_disconnect(self, true);
    else if (!act) {
        for (cluster_server *s = self->servers; s; s = s->next)
            if (s->query_seq == ack) { on_query_reply(self, s, msg, fd); return; }
        /* the ack of our exitedAfterDisconnect: now we may go */
        if (self->exited_after_disconnect && !self->primary_initiated) disconnect_now(self);
    }
    if (fd >= 0) close(fd);
}

/* doc:self-disconnected */
static void self_disconnected(lab_ipc *ch)
{
    lab_cluster_self *self = ch->data;
    self->ipc = NULL;                  /* the channel frees itself */
    lab_timer_stop(&self->stats_timer);
    if (self->on_disconnect) self->on_disconnect(self);
    if (self->exited_after_disconnect) return;
    /* Unexpected: the primary died or closed on us.  Leave now. */
    fflush(NULL);
    lab_tel_close(200);
    _exit(0);
}
/* end doc:self-disconnected */

lab_cluster_self *lab_cluster_self_open(lab_loop *loop)
{
    int id = lab_cluster_worker_id();
    if (id <= 0) { errno = ENOENT; return NULL; }
    lab_ipc *ch = lab_ipc_from_env(loop);
    if (!ch) { errno = EBADF; return NULL; }
    lab_cluster_self *self = lab_xcalloc(1, sizeof *self);
    self_id = id;
    unsetenv(LAB_CLUSTER_ID_ENV);      /* our own children are not workers */
    self->loop = loop;
    self->id = id;
    self->ipc = ch;
    self->state = "online";
    ch->data = self;
    ch->on_message = self_message;
    ch->on_disconnect = self_disconnected;
    lab_timer_init(loop, &self->stats_timer);
    self->stats_timer.data = self;
    self_now = self;
    cluster_send(ch, cluster_msg("online"), -1);
    /* Out now: a worker that exits at once has still been online. */
    lab_ipc_flush(ch);
    return self;
}

bool lab_cluster_self_send(lab_cluster_self *self, const cJSON *msg,
                           lab_ipc_send_cb *cb, void *arg)
{
    if (!self->ipc) return false;
    return lab_ipc_send(self->ipc, msg, cb, arg);
}

/* ---- listening ------------------------------------------------------------------ */

int lab_cluster_http_listen(lab_cluster_self *self, lab_http_server *srv,
                            const char *host, int port,
                            lab_http_request_cb *on_request,
                            lab_cluster_listen_cb *on_listening)
{
    if (!self || !srv || !on_request || port < 0 || port > 65535) return -EINVAL;
    if (!self->ipc || self->exited_after_disconnect) return -ENOTCONN;
    if (!host) host = "127.0.0.1";
    cluster_server *s = lab_xcalloc(1, sizeof *s);
    lab_http_server_init(srv, self->loop, on_request);
    srv->answer_unread_on_close = true;   /* see http.h */
    s->srv = srv;
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = port;
    s->index = next_index(self, s->host, port);
    s->on_listening = on_listening;
    cJSON *m = cluster_msg("queryServer");
    cJSON_AddStringToObject(m, "address", s->host);
    cJSON_AddNumberToObject(m, "port", port);
    cJSON_AddNumberToObject(m, "addressType", 4);
    cJSON_AddNumberToObject(m, "index", s->index);
    s->query_seq = cluster_send(self->ipc, m, -1);
    if (s->query_seq < 0) { free(s); return -ENOTCONN; }
    s->next = self->servers;
    self->servers = s;
    return 0;
}

void lab_cluster_http_close(lab_cluster_self *self, lab_http_server *srv,
                            void (*cb)(lab_http_server *srv))
{
    cluster_server *s = find_by_srv(self, srv);
    if (!s || s->closing) return;
    s->on_closed = cb;
    close_server(self, s);
}

/* ---- stats ---------------------------------------------------------------------- */

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long size = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void on_stats_timer(lab_timer *t)
{
    lab_cluster_self *self = t->data;
    uint64_t requests = 0;
    int64_t conns = 0;
    for (cluster_server *s = self->servers; s; s = s->next) {
        requests += s->srv->requests;
        conns += s->srv->nconns;
    }
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    cJSON *m = cluster_msg("stats");
    cJSON_AddNumberToObject(m, "requests", (double)requests);
    cJSON_AddNumberToObject(m, "connections", (double)conns);
    cJSON_AddNumberToObject(m, "rss", (double)rss_bytes());
    cJSON_AddNumberToObject(m, "cpu_us", (double)cpu.tv_sec * 1e6 + (double)(cpu.tv_nsec / 1000));
    cluster_send(self->ipc, m, -1);
}

void lab_cluster_self_stats(lab_cluster_self *self, uint64_t every_ms)
{
    lab_timer_stop(&self->stats_timer);
    if (!every_ms || !self->ipc) return;
    lab_timer_start(&self->stats_timer, on_stats_timer, every_ms, every_ms);
    lab_timer_unref(&self->stats_timer);
}
