/*
 * shutdown_server.c — the server of demo `shutdown.graceful` (see
 * shutdown_demo.h).
 *
 *   POST /   → the request counts as in flight; once its body is in (and,
 *              one in slow_every, after slow_ms more: a slow upstream
 *              call), the database thread commits one row; then 200 with
 *              {"id":ROW}.  The request stops counting when its response
 *              has been handed to the kernel (or its connection is gone).
 *   SIGTERM  → lab_shutdown: the listening socket closes (new connections
 *              are refused), the requests in flight finish, the database
 *              closes, then the telemetry summary, exit 0.  A second
 *              signal, or the deadline, forces exit 1 with a report.
 */
#define _GNU_SOURCE
#include "shutdown_demo.h"
#include "http.h"
#include "shutdown.h"
#include "telemetry.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct server server;

typedef struct srv_req {
    server *s;
    uint64_t id;
    lab_http_out *res;         /* NULL once the response is over */
    lab_timer slow;
    bool queued, replied;
} srv_req;

struct server {
    lab_demo *demo;
    lab_loop *loop;
    sd_config cfg;
    lab_http_server http;
    lab_shutdown *sd;
    lab_worker *db;
    bool listening, db_gone, db_failed;
    int code;
    uint64_t next_id, acked, failed, cut_off, slow;
    size_t in_flight_at_signal;
    void (*on_listening)(int port, void *arg);
    void *arg;
};

/* ---- one request ---------------------------------------------------------------- */

/* The request is freed once both its response is over and the database
 * has answered (if it was asked): a client that hangs up does not cancel
 * a commit already queued. */
static void req_release(srv_req *r)
{
    if (r->res || (r->queued && !r->replied)) return;
    lab_timer_stop(&r->slow);
    free(r);
}

static void res_over(srv_req *r, bool sent)
{
    server *s = r->s;
    if (!sent) s->cut_off++;
    r->res = NULL;
    lab_shutdown_request_end(s->sd);
    req_release(r);
}

static void on_res_finish(lab_http_out *o) { res_over(o->data, true); }
static void on_res_close(lab_http_out *o, const char *code) { res_over(o->data, false); }

static void queue_insert(srv_req *r)
{
    r->queued = true;
    db_msg m = { .type = DB_INSERT, .req = (uint64_t)(uintptr_t)r };
    if (lab_worker_post(r->s->db, &m, sizeof m) != 0) {      /* the database is gone */
        r->replied = true;
        if (r->res) {
            lab_http_set_status(r->res, 503);
            lab_http_end(r->res, "database closed\n", 16, NULL, NULL);
        }
    }
}

static void on_slow_done(lab_timer *t)
{
    srv_req *r = t->data;
    if (r->res) queue_insert(r);
    else req_release(r);
}

static void on_body_end(lab_http_msg *m)
{
    srv_req *r = m->data;
    server *s = r->s;
    if (s->cfg.slow_ms && s->cfg.slow_every && r->id % s->cfg.slow_every == 0) {
        s->slow++;
        lab_timer_start(&r->slow, on_slow_done, s->cfg.slow_ms, 0);
    } else {
        queue_insert(r);
    }
}

/* The database committed (or failed) the row of r. */
static void answer(srv_req *r, const db_msg *ack)
{
    server *s = r->s;
    r->replied = true;
    if (r->res) {
        char body[64];
        int n;
        if (ack->rc == 0) {
            s->acked++;
            n = snprintf(body, sizeof body, "{\"id\":%" PRId64 "}\n", ack->row);
        } else {
            s->failed++;
            lab_http_set_status(r->res, 500);
            n = snprintf(body, sizeof body, "{\"error\":%d}\n", ack->rc);
        }
        lab_http_set_header(r->res, "Content-Type", "application/json");
        lab_http_end(r->res, body, (size_t)n, NULL, NULL);
    } else {
        req_release(r);                  /* committed, but nobody to tell */
    }
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    server *s = srv->data;
    if (strcmp(req->method, "POST") != 0 || strcmp(req->url, "/") != 0) {
        lab_http_set_status(res, strcmp(req->url, "/") ? 404 : 405);
        lab_http_set_header(res, "Allow", "POST");
        lab_http_end(res, "POST / only\n", 12, NULL, NULL);
        return;
    }
    srv_req *r = calloc(1, sizeof *r);
    if (!r) { lab_http_abort(res); return; }
    r->s = s;
    r->id = ++s->next_id;
    r->res = res;
    lab_timer_init(s->loop, &r->slow);
    r->slow.data = r;
    lab_shutdown_request_begin(s->sd);
    lab_ev *e = lab_ev_new("request_start");
    lab_ev_int(e, "id", (int64_t)r->id);
    lab_ev_int(e, "in_flight", (int64_t)lab_shutdown_in_flight(s->sd));
    lab_ev_emit(e);
    req->data = r;
    req->on_end = on_body_end;
    res->data = r;
    res->on_finish = on_res_finish;
    res->on_close = on_res_close;
}

/* ---- the database thread, from the server's side ------------------------------------ */

static void start_listening(server *s);

static void on_db_message(lab_worker *w, const lab_message *msg)
{
    server *s = lab_worker_user_data(w);
    db_msg m;
    if (msg->data.len != sizeof m) return;
    memcpy(&m, msg->data.data, sizeof m);
    if (m.type == DB_READY) start_listening(s);
    else if (m.type == DB_ACK) answer((srv_req *)(uintptr_t)m.req, &m);
}

/* The database could not be used: one line, and no server. */
static void on_db_error(lab_worker *w, const char *code, const char *message)
{
    server *s = lab_worker_user_data(w);
    fprintf(stderr, "nodelab: shutdown.graceful: %s\n", message);
    s->code = 2;
    s->db_failed = true;
    if (!lab_shutdown_stopping(s->sd)) lab_shutdown_start(s->sd, code);
}

static void on_db_exit(lab_worker *w, int code)
{
    server *s = lab_worker_user_data(w);
    s->db = NULL;
    s->db_gone = true;
    /* A database that never opened has nothing to close. */
    lab_shutdown_closer_done(s->sd, code == 0 || s->db_failed ? 0 : -EIO);
}

/* ---- the shutdown's steps ------------------------------------------------------------ */

static void stop_http(void *arg)
{
    server *s = arg;
    s->in_flight_at_signal = lab_shutdown_in_flight(s->sd);
    lab_http_server_close(&s->http, NULL);
}

static int close_db(lab_shutdown *sd, void *arg)
{
    server *s = arg;
    if (s->db_gone) return 0;
    db_msg m = { .type = DB_CLOSE };
    lab_worker_post(s->db, &m, sizeof m);
    return LAB_SHUTDOWN_PENDING;          /* done when the thread exits */
}

static void summary(server *s, int code)
{
    lab_ev *e = lab_ev_new("summary");
    lab_ev_str(e, "role", "server");
    lab_ev_int(e, "port", s->http.port);
    lab_ev_str(e, "db", s->cfg.db);
    lab_ev_int(e, "requests", (int64_t)s->next_id);
    lab_ev_int(e, "acknowledged", (int64_t)s->acked);
    lab_ev_int(e, "failed", (int64_t)s->failed);
    lab_ev_int(e, "cut_off", (int64_t)s->cut_off);
    lab_ev_int(e, "slow", (int64_t)s->slow);
    lab_ev_int(e, "in_flight_at_signal", (int64_t)s->in_flight_at_signal);
    lab_ev_int(e, "in_flight", (int64_t)lab_shutdown_in_flight(s->sd));
    lab_ev_str(e, "phase", lab_shutdown_phase(s->sd));
    lab_ev_int(e, "code", code);
    lab_ev_emit(e);
}

/* The log is registered first, so it closes last: the summary is the
 * last thing the server says. */
static int close_log(lab_shutdown *sd, void *arg)
{
    lab_tel_sync();
    return 0;
}

static void on_done(lab_shutdown *sd, int code)
{
    server *s = lab_shutdown_data(sd);
    if (s->code == 0) s->code = code;
    summary(s, s->code);
    lab_demo_deadline_cancel(s->demo);
    lab_loop_stop(s->loop);                  /* forced: things are still open */
}

static void on_duration(lab_demo *d)
{
    server *s = d->data;
    lab_shutdown_start(s->sd, "duration");
}

static void start_listening(server *s)
{
    if (lab_shutdown_stopping(s->sd)) return;
    int rc = lab_http_server_listen(&s->http, s->loop, "127.0.0.1", s->cfg.port, on_request);
    if (rc < 0) {
        fprintf(stderr, "nodelab: shutdown.graceful: cannot listen on 127.0.0.1:%d: %s\n",
                s->cfg.port, strerror(-rc));
        s->code = 2;
        lab_shutdown_start(s->sd, "listen failed");
        return;
    }
    s->http.data = s;
    s->listening = true;
    lab_shutdown_add_listener(s->sd, "http", stop_http, s);
    lab_ev *e = lab_ev_new("serving");
    lab_ev_int(e, "port", s->http.port);
    lab_ev_str(e, "db", s->cfg.db);
    lab_ev_int(e, "deadline_ms", (int64_t)s->cfg.deadline_ms);
    lab_ev_emit(e);
    if (s->on_listening) s->on_listening(s->http.port, s->arg);
}

int sd_server_run(lab_demo *d, lab_loop *loop, const sd_config *cfg,
                  void (*on_listening)(int port, void *arg), void *arg)
{
    server s = { .demo = d, .loop = loop, .cfg = *cfg, .on_listening = on_listening, .arg = arg };
    d->data = &s;
    s.sd = lab_shutdown_new(loop, &(lab_shutdown_options){
        .deadline_ms = cfg->deadline_ms, .on_done = on_done, .data = &s });
    lab_shutdown_add_closer(s.sd, "log", close_log, &s);
    lab_shutdown_add_closer(s.sd, "db", close_db, &s);
    lab_worker_options o = { .name = "db", .main = sdb_main, .teardown = sdb_teardown,
                             .worker_data = cfg->db, .worker_data_len = strlen(cfg->db) + 1,
                             .on_message = on_db_message, .on_error = on_db_error,
                             .on_exit = on_db_exit, .data = &s };
    if (!(s.db = lab_worker_new(loop, &o))) {
        fprintf(stderr, "nodelab: shutdown.graceful: cannot start the database thread: %s\n",
                strerror(errno));
        lab_shutdown_free(s.sd);
        return 1;
    }
    lab_demo_deadline(d, loop, on_duration);
    lab_loop_run(loop);
    int code = s.code;
    if (!lab_shutdown_stopping(s.sd) || strcmp(lab_shutdown_phase(s.sd), "done") == 0) {
        lab_shutdown_free(s.sd);           /* a forced exit leaves it all to _exit */
    }
    return code;
}
