/* test_worker.c — worker threads and message ports (lab/runtime/threads/
 * worker.h, port.h), with Check: the event order, copy and transfer,
 * failures that the parent survives, terminate, ref/unref, and exact
 * counts when many threads post at once.  Judged by events and counts. */
#define _GNU_SOURCE
#include "worker.h"
#include "port.h"

#include "check_run.h"
#include "trace.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lab_loop *loop_of_test;

/* The parent's side, noting every event. */
static void p_online(lab_worker *w) { note("online"); }
static void p_message(lab_worker *w, const lab_message *m)
{
    note("message:%.*s", (int)m->data.len, (const char *)m->data.data);
}
static void p_error(lab_worker *w, const char *code, const char *message)
{
    note("error:%s:%s", code, message);
}
static void p_exit(lab_worker *w, int code) { note("exit:%d", code); }

static lab_worker_options watched(lab_worker_main *main)
{
    return (lab_worker_options){ .name = "t", .main = main, .on_online = p_online,
                                 .on_message = p_message, .on_error = p_error,
                                 .on_exit = p_exit };
}

static void post_str(lab_port *p, const char *s) { ck_assert_int_eq(lab_port_post(p, s, strlen(s)), 0); }

/* ---- the life of a worker ----------------------------------------------------- */

/* Echoes "pong:<msg>" and closes its parentPort after one message, so its
 * loop runs out of work and it exits 0. */
static void echo_message(lab_port *port, const lab_message *m)
{
    char out[64];
    snprintf(out, sizeof out, "pong:%.*s", (int)m->data.len, (const char *)m->data.data);
    post_str(port, out);
    lab_port_close(port);
}

static int echo_main(lab_worker *self, lab_loop *loop)
{
    return lab_port_on_message(lab_worker_parent_port(self), loop, echo_message);
}

START_TEST(online_message_both_ways_then_exit_0)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(echo_main);
    lab_worker *w = lab_worker_new(loop, &o);
    ck_assert_ptr_nonnull(w);
    ck_assert_int_gt(lab_worker_thread_id(w), 0);
    ck_assert_int_eq(lab_worker_post(w, "ping", 4), 0);   /* waits in its mailbox */
    ck_assert_int_eq(lab_loop_run(loop), 0);
    ck_assert_str_eq(trace, "online message:pong:ping exit:0");
    lab_loop_free(loop);
}
END_TEST

/* workerData: copied when a length is given, shared as a pointer when not.
 * The worker reports what it saw and its threadId. */
static int data_main(lab_worker *self, lab_loop *loop)
{
    size_t len;
    const char *d = lab_worker_data(self, &len);
    char out[128];
    snprintf(out, sizeof out, "%zu:%s:%p:main=%d:tid-ok=%d", len, d, (void *)d,
             lab_is_main_thread(), lab_thread_id() > 0);
    post_str(lab_worker_parent_port(self), out);
    return 0;
}

static char seen[2][128];
static void data_message(lab_worker *w, const lab_message *m)
{
    snprintf(seen[*(int *)lab_worker_user_data(w)], 128, "%.*s", (int)m->data.len,
             (const char *)m->data.data);
}

START_TEST(worker_data_is_copied_or_shared_as_asked)
{
    lab_loop *loop = lab_loop_new();
    static char text[] = "hello";
    int which[2] = { 0, 1 };
    lab_worker_options o = { .main = data_main, .on_message = data_message,
                             .worker_data = text, .worker_data_len = sizeof text,
                             .data = &which[0] };
    ck_assert_ptr_nonnull(lab_worker_new(loop, &o));
    o.worker_data_len = 0;
    o.data = &which[1];
    ck_assert_ptr_nonnull(lab_worker_new(loop, &o));
    lab_loop_run(loop);
    char want[128];
    snprintf(want, sizeof want, "0:hello:%p:main=0:tid-ok=1", (void *)text);
    ck_assert_str_eq(seen[1], want);                       /* the same memory */
    ck_assert(strncmp(seen[0], "6:hello:", 8) == 0);        /* a copy ... */
    ck_assert(strstr(seen[0], want + 8) == NULL);           /* ... elsewhere */
    ck_assert_int_eq(lab_thread_id(), 0);
    ck_assert(lab_is_main_thread());
    lab_loop_free(loop);
}
END_TEST

/* ---- failures: error, then exit 1, and the parent carries on ---------------- */

static int failing_main(lab_worker *self, lab_loop *loop) { return -ENOENT; }
static int failing_main_number(lab_worker *self, lab_loop *loop) { return 7; }

static void after_exit(lab_timer *t) { note("parent-still-running"); }

static void exit_then_timer(lab_worker *w, int code)
{
    p_exit(w, code);
    lab_timer *t = lab_worker_user_data(w);
    lab_timer_start(t, after_exit, 1, 0);
}

START_TEST(main_returning_non_zero_is_an_uncaught_error)
{
    lab_loop *loop = lab_loop_new();
    lab_timer t;
    lab_timer_init(loop, &t);
    trace[0] = 0;
    lab_worker_options o = watched(failing_main);
    o.on_exit = exit_then_timer;
    o.data = &t;
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online error:ENOENT:No such file or directory exit:1 "
                            "parent-still-running");
    trace[0] = 0;
    o.main = failing_main_number;
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online error:ERR_WORKER_MAIN:main returned 7 exit:1 "
                            "parent-still-running");
    lab_loop_free(loop);
}
END_TEST

/* Posts a and b, then fails when the parent answers; what it posts after
 * the failure never arrives. */
static void fail_on_message(lab_port *port, const lab_message *m)
{
    lab_worker *self = lab_port_data(port);
    lab_worker_fail(self, "EBOOM", "boom after %.*s", (int)m->data.len, (const char *)m->data.data);
    ck_assert_int_eq(lab_port_post(port, "late", 4), -EPIPE);
}

static int fail_later_main(lab_worker *self, lab_loop *loop)
{
    lab_port *pp = lab_worker_parent_port(self);
    lab_port_set_data(pp, self);
    post_str(pp, "a");
    post_str(pp, "b");
    return lab_port_on_message(pp, loop, fail_on_message);
}

static void reply_once(lab_worker *w, const lab_message *m)
{
    p_message(w, m);
    if (m->data.len == 1 && *(char *)m->data.data == 'b') lab_worker_post(w, "go", 2);
}

START_TEST(fail_from_a_callback_error_then_exit_1)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(fail_later_main);
    o.on_message = reply_once;
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online message:a message:b error:EBOOM:boom after go exit:1");
    lab_loop_free(loop);
}
END_TEST

static int exit3_main(lab_worker *self, lab_loop *loop)
{
    post_str(lab_worker_parent_port(self), "first");
    lab_worker_exit(self, 3);
    lab_worker_exit(self, 4);                 /* the first ending counts */
    return 0;
}

START_TEST(exit_code_is_the_workers_own_without_error)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(exit3_main);
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online message:first exit:3");
    lab_loop_free(loop);
}
END_TEST

/* ---- terminate, ref, unref ---------------------------------------------------- */

static void ignore(lab_port *port, const lab_message *m) { }
static int forever_main(lab_worker *self, lab_loop *loop)
{
    return lab_port_on_message(lab_worker_parent_port(self), loop, ignore);
}

static void terminate_when_online(lab_worker *w)
{
    p_online(w);
    lab_worker_terminate(w);
}

START_TEST(terminate_stops_a_listening_worker_with_exit_1)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(forever_main);
    o.on_online = terminate_when_online;
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online exit:1");
    lab_loop_free(loop);
}
END_TEST

/* A computation that never returns to its loop checks for terminate(). */
static int busy_main(lab_worker *self, lab_loop *loop)
{
    post_str(lab_worker_parent_port(self), "busy");
    while (!lab_worker_terminating(self)) lab_cpu_relax();
    return 0;
}

static uint64_t cpu_seen;
static void terminate_when_busy(lab_worker *w, const lab_message *m)
{
    p_message(w, m);
    cpu_seen = lab_worker_cpu_us(w);
    ck_assert_uint_gt(cpu_seen, 0);
    lab_worker_terminate(w);
}

/* The thread is joined before on_exit: its CPU time, taken as it ended,
 * is still there, and no less than what was seen while it ran. */
static void exit_with_cpu(lab_worker *w, int code)
{
    p_exit(w, code);
    ck_assert_uint_ge(lab_worker_cpu_us(w), cpu_seen);
}

START_TEST(terminate_reaches_a_busy_worker_that_checks)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(busy_main);
    o.on_message = terminate_when_busy;
    o.on_exit = exit_with_cpu;
    lab_worker_new(loop, &o);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "online message:busy exit:1");
    lab_loop_free(loop);
}
END_TEST

START_TEST(unref_lets_the_parent_loop_end_then_terminate_collects_it)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_worker_options o = watched(forever_main);
    lab_worker *w = lab_worker_new(loop, &o);
    lab_worker_unref(w);
    ck_assert_int_eq(lab_loop_run(loop), 0);    /* returns with w running */
    ck_assert(strstr(trace, "exit") == NULL);
    lab_worker_terminate(w);                   /* refs it again */
    lab_loop_run(loop);
    ck_assert(strstr(trace, "exit:1") != NULL);
    lab_loop_free(loop);
}
END_TEST

/* ---- copy and transfer --------------------------------------------------------- */

/* Reports each buffer's address and length, then echoes it back
 * transferred, so the parent gets its own memory home. */
static void report_and_return(lab_port *port, const lab_message *m)
{
    char out[96];
    snprintf(out, sizeof out, "%s:%zu:%p", m->transferred ? "transfer" : "copy", m->data.len,
             m->data.data);
    post_str(port, out);
    if (m->data.len == 0) { lab_port_close(port); return; }
    lab_chunk mine = lab_chunk_ref(&m->data);
    /* The message still holds a reference: transfer must refuse... */
    ck_assert_int_eq(lab_port_transfer(port, &mine), -EBUSY);
    lab_chunk copy = lab_chunk_copy(mine.data, mine.len);
    lab_chunk_release(&mine);
    ck_assert_int_eq(lab_port_transfer(port, &copy), 0);     /* ... a lone one moves */
    ck_assert(lab_chunk_empty(&copy));
}

static int transfer_main(lab_worker *self, lab_loop *loop)
{
    return lab_port_on_message(lab_worker_parent_port(self), loop, report_and_return);
}

static char replies[4][96];
static int nreplies;
static void collect(lab_worker *w, const lab_message *m)
{
    if (m->transferred) return;                  /* the echoed buffers */
    snprintf(replies[nreplies++ % 4], 96, "%.*s", (int)m->data.len, (const char *)m->data.data);
}

START_TEST(transfer_moves_the_memory_and_detaches_the_sender)
{
    lab_loop *loop = lab_loop_new();
    nreplies = 0;
    lab_worker_options o = { .main = transfer_main, .on_message = collect };
    lab_worker *w = lab_worker_new(loop, &o);

    lab_chunk copied = lab_chunk_alloc(4096), moved = lab_chunk_alloc(8192);
    memset(copied.data, 1, copied.len);
    memset(moved.data, 7, moved.len);
    void *moved_at = moved.data;
    ck_assert_int_eq(lab_worker_post(w, copied.data, copied.len), 0);
    ck_assert_int_eq(copied.len, 4096);                  /* the sender keeps it */

    lab_chunk other = lab_chunk_ref(&moved);             /* a second holder: */
    ck_assert_int_eq(lab_worker_transfer(w, &moved), -EBUSY);
    ck_assert_int_eq(moved.len, 8192);                   /* nothing happened */
    lab_chunk_release(&other);
    ck_assert_int_eq(lab_worker_transfer(w, &moved), 0);
    ck_assert(lab_chunk_empty(&moved));                  /* detached: len 0 */
    ck_assert_int_eq(lab_worker_transfer(w, &moved), 0); /* again: an empty one */
    lab_loop_run(loop);

    char want[96];
    ck_assert_int_eq(nreplies, 3);
    ck_assert(strncmp(replies[0], "copy:4096:", 10) == 0);
    snprintf(want, sizeof want, "copy:4096:%p", copied.data);
    ck_assert_str_ne(replies[0], want);                  /* other memory */
    snprintf(want, sizeof want, "transfer:8192:%p", moved_at);
    ck_assert_str_eq(replies[1], want);                  /* the same memory */
    snprintf(want, sizeof want, "transfer:0:%p", NULL);
    ck_assert_str_eq(replies[2], want);
    lab_chunk_release(&copied);
    lab_loop_free(loop);
}
END_TEST

START_TEST(a_detached_chunk_cannot_be_copied)
{
    lab_loop *loop = lab_loop_new();
    lab_port *a, *b;
    ck_assert_int_eq(lab_channel_new(&a, &b), 0);
    lab_chunk c = lab_chunk_str("abc");
    ck_assert_int_eq(lab_port_post_chunk(a, &c), 0);
    ck_assert_int_eq(lab_port_transfer(a, &c), 0);
    ck_assert_int_eq(lab_port_post_chunk(a, &c), -EINVAL);   /* DataCloneError */
    lab_port_stats st = lab_port_get_stats(a);
    ck_assert_uint_eq(st.posted, 2);
    ck_assert_uint_eq(st.copies, 1);
    ck_assert_uint_eq(st.transfers, 1);
    ck_assert_uint_eq(st.bytes, 6);
    ck_assert_uint_eq(lab_port_get_stats(b).depth, 2);
    lab_port_close(a);                                       /* b was never started */
    lab_port_close(b);
    lab_loop_run(loop);
    lab_loop_free(loop);
}
END_TEST

/* ---- MessageChannel -------------------------------------------------------------- */

static void ch_message(lab_port *p, const lab_message *m)
{
    note("%s:%.*s", (char *)lab_port_data(p), (int)m->data.len, (const char *)m->data.data);
}
static void ch_close(lab_port *p) { note("%s:close", (char *)lab_port_data(p)); }
static void ch_tick(lab_loop *loop, void *arg) { note("tick"); }
static void ch_message_tick(lab_port *p, const lab_message *m)
{
    ch_message(p, m);
    lab_next_tick(loop_of_test, ch_tick, NULL);
}

START_TEST(channel_delivers_in_order_then_both_ends_close)
{
    lab_loop *loop = lab_loop_new();
    loop_of_test = loop;
    trace[0] = 0;
    lab_port *a, *b;
    ck_assert_int_eq(lab_channel_new(&a, &b), 0);
    lab_port_set_data(a, "a");
    lab_port_set_data(b, "b");
    lab_port_on_close(a, ch_close);
    lab_port_on_close(b, ch_close);
    post_str(a, "1");                        /* before b listens: kept */
    ck_assert_int_eq(lab_port_on_message(b, loop, ch_message_tick), 0);
    lab_port_on_message(a, loop, ch_message);
    post_str(a, "2");
    post_str(b, "x");
    lab_port_close(a);                       /* after what a posted */
    ck_assert_int_eq(lab_port_post(a, "3", 1), -EPIPE);
    lab_loop_run(loop);
    /* The ticks run between two messages; a dropped the x it had not
     * delivered when it closed. */
    ck_assert_str_eq(trace, "b:1 tick b:2 tick a:close b:close");
    lab_loop_free(loop);
}
END_TEST

/* Large copies reuse a buffer the receiver is done with, and never one it
 * still holds. */
enum { BIG = 256 * 1024 };
static struct { lab_port *a, *b; int n; lab_chunk held; const void *second; } R;

static void post_big(lab_loop *loop, void *arg)
{
    static char bytes[BIG];
    memset(bytes, *(const char *)arg, BIG);
    ck_assert_int_eq(lab_port_post(R.a, bytes, BIG), 0);
}

static bool all_of(const lab_chunk *c, char v)
{
    for (size_t i = 0; i < c->len; i++)
        if (((const char *)c->data)[i] != v) return false;
    return c->len == BIG;
}

static void big_message(lab_port *p, const lab_message *m)
{
    switch (++R.n) {
    case 1:                                  /* kept past the callback */
        ck_assert(all_of(&m->data, 'A'));
        R.held = lab_chunk_ref(&m->data);
        lab_set_immediate(loop_of_test, post_big, "B");
        break;
    case 2:                                  /* not the held buffer */
        ck_assert(all_of(&m->data, 'B'));
        ck_assert_ptr_ne(m->data.data, R.held.data);
        ck_assert(all_of(&R.held, 'A'));
        lab_chunk_release(&R.held);
        R.second = m->data.data;
        lab_set_immediate(loop_of_test, post_big, "C");
        break;
    case 3:                                  /* the second's, back again */
        ck_assert(all_of(&m->data, 'C'));
        ck_assert_ptr_eq(m->data.data, R.second);
        lab_port_close(R.a);
        break;
    }
}

START_TEST(a_large_copy_reuses_a_buffer_the_receiver_let_go)
{
    lab_loop *loop = lab_loop_new();
    loop_of_test = loop;
    ck_assert_int_eq(lab_channel_new(&R.a, &R.b), 0);
    lab_port_on_message(R.b, loop, big_message);
    post_big(loop, "A");
    lab_loop_run(loop);
    ck_assert_int_eq(R.n, 3);
    lab_loop_free(loop);
}
END_TEST

START_TEST(an_unreferenced_port_does_not_keep_the_loop_alive)
{
    lab_loop *loop = lab_loop_new();
    lab_port *a, *b;
    lab_channel_new(&a, &b);
    lab_port_on_message(b, loop, ignore);
    lab_port_unref(b);
    ck_assert_int_eq(lab_loop_run(loop), 0);     /* returns: nothing holds it */
    lab_port_ref(b);
    lab_port_close(a);                           /* b closes when told */
    ck_assert_int_eq(lab_loop_run(loop), 0);
    lab_loop_free(loop);
}
END_TEST

/* ---- exact counts under contention ------------------------------------------------- */

enum { SENDERS = 4, EACH = 20000 };

/* Each sender posts EACH numbered messages; the parent checks every one
 * arrives exactly once and in its sender's order. */
static int sender_main(lab_worker *self, lab_loop *loop)
{
    lab_port *pp = lab_worker_parent_port(self);
    lab_port_set_quiet(pp, true);
    for (uint32_t i = 0; i < EACH; i++) {
        uint32_t msg[2] = { (uint32_t)lab_thread_id(), i };
        if (lab_port_post(pp, msg, sizeof msg) != 0) return -EPIPE;
    }
    return 0;
}

static uint32_t next_expected[64];
static uint64_t received, out_of_order, exits;
static void count_message(lab_worker *w, const lab_message *m)
{
    const uint32_t *v = m->data.data;
    if (v[1] != next_expected[v[0]]) out_of_order++;
    next_expected[v[0]] = v[1] + 1;
    received++;
}
static void count_exit(lab_worker *w, int code) { exits += code == 0; }

START_TEST(many_senders_every_message_once_in_order)
{
    lab_loop *loop = lab_loop_new();
    memset(next_expected, 0, sizeof next_expected);
    received = out_of_order = exits = 0;
    lab_worker_options o = { .main = sender_main, .on_message = count_message,
                             .on_exit = count_exit };
    for (int i = 0; i < SENDERS; i++) ck_assert_ptr_nonnull(lab_worker_new(loop, &o));
    lab_loop_run(loop);
    ck_assert_uint_eq(exits, SENDERS);
    ck_assert_uint_eq(received, (uint64_t)SENDERS * EACH);
    ck_assert_uint_eq(out_of_order, 0);
    lab_loop_free(loop);
}
END_TEST

/* ---- two workers talking over a channel of their own --------------------------------- */

/* A gets one end and posts 1..N; B gets the other, checks the order, and
 * tells the parent the count and the sum. */
enum { PAIR_N = 10000 };

static int pair_a_main(lab_worker *self, lab_loop *loop)
{
    lab_port *to_b = (lab_port *)lab_worker_data(self, NULL);
    for (int i = 1; i <= PAIR_N; i++) lab_port_post(to_b, &i, sizeof i);
    lab_port_close(to_b);                   /* B closes after the last one */
    return 0;
}

typedef struct { int count, last; long long sum; bool ordered; lab_port *parent; } pair_state;

static void pair_b_message(lab_port *p, const lab_message *m)
{
    pair_state *s = lab_port_data(p);
    int v;
    memcpy(&v, m->data.data, sizeof v);
    s->ordered = s->ordered && v == s->last + 1;
    s->last = v;
    s->count++;
    s->sum += v;
}

static void pair_b_close(lab_port *p)
{
    pair_state *s = lab_port_data(p);
    char out[96];
    snprintf(out, sizeof out, "count=%d sum=%lld ordered=%d", s->count, s->sum, s->ordered);
    post_str(s->parent, out);
}

static int pair_b_main(lab_worker *self, lab_loop *loop)
{
    static __thread pair_state s;
    s = (pair_state){ .ordered = true, .parent = lab_worker_parent_port(self) };
    lab_port *from_a = (lab_port *)lab_worker_data(self, NULL);
    lab_port_set_data(from_a, &s);
    lab_port_on_close(from_a, pair_b_close);
    return lab_port_on_message(from_a, loop, pair_b_message);
}

START_TEST(two_workers_keep_the_order_of_their_channel)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_port *a, *b;
    ck_assert_int_eq(lab_channel_new(&a, &b), 0);
    lab_worker_options ob = { .main = pair_b_main, .worker_data = b, .on_message = p_message };
    lab_worker_options oa = { .main = pair_a_main, .worker_data = a };
    lab_worker_new(loop, &ob);
    lab_worker_new(loop, &oa);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "message:count=10000 sum=50005000 ordered=1");
    lab_loop_free(loop);
}
END_TEST

int main(void)
{
    return CHECK_RUN("worker", 30, NULL, NULL,
                     online_message_both_ways_then_exit_0,
                     worker_data_is_copied_or_shared_as_asked,
                     main_returning_non_zero_is_an_uncaught_error,
                     fail_from_a_callback_error_then_exit_1,
                     exit_code_is_the_workers_own_without_error,
                     terminate_stops_a_listening_worker_with_exit_1,
                     terminate_reaches_a_busy_worker_that_checks,
                     unref_lets_the_parent_loop_end_then_terminate_collects_it,
                     transfer_moves_the_memory_and_detaches_the_sender,
                     a_detached_chunk_cannot_be_copied,
                     channel_delivers_in_order_then_both_ends_close,
                     a_large_copy_reuses_a_buffer_the_receiver_let_go,
                     an_unreferenced_port_does_not_keep_the_loop_alive,
                     many_senders_every_message_once_in_order,
                     two_workers_keep_the_order_of_their_channel);
}
