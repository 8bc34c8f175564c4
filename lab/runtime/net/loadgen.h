/*
 * loadgen.h — a small HTTP load generator on the loop, for demos and
 * tests: `connections` clients sending GET requests to 127.0.0.1, bounded
 * in count and in time.  (The benchmarks use wrk as well; this one lives
 * in the runtime so a demo can drive its own server and count what each
 * worker answered.)
 *
 * Each connection sends one request at a time and waits for the whole
 * response.  With keep-alive (the default) it sends the next on the same
 * connection; with new_connection it closes and connects again, which is
 * what exercises a cluster's scheduling (every connection is a decision).
 *
 * What it counts:
 *   ok         a complete response (any status; non_2xx counts the others)
 *   failed     a request that was sent and got no complete response: the
 *              connection broke, or no answer within timeout_ms
 *   refused    a connection the server refused (nobody listens): no
 *              request was sent
 *   retried    a request on a *reused* keep-alive connection that ended
 *              before a single byte of the response came back, sent again
 *              once on a new connection.  That is the keep-alive race every
 *              HTTP client meets (the server closed an idle connection just
 *              as the request left), and browsers and curl retry it the
 *              same way.  A request that fails on a fresh connection, or
 *              after some of its response, is not retried: it failed.
 * per worker: the X-Worker-Pid header of each response, counted by PID;
 * latency: from the request's first byte written (its connect included,
 * for a new connection) to its response's last byte, every one kept for
 * percentiles.
 *
 * Bounds: `requests` (a count) and/or `duration_ms` — at least one; after
 * either, no new request starts and the ones in flight finish (within
 * timeout_ms).  Only 127.0.0.1 is ever contacted.
 */
#ifndef LAB_LOADGEN_H
#define LAB_LOADGEN_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAB_LOADGEN_MAX_CONNECTIONS 1024
#define LAB_LOADGEN_MAX_REQUESTS 100000000ULL
#define LAB_LOADGEN_MAX_DURATION_MS (3600ULL * 1000)

typedef struct lab_loadgen lab_loadgen;

/* One finished request, for on_response. */
typedef struct {
    int status;                /* HTTP status, or 0 if it failed */
    pid_t worker_pid;          /* X-Worker-Pid of the response, or 0 */
    uint64_t latency_us;
    const char *error;         /* NULL, or why it failed/was refused
                                  ("ECONNRESET", "ECONNREFUSED", "timeout") */
    bool retried;              /* it is a retry of a keep-alive race */
} lab_loadgen_result;

typedef struct {
    int port;                  /* 127.0.0.1:port */
    const char *path;          /* NULL: "/" */
    int connections;           /* 1..1024; 0: 8 */
    bool new_connection;       /* a new connection per request */
    uint64_t requests;         /* stop after this many (0: no count bound) */
    uint64_t duration_ms;      /* stop after this long (0: no time bound) */
    double rate;               /* requests per second in all; 0: flat out */
    uint64_t timeout_ms;       /* 0: 10000 */
    uint64_t report_ms;        /* a `load` event this often (0: never) */
    void (*on_response)(lab_loadgen *lg, const lab_loadgen_result *r);
    void (*on_done)(lab_loadgen *lg);     /* every connection is idle */
    void *data;
} lab_loadgen_options;

typedef struct { pid_t pid; uint64_t count; } lab_loadgen_pid;

struct lab_loadgen {
    /* Read these freely. */
    lab_loop *loop;
    uint64_t sent, ok, failed, refused, retried, non_2xx;
    uint64_t connects;         /* connections opened */
    uint64_t bytes;            /* response bytes */
    lab_loadgen_pid *pids;     /* responses per X-Worker-Pid, first seen first */
    size_t npids;
    uint64_t started_us, ended_us;     /* lab_clock_us() */
    bool stopping, done;
    void *data;

    /* Private below. */
    lab_loadgen_options opts;
    struct lab_loadgen_conn *conns;
    int busy;                  /* connections not idle */
    uint32_t *lat;             /* latencies, µs */
    size_t nlat, lat_cap;
    bool lat_sorted;
    char request[256];
    size_t request_len;
    lab_timer deadline, report;
    uint64_t report_ok;        /* ok at the last report */
    size_t pids_cap;
};

/* Starts at once.  NULL with errno EINVAL for a bad option (no bound,
 * a port out of 1..65535, a bound past the maxima above). */
lab_loadgen *lab_loadgen_start(lab_loop *loop, const lab_loadgen_options *opts);
/* No new requests; the ones in flight finish, then on_done. */
void lab_loadgen_stop(lab_loadgen *lg);
/* Frees it (after on_done, or once the loop has ended). */
void lab_loadgen_free(lab_loadgen *lg);

/* Requests waiting now on keep-alive connections whose previous response
 * came from pid: the queue that worker has in front of it, as its
 * clients see it (a connection stays with the worker it landed on). */
int lab_loadgen_waiting(const lab_loadgen *lg, pid_t pid);
/* The p-th percentile of the latencies (p in 0..100), µs; 0 if none. */
uint64_t lab_loadgen_percentile(lab_loadgen *lg, double p);
/* Responses per second over the run (so far). */
double lab_loadgen_rate(const lab_loadgen *lg);
/* Emits the `load_done` event: the totals, percentiles, per PID counts. */
void lab_loadgen_report(lab_loadgen *lg);

/* ---- uploads: large request bodies, one connection each (loadgen_upload.c) ----
 *
 * The other half of a load test: instead of many small GETs, a few large
 * bodies sent at once, as clients uploading files do.  Each upload is one
 * `method` request (PUT by default) with `size` bytes of pseudo-random
 * body: slices of one block made once per process (xorshift64*, the same
 * on every run), each upload starting at its own offset `start`.  The
 * block's length is no multiple of the write size, so a piece lost or
 * sent twice changes the CRC-32 the upload keeps of what it sent.  The
 * writes point into the block (no copy, no allocation per piece) and obey
 * backpressure: write until the socket says false, wait for its drain.  A
 * server that pauses its reading therefore slows the sender down, which
 * is the point of the exercise.
 *
 * An answer that comes before the whole body was sent (413 from the
 * Content-Length) ends the sending.  cut_at > 0 makes the client hang up
 * after that many bytes: a client gone mid-body, for the server to clean
 * up after.  on_done runs once, however it ended (answer, error, cut,
 * lab_upload_abort); then lab_upload_free(). */
typedef struct lab_upload lab_upload;

typedef struct {
    int port;                  /* 127.0.0.1:port */
    const char *method;        /* NULL: "PUT" */
    const char *path;          /* "/upload/NAME" */
    uint64_t size;             /* the body's length (sent as Content-Length) */
    bool chunked;              /* no Content-Length: chunked framing */
    uint64_t cut_at;           /* hang up after this many bytes (0: never) */
    uint64_t start;            /* where in the pattern its bytes begin */
    bool text;                 /* log lines that compress, instead of
                                  random bytes that do not */
    void (*on_done)(lab_upload *u);
    void *data;
} lab_upload_options;

struct lab_upload {
    /* Read these freely (after on_done: final). */
    uint64_t size, sent;
    uint32_t crc;              /* CRC-32 of the bytes sent */
    int status;                /* the answer's HTTP status, or 0 */
    pid_t worker_pid;          /* its X-Worker-Pid, or 0 */
    bool done, answered, cut;
    char error[48];            /* why it ended without an answer, or "" */
    char response[256];        /* the answer's body (one line, newline cut) */
    size_t response_len;
    void *data;

    /* Private below. */
    lab_upload_options opts;
    struct lab_http_client *client;
};

/* Starts at once.  NULL with errno EINVAL for a port out of 1..65535 or
 * no path. */
lab_upload *lab_upload_start(lab_loop *loop, const lab_upload_options *opts);
/* Hangs up now, if it has not ended (error = why); on_done follows. */
void lab_upload_abort(lab_upload *u, const char *why);
void lab_upload_free(lab_upload *u);

#endif
