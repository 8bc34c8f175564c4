/*
 * server.c — exercise streams-gzip-http: the server around your request
 * handler (given; nothing to change here).
 */
#include "logserver.h"

#include <stdlib.h>
#include <string.h>

log_server *log_server_start(lab_loop *loop, const char *dir, int port)
{
    log_server *srv = calloc(1, sizeof *srv);
    if (!srv || !(srv->dir = strdup(dir))) {
        free(srv);
        return NULL;
    }
    srv->loop = loop;
    if (lab_http_server_listen(&srv->http, loop, NULL, port,
                               log_server_on_request) < 0) {
        free(srv->dir);
        free(srv);
        return NULL;
    }
    srv->http.data = srv;
    return srv;
}

int log_server_port(const log_server *srv) { return srv->http.port; }

static void free_server(lab_loop *loop, void *arg)
{
    log_server *srv = arg;
    free(srv->dir);
    free(srv);
}

/* The last connection has gone: report, then free on a later tick (the
 * HTTP server may still be on the stack). */
static void on_closed(lab_http_server *http)
{
    log_server *srv = http->data;
    if (srv->closed_cb) srv->closed_cb(srv->closed_arg);
    lab_next_tick(srv->loop, free_server, srv);
}

void log_server_close(log_server *srv, void (*cb)(void *arg), void *arg)
{
    srv->closed_cb = cb;
    srv->closed_arg = arg;
    lab_http_server_close(&srv->http, on_closed);
}
