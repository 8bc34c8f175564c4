/*
 * server.c — exercise shutdown-graceful.  Your file: make the tests pass.
 *
 * Right now the server answers 200 at once, before anything is stored,
 * and has no shutdown at all: SIGTERM kills it on the spot (the default
 * action), whatever was in flight.
 *
 * TODO:
 *   1. db_open the database; lab_http_server_listen on 127.0.0.1;
 *   2. POST /: collect the body (req->on_data), and in req->on_end
 *      db_insert it, then answer 200 {"id":N} — only then;
 *   3. lab_shutdown_new(loop, &(lab_shutdown_options){ .deadline_ms = ... });
 *      register the listener (stop: lab_http_server_close) and the
 *      database (close: db_close) — shutdown.h shows how;
 *   4. count each request in flight: lab_shutdown_request_begin when it
 *      arrives, lab_shutdown_request_end when its response is over
 *      (res->on_finish, or res->on_close if the client went away).
 */
#include "server.h"

#include <stdio.h>
#include <string.h>

static lab_http_server http;

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    lab_http_end(res, "{\"id\":0}\n", 9, NULL, NULL);       /* TODO: after the commit */
}

int server_start(lab_loop *loop, const char *db_path, int port, uint64_t deadline_ms,
                 int *bound_port)
{
    (void)db_path; (void)deadline_ms;                         /* TODO */
    if (lab_http_server_listen(&http, loop, "127.0.0.1", port, on_request) < 0) return -1;
    *bound_port = http.port;
    return 0;
}
