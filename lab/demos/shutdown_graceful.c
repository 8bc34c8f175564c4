/*
 * shutdown_graceful.c — demo `shutdown.graceful`: a server that writes
 * every request to SQLite, stopped gracefully, killed, or cut short by its
 * deadline, then audited row by row.
 *
 * load=0 (the contract for scripts and tests): this process *is* the
 * server (shutdown_server.c): POST / on 127.0.0.1:port, one committed row
 * per request, 200 only after the commit, and SIGTERM → graceful stop →
 * exit 0.  The port is in the runtime's `listening` event.
 *
 * load=N: this process forks the server, drives it with N clients (each
 * posts, waits for the answer, posts again), and after stop_after
 * acknowledged requests sends it the `stop` signal — or waits for a key in
 * the lab.  It keeps every acknowledged row id, and when the server is
 * gone opens the database and counts:
 *   acknowledged         requests answered 200 (the server said "stored")
 *   acknowledged_present of those, rows actually in the file — must be all
 *   unacknowledged_rows  rows whose answer never arrived (committed, then
 *                        the connection was cut: the client cannot know)
 *   cut_off              requests that got an error instead of an answer
 *   refused              connections refused: the server stopped accepting
 * SIGTERM: nothing cut off, every acknowledged row present, exit 0.
 * SIGKILL: in-flight requests cut off, acknowledged rows still all present
 * (the commit, not the close, made them durable), status "killed".
 * deadline_ms below slow_ms: the drain cannot finish, the exit is forced
 * (status 1) and the server says what was still open.
 *
 * The clients are a small closed loop written here, not the runtime's load
 * generator (net/loadgen.c): the audit needs the id of every acknowledged
 * row, which comes in the body of a POST's answer, and loadgen sends GETs
 * and keeps no bodies (it also retries a keep-alive race, which a POST that
 * writes must not do blindly).
 */
#define _GNU_SOURCE
#include "shutdown_demo.h"
#include "fork.h"
#include "http.h"
#include "telemetry.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LOAD 64

typedef struct {
    lab_demo *d;
    lab_loop *loop;
    sd_config cfg;
    char db[PATH_MAX];
    lab_process *server;       /* NULL once it exited: the runtime frees it */
    int server_pid;            /* kept for the audit, after that */
    int port;
    bool server_exited;
    int server_code, server_signal;
    int stop_signal;           /* 0: wait for a key or the duration */
    bool signalled, stopping_load;
    int sent_signal;           /* the signal sent (a key may differ from `stop`) */
    bool paused;               /* l in the lab: no new requests for now */
    uint64_t stop_after, max_requests;
    int clients_active;
    uint64_t started, acked, refused, cut_off, errors, acked_after_signal;
    int64_t *ids;
    size_t nids, cap;
    lab_timer progress;
} run_state;

/* ---- the clients ------------------------------------------------------------------ */

/* One request of one client: POST / with a small body, then the next. */
typedef struct {
    run_state *r;
    char body[64];
    size_t len;
    bool over;
} client_req;

static void client_next(run_state *r);

static void send_signal(run_state *r, int sig)
{
    if (r->signalled || r->server_exited) return;
    r->signalled = true;
    r->sent_signal = sig;
    lab_ev *e = lab_ev_new("stop");
    lab_ev_str(e, "signal", sig == SIGKILL ? "SIGKILL" : "SIGTERM");
    lab_ev_int(e, "server", r->server->pid);
    lab_ev_int(e, "acknowledged", (int64_t)r->acked);
    lab_ev_int(e, "in_flight", r->clients_active);
    lab_ev_emit(e);
    lab_process_kill(r->server, sig);
}

static void keep_id(run_state *r, int64_t id)
{
    if (r->nids == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        int64_t *ids = realloc(r->ids, cap * sizeof *ids);
        if (!ids) return;
        r->ids = ids;
        r->cap = cap;
    }
    r->ids[r->nids++] = id;
}

/* The request is over, one way or the other: close it, start the next. */
static void client_over(lab_http_client *hc)
{
    client_req *c = hc->data;
    run_state *r = c->r;
    if (c->over) return;
    c->over = true;
    lab_http_client_close(hc);
    free(c);
    if (r->stop_signal && !r->signalled && r->acked >= r->stop_after)
        send_signal(r, r->stop_signal);
    client_next(r);
}

static void on_body(lab_http_msg *m, const char *data, size_t len)
{
    client_req *c = ((lab_http_client *)m->data)->data;
    size_t room = sizeof c->body - 1 - c->len;
    if (len > room) len = room;
    memcpy(c->body + c->len, data, len);
    c->len += len;
}

/* The answer is complete: 200 with {"id":N} is an acknowledged row. */
static void on_body_end(lab_http_msg *m)
{
    lab_http_client *hc = m->data;
    client_req *c = hc->data;
    run_state *r = c->r;
    c->body[c->len] = 0;
    const char *id = strstr(c->body, "\"id\":");
    if (m->status == 200 && id) {
        r->acked++;
        if (r->signalled) r->acked_after_signal++;
        keep_id(r, strtoll(id + 5, NULL, 10));
    } else {
        r->errors++;
    }
    client_over(hc);
}

static void on_response(lab_http_client *hc, lab_http_msg *res)
{
    res->data = hc;
    res->on_data = on_body;
    res->on_end = on_body_end;
}

/* A failed request: refused (the server stopped accepting, or is gone),
 * or cut off (the connection broke before the whole answer came). */
static void on_client_error(lab_http_client *hc, const char *code)
{
    client_req *c = hc->data;
    if (c->over) return;
    if (strcmp(code, "ECONNREFUSED") == 0) c->r->refused++;
    else c->r->cut_off++;
    client_over(hc);
}

static void maybe_audit(run_state *r);

/* Each client posts again until the server is gone or refuses: the load
 * is bounded by max_requests and by the server's own end. */
static void client_next(run_state *r)
{
    bool more = !r->paused && !r->stopping_load && !r->server_exited && r->started < r->max_requests &&
                !(r->signalled && r->refused > 0);
    client_req *c = more ? calloc(1, sizeof *c) : NULL;
    lab_http_client *hc = NULL;
    if (c) {
        c->r = r;
        lab_http_request_opts o = { .port = r->port, .method = "POST", .path = "/" };
        hc = lab_http_request(r->loop, &o, on_response, on_client_error, c);
    }
    if (!hc) {
        free(c);
        r->clients_active--;
        maybe_audit(r);
        return;
    }
    r->started++;
    lab_http_end(&hc->out, "row", 3, NULL, NULL);
}

/* ---- the audit --------------------------------------------------------------------- */

static void maybe_audit(run_state *r)
{
    if (!r->server_exited || r->clients_active > 0) return;
    lab_timer_stop(&r->progress);
    lab_demo_deadline_cancel(r->d);
    int64_t rows = 0, present = 0;
    char why[200] = "";
    int rc = sdb_audit(r->db, r->server_pid, r->ids, r->nids, &rows, &present, why, sizeof why);
    lab_ev *e = lab_ev_new("summary");
    lab_ev_str(e, "role", "audit");
    lab_ev_str(e, "db", r->db);
    lab_ev_str(e, "stop", !r->signalled ? "none" : r->sent_signal == SIGKILL ? "SIGKILL" : "SIGTERM");
    lab_ev_int(e, "load", lab_demo_int(r->d, "load"));
    lab_ev_int(e, "requests", (int64_t)r->started);
    lab_ev_int(e, "acknowledged", (int64_t)r->acked);
    lab_ev_int(e, "acknowledged_after_signal", (int64_t)r->acked_after_signal);
    lab_ev_int(e, "acknowledged_present", present);
    lab_ev_int(e, "acknowledged_missing", (int64_t)r->nids - present);
    lab_ev_int(e, "rows", rows);
    lab_ev_int(e, "unacknowledged_rows", rows - present);
    lab_ev_int(e, "cut_off", (int64_t)r->cut_off);
    lab_ev_int(e, "refused", (int64_t)r->refused);
    lab_ev_int(e, "errors", (int64_t)r->errors);
    if (r->server_signal) lab_ev_str(e, "server_signal", r->server_signal == SIGKILL ? "SIGKILL" : "SIGTERM");
    else lab_ev_int(e, "server_code", r->server_code);
    if (rc < 0) lab_ev_str(e, "error", why);
    lab_ev_emit(e);
    if (rc < 0) fprintf(stderr, "nodelab: shutdown.graceful: cannot read %s back: %s\n", r->db, why);
}

/* ---- the server, forked ------------------------------------------------------------- */

static run_state *child_run;            /* the child's copy of the parent's state */

static void tell_port(int port, void *arg)
{
    lab_ipc *ipc = arg;
    char msg[32];
    int n = snprintf(msg, sizeof msg, "{\"port\":%d}", port);
    lab_ipc_send_text(ipc, msg, (size_t)n, NULL, NULL);
}

static int server_child(void *arg)
{
    child_run = arg;
    lab_loop *loop = lab_loop_new();
    lab_ipc *ipc = lab_ipc_from_env(loop);
    if (ipc) lab_ipc_unref(ipc);
    int code = sd_server_run(child_run->d, loop, &child_run->cfg, tell_port, ipc);
    fflush(NULL);
    lab_tel_close(1000);
    return code;
}

static void on_server_message(lab_process *p, cJSON *msg, int fd)
{
    run_state *r = p->data;
    cJSON *port = cJSON_GetObjectItem(msg, "port");
    if (!cJSON_IsNumber(port) || r->port) return;
    r->port = (int)port->valuedouble;
    int n = (int)lab_demo_int(r->d, "load");
    for (int i = 0; i < n; i++) {
        r->clients_active++;
        client_next(r);
    }
}

static void on_server_exit(lab_process *p, int code, int sig)
{
    run_state *r = p->data;
    r->server_exited = true;
    r->server = NULL;                  /* freed after this returns */
    r->server_code = code;
    r->server_signal = sig;
    maybe_audit(r);
}

static void on_progress(lab_timer *t)
{
    run_state *r = t->data;
    lab_ev *e = lab_ev_new("load");
    lab_ev_int(e, "requests", (int64_t)r->started);
    lab_ev_int(e, "acknowledged", (int64_t)r->acked);
    lab_ev_int(e, "in_flight", r->clients_active);
    lab_ev_int(e, "cut_off", (int64_t)r->cut_off);
    lab_ev_int(e, "refused", (int64_t)r->refused);
    lab_ev_emit(e);
}

/* l in the lab: the clients finish their requests and wait; again, they
 * start over (as many as `load`). */
static void toggle_load(run_state *r)
{
    r->paused = !r->paused;
    if (r->paused || !r->port || r->server_exited) return;
    int n = (int)lab_demo_int(r->d, "load");
    for (int i = r->clients_active; i < n; i++) {    /* (client_next may give up) */
        r->clients_active++;
        client_next(r);
    }
}

/* Keys in the lab, and the duration: stop the server now. */
static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    run_state *r = d->data;
    if (strcmp(cmd, "term") == 0) send_signal(r, SIGTERM);
    else if (strcmp(cmd, "kill") == 0) send_signal(r, SIGKILL);
    else if (strcmp(cmd, "load") == 0) toggle_load(r);
}

static void on_duration(lab_demo *d)
{
    run_state *r = d->data;
    if (!r->signalled) send_signal(r, r->stop_signal ? r->stop_signal : SIGTERM);
    r->stopping_load = true;
}

static int run_under_load(lab_demo *d, run_state *r)
{
    r->loop = lab_loop_new();
    d->data = r;
    lab_spawn_options o = { .on_message = on_server_message, .on_exit = on_server_exit,
                            .pdeathsig = SIGKILL, .data = r };
    r->server = lab_fork_call(r->loop, server_child, r, &o);
    if (!r->server || r->server->spawn_error) {
        fprintf(stderr, "nodelab: shutdown.graceful: cannot start the server: %s\n",
                strerror(r->server ? r->server->spawn_error : errno));
        return 1;
    }
    r->server_pid = r->server->pid;
    lab_timer_init(r->loop, &r->progress);
    r->progress.data = r;
    lab_timer_start(&r->progress, on_progress, 250, 250);
    lab_timer_unref(&r->progress);
    lab_demo_listen(d, r->loop, NULL, on_command);
    lab_demo_deadline(d, r->loop, on_duration);
    lab_loop_run(r->loop);
    free(r->ids);
    lab_loop_free(r->loop);
    return r->nids == 0 || r->signalled || r->server_exited ? 0 : 1;
}

/* ---- the demo ------------------------------------------------------------------------ */

static int stop_signal(const char *name)
{
    return strcmp(name, "kill") == 0 ? SIGKILL : strcmp(name, "term") == 0 ? SIGTERM : 0;
}

static const char *check_stop(const char *v)
{
    return stop_signal(v) || strcmp(v, "key") == 0 ? NULL : "allowed: term, kill, key";
}

static const char *check_db(const char *v) { return sdb_check(v); }

static int run(lab_demo *d)
{
    lab_demo_announce(d);
    static run_state r;
    r = (run_state){ .d = d };
    const char *db = lab_demo_str(d, "db");
    if (*db) {
        snprintf(r.db, sizeof r.db, "%s", db);
    } else {
        const char *tmp = getenv("TMPDIR");
        char dir[sizeof r.db - 16];
        snprintf(dir, sizeof dir, "%s/nodelab-shutdown.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) { perror("nodelab: shutdown.graceful: mkdtemp"); return 1; }
        snprintf(r.db, sizeof r.db, "%s/requests.db", dir);
    }
    r.cfg = (sd_config){ .db = r.db, .port = (int)lab_demo_int(d, "port"),
                         .deadline_ms = (uint64_t)lab_demo_int(d, "deadline_ms"),
                         .slow_ms = (uint64_t)lab_demo_int(d, "slow_ms"),
                         .slow_every = (uint64_t)lab_demo_int(d, "slow_every") };
    r.stop_signal = stop_signal(lab_demo_str(d, "stop"));
    r.stop_after = (uint64_t)lab_demo_int(d, "stop_after");
    r.max_requests = (uint64_t)lab_demo_int(d, "requests");
    if (lab_demo_int(d, "load") == 0) {             /* the contract: we are the server */
        lab_loop *loop = lab_loop_new();
        int code = sd_server_run(d, loop, &r.cfg, NULL, NULL);
        return code;                 /* the loop is left as it is: the process ends */
    }
    return run_under_load(d, &r);
}

const lab_demo_def lab_demo_shutdown_graceful = {
    .name = "shutdown.graceful",
    .chapter = 5,
    .summary = "a server writing every request to SQLite, stopped by SIGTERM, SIGKILL or a deadline",
    .shows = "the `shutdown` timeline (stop accepting, drain, close the database, exit 0) "
             "and the audit: after SIGTERM every request the server took is answered and "
             "every answered request has its row; after SIGKILL the rows are still there "
             "but the requests in flight are cut off; with deadline_ms below slow_ms the "
             "exit is forced and the server says what was still open",
    .duration_s = 30,
    .params = {
        { "db", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "the SQLite file (kept after the run; default: a new one in $TMPDIR or /tmp)", false, check_db },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "where to listen on 127.0.0.1 (0: a free port, see the `listening` event)", false },
        { "load", LAB_PARAM_INT, 8, 0, MAX_LOAD, NULL, "clients",
          "built-in clients posting in a loop (0: none, serve until SIGTERM)", false },
        { "stop", LAB_PARAM_STR, 0, 0, 0, "term", "term/kill/key",
          "with load: the signal sent after stop_after answers (key: wait for t or k)", false,
          check_stop },
        { "stop_after", LAB_PARAM_INT, 200, 1, 1000000, NULL, "answers",
          "with load: acknowledged requests before the signal", false },
        { "deadline_ms", LAB_PARAM_INT, 5000, 1, 600000, NULL, "ms",
          "after SIGTERM, how long the drain may take before the exit is forced", false },
        { "slow_ms", LAB_PARAM_INT, 0, 0, 600000, NULL, "ms",
          "a slow request waits this long before its insert (0: none)", false },
        { "slow_every", LAB_PARAM_INT, 4, 1, 1000000, NULL, "requests",
          "with slow_ms: one request in this many is slow", false },
        { "requests", LAB_PARAM_INT, 100000, 1, 10000000, NULL, "requests",
          "with load: at most this many in all", false },
    },
    .keys = {
        { 't', "term", "SIGTERM: graceful stop", "SIGTERM" },
        { 'K', "kill", "SIGKILL: no shutdown at all (then count what is lost)", "SIGKILL" },
        { 'l', "load", "load on/off (the clients pause)", "load" },
    },
    /* In the lab: the server waits for t or K, and one request in four is
     * slow enough to be seen draining. */
    .lab_sets = { "stop=key", "slow_ms=400" },
    .run = run,
};
