/*
 * together_system_worker.c — what every `together.system` worker runs
 * (the contract is in together_system.h).
 *
 * In Node it would read:
 *
 *     const gz = spawn('gzip', ['-c', '-6']);
 *     req.pipe(gz.stdin);
 *     gz.stdout.pipe(fs.createWriteStream(partial));
 *     // gz 'close' with code 0 AND the file's 'finish' -> rename, record, 201
 *
 * Two pipes, two kinds of backpressure.  When gzip is slower than the
 * network, our write() to its stdin says false, pipe() pauses the request
 * body and the socket stops being read: the client waits (the stdin gauge
 * on the dashboard is that pipe's fill).  When the disk is slower than
 * gzip, the file's write() says false, gz.stdout is paused, gzip blocks
 * writing its output and stops reading its input: the same pause, one
 * process further down.  Memory stays at a few buffers per upload.
 *
 * An upload is kept only when BOTH the file has every byte (its 'finish')
 * and gzip exited 0: a gzip that is killed closes its stdout too, and the
 * file would "finish" with half a stream in it.  Until then the bytes are
 * in ".NAME.gz.part-PID-N"; failure of any part removes that file, marks
 * the record failed and, if the client is still there, answers 500.
 */
#include "together_system.h"
#include "child_demo.h"
#include "cluster.h"
#include "events.h"
#include "fdstream.h"
#include "fs_stream.h"
#include "http_stream.h"
#include "mem.h"
#include "streamkit.h"
#include "telemetry.h"
#include "together_demo.h"
#include "together_uploads.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

typedef struct sysup sysup;
struct sysup {
    sysup *next;               /* the worker's uploads in flight */
    int refs;                  /* the response, the file's 'close', gzip's 'close' */
    int seq;
    int64_t rec;               /* its record's id, -1 before */
    char name[104];
    char part[PATH_MAX + 48], final[PATH_MAX + 112];
    lab_http_out *res;         /* NULL once it has let go */
    lab_stream *body, *file;
    lab_stream *gz_in, *gz_out;   /* the child's stdin and stdout (our references) */
    lab_process *gz;           /* NULL after its 'close' */
    pid_t gz_pid;
    uint64_t bytes_in, expected;
    uint32_t crc;
    int pauses;
    int64_t capacity;          /* the stdin socketpair's send buffer */
    bool answered, failed, stored, killed;
    bool file_finished, file_closed, gz_closed;
    int status;
    char reason[200];
    char answer[400];          /* the response body: alive until it is sent */
};

static const system_cfg *cfg;
static lab_loop *loop;
static sysdb *db;
static sysup *uploads;
static int next_seq;
static char my_pid[16];
static uint64_t base_rss, stored_count, failed_count;
static lab_timer sample_timer;

/* ---- events --------------------------------------------------------------------------- */

static void event_upload(const sysup *u, const char *phase)
{
    lab_ev *e = lab_ev_new(LAB_EV(SYSTEM_UPLOAD));
    lab_ev_str(e, "phase", phase);
    lab_ev_str(e, "name", u->name);
    lab_ev_int(e, "worker_pid", getpid());
    lab_ev_int(e, "record", u->rec);
    if (u->gz_pid) lab_ev_int(e, "child_pid", u->gz_pid);
    lab_ev_int(e, "bytes_in", (int64_t)u->bytes_in);
    if (u->gz_out) lab_ev_int(e, "bytes_out", (int64_t)lab_readable_total(u->gz_out));
    if (u->status) lab_ev_int(e, "status", u->status);
    if (u->pauses) lab_ev_int(e, "pauses", u->pauses);
    if (u->reason[0]) lab_ev_str(e, "reason", u->reason);
    lab_ev_emit(e);
}

/* ---- the end of an upload ------------------------------------------------------------- */

static void on_body_data(lab_stream *s, const lab_event *ev, void *arg);
static void on_body_error(lab_stream *s, const lab_event *ev, void *arg);
static void on_body_pause(lab_stream *s, const lab_event *ev, void *arg);

static void sysup_unref(sysup *u)
{
    if (--u->refs > 0) return;
    for (sysup **p = &uploads; *p; p = &(*p)->next)
        if (*p == u) { *p = u->next; break; }
    if (u->body) {
        /* The body may outlive us (the server holds it until the message
         * goes): it must not call back into freed memory. */
        lab_stream_off(u->body, LAB_ON_DATA, on_body_data, u);
        lab_stream_off(u->body, LAB_ON_ERROR, on_body_error, u);
        lab_stream_off(u->body, LAB_ON_PAUSE, on_body_pause, u);
        lab_stream_unref(u->body);
    }
    if (u->file) lab_stream_unref(u->file);
    if (u->gz_in) lab_stream_unref(u->gz_in);
    if (u->gz_out) lab_stream_unref(u->gz_out);
    free(u);
}

/* The one answer an upload gets (the first one asked for wins). */
static void answer(sysup *u, int status, const char *type, const char *fmt, ...)
{
    if (u->answered || !u->res) return;
    u->answered = true;
    u->status = status;
    va_list ap;
    va_start(ap, fmt);
    upload_vanswer(u->res, u->answer, sizeof u->answer, status, type, fmt, ap);
    va_end(ap);
}

/* The partial file goes once nothing can write to it any more (after the
 * file stream's 'close': an open still on the pool would make it again). */
static void drop_partial(sysup *u)
{
    if (u->failed && u->file_closed) unlink(u->part);
}

/* Gives up on an upload: the pipes are cut, gzip is killed, the partial
 * file goes, the record says failed, and a client still there is told. */
static void fail(sysup *u, int status, const char *fmt, ...)
{
    if (u->failed || u->stored) return;
    u->failed = true;
    failed_count++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->reason, sizeof u->reason, fmt, ap);
    va_end(ap);
    if (u->body && u->gz_in) lab_unpipe(u->body, u->gz_in);
    if (u->gz_out && u->file) lab_unpipe(u->gz_out, u->file);
    if (u->file && !u->file_closed) lab_stream_destroy(u->file, NULL);
    if (u->gz && !u->gz_closed) lab_process_kill(u->gz, SIGKILL);
    drop_partial(u);
    if (u->rec >= 0) sysdb_failed(db, u->rec, u->bytes_in, u->reason);
    if (status) {
        /* Read (and drop) the rest of the body, so that a client still
         * sending reads the answer instead of a reset. */
        if (u->body) lab_readable_resume(u->body);
        answer(u, status, "text/plain", "%s", u->reason);
    }
    if (!u->status) u->status = status;
    event_upload(u, "failed");
}

/* Both halves are done: the file has every byte and gzip exited 0.  The
 * file gets its name, then the record says stored, then the client hears
 * 201 — in that order, so that an acknowledged upload is never lost. */
static void maybe_store(sysup *u)
{
    if (u->failed || u->stored || !u->file_finished || !u->gz_closed) return;
    if (rename(u->part, u->final) < 0) {
        fail(u, 500, "upload %s: rename: %s", u->name, strerror(errno));
        return;
    }
    uint64_t out = lab_readable_total(u->gz_out);
    if (sysdb_stored(db, u->rec, u->bytes_in, out, u->crc) < 0) {
        unlink(u->final);
        u->file_closed = true;             /* (the name is gone either way) */
        fail(u, 500, "upload %s: the record could not be committed", u->name);
        return;
    }
    u->stored = true;
    stored_count++;
    answer(u, 201, "application/json",
           "{\"name\":\"%s\",\"bytes_in\":%llu,\"bytes_out\":%llu,\"crc32\":%u,\"record\":%lld,"
           "\"worker\":%d}",
           u->name, (unsigned long long)u->bytes_in, (unsigned long long)out, u->crc,
           (long long)u->rec, lab_cluster_worker_id());
    event_upload(u, "stored");
}

/* ---- the response ---------------------------------------------------------------------- */

static void on_res_finish(lab_http_out *o)
{
    sysup *u = o->data;
    u->res = NULL;
    sysup_unref(u);
}

static void on_res_close(lab_http_out *o, const char *code)
{
    sysup *u = o->data;
    u->res = NULL;
    if (!u->answered)
        fail(u, 0, "upload %s: cut off after %llu bytes (%s)", u->name,
             (unsigned long long)u->bytes_in, code ? code : "closed");
    sysup_unref(u);
}

/* ---- the body, the child, the file ------------------------------------------------------- */

static void on_body_pause(lab_stream *s, const lab_event *ev, void *arg)
{
    if (!lab_readable_eof(s)) ((sysup *)arg)->pauses++;    /* not the end's own pause */
}

/* After pipe() has written the chunk to gzip: count it.  crash=NAME kills
 * this upload's gzip half-way, as a child crashing on bad input would. */
static void on_body_data(lab_stream *s, const lab_event *ev, void *arg)
{
    sysup *u = arg;
    if (u->failed) return;
    u->bytes_in += ev->chunk->len;
    u->crc = (uint32_t)crc32(u->crc, ev->chunk->data, (uInt)ev->chunk->len);
    uint64_t half = u->expected ? u->expected / 2 : 1 << 20;
    if (!u->killed && u->gz && !u->gz_closed && cfg->crash_name[0] &&
        strcmp(cfg->crash_name, u->name) == 0 && u->bytes_in >= half) {
        u->killed = true;
        lab_ev *e = lab_ev_new(LAB_EV(SYSTEM_UPLOAD));
        lab_ev_str(e, "phase", "crash");
        lab_ev_str(e, "name", u->name);
        lab_ev_int(e, "worker_pid", getpid());
        lab_ev_int(e, "child_pid", u->gz_pid);
        lab_ev_int(e, "bytes_in", (int64_t)u->bytes_in);
        lab_ev_emit(e);
        lab_process_kill(u->gz, SIGKILL);
    }
}

/* The client went mid-body: Node's 'aborted'. */
static void on_body_error(lab_stream *s, const lab_event *ev, void *arg)
{
    sysup *u = arg;
    fail(u, 0, "upload %s: cut off after %llu bytes (%s)", u->name,
         (unsigned long long)u->bytes_in, ev->err->code);
}

/* EPIPE on gzip's stdin, after it died: its exit says what happened. */
static void ignore_error(lab_stream *s, const lab_event *ev, void *arg) { }

static void on_file_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    sysup *u = arg;
    u->file_finished = true;
    maybe_store(u);
}

static void on_file_error(lab_stream *s, const lab_event *ev, void *arg)
{
    sysup *u = arg;
    fail(u, upload_write_status(ev->err->errnum), "upload %s: %s", u->name, ev->err->message);
}

static void on_file_close(lab_stream *s, const lab_event *ev, void *arg)
{
    sysup *u = arg;
    u->file_closed = true;
    drop_partial(u);
    sysup_unref(u);
}

static void on_gz_close(lab_process *p, int code, int sig)
{
    sysup *u = p->data;
    u->gz = NULL;
    u->gz_closed = true;
    if (sig || code)
        fail(u, 500, "upload %s: gzip child %d %s %d", u->name, (int)u->gz_pid,
             sig ? "died of signal" : "exited with", sig ? sig : code);
    else
        maybe_store(u);
    sysup_unref(u);
}

/* gzip -c -LEVEL, stdin and stdout ours, stderr the demo's. */
static bool start_gzip(sysup *u)
{
    char level[8];
    snprintf(level, sizeof level, "-%d", cfg->level);
    char *argv[] = { "gzip", "-c", level, NULL };
    lab_spawn_options o = { .file = "gzip", .argv = argv, .on_close = on_gz_close, .data = u };
    child_demo_options(&o, CHILD_DEMO_PIPES, false);
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    u->gz = lab_spawn(loop, &o);
    if (!u->gz) return false;
    u->refs++;                             /* until its 'close' */
    u->gz_pid = u->gz->pid;
    u->gz_in = lab_stream_ref(u->gz->stdio[0]);
    u->gz_out = lab_stream_ref(u->gz->stdio[1]);
    int fd = lab_fdstream_fd(u->gz_in), sndbuf = 0;
    socklen_t len = sizeof sndbuf;
    if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0) u->capacity = sndbuf;
    return true;
}

/* ---- a request ----------------------------------------------------------------------------- */

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    sysup *u = lab_xcalloc(1, sizeof *u);
    u->refs = 1;                           /* the response */
    u->seq = ++next_seq;
    u->rec = -1;
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
    u->expected = req->content_length > 0 ? (uint64_t)req->content_length : 0;

    u->rec = sysdb_received(db, u->name, getpid());
    if (u->rec < 0) {
        fail(u, 503, "upload %s: the record could not be written", u->name);
        return;
    }
    event_upload(u, "received");
    if (!start_gzip(u)) {
        fail(u, 500, "upload %s: cannot start gzip: %s", u->name, strerror(errno));
        return;
    }
    sysdb_compressing(db, u->rec, u->gz_pid);
    event_upload(u, "compressing");

    snprintf(u->part, sizeof u->part, "%s/.%s.gz.part-%s-%d", cfg->dir, u->name, my_pid, u->seq);
    snprintf(u->final, sizeof u->final, "%s/%s.gz", cfg->dir, u->name);
    char name[128];
    snprintf(name, sizeof name, "req:%s", u->name);
    u->body = lab_http_msg_stream(loop, req, &(lab_stream_opts){ .name = name });
    snprintf(name, sizeof name, "file:%s.gz", u->name);
    lab_fs_stream_opts fo = { .stream = { .name = name },
                              .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644 };
    u->file = lab_fs_write_stream(loop, u->part, &fo);
    u->refs++;                             /* until the file's 'close' */
    lab_stream_on(u->body, LAB_ON_ERROR, ignore_error, NULL);   /* after we let go */
    lab_stream_on(u->body, LAB_ON_ERROR, on_body_error, u);
    lab_stream_on(u->body, LAB_ON_PAUSE, on_body_pause, u);
    lab_stream_on(u->gz_in, LAB_ON_ERROR, ignore_error, NULL);
    lab_stream_on(u->gz_out, LAB_ON_ERROR, ignore_error, NULL);
    lab_stream_on(u->file, LAB_ON_FINISH, on_file_finish, u);
    lab_stream_on(u->file, LAB_ON_ERROR, on_file_error, u);
    lab_stream_on(u->file, LAB_ON_CLOSE, on_file_close, u);
    lab_pipe(u->body, u->gz_in, true);     /* req.pipe(gz.stdin) */
    lab_pipe(u->gz_out, u->file, true);    /* gz.stdout.pipe(file) */
    lab_stream_on(u->body, LAB_ON_DATA, on_body_data, u);       /* after pipe's */
}

/* ---- what the dashboard sees ---------------------------------------------------------------- */

/* A row per gzip child: its upload, the bytes each way, and its stdin's
 * fill — our stream's buffer plus the kernel's queue under it. */
static cJSON *children_rows(int *active)
{
    cJSON *rows = cJSON_CreateArray();
    *active = 0;
    for (sysup *u = uploads; u; u = u->next) {
        if (!u->gz || u->failed || u->stored) continue;
        ++*active;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "pid", u->gz_pid);
        cJSON_AddStringToObject(r, "upload", u->name);
        cJSON_AddNumberToObject(r, "bytes_in", (double)u->bytes_in);
        cJSON_AddNumberToObject(r, "expected", (double)u->expected);
        cJSON_AddNumberToObject(r, "bytes_out", (double)lab_readable_total(u->gz_out));
        int64_t kernel = tg_kernel_queued(u->gz_in, true);
        cJSON_AddNumberToObject(r, "stdin_buffered", (double)lab_writable_length(u->gz_in));
        cJSON_AddNumberToObject(r, "stdin_hwm", (double)lab_writable_hwm(u->gz_in));
        cJSON_AddNumberToObject(r, "stdin_kernel", (double)(kernel > 0 ? kernel : 0));
        cJSON_AddNumberToObject(r, "stdin_capacity", (double)u->capacity);
        cJSON_AddBoolToObject(r, "waiting", lab_writable_need_drain(u->gz_in));
        cJSON_AddNumberToObject(r, "pauses", u->pauses);
        cJSON_AddItemToArray(rows, r);
    }
    return rows;
}

static void on_sample(lab_timer *t)
{
    int active;
    cJSON *rows = children_rows(&active);
    lab_ev *e = lab_ev_new(LAB_EV(SYSTEM_WORKER));
    lab_ev_int(e, "worker", lab_cluster_worker_id());
    lab_ev_int(e, "worker_pid", getpid());
    lab_ev_int(e, "rss", (int64_t)kit_rss());
    lab_ev_int(e, "base_rss", (int64_t)base_rss);
    lab_ev_int(e, "peak_rss", (int64_t)kit_peak_rss());
    lab_ev_int(e, "active", active);
    lab_ev_int(e, "stored", (int64_t)stored_count);
    lab_ev_int(e, "failed", (int64_t)failed_count);
    lab_ev_json(e, "children", rows);
    lab_ev_emit(e);
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

int system_worker_main(void *arg)
{
    cfg = arg;
    char why[PATH_MAX + 200];
    /* Our own connection, opened after the fork: a connection must never
     * cross a fork (SQLite's rule). */
    db = sysdb_open(cfg->db, why, sizeof why);
    if (!db) {
        fprintf(stderr, "nodelab: together.system: worker %d: records %s\n", (int)getpid(), why);
        return 70;
    }
    loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    snprintf(my_pid, sizeof my_pid, "%d", (int)getpid());
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", cfg->port, on_request, on_listening) < 0)
        return 1;
    srv.no_request_events = true;          /* `system_upload` says more */
    lab_cluster_self_stats(self, cfg->sample_ms);
    lab_timer_init(loop, &sample_timer);
    lab_timer_start(&sample_timer, on_sample, cfg->sample_ms, cfg->sample_ms);
    lab_timer_unref(&sample_timer);
    lab_loop_run(loop);
    on_sample(&sample_timer);              /* the last word: what it stored */
    lab_loop_free(loop);
    sysdb_close(db);
    return listen_failed;
}
