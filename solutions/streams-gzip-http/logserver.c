/*
 * logserver.c — exercise streams-gzip-http, reference solution.
 *
 * One request goes through three steps:
 *   1. log_server_on_request: decide the encoding, wrap the response
 *      in a writable stream, and open the file on the pool (never on
 *      the loop thread);
 *   2. on_open: a missing file is a 404; an open one becomes a read
 *      stream, and pipeline() joins it — through gzip when the client
 *      accepts it — to the response.  pipeline() carries backpressure
 *      from the socket back to the file, and on any failure destroys
 *      every stage, so neither the descriptor nor the connection leaks;
 *   3. on_done: the pipeline has finished or failed; let go.
 * Opening first, rather than creating the read stream at once, is what
 * lets the answer be a clean 404: nothing is sent until we know the file
 * is there.
 */
#include "logserver.h"

#include "fs.h"
#include "fs_stream.h"
#include "gzip_stream.h"
#include "http.h"
#include "http_stream.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct exchange {
    lab_fs open;               /* the open() on the pool */
    log_server *srv;
    lab_http_out *res;         /* valid while body is not destroyed */
    lab_stream *body;          /* the response, as a writable stream */
    bool gzip;
    char path[PATH_MAX];
} exchange;

/* ---- Accept-Encoding ------------------------------------------------------ */

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Is the parameter list p (after a ';') saying q=0? */
static bool q_is_zero(const char *p, const char *end)
{
    while (p < end) {
        p = skip_space(p);
        if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
            p += 2;
            if (*p != '0') return false;
            for (p++, p += *p == '.'; p < end && *p == '0'; p++) {}
            p = skip_space(p);
            return p >= end || *p == ';';
        }
        const char *semi = memchr(p, ';', (size_t)(end - p));
        p = semi ? semi + 1 : end;
    }
    return false;
}

bool accepts_gzip(const char *value)
{
    if (!value) return false;
    const char *p = value;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        p = skip_space(p);
        const char *coding_end = p;
        while (coding_end < end && *coding_end != ';' && *coding_end != ' ' &&
               *coding_end != '\t')
            coding_end++;
        if (coding_end - p == 4 && strncasecmp(p, "gzip", 4) == 0) {
            const char *params = memchr(coding_end, ';', (size_t)(end - coding_end));
            return !(params && q_is_zero(params + 1, end));
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

/* ---- one request ------------------------------------------------------- */

static void release(exchange *x)
{
    lab_stream_unref(x->body);
    free(x);
}

static void not_found(exchange *x)
{
    static const char text[] = "not found\n";
    lab_http_set_status(x->res, 404);
    lab_http_set_header(x->res, "Content-Type", "text/plain");
    lab_writable_write(x->body, lab_chunk_static(text, sizeof text - 1), NULL, NULL);
    lab_writable_end(x->body);
    release(x);
}

static void on_done(const lab_err *err, void *arg)
{
    /* On error the pipeline has destroyed every stage already (the
     * connection is closed: a half-sent body cannot be taken back). */
    release(arg);
}

static void on_open(lab_fs *req)
{
    exchange *x = req->data;
    int fd = (int)req->result;
    if (lab_stream_destroyed(x->body)) {       /* the client went away */
        if (fd >= 0) close(fd);
        release(x);
        return;
    }
    if (fd < 0) {
        not_found(x);
        return;
    }
    lab_loop *loop = x->srv->loop;
    lab_http_set_header(x->res, "Content-Type", "text/plain");
    lab_http_set_header(x->res, "Vary", "Accept-Encoding");
    lab_fs_stream_opts fo = { .use_fd = true, .fd = fd };
    lab_stream *stages[3];
    size_t n = 0;
    stages[n++] = lab_fs_read_stream(loop, x->path, &fo);
    if (x->gzip) {
        lab_http_set_header(x->res, "Content-Encoding", "gzip");
        stages[n++] = lab_gzip_stream(loop, LAB_GZIP, NULL);
    }
    stages[n++] = x->body;
    lab_pipeline(stages, n, on_done, x);
    for (size_t i = 0; i + 1 < n; i++) lab_stream_unref(stages[i]);
}

/* "/NAME" or "/NAME?query" → NAME, if it is a plain file name. */
static bool file_name(const char *url, char *name, size_t size)
{
    if (url[0] != '/') return false;
    size_t len = strcspn(url + 1, "?#");
    if (len == 0 || len >= size) return false;
    memcpy(name, url + 1, len);
    name[len] = '\0';
    return !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

void log_server_on_request(lab_http_server *http, lab_http_msg *req,
                           lab_http_out *res)
{
    log_server *srv = http->data;
    exchange *x = calloc(1, sizeof *x);
    if (!x) {
        lab_http_abort(res);
        return;
    }
    x->srv = srv;
    x->res = res;
    x->gzip = accepts_gzip(lab_http_msg_header(req, "Accept-Encoding"));
    x->body = lab_http_out_stream(srv->loop, res, NULL);
    if (!x->body) {
        free(x);
        lab_http_abort(res);
        return;
    }
    char name[NAME_MAX + 1];
    if (!file_name(req->url, name, sizeof name) ||
        snprintf(x->path, sizeof x->path, "%s/%s", srv->dir, name) >= (int)sizeof x->path) {
        not_found(x);
        return;
    }
    x->open.data = x;
    if (lab_fs_open(srv->loop, &x->open, x->path, O_RDONLY, 0, on_open) < 0)
        not_found(x);
}
