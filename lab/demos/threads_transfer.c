/*
 * threads_transfer.c — demo `threads.transfer`: postMessage copies, a
 * transfer list moves.
 *
 * One worker thread answers every message with a few bytes: where the
 * message's bytes were in memory, and how many there were.  For each size
 * in `sizes` the main thread sends `count` messages both ways:
 *
 *   copy      lab_worker_post_chunk (postMessage(buf)): the runtime copies
 *             the bytes into a buffer of the receiver's own.  The time per
 *             message grows with the size: the copy *is* the cost.
 *   transfer  lab_worker_transfer (postMessage(buf, [buf])): the buffer
 *             itself moves, no byte is copied; the same cost for 1 KiB and
 *             64 MiB.  The worker sees the very address the sender filled
 *             (`same_memory`), and the sender's chunk is *detached*: length
 *             0, no bytes — what a transferred ArrayBuffer becomes.  Posting
 *             the detached chunk again is refused (Node's DataCloneError).
 *
 * Each time is one message there and its answer back, measured on the
 * main thread's clock; the median of `count` is reported.  Filling a fresh
 * buffer for each transfer is not timed.
 */
#include "threads_demo.h"
#include "events.h"
#include "telemetry.h"
#include "worker.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 12
enum { COPY, TRANSFER };

/* The worker's answer. */
typedef struct {
    uintptr_t addr;
    uint64_t len;
    unsigned char first, last;
} answer;

typedef struct {
    lab_demo *d;
    lab_loop *loop;
    lab_worker *w;
    int64_t sizes[MAX_SIZES];
    int nsizes, size_i, mode, sent, count;
    lab_chunk c;               /* the message being sent */
    uintptr_t sent_addr;
    uint64_t t0;
    double us[64], median[MAX_SIZES][2];
    bool same_memory, all_same_memory, detached, refused_again, bytes_ok;
} xfer_demo;

/* ---- the worker: answers with what it received ---------------------------------- */

static void echo(lab_port *port, const lab_message *m)
{
    if (m->data.len == 0) { lab_port_close(port); return; }      /* the end */
    const unsigned char *b = (const unsigned char *)m->data.data;
    answer a = { (uintptr_t)b, m->data.len, b[0], b[m->data.len - 1] };
    lab_port_post(port, &a, sizeof a);
}

static int echo_main(lab_worker *self, lab_loop *loop)
{
    lab_port_set_quiet(lab_worker_parent_port(self), true);
    return lab_port_on_message(lab_worker_parent_port(self), loop, echo);
}

/* ---- the main thread --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fill(lab_chunk *c, int64_t size)
{
    *c = lab_chunk_alloc((size_t)size);
    unsigned char *p = (unsigned char *)c->data;
    memset(p, 'x', (size_t)size);
    p[0] = 'A';
    p[size - 1] = 'Z';
}

static void send_next(xfer_demo *x)
{
    int64_t size = x->sizes[x->size_i];
    if (x->mode == TRANSFER || x->c.buf == NULL) fill(&x->c, size);
    x->sent_addr = (uintptr_t)x->c.data;
    x->t0 = lab_clock_us();
    int rc = x->mode == COPY ? lab_worker_post_chunk(x->w, &x->c) : lab_worker_transfer(x->w, &x->c);
    if (rc < 0) {
        fprintf(stderr, "threads.transfer: post failed: %s\n", strerror(-rc));
        lab_worker_terminate(x->w);
    }
}

/* After the first transfer: the sender's chunk is detached, and a
 * detached chunk cannot be posted again. */
static void show_detached(xfer_demo *x)
{
    x->detached = x->c.len == 0 && x->c.data == NULL;
    int rc = lab_worker_post_chunk(x->w, &x->c);
    x->refused_again = rc == -EINVAL;
    lab_ev *e = lab_ev_new("detached");
    lab_ev_int(e, "bytes_sent", x->sizes[x->size_i]);
    lab_ev_int(e, "sender_len_after", (int64_t)x->c.len);
    lab_ev_bool(e, "sender_data_null", x->c.data == NULL);
    lab_ev_str(e, "post_again", rc == 0 ? "ok" : rc == -EINVAL ? "DataCloneError (EINVAL)" : strerror(-rc));
    lab_ev_emit(e);
}

static void size_done(xfer_demo *x)
{
    qsort(x->us, (size_t)x->count, sizeof x->us[0], cmp_double);
    double med = x->us[x->count / 2];
    int64_t size = x->sizes[x->size_i];
    x->median[x->size_i][x->mode] = med;
    lab_ev *e = lab_ev_new("size");
    lab_ev_int(e, "bytes", size);
    lab_ev_str(e, "mode", x->mode == COPY ? "copy" : "transfer");
    lab_ev_int(e, "count", x->count);
    lab_ev_num(e, "us_per_msg", med);
    lab_ev_num(e, "mb_per_s", med > 0 ? (double)size / med : 0);
    if (x->mode == TRANSFER) lab_ev_bool(e, "same_memory", x->all_same_memory);
    lab_ev_emit(e);
}

static void on_answer(lab_worker *w, const lab_message *m)
{
    xfer_demo *x = lab_worker_user_data(w);
    answer a;
    if (m->data.len != sizeof a) return;
    memcpy(&a, m->data.data, sizeof a);
    x->us[x->sent] = (double)(lab_clock_us() - x->t0);
    int64_t size = x->sizes[x->size_i];
    x->bytes_ok = x->bytes_ok && a.len == (uint64_t)size && a.first == 'A' && a.last == 'Z';
    if (x->mode == TRANSFER) x->all_same_memory = x->all_same_memory && a.addr == x->sent_addr;
    if (x->mode == TRANSFER && x->size_i == 0 && x->sent == 0) show_detached(x);
    if (++x->sent < x->count) { send_next(x); return; }
    size_done(x);
    x->sent = 0;
    lab_chunk_release(&x->c);
    if (x->mode == COPY) x->mode = TRANSFER;
    else { x->mode = COPY; x->size_i++; }
    if (x->size_i < x->nsizes && !x->d->expired) send_next(x);
    else lab_worker_post(w, "", 0);                  /* the end: it closes */
}

static void on_exit_worker(lab_worker *w, int code)
{
    xfer_demo *x = lab_worker_user_data(w);
    x->w = NULL;
    lab_demo_deadline_cancel(x->d);
}

static const char *check_sizes(const char *text)
{
    int64_t sizes[MAX_SIZES];
    return lab_demo_parse_sizes(text, sizes, MAX_SIZES) > 0 ? NULL
         : "sizes must be a list like 1k,1M,64M (at most 12, each 1 byte to 64M)";
}

static void summary(xfer_demo *x)
{
    cJSON *sizes = cJSON_CreateArray(), *copy = cJSON_CreateArray(), *move = cJSON_CreateArray();
    int done = x->size_i < x->nsizes ? x->size_i : x->nsizes;
    for (int i = 0; i < done; i++) {
        cJSON_AddItemToArray(sizes, cJSON_CreateNumber((double)x->sizes[i]));
        cJSON_AddItemToArray(copy, cJSON_CreateNumber(x->median[i][COPY]));
        cJSON_AddItemToArray(move, cJSON_CreateNumber(x->median[i][TRANSFER]));
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_json(e, "sizes", sizes);
    lab_ev_json(e, "copy_us", copy);
    lab_ev_json(e, "transfer_us", move);
    if (done > 0) {
        double c = x->median[done - 1][COPY], t = x->median[done - 1][TRANSFER];
        lab_ev_num(e, "largest_copy_over_transfer", t > 0 ? c / t : 0);
    }
    lab_ev_bool(e, "same_memory", x->all_same_memory);
    lab_ev_bool(e, "detached", x->detached);
    lab_ev_bool(e, "detached_refused_again", x->refused_again);
    lab_ev_bool(e, "bytes_ok", x->bytes_ok);
    lab_ev_int(e, "sizes_done", done);
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d) { (void)d; /* on_answer stops at the next size */ }

static int run(lab_demo *d)
{
    xfer_demo x = { .d = d, .count = (int)lab_demo_int(d, "count"),
                    .all_same_memory = true, .bytes_ok = true };
    d->data = &x;
    x.nsizes = lab_demo_parse_sizes(lab_demo_str(d, "sizes"), x.sizes, MAX_SIZES);
    x.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_worker_options o = { .name = "echo", .main = echo_main, .on_message = on_answer,
                             .on_exit = on_exit_worker, .data = &x };
    x.w = lab_worker_new(x.loop, &o);
    if (!x.w) {
        perror("threads.transfer: worker");
        return 1;
    }
    lab_demo_deadline(d, x.loop, on_deadline);
    send_next(&x);
    lab_loop_run(x.loop);
    summary(&x);
    lab_chunk_release(&x.c);
    lab_loop_free(x.loop);
    return 0;
}

const lab_demo_def lab_demo_threads_transfer = {
    .name = "threads.transfer",
    .chapter = 5,
    .summary = "postMessage copies, a transfer moves: time per message against size, 1 KiB to 64 MiB",
    .shows = "size events: copy's us_per_msg grows with bytes, transfer's stays flat; detached: the "
             "sender's chunk has length 0 after the transfer and cannot be posted again; same_memory: "
             "the worker read the very bytes the sender filled",
    .duration_s = 60,
    .params = {
        { "sizes", LAB_PARAM_STR, 0, 0, 0, "1k,16k,256k,1M,4M,16M,64M", "bytes",
          "message sizes to try, comma-separated (k, M suffixes; up to 64M)", false, check_sizes },
        { "count", LAB_PARAM_INT, 5, 1, 64, NULL, "messages", "messages per size and mode (the median is shown)",
          false },
    },
    .run = run,
};
