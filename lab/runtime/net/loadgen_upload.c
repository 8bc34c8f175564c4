/*
 * loadgen_upload.c — the load generator's uploads: large request bodies
 * sent with backpressure (see loadgen.h).
 *
 * The sending loop is the one every well-behaved Node client has:
 *
 *     function pump() {
 *       while (left > 0) if (!req.write(nextPiece())) return req.once('drain', pump);
 *       req.end();
 *     }
 */
#include "loadgen.h"
#include "http.h"
#include "mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PIECE (64 * 1024)      /* one write */

/* The bytes: one block of pseudo-random bytes, made on first use and kept
 * for the process's life (every upload reads it; none owns it). */
#define PATTERN_LEN ((4 << 20) + 4093)
static unsigned char *pattern;

static void make_pattern(void)
{
    if (pattern) return;
    pattern = lab_xmalloc(PATTERN_LEN);
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < PATTERN_LEN; i += 8) {
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
        uint64_t v = x * 0x2545F4914F6CDD1DULL;
        memcpy(pattern + i, &v, PATTERN_LEN - i < 8 ? PATTERN_LEN - i : 8);
    }
}

/* The other block, for text=true: log lines, which gzip shrinks several
 * times (the random block does not shrink at all).  Same length, same
 * rule: the same bytes on every run. */
static unsigned char *text_pattern;

static void make_text_pattern(void)
{
    if (text_pattern) return;
    text_pattern = lab_xmalloc(PATTERN_LEN + 128);
    static const char *const levels[] = { "info", "info", "info", "warn", "debug", "error" };
    static const char *const paths[] = { "/", "/upload", "/api/jobs", "/health", "/static/app.js" };
    size_t at = 0;
    for (unsigned i = 0; at < PATTERN_LEN; i++) {
        int n = snprintf((char *)text_pattern + at, 128,
                         "2026-12-06T00:%02u:%02u.%03uZ %s req=%u path=%s status=%u bytes=%u\n",
                         i / 60000 % 60, i / 1000 % 60, i % 1000, levels[i % 6], i,
                         paths[(i * 7) % 5], i % 17 ? 200 : 500, (i * 2654435761u) % 90000);
        at += (size_t)n;
    }
}

/* The upload is over, however it ended: the client goes, on_done runs. */
static void upload_done(lab_upload *u, const char *error)
{
    if (u->done) return;
    u->done = true;
    if (error && !u->error[0]) snprintf(u->error, sizeof u->error, "%s", error);
    lab_http_client *c = u->client;
    u->client = NULL;
    if (c) lab_http_client_close(c);
    if (u->opts.on_done) u->opts.on_done(u);
}

/* Writes until the socket's queue is at its mark (write() says false),
 * then waits for on_drain. */
static void pump(lab_upload *u)
{
    lab_http_out *out = &u->client->out;
    for (;;) {
        if (u->done || u->answered) return;
        if (u->opts.cut_at && u->sent >= u->opts.cut_at) {
            u->cut = true;
            upload_done(u, "cut off by the client (cut)");
            return;
        }
        if (u->sent == u->size) {
            lab_http_end(out, NULL, 0, NULL, NULL);
            return;
        }
        uint64_t limit = u->opts.cut_at ? u->opts.cut_at : u->size;
        size_t off = (size_t)((u->opts.start + u->sent) % PATTERN_LEN), n = PIECE;
        if (n > PATTERN_LEN - off) n = PATTERN_LEN - off;
        if (n > limit - u->sent) n = (size_t)(limit - u->sent);
        const unsigned char *piece = (u->opts.text ? text_pattern : pattern) + off;
        u->crc = (uint32_t)crc32(u->crc, piece, (uInt)n);
        u->sent += n;
        if (!lab_http_write(out, piece, n, NULL, NULL)) return;
    }
}

static void on_drain(lab_http_out *out) { pump(out->data); }

static void on_answer_data(lab_http_msg *m, const char *data, size_t len)
{
    lab_upload *u = m->data;
    size_t room = sizeof u->response - 1 - u->response_len;
    if (len > room) len = room;
    memcpy(u->response + u->response_len, data, len);
    u->response_len += len;
    u->response[u->response_len] = 0;
    if (u->response_len && u->response[u->response_len - 1] == '\n')
        u->response[--u->response_len] = 0;
}

static void on_answer_end(lab_http_msg *m) { upload_done(m->data, NULL); }

static void on_answer_abort(lab_http_msg *m, const char *code) { upload_done(m->data, code); }

/* The answer may come before the whole body went: nothing more is sent. */
static void on_response(lab_http_client *c, lab_http_msg *res)
{
    lab_upload *u = c->data;
    u->answered = true;
    u->status = res->status;
    const char *pid = lab_http_msg_header(res, "x-worker-pid");
    if (pid) u->worker_pid = (pid_t)atoi(pid);
    res->data = u;
    res->on_data = on_answer_data;
    res->on_end = on_answer_end;
    res->on_abort = on_answer_abort;
}

static void on_error(lab_http_client *c, const char *code) { upload_done(c->data, code); }

lab_upload *lab_upload_start(lab_loop *loop, const lab_upload_options *opts)
{
    if (opts->port < 1 || opts->port > 65535 || !opts->path) {
        errno = EINVAL;
        return NULL;
    }
    if (opts->text) make_text_pattern();
    else make_pattern();
    lab_upload *u = lab_xcalloc(1, sizeof *u);
    u->opts = *opts;
    u->size = opts->size;
    u->data = opts->data;
    u->crc = (uint32_t)crc32(0, NULL, 0);
    char len[32];
    snprintf(len, sizeof len, "%llu", (unsigned long long)opts->size);
    lab_http_header hdr[] = { { "Content-Length", len } };
    lab_http_request_opts o = { .port = opts->port, .method = opts->method ? opts->method : "PUT",
                                .path = opts->path, .headers = hdr,
                                .nheaders = opts->chunked ? 0 : 1 };
    u->client = lab_http_request(loop, &o, on_response, on_error, u);
    u->client->out.data = u;
    u->client->out.on_drain = on_drain;
    pump(u);
    return u;
}

void lab_upload_abort(lab_upload *u, const char *why) { upload_done(u, why); }

void lab_upload_free(lab_upload *u)
{
    if (!u) return;
    if (u->client) lab_http_client_close(u->client);
    free(u);
}
