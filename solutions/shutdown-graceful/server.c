/*
 * server.c — exercise shutdown-graceful, reference solution.
 *
 * Two rules make the shutdown safe:
 *   - answer only after the commit: a 200 the client saw is a row in the
 *     WAL, so even a SIGKILL cannot take it back;
 *   - count what is in flight from the request's arrival to the end of
 *     its response, so that the drain waits for exactly those.
 * lab_shutdown does the rest in order: the listener first (new
 * connections refused, idle keep-alive ones closed), the drain, then the
 * closers in reverse order of registration, then exit 0.
 */
#include "server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lab_http_server http;
    lab_shutdown *sd;
    sqlite3 *db;
} server;

typedef struct {
    server *s;
    lab_http_out *res;
    size_t len;
    bool too_long;
    char body[SERVER_BODY_MAX];
} request;

static server the_server;             /* one per process: it owns the signals */

static void on_data(lab_http_msg *m, const char *data, size_t len)
{
    request *r = m->data;
    if (r->too_long || len > SERVER_BODY_MAX - r->len) {
        r->too_long = true;
        return;
    }
    memcpy(r->body + r->len, data, len);
    r->len += len;
}

/* The whole body is in: commit, then answer. */
static void on_end(lab_http_msg *m)
{
    request *r = m->data;
    char reply[64];
    int n;
    if (r->too_long) {
        lab_http_set_status(r->res, 413);
        n = snprintf(reply, sizeof reply, "{\"error\":\"body too long\"}\n");
    } else {
        int64_t id = db_insert(r->s->db, r->body, r->len);
        if (id < 0) lab_http_set_status(r->res, 500);
        n = id < 0 ? snprintf(reply, sizeof reply, "{\"error\":\"insert failed\"}\n")
                   : snprintf(reply, sizeof reply, "{\"id\":%lld}\n", (long long)id);
    }
    lab_http_set_header(r->res, "Content-Type", "application/json");
    lab_http_end(r->res, reply, (size_t)n, NULL, NULL);
}

/* Exactly one of these ends each response: it is no longer in flight. */
static void request_over(lab_http_out *res)
{
    request *r = res->data;
    lab_shutdown_request_end(r->s->sd);
    free(r);
}

static void on_finish(lab_http_out *res) { request_over(res); }
static void on_close(lab_http_out *res, const char *code) { request_over(res); }

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    server *s = srv->data;
    if (strcmp(req->method, "POST") != 0 || strcmp(req->url, "/") != 0) {
        lab_http_set_status(res, 404);
        lab_http_end(res, "POST / only\n", 12, NULL, NULL);
        return;
    }
    request *r = calloc(1, sizeof *r);
    if (!r) {
        lab_http_abort(res);
        return;
    }
    r->s = s;
    r->res = res;
    lab_shutdown_request_begin(s->sd);
    req->data = r;
    req->on_data = on_data;
    req->on_end = on_end;
    res->data = r;
    res->on_finish = on_finish;
    res->on_close = on_close;
}

/* Step 1: the listening socket closes; busy connections finish. */
static void stop_http(void *arg)
{
    server *s = arg;
    lab_http_server_close(&s->http, NULL);
}

/* Step 3: nothing is in flight any more, so nothing uses the handle. */
static int close_db(lab_shutdown *sd, void *arg)
{
    server *s = arg;
    return db_close(s->db);
}

int server_start(lab_loop *loop, const char *db_path, int port, uint64_t deadline_ms,
                 int *bound_port)
{
    server *s = &the_server;
    if (!(s->db = db_open(db_path))) return -1;
    if (lab_http_server_listen(&s->http, loop, "127.0.0.1", port, on_request) < 0) {
        db_close(s->db);
        return -1;
    }
    s->http.data = s;
    s->sd = lab_shutdown_new(loop, &(lab_shutdown_options){ .deadline_ms = deadline_ms });
    lab_shutdown_add_listener(s->sd, "http", stop_http, s);
    lab_shutdown_add_closer(s->sd, "db", close_db, s);
    *bound_port = s->http.port;
    return 0;
}
