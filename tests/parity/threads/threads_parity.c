/*
 * threads_parity.c — the C twins of tests/parity/threads/NAME.js.
 * `threads-parity NAME` runs one scenario and prints the lines the
 * JavaScript version prints under node; tests/parity_threads.sh diffs
 * them with the recorded node traces (NAME.expected).
 *
 * Where the JavaScript sorts or groups lines because two threads
 * interleave differently every run, this does the same, so what is
 * compared is what is fixed: the order within one thread, the values,
 * the counts.
 */
#define _GNU_SOURCE
#include "../driver.h"
#include "shared.h"
#include "worker.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message's bytes as a string (the workers post strings). */
static const char *S(const lab_message *m)
{
    static char out[256];
    snprintf(out, sizeof out, "%.*s", (int)m->data.len, (const char *)m->data.data);
    return out;
}

static void post_str(lab_port *p, const char *s) { lab_port_post(p, s, strlen(s)); }

/* Lines collected for printing at the end. */
static char lines[32][128];
static int nlines;
static void keep(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void keep(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lines[nlines++ % 32], 128, fmt, ap);
    va_end(ap);
}
static int by_text(const void *a, const void *b) { return strcmp(a, b); }

/* ---- atomics-values ------------------------------------------------------------ */

static void atomics_values(void)
{
    lab_shared *s = lab_shared_new(16);
    int32_t *a = lab_shared_int32(s);
    T("zeroed %d %d %d %d", a[0], a[1], a[2], a[3]);
    int32_t old;
    old = lab_atomics_add(&a[1], 5);       T("add %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_sub(&a[1], 2);       T("sub %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_and(&a[1], 2);       T("and %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_or(&a[1], 12);       T("or %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_xor(&a[1], 5);       T("xor %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_exchange(&a[1], 7);  T("exchange %d %d", old, lab_atomics_load(&a[1]));
    int32_t first = lab_atomics_compare_exchange(&a[1], 7, 9);
    int32_t second = lab_atomics_compare_exchange(&a[1], 7, 11);
    T("compareExchange %d %d %d", first, second, lab_atomics_load(&a[1]));
    old = lab_atomics_store(&a[1], -3);    T("store %d %d", old, lab_atomics_load(&a[1]));
    old = lab_atomics_add(&a[1], 2147483647);
    T("add wraps %d %d", old, lab_atomics_load(&a[1]));
    T("wait other value %s", lab_wait_result_name(lab_atomics_wait(&a[0], 1, INFINITY)));
    T("wait 0 ms %s", lab_wait_result_name(lab_atomics_wait(&a[0], 0, 0)));
    T("wait -5 ms %s", lab_wait_result_name(lab_atomics_wait(&a[0], 0, -5)));
    T("wait 20 ms %s", lab_wait_result_name(lab_atomics_wait(&a[0], 0, 20)));
    T("notify nobody %d", lab_atomics_notify(&a[0], 1));
    T("notify count 0 %d", lab_atomics_notify(&a[0], 0));
    lab_shared_unref(s);
}

/* ---- atomics-notify ---------------------------------------------------------------- */

typedef struct { lab_shared *sab; char name[4]; } notify_data;
static lab_shared *notify_sab;
static int exited;

static int notify_worker(lab_worker *self, lab_loop *l)
{
    const notify_data *d = lab_worker_data(self, NULL);
    int32_t *a = lab_shared_int32(d->sab);
    lab_atomics_add(&a[1], 1);
    char out[32];
    snprintf(out, sizeof out, "%s wait %s", d->name,
             lab_wait_result_name(lab_atomics_wait(&a[0], 0, INFINITY)));
    post_str(lab_worker_parent_port(self), out);
    return 0;
}

static void notify_message(lab_worker *w, const lab_message *m) { keep("%s", S(m)); }

static void notify_exit(lab_worker *w, int code)
{
    keep("%s exit %d", lab_worker_name(w), code);
    if (++exited < 2) return;
    qsort(lines, (size_t)nlines, sizeof lines[0], by_text);
    for (int i = 0; i < nlines; i++) T("%s", lines[i]);
    lab_shared_unref(notify_sab);
}

static void atomics_notify(void)
{
    notify_sab = lab_shared_new(8);
    int32_t *a = lab_shared_int32(notify_sab);
    for (int i = 1; i <= 2; i++) {
        notify_data d = { .sab = notify_sab };
        snprintf(d.name, sizeof d.name, "w%d", i);
        lab_worker_options o = { .name = d.name, .main = notify_worker, .worker_data = &d,
                                 .worker_data_len = sizeof d, .on_message = notify_message,
                                 .on_exit = notify_exit };
        lab_worker_new(loop, &o);
    }
    while (lab_atomics_load(&a[1]) < 2) lab_cpu_relax();      /* both about to wait */
    int woken = 0;
    while (woken < 1) woken += lab_atomics_notify(&a[0], 1);
    T("notify 1 woke %d", woken);
    woken = 0;
    while (woken < 1) woken += lab_atomics_notify(&a[0], -1);
    T("notify all woke %d", woken);
    T("notify again woke %d", lab_atomics_notify(&a[0], -1));
}

/* ---- message-order ------------------------------------------------------------------ */

static char order_lines[2][8][64];
static int order_n[2];

static void order_note(lab_worker *w, const char *what)
{
    int i = *lab_worker_name(w) - 'A';
    snprintf(order_lines[i][order_n[i]++ % 8], 64, "%s %s", lab_worker_name(w), what);
}

static void order_online(lab_worker *w) { order_note(w, "online"); }
static void order_message(lab_worker *w, const lab_message *m)
{
    char what[128];
    snprintf(what, sizeof what, "message %s", S(m));
    order_note(w, what);
}
static void order_exit(lab_worker *w, int code)
{
    char what[32];
    snprintf(what, sizeof what, "exit %d", code);
    order_note(w, what);
    if (++exited < 2) return;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < order_n[i]; j++) T("%s", order_lines[i][j]);
}

typedef struct { int count, last; long sum; bool ordered; lab_port *parent; } order_state;
static __thread order_state got;

static void b_message(lab_port *p, const lab_message *m)
{
    int v;
    memcpy(&v, m->data.data, sizeof v);
    got.ordered = got.ordered && v == got.last + 1;
    got.last = v;
    got.count++;
    got.sum += v;
}

static void b_close(lab_port *p)
{
    char out[64];
    snprintf(out, sizeof out, "got %d sum %ld ordered %s", got.count, got.sum, B(got.ordered));
    post_str(got.parent, out);
}

static int order_worker(lab_worker *self, lab_loop *l)
{
    lab_port *port = (lab_port *)lab_worker_data(self, NULL);
    const char *name = lab_worker_name(self);
    for (int i = 1; i <= 3; i++) {
        char out[8];
        snprintf(out, sizeof out, "%s%d", name, i);
        post_str(lab_worker_parent_port(self), out);
    }
    if (*name == 'A') {
        for (int i = 1; i <= 100; i++) lab_port_post(port, &i, sizeof i);
        lab_port_close(port);
        return 0;
    }
    got = (order_state){ .ordered = true, .parent = lab_worker_parent_port(self) };
    lab_port_on_close(port, b_close);
    return lab_port_on_message(port, l, b_message);
}

static void message_order(void)
{
    lab_port *port1, *port2;
    lab_channel_new(&port1, &port2);
    lab_port *ports[2] = { port1, port2 };
    const char *names[2] = { "A", "B" };
    for (int i = 0; i < 2; i++) {
        lab_worker_options o = { .name = names[i], .main = order_worker, .worker_data = ports[i],
                                 .on_online = order_online, .on_message = order_message,
                                 .on_exit = order_exit };
        lab_worker_new(loop, &o);
    }
}

/* ---- transfer-detach ------------------------------------------------------------------ */

static void echo_sizes(lab_port *port, const lab_message *m)
{
    static __thread int n;
    char out[64];
    if (m->data.len) snprintf(out, sizeof out, "%zu bytes, first %d", m->data.len,
                              ((unsigned char *)m->data.data)[0]);
    else snprintf(out, sizeof out, "0 bytes, first undefined");
    post_str(port, out);
    if (++n == 3) lab_port_close(port);
}

static int transfer_worker(lab_worker *self, lab_loop *l)
{
    return lab_port_on_message(lab_worker_parent_port(self), l, echo_sizes);
}

static void print_message(lab_worker *w, const lab_message *m) { T("worker got %s", S(m)); }
static void print_exit(lab_worker *w, int code) { T("exit %d", code); }

static void transfer_detach(void)
{
    lab_worker_options o = { .main = transfer_worker, .on_message = print_message,
                             .on_exit = print_exit };
    lab_worker *w = lab_worker_new(loop, &o);
    lab_chunk copied = lab_chunk_alloc(4), moved = lab_chunk_alloc(8);
    memset(copied.data, 1, copied.len);
    memset(moved.data, 7, moved.len);
    lab_worker_post_chunk(w, &copied);
    T("after copy %zu", copied.len);
    lab_worker_transfer(w, &moved);
    T("after transfer %zu", moved.len);
    lab_worker_transfer(w, &moved);
    T("transfer again %zu", moved.len);
    if (lab_worker_post_chunk(w, &moved) == -EINVAL)
        T("clone detached DataCloneError An ArrayBuffer is detached and could not be cloned.");
    lab_chunk_release(&copied);
}

/* ---- worker-failures ------------------------------------------------------------------ */

static const char *kinds[] = { "throw", "exit3", "terminate" };
static int kind_at;

static void throw_on_message(lab_port *port, const lab_message *m)
{
    lab_worker_fail(lab_port_data(port), NULL, "boom");
}

static int failing_worker(lab_worker *self, lab_loop *l)
{
    const char *kind = lab_worker_name(self);
    lab_port *pp = lab_worker_parent_port(self);
    if (strcmp(kind, "throw") == 0) {
        post_str(pp, "a");
        post_str(pp, "b");
        lab_port_set_data(pp, self);
        return lab_port_on_message(pp, l, throw_on_message);
    }
    if (strcmp(kind, "exit3") == 0) {
        post_str(pp, "first");
        lab_worker_exit(self, 3);
        return 0;
    }
    return lab_port_on_message(pp, l, NULL);      /* listens forever */
}

static void f_online(lab_worker *w)
{
    T("%s online", lab_worker_name(w));
    if (strcmp(lab_worker_name(w), "terminate") == 0) lab_worker_terminate(w);
}
static void f_message(lab_worker *w, const lab_message *m)
{
    T("%s message %s", lab_worker_name(w), S(m));
    if (strcmp(S(m), "b") == 0) lab_worker_post(w, "go", 2);
}
static void f_error(lab_worker *w, const char *code, const char *message)
{
    T("%s error %s", lab_worker_name(w), message);
}

static void next_failure(lab_loop *l, void *arg);
static void f_exit(lab_worker *w, int code)
{
    T("%s exit %d", lab_worker_name(w), code);
    lab_set_immediate(loop, next_failure, NULL);
}

static void next_failure(lab_loop *l, void *arg)
{
    if (kind_at == 3) { T("parent still running"); return; }
    lab_worker_options o = { .name = kinds[kind_at++], .main = failing_worker,
                             .on_online = f_online, .on_message = f_message,
                             .on_error = f_error, .on_exit = f_exit };
    lab_worker_new(loop, &o);
}

static void worker_failures(void) { next_failure(loop, NULL); }

/* ---- the driver ------------------------------------------------------------------------- */

#define SCENARIOS(X) X(atomics_values) X(atomics_notify) X(message_order) \
    X(transfer_detach) X(worker_failures)

static const parity_scenario scenarios[] = {
#define ENTRY(name) { #name, name },
    SCENARIOS(ENTRY)
#undef ENTRY
};

int main(int argc, char **argv)
{
    return parity_main(argc, argv, "threads-parity", "worker_threads", scenarios,
                       sizeof scenarios / sizeof scenarios[0], true);
}
