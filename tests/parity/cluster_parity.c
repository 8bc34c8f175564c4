/*
 * cluster_parity.c — the C twins of tests/parity/cluster/cluster_*.js.
 * `cluster-parity NAME` runs one scenario with the C cluster and prints
 * the lines its JavaScript twin prints under node; tests/parity_cluster.sh
 * diffs them with node's recorded traces (NAME.expected).
 *
 * As in cluster_lib.js, each line belongs to a group ("w1", "w2",
 * "client", "primary"), and the groups are printed one after the other
 * when the primary's loop has ended: two workers run at the same time, so
 * only the order of events within a group is the runtime's to keep.  The
 * workers are C functions run in forked copies of this program (fork
 * without exec); they print nothing.
 */
#define _GNU_SOURCE
#include "cluster.h"
#include "driver.h"
#include "errors.h"
#include "fs_stream.h"
#include "http_stream.h"
#include "http.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the grouped trace (log() of cluster_lib.js) ------------------------------ */

typedef struct { char group[16]; size_t n; char *line; } trace_line;
static trace_line lines[256];
static size_t nlines;

static void G(const char *group, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void G(const char *group, const char *fmt, ...)
{
    if (nlines == sizeof lines / sizeof lines[0]) return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&lines[nlines].line, fmt, ap) < 0) lines[nlines].line = NULL;
    va_end(ap);
    snprintf(lines[nlines].group, sizeof lines[nlines].group, "%s", group);
    lines[nlines].n = nlines;
    nlines++;
}

static int by_group(const void *a, const void *b)
{
    const trace_line *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    return c ? c : (x->n < y->n ? -1 : 1);
}

static void print_groups(void)
{
    /* qsort is not stable: the lines' numbers keep each group's order. */
    trace_line *copy = malloc(nlines * sizeof *copy);
    memcpy(copy, lines, nlines * sizeof *copy);
    qsort(copy, nlines, sizeof *copy, by_group);
    for (size_t i = 0; i < nlines; i++) {
        T("%s %s", copy[i].group, copy[i].line ? copy[i].line : "");
        free(copy[i].line);
    }
    free(copy);
}

static const char *wg(const lab_cluster_worker *w)
{
    static char names[8][8];
    static int k;
    char *n = names[k++ % 8];
    snprintf(n, 8, "w%d", w->id);
    return n;
}

/* ---- watch() of cluster_lib.js ----------------------------------------------- */

/* exitedAfterDisconnect is undefined in node until a disconnect or an exit
 * sets it. */
static const char *after(const lab_cluster_worker *w)
{
    if (!w->exited_after_disconnect && w->state < LAB_WORKER_DISCONNECTED) return "null";
    return B(w->exited_after_disconnect);
}

static const char *flags(const lab_cluster_worker *w)
{
    static char buf[96];
    snprintf(buf, sizeof buf, "dead=%s connected=%s after=%s",
             B(lab_cluster_worker_is_dead(w)), B(lab_cluster_worker_is_connected(w)), after(w));
    return buf;
}

static void on_fork(lab_cluster_worker *w) { G(wg(w), "fork"); }
static void on_online(lab_cluster_worker *w)
{
    G(wg(w), "online %s %s", lab_cluster_state_name(w->state), flags(w));
}
static void log_listening(lab_cluster_worker *w, const char *address, int port)
{
    G(wg(w), "listening %s 4 %s %s", address, port > 0 ? "port>0" : "port=0",
      lab_cluster_state_name(w->state));
}
static void log_message(lab_cluster_worker *w, cJSON *msg)
{
    char *s = cJSON_PrintUnformatted(msg);
    G(wg(w), "message %s", s);
    free(s);
}
static void on_disconnect(lab_cluster_worker *w)
{
    G(wg(w), "disconnect %s %s", lab_cluster_state_name(w->state), flags(w));
}
static void log_exit(lab_cluster_worker *w, int code, int sig)
{
    char c[16];
    snprintf(c, sizeof c, "%d", code);
    G(wg(w), "exit %s %s %s %s", sig ? "null" : c, sig ? lab_signal_name(sig) : "null",
      lab_cluster_state_name(w->state), flags(w));
}

static lab_cluster *cl;

/* A primary whose workers run `main`; the scenario fills what it needs
 * in o before this. */
static void start(lab_cluster_options *o, lab_child_main *main, void *arg, int n)
{
    o->main = main;
    o->arg = arg;
    if (!o->on_fork) o->on_fork = on_fork;
    if (!o->on_online) o->on_online = on_online;
    if (!o->on_listening) o->on_listening = log_listening;
    if (!o->on_disconnect) o->on_disconnect = on_disconnect;
    if (!o->on_exit) o->on_exit = log_exit;
    cl = lab_cluster_new(loop, o);
    for (int i = 0; i < n; i++) lab_cluster_fork(cl);
}

/* ---- get() of cluster_lib.js: one GET / on a new connection -------------------- */

typedef void get_cb(int status, const char *body);
typedef struct { get_cb *cb; int status; char body[256]; size_t len; } get_req;

static void get_data(lab_http_msg *m, const char *d, size_t n)
{
    get_req *g = ((lab_http_client *)m->data)->data;
    if (g->len + n < sizeof g->body) { memcpy(g->body + g->len, d, n); g->len += n; }
}
static void get_end(lab_http_msg *m)
{
    lab_http_client *c = m->data;
    get_req *g = c->data;
    lab_http_client_close(c);
    g->cb(g->status, g->body);
    free(g);
}
static void get_response(lab_http_client *c, lab_http_msg *res)
{
    ((get_req *)c->data)->status = res->status;
    res->data = c;
    res->on_data = get_data;
    res->on_end = get_end;
}
static void get_error(lab_http_client *c, const char *code)
{
    get_req *g = c->data;
    lab_http_client_close(c);
    g->cb(-1, code);
    free(g);
}

static void get(int port, get_cb *cb)
{
    get_req *g = calloc(1, sizeof *g);
    g->cb = cb;
    lab_http_request_opts o = { .port = port };
    lab_http_client *c = lab_http_request(loop, &o, get_response, get_error, g);
    lab_http_end(&c->out, NULL, 0, NULL, NULL);
}

/* ---- the workers ------------------------------------------------------------------ */

/* Answers every request with its pid (and a newline). */
static void answer_pid(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    static char body[32];
    int n = snprintf(body, sizeof body, "%d\n", (int)getpid());
    lab_http_end(res, body, (size_t)n, NULL, NULL);
}

static int run_worker(lab_loop *l) { lab_loop_run(l); lab_loop_free(l); return 0; }

/* http.createServer(answer).listen(0, '127.0.0.1') */
static int http_worker(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(l);
    static lab_http_server srv;
    lab_cluster_http_listen(self, &srv, "127.0.0.1", 0, answer_pid, NULL);
    return run_worker(l);
}

/* ---- scenarios ---------------------------------------------------------------------- */

static int ports[2], nports;

static void all_disconnected(lab_cluster *c)
{
    G("primary", "all disconnected %zu", lab_cluster_count(c));
}

static void two_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    ports[nports++] = port;
    if (nports < 2) return;
    G("primary", "same port %s", B(ports[0] == ports[1]));
    lab_cluster_disconnect(cl, all_disconnected);
}

static void cluster_listen_two(void)
{
    lab_cluster_options o = { .on_listening = two_listening };
    start(&o, http_worker, NULL, 2);
}

/* ---- */

static int the_port;
static pid_t w2_pid;

static void served_by_w2(int status, const char *body)
{
    char want[32];
    snprintf(want, sizeof want, "%d\n", (int)w2_pid);
    G("client", "status %d served by w2 %s", status, B(strcmp(body, want) == 0));
    lab_cluster_worker_kill(lab_cluster_find(cl, 2), 0);
}

static void one_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    the_port = port;
    if (++nports == 2) lab_cluster_worker_disconnect(lab_cluster_find(cl, 1));
}

static void one_exit(lab_cluster_worker *w, int code, int sig)
{
    log_exit(w, code, sig);
    if (w->id != 1) return;
    w2_pid = lab_cluster_find(cl, 2)->pid;
    get(the_port, served_by_w2);
}

static void cluster_disconnect_one(void)
{
    lab_cluster_options o = { .on_listening = one_listening, .on_exit = one_exit };
    start(&o, http_worker, NULL, 2);
}

/* ---- */

static void kill_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    lab_cluster_worker_kill(w, SIGKILL);
}

static void cluster_kill(void)
{
    lab_cluster_options o = { .on_listening = kill_listening };
    start(&o, http_worker, NULL, 1);
}

/* ---- */

static int exit_at_start(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self_open(l);
    return 1;                          /* process.exit(1) */
}

static void cluster_exit_start(void)
{
    lab_cluster_options o = { 0 };
    start(&o, exit_at_start, NULL, 1);
}

/* ---- */

static void pong(lab_cluster_self *self, cJSON *m, int fd)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "cmd", "pong");
    cJSON_AddNumberToObject(r, "n", cJSON_GetNumberValue(cJSON_GetObjectItem(m, "n")) + 1);
    cJSON_AddNumberToObject(r, "id", self->id);
    cJSON_AddBoolToObject(r, "isWorker", lab_cluster_is_worker());
    cJSON_AddBoolToObject(r, "isPrimary", !lab_cluster_is_worker());
    lab_cluster_self_send(self, r, NULL, NULL);
    cJSON_Delete(r);
}

static int pong_worker(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(l);
    self->on_message = pong;
    return run_worker(l);
}

static void ping_online(lab_cluster_worker *w)
{
    on_online(w);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "cmd", "ping");
    cJSON_AddNumberToObject(m, "n", 1);
    G(wg(w), "send %s", B(lab_cluster_worker_send(w, m, NULL, NULL)));
    cJSON_Delete(m);
}

/* cluster.on('message') runs before the worker's own 'message' listener. */
static void ping_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    G(wg(w), "cluster message %.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "n")));
    lab_cluster_worker_disconnect(w);
    log_message(w, msg);
}

static void cluster_message(void)
{
    lab_cluster_options o = { .on_online = ping_online, .on_message = ping_message };
    start(&o, pong_worker, NULL, 1);
}

/* ---- */

typedef struct { lab_timer t; lab_http_out *res; } slow_answer;

static void answer_slowly(lab_timer *t)
{
    slow_answer *a = t->data;
    lab_http_end(a->res, "slow answer\n", 12, NULL, NULL);
    free(a);
}

static void slow_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    lab_cluster_self *self = srv->data;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "got", req->url);
    lab_cluster_self_send(self, m, NULL, NULL);
    cJSON_Delete(m);
    slow_answer *a = calloc(1, sizeof *a);
    a->res = res;
    lab_timer_init(srv->loop, &a->t);
    a->t.data = a;
    lab_timer_start(&a->t, answer_slowly, 300, 0);
}

static int slow_worker(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(l);
    static lab_http_server srv;
    lab_cluster_http_listen(self, &srv, "127.0.0.1", 0, slow_request, NULL);
    srv.data = self;
    return run_worker(l);
}

static void slow_answered(int status, const char *body)
{
    cJSON *s = cJSON_CreateString(body);
    char *j = cJSON_PrintUnformatted(s);
    G("client", "status %d body %s", status, j);
    free(j);
    cJSON_Delete(s);
}

static void inflight_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    get(port, slow_answered);
}

static void inflight_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    log_message(w, msg);
    if (cJSON_GetObjectItem(msg, "got")) lab_cluster_worker_disconnect(w);
}

static void cluster_disconnect_inflight(void)
{
    lab_cluster_options o = { .on_listening = inflight_listening, .on_message = inflight_message };
    start(&o, slow_worker, NULL, 1);
}

/* ---- */

static int served[4], requests_done;

static void next_get(void);

static void counted(int status, const char *body)
{
    for (size_t i = 0; i < lab_cluster_count(cl); i++) {
        char want[32];
        snprintf(want, sizeof want, "%d\n", (int)lab_cluster_get(cl, i)->pid);
        if (strcmp(body, want) == 0) served[lab_cluster_get(cl, i)->id]++;
    }
    if (++requests_done < 9) { next_get(); return; }
    for (int id = 1; id <= 3; id++) G(wg(lab_cluster_find(cl, id)), "served %d", served[id]);
    lab_cluster_disconnect(cl, NULL);
}

static void next_get(void) { get(the_port, counted); }

static void three_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    the_port = port;
    if (++nports == 3) next_get();
}

static void cluster_rr_even(void)
{
    lab_cluster_options o = { .on_listening = three_listening };
    start(&o, http_worker, NULL, 0);
    G("primary", "policy %s", lab_cluster_sched_name(cl->sched));
    for (int i = 0; i < 3; i++) lab_cluster_fork(cl);
}

/* ---- */

static lab_tcp blocker;

static void blocker_closed(lab_tcp *t) { G("primary", "blocker closed"); }
static void no_connections(lab_tcp *t, int status) { }

static void report_and_leave(lab_ipc *ch, int status, void *arg) { lab_loop_stop(ch->loop); }

static void cannot_listen(lab_http_server *srv, int status, const char *errmsg)
{
    lab_cluster_self *self = srv->data;
    char port[16], msg[128];
    snprintf(port, sizeof port, "%d", *(int *)self->data);
    const char *at = strstr(errmsg, port);
    snprintf(msg, sizeof msg, "%.*sPORT", at ? (int)(at - errmsg) : (int)strlen(errmsg), errmsg);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "code", lab_errno_name(-status));
    cJSON_AddStringToObject(m, "syscall", "bind");
    cJSON_AddStringToObject(m, "message", msg);
    lab_cluster_self_send(self, m, report_and_leave, NULL);
    cJSON_Delete(m);
}

static int port_worker(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(l);
    self->data = arg;
    static lab_http_server srv;
    lab_cluster_http_listen(self, &srv, "127.0.0.1", *(int *)arg, answer_pid, cannot_listen);
    srv.data = self;
    lab_loop_run(l);
    return 1;                          /* process.exit(1) after the send */
}

static void port_exit(lab_cluster_worker *w, int code, int sig)
{
    log_exit(w, code, sig);
    lab_tcp_close(&blocker, blocker_closed);
}

static void port_message(lab_cluster_worker *w, cJSON *msg, int fd) { log_message(w, msg); }

static void cluster_port_in_use(void)
{
    lab_tcp_init(loop, &blocker);
    lab_tcp_listen(&blocker, "127.0.0.1", 0, 0, no_connections);
    the_port = blocker.port;
    lab_cluster_options o = { .on_exit = port_exit, .on_message = port_message };
    start(&o, port_worker, &the_port, 1);
}

/* ---- cluster_upload_cut: together.uploads' rule (the demo's worker is
 * lab/demos/together_uploads_worker.c) --------------------------------------------- */

static char upload_dir[128];
static lab_http_client *cut_client;
static lab_cluster_worker *upload_w;

typedef struct {
    lab_cluster_self *self;
    lab_http_out *res;
    lab_stream *body, *file;
    char name[32], part[256], final[256], answer[40];
    bool told, kept;
} upload;

static void up_send(lab_cluster_self *self, cJSON *m)
{
    lab_cluster_self_send(self, m, NULL, NULL);
    cJSON_Delete(m);
}

static void up_data(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    if (u->told) return;
    u->told = true;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "data", u->name);
    up_send(u->self, m);
}

static void up_error(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "body", "error");
    cJSON_AddStringToObject(m, "code", ev->err->code);
    cJSON_AddStringToObject(m, "message", ev->err->message);
    up_send(u->self, m);
    lab_stream_destroy(u->file, NULL);
}

static void up_close(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "body", "close");
    cJSON_AddBoolToObject(m, "complete", lab_readable_ended(s));
    up_send(u->self, m);
}

static void up_file_error(lab_stream *s, const lab_event *ev, void *arg) { }

static void up_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    rename(u->part, u->final);
    u->kept = true;
    int n = snprintf(u->answer, sizeof u->answer, "%s\n", u->name);
    lab_http_set_status(u->res, 201);
    lab_http_end(u->res, u->answer, (size_t)n, NULL, NULL);
}

static void up_file_close(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    if (u->kept) return;
    unlink(u->part);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "file", "close");
    cJSON_AddBoolToObject(m, "gone", access(u->part, F_OK) != 0);
    up_send(u->self, m);
}

/* req.pipe(fs.createWriteStream(part)), with the listeners of the .js. */
static void upload_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    upload *u = calloc(1, sizeof *u);          /* lives as long as the worker */
    u->self = srv->data;
    u->res = res;
    snprintf(u->name, sizeof u->name, "%s", req->url + strlen("/upload/"));
    snprintf(u->part, sizeof u->part, "%s/.%s.part", upload_dir, u->name);
    snprintf(u->final, sizeof u->final, "%s/%s", upload_dir, u->name);
    u->body = lab_http_msg_stream(srv->loop, req, NULL);
    u->file = lab_fs_write_stream(srv->loop, u->part, NULL);
    lab_stream_on(u->body, LAB_ON_DATA, up_data, u);
    lab_stream_on(u->body, LAB_ON_ERROR, up_error, u);
    lab_stream_on(u->body, LAB_ON_CLOSE, up_close, u);
    lab_stream_on(u->file, LAB_ON_ERROR, up_file_error, u);
    lab_stream_on(u->file, LAB_ON_FINISH, up_finish, u);
    lab_stream_on(u->file, LAB_ON_CLOSE, up_file_close, u);
    lab_pipe(u->body, u->file, true);
}

static int upload_worker(void *arg)
{
    lab_loop *l = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(l);
    static lab_http_server srv;
    lab_cluster_http_listen(self, &srv, "127.0.0.1", 0, upload_request, NULL);
    srv.data = self;
    return run_worker(l);
}

static char whole_body[65536], cut_body[65536];

static void whole_answered(int status, const char *body)
{
    G("client", "whole %d %.*s", status, (int)strcspn(body, "\n"), body);
    cJSON *names = cJSON_CreateArray();
    DIR *d = opendir(upload_dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            cJSON_AddItemToArray(names, cJSON_CreateString(e->d_name));
        char path[400];
        snprintf(path, sizeof path, "%s/%s", upload_dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(upload_dir);
    char *j = cJSON_PrintUnformatted(names);
    G("client", "files %s", j);
    free(j);
    cJSON_Delete(names);
    lab_cluster_worker_disconnect(upload_w);
}

static lab_http_client *put(int port, const char *path, const char *length, get_cb *cb)
{
    lab_http_header h[] = { { "Content-Length", length } };
    lab_http_request_opts o = { .port = port, .method = "PUT", .path = path,
                                .headers = h, .nheaders = 1 };
    get_req *g = calloc(1, sizeof *g);
    g->cb = cb;
    return lab_http_request(loop, &o, get_response, get_error, g);
}

static void upload_listening(lab_cluster_worker *w, const char *address, int port)
{
    log_listening(w, address, port);
    the_port = port;
    upload_w = w;
    memset(cut_body, 'a', sizeof cut_body);
    cut_client = put(port, "/upload/a", "131072", NULL);
    lab_http_write(&cut_client->out, cut_body, sizeof cut_body, NULL, NULL);
}

static void upload_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    log_message(w, msg);
    if (cJSON_GetObjectItem(msg, "data") && cut_client) {   /* hang up */
        free(cut_client->data);
        lab_http_client_close(cut_client);
        cut_client = NULL;
    }
    if (cJSON_GetObjectItem(msg, "gone")) {
        memset(whole_body, 'b', sizeof whole_body);
        lab_http_client *c = put(the_port, "/upload/b", "65536", whole_answered);
        lab_http_end(&c->out, whole_body, sizeof whole_body, NULL, NULL);
    }
}

static void cluster_upload_cut(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(upload_dir, sizeof upload_dir, "%s/upload-cut-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(upload_dir)) { G("primary", "mkdtemp failed"); return; }
    lab_cluster_options o = { .on_listening = upload_listening, .on_message = upload_message };
    start(&o, upload_worker, NULL, 1);
}

/* ---- the driver ------------------------------------------------------------------------ */

#define SCENARIOS(X) X(cluster_listen_two) X(cluster_disconnect_one) X(cluster_kill) \
    X(cluster_exit_start) X(cluster_message) X(cluster_disconnect_inflight) \
    X(cluster_rr_even) X(cluster_port_in_use) X(cluster_upload_cut)

static const parity_scenario scenarios[] = {
#define ENTRY(name) { #name, name },
    SCENARIOS(ENTRY)
#undef ENTRY
};

int main(int argc, char **argv)
{
    /* The policy is the scenario's, not the caller's environment's. */
    unsetenv(LAB_CLUSTER_SCHED_ENV);
    if (getenv("PARITY_TEL")) lab_tel_open(2);
    int rc = parity_main(argc, argv, "cluster-parity", "cluster", scenarios,
                         sizeof scenarios / sizeof scenarios[0], false);
    print_groups();
    if (cl) lab_cluster_free(cl);
    return rc;
}
