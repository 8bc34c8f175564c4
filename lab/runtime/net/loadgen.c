/*
 * loadgen.c — the HTTP load generator (see loadgen.h for what it counts).
 *
 * One lab_loadgen_conn per concurrent client, each a small state machine
 * on a TCP handle:
 *
 *   idle ─► connecting ─► waiting (request written, parsing the response)
 *     ▲                        │ complete: keep-alive → send again
 *     └────────────────────────┘ new_connection, or a broken one → close,
 *                                then idle again (connect anew)
 *
 * Responses are parsed with http-parser (as the server's requests are);
 * only the status, X-Worker-Pid and the end of the message matter here,
 * so the body is counted and dropped.
 */
#define _GNU_SOURCE
#include "loadgen.h"
#include "errors.h"
#include "events.h"
#include "grow.h"
#include "mem.h"
#include "tcp.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LATENCIES (16u * 1024 * 1024)   /* 64 MiB of samples at most */
#define REFUSED_PAUSE_MS 10                 /* before trying a refused slot again */

typedef enum { C_IDLE, C_CONNECTING, C_WAITING, C_CLOSING } conn_state;

typedef struct lab_loadgen_conn {
    lab_loadgen *lg;
    lab_tcp tcp;
    conn_state state;
    http_parser parser;
    lab_write_req wreq;
    lab_timer timer;           /* the request's timeout, or a pause */
    uint64_t sent_us;          /* this request's start */
    uint64_t next_at_us;       /* rate: not before this */
    uint64_t requests_here;    /* on this connection */
    size_t got;                /* response bytes of this request */
    bool retrying, reused, open, complete;
    int status;
    pid_t pid;
    pid_t last_pid;            /* who answered this connection's last request */
    char field[16];            /* the header name being parsed (prefix) */
    size_t field_len;
    bool in_pid;               /* the value being parsed is X-Worker-Pid */
} conn;

static void conn_next(conn *c);

/* ---- counting ------------------------------------------------------------------ */

static void count_pid(lab_loadgen *lg, pid_t pid)
{
    for (size_t i = 0; i < lg->npids; i++)
        if (lg->pids[i].pid == pid) { lg->pids[i].count++; return; }
    lg->pids = lab_grow_or_die(lg->pids, &lg->pids_cap, lg->npids + 1, sizeof *lg->pids, 8);
    lg->pids[lg->npids++] = (lab_loadgen_pid){ pid, 1 };
}

static void finish_request(conn *c, const char *error)
{
    lab_loadgen *lg = c->lg;
    lab_loadgen_result r = { .status = error ? 0 : c->status, .worker_pid = c->pid,
                             .latency_us = lab_clock_us() - c->sent_us,
                             .error = error, .retried = c->retrying };
    c->retrying = false;
    lab_timer_stop(&c->timer);
    if (!error) {
        lg->ok++;
        if (c->status < 200 || c->status > 299) lg->non_2xx++;
        if (c->pid) count_pid(lg, c->pid);
        c->last_pid = c->pid;
        if (lg->nlat < MAX_LATENCIES) {
            lg->lat = lab_grow_or_die(lg->lat, &lg->lat_cap, lg->nlat + 1, sizeof *lg->lat, 1024);
            lg->lat[lg->nlat++] = r.latency_us > UINT32_MAX ? UINT32_MAX : (uint32_t)r.latency_us;
            lg->lat_sorted = false;
        }
    } else if (strcmp(error, "ECONNREFUSED") == 0) {
        lg->refused++;
    } else {
        lg->failed++;
    }
    if (lg->opts.on_response) lg->opts.on_response(lg, &r);
}

/* ---- the response parser --------------------------------------------------------- */

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (c->in_pid || c->field_len == SIZE_MAX) c->field_len = 0;   /* a new field */
    c->in_pid = false;
    for (size_t i = 0; i < n && c->field_len < sizeof c->field; i++)
        c->field[c->field_len++] = at[i];
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    conn *c = p->data;
    if (!c->in_pid && c->field_len != SIZE_MAX) {
        c->in_pid = c->field_len == 12 && strncasecmp(c->field, "x-worker-pid", 12) == 0;
        if (c->in_pid) c->pid = 0;
        c->field_len = SIZE_MAX;           /* the next field starts afresh */
    }
    for (size_t i = 0; c->in_pid && i < n; i++)
        if (at[i] >= '0' && at[i] <= '9') c->pid = c->pid * 10 + (at[i] - '0');
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    conn *c = p->data;
    c->status = (int)p->status_code;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn *c = p->data;
    c->complete = true;
    http_parser_pause(p, 1);               /* one response per request */
    return 0;
}

static const http_parser_settings settings = {
    .on_header_field = on_header_field, .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete, .on_message_complete = on_message_complete,
};

/* ---- the connection ---------------------------------------------------------------- */

static void on_closed(lab_tcp *tcp)
{
    conn *c = tcp->data;
    c->open = false;
    c->state = C_IDLE;
    conn_next(c);
}

static void conn_close(conn *c)
{
    if (!c->open || c->state == C_CLOSING) return;
    c->state = C_CLOSING;
    lab_timer_stop(&c->timer);
    lab_tcp_close(&c->tcp, on_closed);
}

/* The connection broke while a request was out. */
static void broken(conn *c, const char *code)
{
    lab_loadgen *lg = c->lg;
    /* A retry finishes a request already counted as sent: it is made
     * even when no new request may start. */
    bool race = c->reused && c->got == 0 && !c->retrying;
    if (race) {
        lg->retried++;
        c->retrying = true;                /* conn_next sends it again */
    } else {
        finish_request(c, code);
    }
    conn_close(c);
}

static void on_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    conn *c = tcp->data;
    if (c->state == C_IDLE && n < 0) {
        /* The server ended the connection between two requests (its idle
         * timeout, a worker killed, a graceful stop): the next request
         * goes on a new one, as Node's agent drops a free socket on
         * 'close'.  Ignored, the next request would be written into a dead
         * connection and wait for its timeout (paced load, where
         * connections idle between requests, fell to a trickle). */
        conn_close(c);                     /* on_closed: conn_next */
        return;
    }
    if (c->state != C_WAITING) return;
    if (n == LAB_EOF) http_parser_execute(&c->parser, &settings, NULL, 0);  /* body until EOF */
    if (n < 0 && !c->complete) {
        broken(c, n == LAB_EOF ? "ECONNRESET" : lab_errno_name((int)-n));
        return;
    }
    size_t used = 0;
    if (n > 0) {
        c->got += (size_t)n;
        c->lg->bytes += (uint64_t)n;
        used = http_parser_execute(&c->parser, &settings, buf, (size_t)n);
    }
    if (c->complete) {
        bool keep = http_should_keep_alive(&c->parser) && !c->lg->opts.new_connection;
        c->state = C_IDLE;
        finish_request(c, NULL);
        if (keep && n > 0 && used == (size_t)n) conn_next(c);
        else conn_close(c);
        return;
    }
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) broken(c, http_errno_name(HTTP_PARSER_ERRNO(&c->parser)));
}

static void on_timeout(lab_timer *t)
{
    conn *c = t->data;
    if (c->state == C_IDLE) { conn_next(c); return; }   /* a pause ended */
    if (c->state != C_WAITING) return;
    c->retrying = false;
    finish_request(c, "timeout");
    conn_close(c);
}

static void on_written(lab_write_req *req, int status) { }

static void send_request(conn *c)
{
    lab_loadgen *lg = c->lg;
    c->state = C_WAITING;
    c->got = 0;
    c->complete = false;
    c->status = 0;
    c->pid = 0;
    c->field_len = 0;
    c->in_pid = false;
    c->reused = c->requests_here > 0;
    c->requests_here++;
    http_parser_init(&c->parser, HTTP_RESPONSE);
    c->parser.data = c;
    lab_iov b = { lg->request, lg->request_len };
    lab_tcp_write(&c->wreq, &c->tcp, &b, 1, on_written);
    lab_timer_start(&c->timer, on_timeout, lg->opts.timeout_ms, 0);
}

static void on_connect(lab_tcp *tcp, int status)
{
    conn *c = tcp->data;
    if (status < 0) {
        const char *code = lab_errno_name(-status);
        c->retrying = false;
        finish_request(c, code);
        conn_close(c);
        /* Nobody listens: do not spin on it. */
        if (status == -ECONNREFUSED) c->next_at_us = lab_clock_us() + REFUSED_PAUSE_MS * 1000;
        return;
    }
    lab_tcp_nodelay(tcp, true);
    lab_tcp_read_start(tcp, on_read);
    send_request(c);
}

static bool may_start(lab_loadgen *lg)
{
    if (lg->stopping) return false;
    if (lg->opts.requests && lg->sent >= lg->opts.requests) return false;
    return true;
}

static void maybe_done(lab_loadgen *lg);

/* The connection is free: its next request, now or when the rate allows. */
static void conn_next(conn *c)
{
    lab_loadgen *lg = c->lg;
    if (c->state != C_IDLE) return;
    bool retry = c->retrying;
    if (!retry && !may_start(lg)) {
        if (c->open) conn_close(c);
        else { lg->busy--; c->state = C_CLOSING; maybe_done(lg); }
        return;
    }
    uint64_t now = lab_clock_us();
    if (!retry && c->next_at_us > now) {                 /* paced */
        lab_timer_start(&c->timer, on_timeout, (c->next_at_us - now + 999) / 1000, 0);
        return;
    }
    if (!retry) {
        lg->sent++;
        if (lg->opts.rate > 0)
            c->next_at_us = (c->next_at_us > now ? c->next_at_us : now) +
                            (uint64_t)(1e6 * lg->opts.connections / lg->opts.rate);
    }
    c->sent_us = retry ? c->sent_us : now;
    if (c->open) { send_request(c); return; }
    lab_tcp_init(lg->loop, &c->tcp);
    c->tcp.data = c;
    c->requests_here = 0;
    c->last_pid = 0;
    c->open = true;
    c->state = C_CONNECTING;
    lg->connects++;
    int rc = lab_tcp_connect(&c->tcp, "127.0.0.1", lg->opts.port, on_connect);
    if (rc < 0) {                                        /* EMFILE... */
        c->open = false;
        c->state = C_IDLE;
        finish_request(c, lab_errno_name(-rc));
        c->next_at_us = now + REFUSED_PAUSE_MS * 1000;
        lab_timer_start(&c->timer, on_timeout, REFUSED_PAUSE_MS, 0);
    }
}

/* ---- the whole run --------------------------------------------------------------- */

static void report_progress(lab_timer *t)
{
    lab_loadgen *lg = t->data;
    lab_ev *e = lab_ev_new(LAB_EV(LOAD));
    if (!e) return;
    lab_ev_int(e, "sent", (int64_t)lg->sent);
    lab_ev_int(e, "ok", (int64_t)lg->ok);
    lab_ev_int(e, "failed", (int64_t)lg->failed);
    lab_ev_int(e, "refused", (int64_t)lg->refused);
    lab_ev_int(e, "retried", (int64_t)lg->retried);
    lab_ev_num(e, "rps", (double)(lg->ok - lg->report_ok) * 1000.0 / (double)lg->opts.report_ms);
    lab_ev_int(e, "connections", lg->busy);
    lab_ev_emit(e);
    lg->report_ok = lg->ok;
}

static void maybe_done(lab_loadgen *lg)
{
    if (lg->busy > 0 || lg->done) return;
    lg->done = true;
    lg->ended_us = lab_clock_us();
    lab_timer_stop(&lg->deadline);
    lab_timer_stop(&lg->report);
    if (lg->opts.on_done) lg->opts.on_done(lg);
}

static void on_deadline(lab_timer *t) { lab_loadgen_stop(t->data); }

lab_loadgen *lab_loadgen_start(lab_loop *loop, const lab_loadgen_options *opts)
{
    if (!opts || opts->port < 1 || opts->port > 65535 ||
        (!opts->requests && !opts->duration_ms) ||
        opts->requests > LAB_LOADGEN_MAX_REQUESTS ||
        opts->duration_ms > LAB_LOADGEN_MAX_DURATION_MS ||
        opts->connections < 0 || opts->connections > LAB_LOADGEN_MAX_CONNECTIONS ||
        opts->rate < 0) {
        errno = EINVAL;
        return NULL;
    }
    lab_loadgen *lg = lab_xcalloc(1, sizeof *lg);
    lg->loop = loop;
    lg->opts = *opts;
    lg->data = opts->data;
    lab_loadgen_options *o = &lg->opts;
    if (!o->connections) o->connections = 8;
    if (!o->timeout_ms) o->timeout_ms = 10000;
    if (o->requests && (uint64_t)o->connections > o->requests) o->connections = (int)o->requests;
    int n = snprintf(lg->request, sizeof lg->request,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: nodelab-loadgen\r\n%s\r\n",
                     o->path && *o->path ? o->path : "/", o->port,
                     o->new_connection ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof lg->request) { free(lg); errno = EINVAL; return NULL; }
    lg->request_len = (size_t)n;
    lg->conns = lab_xcalloc((size_t)o->connections, sizeof *lg->conns);
    lg->started_us = lab_clock_us();
    lab_timer_init(loop, &lg->deadline);
    lg->deadline.data = lg;
    if (o->duration_ms) lab_timer_start(&lg->deadline, on_deadline, o->duration_ms, 0);
    lab_timer_init(loop, &lg->report);
    lg->report.data = lg;
    if (o->report_ms) lab_timer_start(&lg->report, report_progress, o->report_ms, o->report_ms);
    lg->busy = o->connections;
    for (int i = 0; i < o->connections; i++) {
        conn *c = &lg->conns[i];
        c->lg = lg;
        lab_timer_init(loop, &c->timer);
        c->timer.data = c;
        conn_next(c);
    }
    return lg;
}

void lab_loadgen_stop(lab_loadgen *lg)
{
    if (lg->stopping) return;
    lg->stopping = true;
    lab_timer_stop(&lg->deadline);
    for (int i = 0; i < lg->opts.connections; i++) {
        conn *c = &lg->conns[i];
        if (c->state == C_IDLE) {               /* paced or paused: end now */
            lab_timer_stop(&c->timer);
            c->retrying = false;
            conn_next(c);
        }
    }
}

void lab_loadgen_free(lab_loadgen *lg)
{
    if (!lg) return;
    for (int i = 0; i < lg->opts.connections; i++) lab_timer_stop(&lg->conns[i].timer);
    lab_timer_stop(&lg->deadline);
    lab_timer_stop(&lg->report);
    free(lg->conns);
    free(lg->lat);
    free(lg->pids);
    free(lg);
}

int lab_loadgen_waiting(const lab_loadgen *lg, pid_t pid)
{
    int n = 0;
    for (int i = 0; i < lg->opts.connections; i++) {
        const conn *c = &lg->conns[i];
        n += c->state == C_WAITING && c->last_pid == pid;
    }
    return n;
}

/* ---- results ------------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t lab_loadgen_percentile(lab_loadgen *lg, double p)
{
    if (lg->nlat == 0) return 0;
    if (!lg->lat_sorted) {
        qsort(lg->lat, lg->nlat, sizeof *lg->lat, by_value);
        lg->lat_sorted = true;
    }
    if (p <= 0) return lg->lat[0];
    size_t i = (size_t)(p / 100.0 * (double)lg->nlat + 0.999999);
    if (i < 1) i = 1;
    if (i > lg->nlat) i = lg->nlat;
    return lg->lat[i - 1];
}

double lab_loadgen_rate(const lab_loadgen *lg)
{
    uint64_t end = lg->done ? lg->ended_us : lab_clock_us();
    double s = (double)(end - lg->started_us) / 1e6;
    return s > 0 ? (double)lg->ok / s : 0;
}

void lab_loadgen_report(lab_loadgen *lg)
{
    lab_ev *e = lab_ev_new(LAB_EV(LOAD_DONE));
    if (!e) return;
    uint64_t end = lg->done ? lg->ended_us : lab_clock_us();
    lab_ev_int(e, "sent", (int64_t)lg->sent);
    lab_ev_int(e, "ok", (int64_t)lg->ok);
    lab_ev_int(e, "failed", (int64_t)lg->failed);
    lab_ev_int(e, "refused", (int64_t)lg->refused);
    lab_ev_int(e, "retried", (int64_t)lg->retried);
    lab_ev_int(e, "non_2xx", (int64_t)lg->non_2xx);
    lab_ev_int(e, "connects", (int64_t)lg->connects);
    lab_ev_int(e, "connections", lg->opts.connections);
    lab_ev_bool(e, "new_connection", lg->opts.new_connection);
    lab_ev_num(e, "elapsed_ms", (double)(end - lg->started_us) / 1000.0);
    lab_ev_num(e, "rps", lab_loadgen_rate(lg));
    lab_ev_int(e, "p50_us", (int64_t)lab_loadgen_percentile(lg, 50));
    lab_ev_int(e, "p90_us", (int64_t)lab_loadgen_percentile(lg, 90));
    lab_ev_int(e, "p99_us", (int64_t)lab_loadgen_percentile(lg, 99));
    lab_ev_int(e, "max_us", (int64_t)lab_loadgen_percentile(lg, 100));
    struct cJSON *by = cJSON_CreateObject();
    for (size_t i = 0; i < lg->npids; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", (int)lg->pids[i].pid);
        cJSON_AddNumberToObject(by, k, (double)lg->pids[i].count);
    }
    lab_ev_json(e, "by_pid", by);
    lab_ev_emit(e);
}
