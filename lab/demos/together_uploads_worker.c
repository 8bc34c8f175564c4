/*
 * together_uploads_worker.c — the upload server each `together.uploads`
 * worker runs (the contract is in together_uploads.h).
 *
 * The whole idea is one line of Node:
 *
 *     req.pipe(fs.createWriteStream(partial))
 *
 * The request body is a Readable that reads the socket; the file is a
 * Writable whose writes go to the thread pool.  When the disk is slower
 * than the network, the file's write() says false, pipe() pauses the
 * body, the body's buffer fills to its mark, and the body stops reading
 * the socket (lab_http_msg_pause): the kernel's receive buffer fills, TCP
 * closes its window, and the *client* waits.  Memory stays at a few
 * buffers per upload however large the upload is: the backpressure
 * reaches all the way back to the sender.
 *
 * What is ours on top: a count and a CRC-32 of the bytes as they pass (the
 * client compares it with its own), a quota checked as bytes arrive, and
 * the rule that a file appears under its name only when it is whole.  The
 * bytes go to ".NAME.part-PID-N" and are renamed to NAME after the file's
 * 'finish'; anything that goes wrong before that removes the partial
 * file once its descriptor is closed (after the file stream's 'close':
 * an open still on the pool would otherwise create it again after the
 * unlink).
 */
#include "together_uploads.h"
#include "cluster.h"
#include "events.h"
#include "fs_stream.h"
#include "http_stream.h"
#include "mem.h"
#include "streamkit.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

typedef struct upload upload;
struct upload {
    upload *next;              /* the worker's uploads in flight */
    int refs;                  /* the response and the file stream */
    int seq;
    char name[104];
    char part[PATH_MAX + 32], final[PATH_MAX + 104];
    lab_http_out *res;         /* NULL once it has let go */
    lab_stream *body, *file;   /* NULL if never made */
    uint64_t bytes, expected;  /* expected: Content-Length, or 0 */
    uint32_t crc;
    int pauses, drains;        /* body paused by pipe(); file drained */
    bool answered, failed, renamed, file_closed;
    int status;
    char reason[200];
    char answer[400];          /* the response body: alive until it is sent */
};

static const upload_cfg *cfg;
static lab_loop *loop;
static upload *uploads;
static int next_seq;
static char my_pid[16];
static uint64_t total_bytes, last_bytes, last_us, base_rss;
static lab_timer sample_timer;

/* ---- the end of an upload ------------------------------------------------------- */

static void event_done(const upload *u)
{
    lab_ev *e = lab_ev_new(LAB_EV(UPLOAD_DONE));
    lab_ev_int(e, "worker", lab_cluster_worker_id());
    lab_ev_str(e, "name", u->name);
    lab_ev_int(e, "status", u->status);
    lab_ev_int(e, "bytes", (int64_t)u->bytes);
    lab_ev_int(e, "crc32", u->crc);
    lab_ev_int(e, "pauses", u->pauses);
    lab_ev_int(e, "drains", u->drains);
    lab_ev_bool(e, "kept", u->renamed);
    if (u->reason[0]) lab_ev_str(e, "reason", u->reason);
    lab_ev_emit(e);
}

static void on_body_pause(lab_stream *s, const lab_event *ev, void *arg);
static void on_body_data(lab_stream *s, const lab_event *ev, void *arg);
static void on_body_error(lab_stream *s, const lab_event *ev, void *arg);

static void upload_unref(upload *u)
{
    if (--u->refs > 0) return;
    for (upload **p = &uploads; *p; p = &(*p)->next)
        if (*p == u) { *p = u->next; break; }
    event_done(u);
    if (u->body) {
        /* The body may outlive us (the server holds it until the message
         * goes): it must not call back into freed memory. */
        lab_stream_off(u->body, LAB_ON_PAUSE, on_body_pause, u);
        lab_stream_off(u->body, LAB_ON_DATA, on_body_data, u);
        lab_stream_off(u->body, LAB_ON_ERROR, on_body_error, u);
        lab_stream_unref(u->body);
    }
    if (u->file) lab_stream_unref(u->file);
    free(u);
}

void upload_vanswer(lab_http_out *res, char *buf, size_t size, int status, const char *type,
                    const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size - 1, fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n > size - 2) n = (int)size - 2;
    buf[n++] = '\n';
    buf[n] = 0;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    lab_http_set_status(res, status);
    lab_http_set_header(res, "Content-Type", type);
    lab_http_set_header(res, "X-Worker-Pid", pid);         /* (copied) */
    lab_http_end(res, buf, (size_t)n, NULL, NULL);
}

/* Sends the one answer an upload gets (the first one asked for wins). */
static void answer(upload *u, int status, const char *type, const char *fmt, ...)
{
    if (u->answered || !u->res) return;
    u->answered = true;
    u->status = status;
    va_list ap;
    va_start(ap, fmt);
    upload_vanswer(u->res, u->answer, sizeof u->answer, status, type, fmt, ap);
    va_end(ap);
}

/* Gives up on an upload: no file, and (if the client is still there) an
 * answer saying why.  Whatever happens after is ignored. */
static void fail(upload *u, int status, const char *fmt, ...)
{
    if (u->failed || u->renamed) return;
    u->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->reason, sizeof u->reason, fmt, ap);
    va_end(ap);
    if (u->body && u->file) lab_unpipe(u->body, u->file);
    if (u->file) lab_stream_destroy(u->file, NULL);  /* 'close': the unlink */
    if (status) {
        /* Keep reading (and dropping) the rest of the body, so that the
         * answer is read by a client that is still sending: a socket
         * closed on unread bytes resets the connection, and the reset
         * can overtake the answer. */
        if (u->body) lab_readable_resume(u->body);
        answer(u, status, "text/plain", "%s", u->reason);
    }
    if (!u->status) u->status = status;
}

/* The response has let go (sent, or the connection went). */
static void on_res_finish(lab_http_out *o)
{
    upload *u = o->data;
    u->res = NULL;
    upload_unref(u);
}

static void on_res_close(lab_http_out *o, const char *code)
{
    upload *u = o->data;
    u->res = NULL;
    if (!u->answered)
        fail(u, 0, "upload %s: cut off after %llu bytes (%s)", u->name,
             (unsigned long long)u->bytes, code ? code : "closed");
    upload_unref(u);
}

/* ---- the body and the file -------------------------------------------------------- */

static void on_body_pause(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    if (!lab_readable_eof(s)) u->pauses++;    /* not the end's own pause */
}

/* After pipe() has written the chunk: count it, and check the quota as
 * the bytes arrive (a chunked upload announces no length). */
static void on_body_data(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    if (u->failed) return;
    u->bytes += ev->chunk->len;
    total_bytes += ev->chunk->len;
    u->crc = (uint32_t)crc32(u->crc, ev->chunk->data, (uInt)ev->chunk->len);
    if (cfg->max_bytes && u->bytes > cfg->max_bytes)
        fail(u, 413, "upload %s: over max_bytes=%llu after %llu bytes", u->name,
             (unsigned long long)cfg->max_bytes, (unsigned long long)u->bytes);
}

/* The client went mid-body: Node's 'aborted' (ECONNRESET). */
static void on_body_error(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    fail(u, 0, "upload %s: cut off after %llu bytes (%s)", u->name,
         (unsigned long long)u->bytes, ev->err->code);
}

static void ignore_error(lab_stream *s, const lab_event *ev, void *arg) { }

static void on_file_drain(lab_stream *s, const lab_event *ev, void *arg)
{
    ((upload *)arg)->drains++;
}

/* Every byte is in the file: only now does it get its name. */
static void on_file_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    if (u->failed) return;
    /* rename() on the loop: one metadata operation, microseconds (Node's
     * fs.rename would go to the pool; nothing here waits on it). */
    if (rename(u->part, u->final) < 0) {
        fail(u, 500, "upload %s: rename: %s", u->name, strerror(errno));
        return;
    }
    u->renamed = true;
    answer(u, 201, "application/json",
           "{\"name\":\"%s\",\"bytes\":%llu,\"crc32\":%u,\"worker\":%d,\"pid\":%s}",
           u->name, (unsigned long long)u->bytes, u->crc, lab_cluster_worker_id(), my_pid);
}

/* A write failed: ENOSPC (the disk is full), EDQUOT (our share of it is)
 * or EFBIG (the file may not grow: RLIMIT_FSIZE) all mean "no room for
 * this upload", which is 507. */
static void on_file_error(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    fail(u, upload_write_status(ev->err->errnum), "upload %s: %s", u->name, ev->err->message);
}

static void on_file_close(lab_stream *s, const lab_event *ev, void *arg)
{
    upload *u = arg;
    u->file_closed = true;
    if (!u->renamed) unlink(u->part);      /* nothing half-written stays */
    upload_unref(u);
}

/* ---- a request ---------------------------------------------------------------------- */

bool upload_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100 || name[0] == '.') return false;
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
        return false;
    return !upload_is_partial(name);
}

bool upload_is_partial(const char *file_name)
{
    return file_name[0] == '.' && strstr(file_name, ".part-") != NULL;
}

int upload_write_status(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG ? 507 : 500;
}

int upload_check_request(const lab_http_msg *req, char *name, size_t namesize, char *why,
                         size_t whysize)
{
    const char *prefix = "/upload/";
    if (strncmp(req->url, prefix, strlen(prefix)) != 0) {
        snprintf(why, whysize, "no such path: %.100s (uploads go to /upload/NAME)", req->url);
        return 404;
    }
    snprintf(name, namesize, "%s", req->url + strlen(prefix));
    if (strcmp(req->method, "PUT") && strcmp(req->method, "POST")) {
        snprintf(why, whysize, "%s %.100s: uploads are PUT or POST", req->method, req->url);
        return 405;
    }
    if (!upload_name_ok(name)) {
        snprintf(why, whysize, "bad upload name %.100s: 1..100 of A-Z a-z 0-9 . _ -, not starting "
                 "with '.'", req->url + strlen(prefix));
        return 400;
    }
    return 0;
}

/* Free bytes for an unprivileged writer on the upload folder's file
 * system, or UINT64_MAX if unknown. */
static uint64_t free_space(void)
{
    struct statvfs v;
    if (statvfs(cfg->dir, &v) < 0) return UINT64_MAX;
    return (uint64_t)v.f_bavail * v.f_frsize;
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    upload *u = lab_xcalloc(1, sizeof *u);
    u->refs = 1;                           /* the response */
    u->seq = ++next_seq;
    u->res = res;
    res->data = u;
    res->on_finish = on_res_finish;
    res->on_close = on_res_close;
    u->next = uploads;
    uploads = u;

    char why[200];
    int refuse = upload_check_request(req, u->name, sizeof u->name, why, sizeof why);
    if (refuse) {
        fail(u, refuse, "%s", why);
        return;
    }
    /* What the request announces is checked before a byte is written. */
    if (req->content_length >= 0) {
        u->expected = (uint64_t)req->content_length;
        if (cfg->max_bytes && u->expected > cfg->max_bytes) {
            fail(u, 413, "upload %s: %llu bytes is over max_bytes=%llu", u->name,
                 (unsigned long long)u->expected, (unsigned long long)cfg->max_bytes);
            return;
        }
        uint64_t room = free_space();
        if (u->expected > room) {
            fail(u, 507, "upload %s: %llu bytes, but the disk has %llu free", u->name,
                 (unsigned long long)u->expected, (unsigned long long)room);
            return;
        }
    }
    snprintf(u->part, sizeof u->part, "%s/.%s.part-%s-%d", cfg->dir, u->name, my_pid, u->seq);
    snprintf(u->final, sizeof u->final, "%s/%s", cfg->dir, u->name);

    char name[128];
    snprintf(name, sizeof name, "req:%s", u->name);
    u->body = lab_http_msg_stream(loop, req, &(lab_stream_opts){ .name = name });
    snprintf(name, sizeof name, "file:%s", u->name);
    lab_fs_stream_opts fo = { .stream = { .name = name },
                              .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644,
                              .write_ms_per_mib = cfg->disk_slow_ms };
    u->file = lab_fs_write_stream(loop, u->part, &fo);
    u->refs++;                             /* until the file's 'close' */
    lab_stream_on(u->body, LAB_ON_ERROR, ignore_error, NULL);   /* after we let go */
    lab_stream_on(u->body, LAB_ON_ERROR, on_body_error, u);
    lab_stream_on(u->body, LAB_ON_PAUSE, on_body_pause, u);
    lab_stream_on(u->file, LAB_ON_DRAIN, on_file_drain, u);
    lab_stream_on(u->file, LAB_ON_FINISH, on_file_finish, u);
    lab_stream_on(u->file, LAB_ON_ERROR, on_file_error, u);
    lab_stream_on(u->file, LAB_ON_CLOSE, on_file_close, u);
    lab_pipe(u->body, u->file, true);      /* req.pipe(file) */
    lab_stream_on(u->body, LAB_ON_DATA, on_body_data, u);       /* after pipe's */
}

/* ---- what the dashboard sees ---------------------------------------------------------- */

static void on_sample(lab_timer *t)
{
    for (upload *u = uploads; u; u = u->next) {
        if (!u->body || u->failed || u->renamed) continue;
        lab_ev *e = lab_ev_new(LAB_EV(UPLOAD));
        lab_ev_int(e, "worker", lab_cluster_worker_id());
        lab_ev_str(e, "name", u->name);
        lab_ev_int(e, "bytes", (int64_t)u->bytes);
        lab_ev_int(e, "expected", (int64_t)u->expected);
        lab_ev_int(e, "pauses", u->pauses);
        lab_ev_int(e, "drains", u->drains);
        /* The two buffers against their marks; a body at its mark has
         * stopped reading the socket. */
        lab_ev_int(e, "file_buffered", (int64_t)lab_writable_length(u->file));
        lab_ev_int(e, "file_hwm", (int64_t)lab_writable_hwm(u->file));
        lab_ev_int(e, "body_buffered", (int64_t)lab_readable_length(u->body));
        lab_ev_int(e, "body_hwm", (int64_t)lab_readable_hwm(u->body));
        lab_ev_bool(e, "socket_paused", lab_readable_length(u->body) >= lab_readable_hwm(u->body));
        lab_ev_emit(e);
    }
    uint64_t now = lab_clock_us(), rss = kit_rss();
    int active = 0;
    for (upload *u = uploads; u; u = u->next) active += u->body && !u->failed && !u->renamed;
    lab_ev *e = lab_ev_new(LAB_EV(UPLOAD_WORKER));
    lab_ev_int(e, "worker", lab_cluster_worker_id());
    lab_ev_int(e, "rss", (int64_t)rss);
    lab_ev_int(e, "base_rss", (int64_t)base_rss);
    lab_ev_int(e, "peak_rss", (int64_t)kit_peak_rss());
    lab_ev_int(e, "bytes", (int64_t)total_bytes);
    double secs = (double)(now - last_us) / 1e6;
    lab_ev_num(e, "bytes_per_s", secs > 0 ? (double)(total_bytes - last_bytes) / secs : 0);
    lab_ev_int(e, "active", active);
    lab_ev_emit(e);
    last_bytes = total_bytes;
    last_us = now;
}

static int listen_failed;

static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status == 0) {
        base_rss = kit_rss();              /* before the first upload */
        return;
    }
    listen_failed = 1;
    lab_loop_stop(srv->loop);
}

int upload_worker_main(void *arg)
{
    cfg = arg;
    loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    snprintf(my_pid, sizeof my_pid, "%d", (int)getpid());
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", cfg->port, on_request, on_listening) < 0)
        return 1;
    srv.no_request_events = true;          /* `upload_done` says more */
    /* The cluster's own stats (RSS, CPU, requests) for the lab's cluster
     * table, at the same pace as our samples. */
    lab_cluster_self_stats(self, cfg->sample_ms);
    last_us = lab_clock_us();
    lab_timer_init(loop, &sample_timer);
    lab_timer_start(&sample_timer, on_sample, cfg->sample_ms, cfg->sample_ms);
    lab_timer_unref(&sample_timer);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return listen_failed;
}
