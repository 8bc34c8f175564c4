/*
 * streams_proxy.c — demo `streams.proxy`: a proxy that pipes an incoming
 * HTTP request into an outgoing one, without holding the body, and the
 * backpressure that crosses it.
 *
 *   client ──POST /upload──► proxy ──POST /upload──► upstream
 *   (a generated body         pipeline(req, hop)      pipeline(req, slow sink)
 *    of `size` bytes)         pipeline(hop's res, res)
 *
 * In Node the proxy is two pipes:
 *
 *   http.createServer((req, res) => {
 *     const hop = http.request({ port, method: req.method, path: req.url,
 *                                headers: req.headers },
 *                              (up) => { res.writeHead(up.statusCode);
 *                                        pipeline(up, res, done); });
 *     pipeline(req, hop, done);
 *   });
 *
 * The upstream takes upstream_ms over each piece it receives, so it is the
 * slow end.  Its request stream stops reading, its socket fills, the
 * proxy's write() to the hop returns false, pipe() pauses the proxy's
 * incoming request, which stops reading the client's socket, which fills,
 * and the client's own write() returns false: the client's source pauses.
 * The proxy holds a mark or two per side however large the upload (the
 * `hops` samples and rss_max), and the upstream sees its first byte a
 * moment after the client sent it (upstream_first_byte_ms).
 *
 * buffer=1 is the proxy you should not write: it collects the whole body
 * in memory first (a writable that appends every chunk), then forwards it.
 * Memory grows with the upload, and the upstream sees nothing until the
 * client has sent everything.
 */
#include "demo.h"
#include "events.h"
#include "grow.h"
#include "http_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct proxy_demo {
    lab_demo *demo;
    lab_loop *loop;
    lab_http_server upstream, proxy;
    uint64_t size, chunk, t0;

    /* the client */
    lab_http_client *client;
    lab_stream *source, *client_out;
    uint64_t generated, kit_line, client_false, client_sent_us;
    bool client_sent, client_done;
    char client_result[40];

    /* the proxy */
    lab_http_out *res;         /* the proxy's response to the client */
    lab_http_client *hop;      /* the proxy's request to the upstream */
    lab_stream *proxy_in, *proxy_out, *hop_in, *proxy_res;
    uint64_t proxy_false, proxy_max_held;
    char *held;                /* buffer=1: the whole body */
    size_t held_len, held_cap;
    char proxy_result[40];

    /* the upstream */
    lab_http_out *up_res;
    lab_stream *up_in, *up_sink;
    uint64_t up_received, up_first_us;
    char up_reply[64];

    lab_timer sample_timer;
    kit_mem mem;
    bool closing;
} proxy_demo;

static bool buffering(const proxy_demo *p) { return lab_demo_int(p->demo, "buffer") != 0; }

static double ms_since(const proxy_demo *p, uint64_t us) { return (double)(us - p->t0) / 1000.0; }

static void finish_all(proxy_demo *p)
{
    if (p->closing) return;
    p->closing = true;
    lab_timer_stop(&p->sample_timer);
    lab_demo_deadline_cancel(p->demo);
    if (p->hop) lab_http_client_close(p->hop);
    if (p->client) lab_http_client_close(p->client);
    lab_http_server_close(&p->proxy, NULL);
    lab_http_server_close(&p->upstream, NULL);
}

/* One upload per run: the first request is kept in *slot, any other is
 * answered 409 at once. */
static bool first_request(lab_http_out **slot, lab_http_out *res)
{
    if (!*slot) {
        *slot = res;
        return true;
    }
    lab_http_set_status(res, 409);
    lab_http_end(res, "busy\n", 5, NULL, NULL);
    return false;
}

/* ---- the upstream: a slow reader ---------------------------------------------- */

static void on_up_data(lab_stream *s, const lab_event *ev, void *arg)
{
    proxy_demo *p = arg;
    if (!p->up_first_us) p->up_first_us = lab_clock_us();
}

static void upstream_done(const lab_err *err, void *arg)
{
    proxy_demo *p = arg;
    int n = snprintf(p->up_reply, sizeof p->up_reply, "received %llu bytes\n",
                     (unsigned long long)p->up_received);
    lab_ev *e = lab_ev_new("upstream");
    lab_ev_int(e, "received", (int64_t)p->up_received);
    lab_ev_str(e, "result", err ? err->code : "ok");
    lab_ev_emit(e);
    if (!err) lab_http_end(p->up_res, p->up_reply, (size_t)n, NULL, NULL);
}

static void on_upstream_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    proxy_demo *p = srv->data;
    if (!first_request(&p->up_res, res)) return;
    p->up_in = lab_http_msg_stream(p->loop, req, &(lab_stream_opts){ .name = "upstream-in" });
    p->up_sink = kit_slow_sink(p->loop, "upstream-sink", 16384, p->demo, "upstream_ms",
                               &p->up_received);
    lab_pipeline((lab_stream *[]){ p->up_in, p->up_sink }, 2, upstream_done, p);
    lab_stream_on(p->up_in, LAB_ON_DATA, on_up_data, p);
}

/* ---- the proxy ----------------------------------------------------------------- */

/* After pipe() wrote a piece to the hop: did write() say false? */
static uint64_t proxy_held(const proxy_demo *p);

/* After pipe() wrote a piece to the hop: did write() say false?  And how
 * much does the proxy hold now? */
static void on_proxy_in_data(lab_stream *s, const lab_event *ev, void *arg)
{
    proxy_demo *p = arg;
    if (p->proxy_out && lab_writable_need_drain(p->proxy_out)) p->proxy_false++;
    uint64_t held = proxy_held(p);
    if (held > p->proxy_max_held) p->proxy_max_held = held;
}

static void proxy_done(const lab_err *err, void *arg)
{
    proxy_demo *p = arg;
    if (err && !p->proxy_result[0])
        snprintf(p->proxy_result, sizeof p->proxy_result, "%s", err->code);
}

static void on_hop_response(lab_http_client *c, lab_http_msg *up)
{
    proxy_demo *p = c->data;
    lab_http_set_status(p->res, up->status);
    lab_http_set_header(p->res, "Content-Type", "text/plain");
    p->hop_in = lab_http_msg_stream(p->loop, up, &(lab_stream_opts){ .name = "hop-res" });
    p->proxy_res = lab_http_out_stream(p->loop, p->res, &(lab_stream_opts){ .name = "proxy-res" });
    lab_pipeline((lab_stream *[]){ p->hop_in, p->proxy_res }, 2, proxy_done, p);
}

static void on_hop_error(lab_http_client *c, const char *code)
{
    proxy_demo *p = c->data;
    snprintf(p->proxy_result, sizeof p->proxy_result, "%s", code);
    lab_http_set_status(p->res, 502);
    lab_http_end(p->res, "bad gateway\n", 12, NULL, NULL);
}

static lab_http_client *start_hop(proxy_demo *p, const lab_http_msg *req)
{
    lab_http_request_opts o = { .port = p->upstream.port, .method = req->method,
                                .path = req->url };
    lab_http_client *hop = lab_http_request(p->loop, &o, on_hop_response, on_hop_error, p);
    const char *len = lab_http_msg_header(req, "Content-Length");
    if (hop && len) lab_http_set_header(&hop->out, "Content-Length", len);
    return hop;
}

/* buffer=1: a writable that keeps every chunk, and forwards at 'finish'. */
static void hold_write(lab_stream *s, const lab_chunk *c)
{
    proxy_demo *p = lab_stream_data(s);
    p->held = lab_grow_or_die(p->held, &p->held_cap, p->held_len + c->len, 1, 65536);
    memcpy(p->held + p->held_len, c->data, c->len);
    p->held_len += c->len;
    if (p->held_len > p->proxy_max_held) p->proxy_max_held = p->held_len;
    lab_write_done(s, NULL);
}

static const lab_stream_ops hold_ops = { .write = hold_write };

static void held_all(const lab_err *err, void *arg)
{
    proxy_demo *p = arg;
    if (err) { proxy_done(err, p); return; }
    lab_http_end(&p->hop->out, p->held, p->held_len, NULL, NULL);
}

static void on_proxy_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    proxy_demo *p = srv->data;
    if (!first_request(&p->res, res)) return;
    p->hop = start_hop(p, req);
    p->proxy_in = lab_http_msg_stream(p->loop, req, &(lab_stream_opts){ .name = "proxy-in" });
    if (buffering(p)) {
        p->proxy_out = lab_writable_new(p->loop, &hold_ops,
                                        &(lab_stream_opts){ .name = "proxy-held" }, p);
        lab_pipeline((lab_stream *[]){ p->proxy_in, p->proxy_out }, 2, held_all, p);
    } else {
        p->proxy_out = lab_http_out_stream(p->loop, &p->hop->out,
                                           &(lab_stream_opts){ .name = "proxy-out" });
        lab_pipeline((lab_stream *[]){ p->proxy_in, p->proxy_out }, 2, proxy_done, p);
    }
    lab_stream_on(p->proxy_in, LAB_ON_DATA, on_proxy_in_data, p);   /* after pipe's */
}

/* ---- the client: a generated upload ---------------------------------------------- */

static void source_read(lab_stream *s, size_t n)
{
    proxy_demo *p = lab_stream_data(s);
    while (p->generated < p->size) {
        size_t len = (size_t)(p->size - p->generated < p->chunk ? p->size - p->generated
                                                                 : p->chunk);
        lab_chunk c = lab_chunk_alloc(len);
        kit_gen_fill(c.data, len, KIT_LOG, 10, &p->kit_line);
        p->generated += len;
        if (!lab_readable_push(s, c)) return;     /* full: wait for the next read */
    }
    lab_readable_push_eof(s);
}

static const lab_stream_ops source_ops = { .read = source_read };

static void on_source_data(lab_stream *s, const lab_event *ev, void *arg)
{
    proxy_demo *p = arg;
    if (lab_writable_need_drain(p->client_out)) p->client_false++;
}

static void client_sent(const lab_err *err, void *arg)
{
    proxy_demo *p = arg;
    p->client_sent = true;
    p->client_sent_us = lab_clock_us();
    if (err && !p->client_result[0])
        snprintf(p->client_result, sizeof p->client_result, "%s", err->code);
}

static void client_finished(proxy_demo *p, const char *result)
{
    if (p->client_done) return;
    p->client_done = true;
    if (!p->client_result[0]) snprintf(p->client_result, sizeof p->client_result, "%s", result);
    lab_ev *e = lab_ev_new("client");
    lab_ev_int(e, "sent", p->client_out ? (int64_t)lab_writable_total(p->client_out) : 0);
    lab_ev_str(e, "result", p->client_result);
    lab_ev_emit(e);
    finish_all(p);
}

static void on_client_body(lab_http_msg *m, const char *data, size_t len) { }
static void on_client_end(lab_http_msg *m) { client_finished(m->data, "ok"); }
static void on_client_abort(lab_http_msg *m, const char *code) { client_finished(m->data, code); }

static void on_client_response(lab_http_client *c, lab_http_msg *res)
{
    proxy_demo *p = c->data;
    res->data = p;
    res->on_data = on_client_body;
    res->on_end = on_client_end;
    res->on_abort = on_client_abort;
    lab_ev *e = lab_ev_new("response");
    lab_ev_int(e, "status", res->status);
    lab_ev_emit(e);
}

static void on_client_error(lab_http_client *c, const char *code)
{
    client_finished(c->data, code);
}

static void start_client(proxy_demo *p)
{
    lab_http_request_opts o = { .port = p->proxy.port, .method = "POST", .path = "/upload" };
    p->client = lab_http_request(p->loop, &o, on_client_response, on_client_error, p);
    char len[24];
    snprintf(len, sizeof len, "%llu", (unsigned long long)p->size);
    lab_http_set_header(&p->client->out, "Content-Length", len);
    p->source = lab_readable_new(p->loop, &source_ops,
                                 &(lab_stream_opts){ .name = "client-src",
                                                     .hwm = (size_t)p->chunk }, p);
    p->client_out = lab_http_out_stream(p->loop, &p->client->out,
                                        &(lab_stream_opts){ .name = "client-out" });
    lab_pipeline((lab_stream *[]){ p->source, p->client_out }, 2, client_sent, p);
    lab_stream_on(p->source, LAB_ON_DATA, on_source_data, p);       /* after pipe's */
}

/* ---- watching, the end ------------------------------------------------------------ */

static uint64_t proxy_held(const proxy_demo *p)
{
    if (buffering(p)) return p->held_len;
    uint64_t n = 0;
    if (p->proxy_in) n += lab_readable_length(p->proxy_in);
    if (p->proxy_out) n += lab_writable_length(p->proxy_out);
    return n;
}

static void on_sample(lab_timer *t)
{
    proxy_demo *p = t->data;
    uint64_t held = proxy_held(p);
    if (held > p->proxy_max_held) p->proxy_max_held = held;
    lab_ev *e = lab_ev_new("hops");
    lab_ev_int(e, "client_sent", p->client_out ? (int64_t)lab_writable_total(p->client_out) : 0);
    lab_ev_int(e, "proxy_in", p->proxy_in ? (int64_t)lab_readable_total(p->proxy_in) : 0);
    lab_ev_int(e, "proxy_out", p->proxy_out ? (int64_t)lab_writable_total(p->proxy_out) : 0);
    lab_ev_int(e, "upstream_in", (int64_t)p->up_received);
    lab_ev_int(e, "proxy_held", (int64_t)held);
    lab_ev_bool(e, "client_paused", p->source && lab_readable_is_paused(p->source));
    lab_ev_int(e, "client_write_false", (int64_t)p->client_false);
    lab_ev_int(e, "proxy_write_false", (int64_t)p->proxy_false);
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d)
{
    proxy_demo *p = d->data;
    snprintf(p->client_result, sizeof p->client_result, "ETIMEDOUT");
    if (p->source) lab_stream_destroy(p->source, NULL);
    if (p->proxy_in) lab_stream_destroy(p->proxy_in, NULL);
    if (p->up_in) lab_stream_destroy(p->up_in, NULL);
    client_finished(p, "ETIMEDOUT");
}

static void summary(proxy_demo *p)
{
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "size", (int64_t)p->size);
    lab_ev_bool(e, "buffer", buffering(p));
    lab_ev_str(e, "result", p->client_result);
    lab_ev_bool(e, "complete", p->up_received == p->size && !strcmp(p->client_result, "ok"));
    lab_ev_int(e, "client_sent", p->client_out ? (int64_t)lab_writable_total(p->client_out) : 0);
    lab_ev_int(e, "proxy_in", p->proxy_in ? (int64_t)lab_readable_total(p->proxy_in) : 0);
    lab_ev_int(e, "upstream_in", (int64_t)p->up_received);
    lab_ev_int(e, "proxy_max_held", (int64_t)p->proxy_max_held);
    lab_ev_int(e, "client_write_false", (int64_t)p->client_false);
    lab_ev_int(e, "proxy_write_false", (int64_t)p->proxy_false);
    if (p->up_first_us) lab_ev_num(e, "upstream_first_byte_ms", ms_since(p, p->up_first_us));
    else lab_ev_null(e, "upstream_first_byte_ms");
    if (p->client_sent_us) lab_ev_num(e, "client_sent_ms", ms_since(p, p->client_sent_us));
    else lab_ev_null(e, "client_sent_ms");
    lab_ev_int(e, "rss_first", (int64_t)p->mem.first);
    lab_ev_int(e, "rss_max", (int64_t)p->mem.max);
    lab_ev_emit(e);
}

static void release(lab_stream **s)
{
    if (*s) lab_stream_unref(*s);
    *s = NULL;
}

static int run(lab_demo *d)
{
    proxy_demo *p = calloc(1, sizeof *p);
    if (!p) return 1;
    p->demo = d;
    d->data = p;
    p->size = (uint64_t)lab_demo_int(d, "size");
    p->chunk = (uint64_t)lab_demo_int(d, "chunk");
    p->loop = lab_loop_new();
    lab_demo_announce(d);
    int rc = lab_http_server_listen(&p->upstream, p->loop, "127.0.0.1", 0, on_upstream_request);
    if (rc == 0) rc = lab_http_server_listen(&p->proxy, p->loop, "127.0.0.1", 0, on_proxy_request);
    if (rc < 0) {
        fprintf(stderr, "nodelab: demo %s: cannot listen on 127.0.0.1: %s\n",
                d->def->name, strerror(-rc));
        lab_loop_free(p->loop);
        free(p);
        return 1;
    }
    p->upstream.data = p;
    p->proxy.data = p;
    lab_ev *e = lab_ev_new("proxying");
    lab_ev_int(e, "proxy_port", p->proxy.port);
    lab_ev_int(e, "upstream_port", p->upstream.port);
    lab_ev_int(e, "size", (int64_t)p->size);
    lab_ev_bool(e, "buffer", buffering(p));
    lab_ev_emit(e);

    p->t0 = lab_clock_us();
    start_client(p);
    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(p->loop, &p->mem, every);
    kit_every(p->loop, &p->sample_timer, every, on_sample, p);
    lab_demo_listen(d, p->loop, NULL, NULL);
    lab_demo_deadline(d, p->loop, on_deadline);
    lab_loop_run(p->loop);

    kit_mem_stop(&p->mem);
    summary(p);
    lab_stream **all[] = { &p->source, &p->client_out, &p->proxy_in, &p->proxy_out,
                           &p->hop_in, &p->proxy_res, &p->up_in, &p->up_sink };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) release(all[i]);
    lab_loop_free(p->loop);
    /* Out of time is an ending (complete false), not a failure. */
    int status = d->expired || !strcmp(p->client_result, "ok") ? 0 : 1;
    free(p->held);
    free(p);
    return status;
}

const lab_demo_def lab_demo_streams_proxy = {
    .name = "streams.proxy",
    .chapter = 2,
    .summary = "a proxy piping an incoming HTTP request into an outgoing one, unbuffered",
    .shows = "`hops` samples: bytes through the client, the proxy and the upstream moving "
             "together while the proxy holds a mark or two (proxy_held); the slow upstream's "
             "backpressure reaches the client (client_write_false, pause on client-src). "
             "buffer=1 holds the whole body: memory grows, the upstream waits",
    .duration_s = 20,
    .params = {
        { "size", LAB_PARAM_INT, 16 << 20, 1, 1LL << 32, NULL, "bytes",
          "how much the client uploads", false },
        { "chunk", LAB_PARAM_INT, 64 << 10, 1, 16 << 20, NULL, "bytes",
          "the client's piece size", false },
        { "upstream_ms", LAB_PARAM_INT, 1, 0, 10000, NULL, "ms",
          "the upstream takes this long over each piece it receives", true },
        { "buffer", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: the proxy collects the whole body before forwarding it", false },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms",
          "how often `hops` and `mem` samples are taken", false },
    },
    .run = run,
};
