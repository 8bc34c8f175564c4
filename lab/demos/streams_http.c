/*
 * streams_http.c — demo `streams.http`: a server streaming a file to its
 * clients, the way a video server does, and what a slow client does to it.
 *
 *   server (127.0.0.1, an ephemeral port), for each GET:
 *       pipeline(createReadStream(file), res)
 *   built-in clients, `clients` of them, all at once:
 *       pipeline(res body, sink)      the first `slow` ones with a slow sink
 *
 * A fast client keeps the socket empty: the server's res.write() returns
 * true and the file streams at disk speed.  A slow client reads one chunk
 * every slow_ms: its body stream stops reading the socket, the kernel's
 * buffers on both sides fill, the server's socket queue grows, and
 * res.write() returns false — the server's file read waits for 'drain'.
 * The server never holds more than a chunk or two per connection, however
 * slow the client: `conn` samples show each connection's bytes sent, the
 * bytes queued in the server against the 16 KiB mark, and how long the
 * server has spent waiting for 'drain' (waited_ms).
 *
 * With 64 KiB file chunks every write() returns false, even to a fast
 * client (one chunk is over the 16 KiB mark; Node does the same): false
 * is advice, not trouble.  The difference is how long 'drain' takes.
 * The kernel's socket buffers hold a few MiB between the two, so the
 * slow client's effect shows once the file is larger than that.
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "http_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CLIENTS 16

typedef struct http_demo http_demo;

typedef struct conn {
    http_demo *h;
    int id;
    bool slow;
    /* server side */
    lab_stream *file, *res;
    uint64_t write_false, drains, max_queued;
    uint64_t false_at_us, waited_us;   /* time spent waiting for 'drain' */
    bool server_done;
    char server_result[40];
    /* client side */
    lab_http_client *client;
    lab_stream *body;          /* the response body while its pipeline runs */
    uint64_t received, start_us, end_us;
    bool client_done;
    char client_result[40];
} conn;

struct http_demo {
    lab_demo *demo;
    lab_loop *loop;
    lab_http_server srv;
    bool srv_closing;
    char path[PATH_MAX];
    uint64_t size;
    int nclients;
    conn conns[MAX_CLIENTS];
    lab_timer sample_timer;
    kit_mem mem;
};

static void maybe_close_server(http_demo *h)
{
    for (int i = 0; i < h->nclients; i++)
        if (!h->conns[i].client_done ||
            (h->conns[i].res && !h->conns[i].server_done))
            return;
    if (!h->srv_closing) {
        h->srv_closing = true;
        lab_timer_stop(&h->sample_timer);
        lab_demo_deadline_cancel(h->demo);
        lab_http_server_close(&h->srv, NULL);
    }
}

/* ---- the server -------------------------------------------------------- */

static void on_res_drain(lab_stream *s, const lab_event *ev, void *arg)
{
    conn *c = arg;
    c->drains++;
    if (c->false_at_us) c->waited_us += lab_clock_us() - c->false_at_us;
    c->false_at_us = 0;
}

/* After pipe() wrote a chunk to res: did write() say false? */
static void on_file_data(lab_stream *s, const lab_event *ev, void *arg)
{
    conn *c = arg;
    size_t q = lab_writable_length(c->res);
    if (q >= lab_writable_hwm(c->res)) {
        c->write_false++;
        if (!c->false_at_us) c->false_at_us = lab_clock_us();
    }
    if (q > c->max_queued) c->max_queued = q;
}

static void server_done(const lab_err *err, void *arg)
{
    conn *c = arg;
    c->server_done = true;
    snprintf(c->server_result, sizeof c->server_result, "%s", err ? err->code : "ok");
    maybe_close_server(c->h);
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    http_demo *h = srv->data;
    const char *q = strstr(req->url, "c=");
    int id = q ? atoi(q + 2) : 0;
    if (id < 1 || id > h->nclients || h->conns[id - 1].res) {
        lab_http_set_status(res, 404);
        lab_http_end(res, "no such client\n", 15, NULL, NULL);
        return;
    }
    conn *c = &h->conns[id - 1];
    char name[32];
    lab_http_set_header(res, "Content-Type", "text/plain");
    lab_fs_stream_opts fo = { .stream = { .hwm = (size_t)lab_demo_int(h->demo, "chunk") } };
    snprintf(name, sizeof name, "file-%d", id);
    fo.stream.name = name;
    c->file = lab_fs_read_stream(h->loop, h->path, &fo);
    snprintf(name, sizeof name, "res-%d", id);
    c->res = lab_http_out_stream(h->loop, res, &(lab_stream_opts){ .name = name });
    lab_stream_on(c->res, LAB_ON_DRAIN, on_res_drain, c);
    lab_pipeline((lab_stream *[]){ c->file, c->res }, 2, server_done, c);
    lab_stream_on(c->file, LAB_ON_DATA, on_file_data, c);   /* after pipe's */
}

/* ---- the clients ------------------------------------------------------- */

static void fast_write(lab_stream *s, const lab_chunk *chunk)
{
    conn *c = lab_stream_data(s);
    c->received += chunk->len;
    lab_write_done(s, NULL);
}

static const lab_stream_ops fast_ops = { .write = fast_write };

/* The client's end, reported once: by its pipeline when the response
 * came, else by the request's error (or the deadline, before a response). */
static void client_done(const lab_err *err, void *arg)
{
    conn *c = arg;
    c->client_done = true;
    c->body = NULL;            /* the pipeline lets go of it after this */
    c->end_us = lab_clock_us();
    snprintf(c->client_result, sizeof c->client_result, "%s", err ? err->code : "ok");
    lab_http_client_close(c->client);
    lab_ev *e = lab_ev_new("client");
    lab_ev_int(e, "id", c->id);
    lab_ev_bool(e, "slow", c->slow);
    lab_ev_int(e, "received", (int64_t)c->received);
    lab_ev_bool(e, "complete", c->received == c->h->size && !err);
    lab_ev_int(e, "ms", (int64_t)((c->end_us - c->start_us) / 1000));
    lab_ev_str(e, "result", c->client_result);
    lab_ev_emit(e);
    maybe_close_server(c->h);
}

static void on_response(lab_http_client *cl, lab_http_msg *res)
{
    conn *c = cl->data;
    http_demo *h = c->h;
    char name[32];
    snprintf(name, sizeof name, "body-%d", c->id);
    lab_stream *body = lab_http_msg_stream(h->loop, res, &(lab_stream_opts){ .name = name });
    snprintf(name, sizeof name, "client-%d", c->id);
    lab_stream *sink = c->slow
        ? kit_slow_sink(h->loop, name, 16384, h->demo, "slow_ms", &c->received)
        : lab_writable_new(h->loop, &fast_ops, &(lab_stream_opts){ .name = name }, c);
    lab_pipeline((lab_stream *[]){ body, sink }, 2, client_done, c);
    c->body = body;            /* the pipeline holds it until client_done */
    lab_stream_unref(body);
    lab_stream_unref(sink);
}

static void on_client_error(lab_http_client *cl, const char *code)
{
    conn *c = cl->data;
    if (c->body) return;       /* the body fails too: its pipeline reports */
    lab_err e = lab_err_make(code, "request failed: %s", code);
    client_done(&e, c);
}

static void start_client(http_demo *h, conn *c)
{
    char path[32];
    snprintf(path, sizeof path, "/video?c=%d", c->id);
    lab_http_request_opts o = { .port = h->srv.port, .path = path };
    c->start_us = lab_clock_us();
    c->client = lab_http_request(h->loop, &o, on_response, on_client_error, c);
    lab_http_end(&c->client->out, NULL, 0, NULL, NULL);
}

/* ---- watching, the end ------------------------------------------------- */

static void on_sample(lab_timer *t)
{
    http_demo *h = t->data;
    for (int i = 0; i < h->nclients; i++) {
        conn *c = &h->conns[i];
        if (!c->res) continue;
        lab_ev *e = lab_ev_new("conn");
        lab_ev_int(e, "id", c->id);
        lab_ev_bool(e, "slow", c->slow);
        lab_ev_int(e, "sent", (int64_t)lab_writable_total(c->res));
        lab_ev_int(e, "queued", (int64_t)lab_writable_length(c->res));
        lab_ev_int(e, "hwm", (int64_t)lab_writable_hwm(c->res));
        lab_ev_int(e, "received", (int64_t)c->received);
        lab_ev_int(e, "write_false", (int64_t)c->write_false);
        lab_ev_int(e, "drains", (int64_t)c->drains);
        lab_ev_int(e, "waited_ms", (int64_t)(c->waited_us / 1000));
        lab_ev_emit(e);
    }
}

static void on_deadline(lab_demo *d)
{
    http_demo *h = d->data;
    for (int i = 0; i < h->nclients; i++) {
        conn *c = &h->conns[i];
        lab_err e = lab_err_make("ETIMEDOUT", "the demo's time ran out");
        if (c->res && !c->server_done) lab_stream_destroy(c->file, &e);
        if (c->client_done) continue;
        /* A running pipeline reports the end itself: destroy its source
         * and let client_done come from there.  Closing the client here
         * too would free it under the pipeline, which closes it again. */
        if (c->body) lab_stream_destroy(c->body, &e);
        else client_done(&e, c);
    }
    maybe_close_server(h);
}

static void summary(http_demo *h)
{
    int complete = 0;
    uint64_t sent = 0, wf = 0;
    for (int i = 0; i < h->nclients; i++) {
        conn *c = &h->conns[i];
        complete += c->received == h->size && !strcmp(c->client_result, "ok");
        sent += c->res ? lab_writable_total(c->res) : 0;
        wf += c->write_false;
        lab_ev *e = lab_ev_new("conn_done");
        lab_ev_int(e, "id", c->id);
        lab_ev_bool(e, "slow", c->slow);
        lab_ev_int(e, "sent", c->res ? (int64_t)lab_writable_total(c->res) : 0);
        lab_ev_int(e, "received", (int64_t)c->received);
        lab_ev_int(e, "write_false", (int64_t)c->write_false);
        lab_ev_int(e, "drains", (int64_t)c->drains);
        lab_ev_int(e, "max_queued", (int64_t)c->max_queued);
        lab_ev_int(e, "waited_ms", (int64_t)(c->waited_us / 1000));
        lab_ev_int(e, "ms", (int64_t)((c->end_us - c->start_us) / 1000));
        lab_ev_str(e, "server", c->server_result);
        lab_ev_str(e, "client", c->client_result);
        lab_ev_emit(e);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "port", h->srv.port);
    lab_ev_int(e, "size", (int64_t)h->size);
    lab_ev_int(e, "clients", h->nclients);
    lab_ev_int(e, "complete", complete);
    lab_ev_int(e, "bytes_sent", (int64_t)sent);
    lab_ev_int(e, "write_false", (int64_t)wf);
    lab_ev_int(e, "rss_max", (int64_t)h->mem.max);
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    http_demo *h = calloc(1, sizeof *h);
    if (!h) return 1;
    h->demo = d;
    d->data = h;
    kit_tmp tmp = { "" };
    if (kit_input(d, lab_demo_str(d, "in"), &tmp,
                  (uint64_t)lab_demo_int(d, "size"), KIT_LOG, 20, h->path, sizeof h->path) < 0) {
        free(h);
        return 1;
    }
    struct stat st;
    h->size = stat(h->path, &st) == 0 ? (uint64_t)st.st_size : 0;
    h->loop = lab_loop_new();
    lab_demo_announce(d);
    int rc = lab_http_server_listen(&h->srv, h->loop, "127.0.0.1", 0, on_request);
    if (rc < 0) {
        fprintf(stderr, "nodelab: demo %s: cannot listen on 127.0.0.1: %s\n",
                d->def->name, strerror(-rc));
        lab_loop_free(h->loop);
        kit_tmp_remove(&tmp);
        free(h);
        return 1;
    }
    h->srv.data = h;
    lab_ev *e = lab_ev_new("serving");
    lab_ev_int(e, "port", h->srv.port);
    lab_ev_str(e, "file", h->path);
    lab_ev_int(e, "size", (int64_t)h->size);
    lab_ev_emit(e);

    h->nclients = (int)lab_demo_int(d, "clients");
    int slow = (int)lab_demo_int(d, "slow");
    for (int i = 0; i < h->nclients; i++) {
        conn *c = &h->conns[i];
        c->h = h;
        c->id = i + 1;
        c->slow = i < slow;
        start_client(h, c);
    }
    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(h->loop, &h->mem, every);
    kit_every(h->loop, &h->sample_timer, every, on_sample, h);
    lab_demo_listen(d, h->loop, NULL, NULL);
    lab_demo_deadline(d, h->loop, on_deadline);
    lab_loop_run(h->loop);

    kit_mem_stop(&h->mem);
    summary(h);
    for (int i = 0; i < h->nclients; i++) {
        if (h->conns[i].file) lab_stream_unref(h->conns[i].file);
        if (h->conns[i].res) lab_stream_unref(h->conns[i].res);
    }
    lab_loop_free(h->loop);
    kit_tmp_remove(&tmp);
    free(h);
    return 0;
}

const lab_demo_def lab_demo_streams_http = {
    .name = "streams.http",
    .chapter = 2,
    .summary = "an HTTP server streaming a file to fast and slow clients",
    .shows = "`conn` samples: bytes sent per connection; for a slow client the server's "
             "queue reaches its mark, write() returns false and the file waits for "
             "'drain', while fast clients are served at full speed",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to serve (default: a generated file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "size", LAB_PARAM_INT, 16 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated file when `in` is not given", false },
        { "clients", LAB_PARAM_INT, 2, 1, MAX_CLIENTS, NULL, "clients",
          "how many clients download the file at once", false },
        { "slow", LAB_PARAM_INT, 1, 0, MAX_CLIENTS, NULL, "clients",
          "how many of them read slowly", false },
        { "slow_ms", LAB_PARAM_INT, 10, 0, 10000, NULL, "ms",
          "a slow client takes this long over each chunk it receives", true },
        { "chunk", LAB_PARAM_INT, 64 << 10, 1, 16 << 20, NULL, "bytes",
          "the server's file read size (read stream highWaterMark)", false },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms",
          "how often `conn` and `mem` samples are taken", false },
    },
    .run = run,
};
