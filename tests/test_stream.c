/* test_stream.c — the stream core's edge cases, with Check.  (The event
 * order of whole scenarios is checked against node by tests/parity.sh.) */
#include "emitter.h"
#include "stream.h"
#include "telemetry.h"
#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a trace of what happened: "w:finish w:close ..." ------------------- */

static char trace[4096];
static void note(const char *fmt, ...)
{
    char one[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    if (*trace) strcat(trace, " ");
    strcat(trace, one);
}

static void rec(lab_stream *s, const lab_event *ev, void *arg)
{
    if (ev->type == LAB_ON_ERROR)
        note("%s:error:%s", lab_stream_name(s), ev->err->code);
    else if (ev->type == LAB_ON_DATA)
        note("%s:data:%zu", lab_stream_name(s), ev->chunk->len);
    else
        note("%s:%s", lab_stream_name(s), lab_stream_event_name(ev->type));
}

static void watch(lab_stream *s, const lab_stream_event *evs, size_t n)
{
    for (size_t i = 0; i < n; i++) lab_stream_on(s, evs[i], rec, NULL);
}
#define WATCH(s, ...) do { \
    static const lab_stream_event evs_[] = { __VA_ARGS__ }; \
    watch(s, evs_, sizeof evs_ / sizeof evs_[0]); } while (0)

static lab_stream_opts named(const char *name, size_t hwm)
{
    return (lab_stream_opts){ .name = name, .hwm = hwm };
}

/* Sinks and sources used by several tests. */
static void sync_write(lab_stream *s, const lab_chunk *c) { lab_write_done(s, NULL); }
static lab_stream *pending_write;      /* an asynchronous sink's write in flight */
static void async_write(lab_stream *s, const lab_chunk *c) { pending_write = s; }
static void complete_pending(lab_loop *loop, void *arg)
{
    lab_stream *s = pending_write;
    pending_write = NULL;
    if (s) lab_write_done(s, NULL);
}
static void idle_read(lab_stream *s, size_t n) {}

static const lab_stream_ops sync_sink = { .write = sync_write };
static const lab_stream_ops async_sink = { .write = async_write };
static const lab_stream_ops idle_source = { .read = idle_read };

/* ---- emitter ------------------------------------------------------------ */

static lab_emitter em;
static void em_invoke(lab_fnptr fn, void *arg, void *ctx) { ((void (*)(void *))fn)(arg); }
static void l_note(void *arg) { note("%s", (const char *)arg); }
static void l_remove_b(void *arg);
static void l_add_c(void *arg);
static void l_nested(void *arg);

static void l_remove_b(void *arg)
{
    note("a");
    lab_emitter_remove(&em, 0, (lab_fnptr)l_note, "b");
}
static void l_add_c(void *arg)
{
    note("x");
    lab_emitter_add(&em, 0, (lab_fnptr)l_note, "c", false, false);
}
static void l_nested(void *arg)
{
    note("n");
    if (strlen(trace) < 10) lab_emitter_emit(&em, 0, em_invoke, NULL);
}

START_TEST(emitter_order_prepend_and_snapshot)
{
    lab_emitter_init(&em);
    trace[0] = '\0';
    lab_emitter_add(&em, 0, (lab_fnptr)l_remove_b, NULL, false, false);
    lab_emitter_add(&em, 0, (lab_fnptr)l_note, "b", false, false);
    lab_emitter_add(&em, 0, (lab_fnptr)l_add_c, NULL, false, false);
    lab_emitter_add(&em, 0, (lab_fnptr)l_note, "p", false, true);     /* prepend */
    ck_assert(lab_emitter_emit(&em, 0, em_invoke, NULL));
    /* b was removed during the emit but is still called by it (Node's
     * copy of the list); c was added during it and is not. */
    ck_assert_str_eq(trace, "p a b x");
    ck_assert_int_eq(lab_emitter_count(&em, 0), 4);         /* p, a, x, c */
    ck_assert(!lab_emitter_emit(&em, 1, em_invoke, NULL));   /* nobody */
    lab_emitter_free(&em);
}
END_TEST

START_TEST(emitter_once_fires_once_even_when_nested)
{
    lab_emitter_init(&em);
    trace[0] = '\0';
    lab_emitter_add(&em, 0, (lab_fnptr)l_nested, NULL, false, false);
    lab_emitter_add(&em, 0, (lab_fnptr)l_note, "o", true, false);
    lab_emitter_emit(&em, 0, em_invoke, NULL);
    /* The nested emit reaches the once-listener first; the outer emit must
     * not call it again. */
    ck_assert_str_eq(trace, "n n n n n n o");
    ck_assert_int_eq(lab_emitter_count(&em, 0), 1);
    /* Removing the most recent copy of a pair added twice. */
    lab_emitter_add(&em, 2, (lab_fnptr)l_note, "d", false, false);
    lab_emitter_add(&em, 2, (lab_fnptr)l_note, "d", false, false);
    ck_assert(lab_emitter_remove(&em, 2, (lab_fnptr)l_note, "d"));
    ck_assert_int_eq(lab_emitter_count(&em, 2), 1);
    ck_assert_int_eq(lab_emitter_add(&em, LAB_EMITTER_MAX_EVENTS, (lab_fnptr)l_note, NULL,
                                     false, false), -1);
    lab_emitter_free(&em);
}
END_TEST

/* ---- chunks ------------------------------------------------------------- */

static int released;
static void count_release(lab_buf *b) { released++; free(b); }

START_TEST(chunk_references)
{
    released = 0;
    lab_chunk c = lab_chunk_copy("hello world", 11);
    c.buf->release = count_release;
    lab_chunk part = lab_chunk_slice(&c, 6, 100);      /* clamped */
    ck_assert_int_eq(part.len, 5);
    ck_assert_int_eq(memcmp(part.data, "world", 5), 0);
    lab_chunk_release(&c);
    ck_assert_int_eq(released, 0);                     /* part still holds it */
    ck_assert_ptr_null(c.buf);
    lab_chunk kept = lab_chunk_ref(&part);
    lab_chunk_release(&part);
    ck_assert_int_eq(released, 0);
    lab_chunk_release(&kept);
    ck_assert_int_eq(released, 1);
    lab_chunk s = lab_chunk_static("x", 1);
    ck_assert_ptr_null(s.buf);
    lab_chunk_release(&s);                             /* nothing to free */
}
END_TEST

static int freed_objects;
static void free_object(void *p) { freed_objects++; free(p); }

/* ---- readable ----------------------------------------------------------- */

START_TEST(push_returns_false_at_the_mark_and_zero_length_adds_nothing)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("r", 10);
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    ck_assert(lab_readable_push(r, lab_chunk_copy("12345", 5)));
    ck_assert(lab_readable_push(r, lab_chunk_static("", 0)));    /* adds nothing */
    ck_assert_int_eq(lab_readable_length(r), 5);
    ck_assert(lab_readable_push(r, lab_chunk_copy("6789", 4)));
    ck_assert(!lab_readable_push(r, lab_chunk_copy("0", 1)));    /* len 10 */
    ck_assert(!lab_readable_push(r, lab_chunk_copy("x", 1)));    /* advice only */
    ck_assert_int_eq(lab_readable_length(r), 11);
    lab_stream_unref(r);
    lab_loop_run(loop);
    lab_loop_free(loop);
}
END_TEST

START_TEST(object_mode_counts_objects)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = { .name = "r", .object_mode = true };
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    freed_objects = 0;
    ck_assert_int_eq(lab_readable_hwm(r), 16);
    for (int i = 1; i <= 16; i++) {
        bool ret = lab_readable_push(r, lab_chunk_object(malloc(100), 100, free_object));
        ck_assert(ret == (i < 16));
    }
    ck_assert_int_eq(lab_readable_length(r), 16);
    lab_chunk c;
    ck_assert(lab_readable_read(r, 1000, &c));     /* n ignored: one object */
    ck_assert_int_eq(lab_readable_length(r), 15);
    lab_chunk_release(&c);
    ck_assert_int_eq(freed_objects, 1);
    lab_stream_unref(r);                           /* frees the other 15 */
    lab_loop_run(loop);
    ck_assert_int_eq(freed_objects, 16);
    lab_loop_free(loop);
}
END_TEST

START_TEST(read_n_slices_and_concatenates)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("r", 0);
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    lab_chunk first = lab_chunk_copy("abcdef", 6);
    lab_buf *buf = first.buf;
    lab_readable_push(r, first);
    lab_readable_push(r, lab_chunk_copy("gh", 2));
    lab_chunk c;
    ck_assert(lab_readable_read(r, 2, &c));
    ck_assert_ptr_eq(c.buf, buf);                  /* a slice, no copy */
    ck_assert_int_eq(memcmp(c.data, "ab", 2), 0);
    lab_chunk_release(&c);
    ck_assert(lab_readable_read(r, 5, &c));        /* across two chunks */
    ck_assert_int_eq(c.len, 5);
    ck_assert_int_eq(memcmp(c.data, "cdefg", 5), 0);
    lab_chunk_release(&c);
    ck_assert(!lab_readable_read(r, 5, &c));       /* only 1 left, not ended */
    ck_assert(lab_readable_unshift(r, lab_chunk_copy("Z", 1)));
    ck_assert(lab_readable_read(r, LAB_READ_ANY, &c));
    ck_assert_int_eq(c.len, 2);
    ck_assert_int_eq(memcmp(c.data, "Zh", 2), 0);
    lab_chunk_release(&c);
    lab_stream_unref(r);
    lab_loop_run(loop);
    lab_loop_free(loop);
}
END_TEST

START_TEST(end_waits_until_consumed)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("r", 0);
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    WATCH(r, LAB_ON_END, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_readable_push(r, lab_chunk_copy("abc", 3));
    lab_readable_push_eof(r);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "");                   /* nobody read: no 'end' */
    ck_assert(lab_readable_eof(r) && !lab_readable_ended(r));
    lab_stream_on(r, LAB_ON_DATA, rec, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "r:data:3 r:end r:close");
    ck_assert(lab_readable_ended(r));
    ck_assert_int_eq(lab_readable_total(r), 3);
    lab_stream_unref(r);
    lab_loop_free(loop);
}
END_TEST

START_TEST(push_after_eof_is_an_error)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("r", 0);
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    WATCH(r, LAB_ON_ERROR, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_readable_push_eof(r);
    ck_assert(!lab_readable_push(r, lab_chunk_copy("late", 4)));
    ck_assert(lab_stream_destroyed(r));
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "r:error:ERR_STREAM_PUSH_AFTER_EOF r:close");
    lab_stream_unref(r);
    lab_loop_free(loop);
}
END_TEST

START_TEST(data_listener_while_paused_does_not_restart_flow)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("r", 0);
    lab_stream *r = lab_readable_new(loop, &idle_source, &o, NULL);
    ck_assert_int_eq(lab_readable_flowing(r), LAB_FLOWING_NULL);
    lab_readable_pause(r);
    ck_assert_int_eq(lab_readable_flowing(r), LAB_FLOWING_FALSE);
    trace[0] = '\0';
    lab_stream_on(r, LAB_ON_DATA, rec, NULL);
    lab_readable_push(r, lab_chunk_copy("abc", 3));
    lab_loop_run(loop);
    ck_assert_int_eq(lab_readable_flowing(r), LAB_FLOWING_FALSE);
    ck_assert_str_eq(trace, "");
    lab_readable_resume(r);
    ck_assert_int_eq(lab_readable_flowing(r), LAB_FLOWING_TRUE);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "r:data:3");
    lab_stream_unref(r);
    lab_loop_free(loop);
}
END_TEST

/* ---- writable ----------------------------------------------------------- */

START_TEST(write_returns_false_at_the_mark_and_drain_waits_for_empty)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("w", 10);
    lab_stream *w = lab_writable_new(loop, &async_sink, &o, NULL);
    WATCH(w, LAB_ON_DRAIN);
    trace[0] = '\0';
    ck_assert(lab_writable_write(w, lab_chunk_copy("12345", 5), NULL, NULL));
    ck_assert(lab_writable_write(w, lab_chunk_copy("6789", 4), NULL, NULL));
    ck_assert(!lab_writable_write(w, lab_chunk_copy("0", 1), NULL, NULL));
    ck_assert_int_eq(lab_writable_length(w), 10);
    ck_assert(lab_writable_need_drain(w));
    /* Complete writes one by one: no 'drain' until length is 0. */
    for (int i = 0; i < 2; i++) {
        lab_next_tick(loop, complete_pending, NULL);
        lab_loop_run(loop);
        ck_assert_str_eq(trace, "");
    }
    ck_assert_int_eq(lab_writable_length(w), 1);
    lab_next_tick(loop, complete_pending, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:drain");
    ck_assert_int_eq(lab_writable_total(w), 10);
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

static void note_cb(lab_stream *s, const lab_err *err, void *arg)
{
    note("%s:%s", (const char *)arg, err ? err->code : "ok");
}

static size_t seen_len[4], nseen;
static void record_write(lab_stream *s, const lab_chunk *c)
{
    seen_len[nseen++] = c->len;
    lab_write_done(s, NULL);
}

START_TEST(zero_length_write_reaches_the_sink)
{
    /* Node passes an empty Buffer to _write too (only push() drops it). */
    lab_loop *loop = lab_loop_new();
    static const lab_stream_ops ops = { .write = record_write };
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &ops, &o, NULL);
    nseen = 0;
    ck_assert(lab_writable_write(w, lab_chunk_static("", 0), NULL, NULL));
    ck_assert(lab_writable_write(w, lab_chunk_copy("ab", 2), NULL, NULL));
    ck_assert_int_eq(nseen, 2);
    ck_assert_int_eq(seen_len[0], 0);
    ck_assert_int_eq(seen_len[1], 2);
    lab_writable_end(w);
    lab_loop_run(loop);
    ck_assert(lab_writable_finished(w));
    ck_assert_int_eq(lab_writable_total(w), 2);
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

START_TEST(write_after_end)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &sync_sink, &o, NULL);
    WATCH(w, LAB_ON_FINISH, LAB_ON_ERROR, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_writable_end(w);
    ck_assert(!lab_writable_write(w, lab_chunk_copy("x", 1), note_cb, "cb"));
    ck_assert_str_eq(trace, "");                   /* all on later ticks */
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "cb:ERR_STREAM_WRITE_AFTER_END "
                            "w:error:ERR_STREAM_WRITE_AFTER_END w:close");
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

START_TEST(end_while_writes_in_flight)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &async_sink, &o, NULL);
    WATCH(w, LAB_ON_FINISH, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_writable_write(w, lab_chunk_copy("ab", 2), note_cb, "1");
    lab_writable_write(w, lab_chunk_copy("cd", 2), note_cb, "2");
    lab_writable_end_cb(w, note_cb, "end");
    ck_assert(lab_writable_ended(w) && !lab_writable_writable(w));
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "");                   /* still in flight */
    lab_next_tick(loop, complete_pending, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "1:ok");
    lab_next_tick(loop, complete_pending, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "1:ok 2:ok end:ok w:finish w:close");
    ck_assert(lab_writable_finished(w));
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

START_TEST(destroy_twice_one_error_one_close)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &async_sink, &o, NULL);
    WATCH(w, LAB_ON_ERROR, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_writable_write(w, lab_chunk_copy("ab", 2), note_cb, "1");
    lab_writable_write(w, lab_chunk_copy("cd", 2), note_cb, "2");
    lab_err e1 = lab_err_sys(EPIPE, "write");
    lab_err e2 = lab_err_make("EOTHER", "second");
    lab_stream_destroy(w, &e1);
    lab_stream_destroy(w, &e2);
    lab_stream_destroy(w, NULL);
    ck_assert_str_eq(lab_stream_errored(w)->code, "EPIPE");
    ck_assert_str_eq(lab_stream_errored(w)->message, "EPIPE: broken pipe, write");
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:error:EPIPE w:close");
    /* Queued writes fail once the write in flight has come back. */
    lab_next_tick(loop, complete_pending, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:error:EPIPE w:close 1:ok 2:EPIPE");
    ck_assert(lab_stream_closed(w));
    /* Writing to a destroyed stream fails, without a second 'error'. */
    trace[0] = '\0';
    ck_assert(!lab_writable_write(w, lab_chunk_copy("x", 1), note_cb, "3"));
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "3:ERR_STREAM_DESTROYED");
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

START_TEST(double_write_done_is_multiple_callback)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &async_sink, &o, NULL);
    WATCH(w, LAB_ON_ERROR);
    trace[0] = '\0';
    lab_writable_write(w, lab_chunk_copy("ab", 2), NULL, NULL);
    lab_stream *s = pending_write;
    lab_write_done(s, NULL);
    lab_write_done(s, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:error:ERR_MULTIPLE_CALLBACK");
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

static size_t batches[8], nbatches;
static void vec_write(lab_stream *s, const lab_chunk *chunks, size_t n)
{
    batches[nbatches++] = n;
    lab_write_done(s, NULL);
}

START_TEST(cork_hands_the_queue_to_writev)
{
    lab_loop *loop = lab_loop_new();
    static const lab_stream_ops ops = { .writev = vec_write };
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &ops, &o, NULL);
    nbatches = 0;
    trace[0] = '\0';
    lab_writable_write(w, lab_chunk_copy("a", 1), NULL, NULL);   /* writev of 1 */
    lab_writable_cork(w);
    for (int i = 0; i < 3; i++)
        lab_writable_write(w, lab_chunk_copy("bc", 2), note_cb, "cb");
    ck_assert_int_eq(nbatches, 1);
    ck_assert_int_eq(lab_writable_length(w), 6);
    lab_writable_uncork(w);
    ck_assert_int_eq(nbatches, 2);
    ck_assert_int_eq(batches[1], 3);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "cb:ok cb:ok cb:ok");
    ck_assert_int_eq(lab_writable_total(w), 7);
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

/* A writable whose _final and _destroy finish later. */
static lab_stream *pending_final, *pending_destroy;
static void slow_final(lab_stream *s) { note("final"); pending_final = s; }
static void slow_destroy(lab_stream *s, const lab_err *err)
{
    note("destroy"); pending_destroy = s;
}
static void finish_final(lab_loop *loop, void *arg) { lab_final_done(pending_final, NULL); }
static void finish_destroy(lab_loop *loop, void *arg)
{
    lab_destroy_done(pending_destroy, NULL);
}
static int frees;
static void count_free(lab_stream *s) { frees++; }

START_TEST(final_and_destroy_may_finish_later)
{
    lab_loop *loop = lab_loop_new();
    static const lab_stream_ops ops = { .write = sync_write, .final = slow_final,
                                        .destroy = slow_destroy, .free = count_free };
    lab_stream_opts o = named("w", 0);
    lab_stream *w = lab_writable_new(loop, &ops, &o, NULL);
    WATCH(w, LAB_ON_PREFINISH, LAB_ON_FINISH, LAB_ON_CLOSE);
    trace[0] = '\0';
    frees = 0;
    lab_writable_write(w, lab_chunk_copy("ab", 2), NULL, NULL);
    lab_writable_end(w);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "final");               /* 'finish' waits */
    lab_next_tick(loop, finish_final, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "final w:prefinish w:finish destroy");
    ck_assert(!lab_stream_closed(w));
    lab_next_tick(loop, finish_destroy, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "final w:prefinish w:finish destroy w:close");
    ck_assert_int_eq(frees, 0);
    lab_stream_unref(w);                            /* the last reference */
    ck_assert_int_eq(frees, 1);
    lab_loop_free(loop);
}
END_TEST

/* ---- pipe --------------------------------------------------------------- */

START_TEST(unpipe_pauses_source_and_leaves_destination_open)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts so = named("src", 0), dopt = named("dst", 0);
    lab_stream *src = lab_readable_new(loop, &idle_source, &so, NULL);
    lab_stream *dst = lab_writable_new(loop, &sync_sink, &dopt, NULL);
    WATCH(dst, LAB_ON_PIPE, LAB_ON_UNPIPE, LAB_ON_FINISH);
    WATCH(src, LAB_ON_PAUSE, LAB_ON_RESUME);
    trace[0] = '\0';
    lab_pipe(src, dst, true);
    lab_readable_push(src, lab_chunk_copy("abc", 3));
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "dst:pipe src:resume");
    ck_assert_int_eq(lab_writable_total(dst), 3);
    lab_unpipe(src, dst);
    lab_unpipe(src, dst);                           /* a second time: nothing */
    lab_readable_push(src, lab_chunk_copy("de", 2));
    lab_readable_push_eof(src);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "dst:pipe src:resume src:pause dst:unpipe");
    ck_assert_int_eq(lab_writable_total(dst), 3);   /* nothing more arrived */
    ck_assert(lab_writable_writable(dst));          /* and it was not ended */
    ck_assert_int_eq(lab_stream_listener_count(dst, LAB_ON_ERROR), 0);
    lab_stream_unref(src);
    lab_stream_unref(dst);
    lab_loop_free(loop);
}
END_TEST

START_TEST(slowest_destination_sets_the_pace)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts so = named("src", 0), fo = named("fast", 4), lo = named("slow", 4);
    lab_stream *src = lab_readable_new(loop, &idle_source, &so, NULL);
    lab_stream *fast = lab_writable_new(loop, &sync_sink, &fo, NULL);
    lab_stream *slow = lab_writable_new(loop, &async_sink, &lo, NULL);
    lab_pipe(src, fast, true);
    lab_pipe(src, slow, true);
    for (int i = 0; i < 3; i++) lab_readable_push(src, lab_chunk_copy("abcd", 4));
    lab_loop_run(loop);
    /* The slow one said false on the first chunk: the source paused with
     * the other two chunks still buffered, for both destinations. */
    ck_assert_int_eq(lab_readable_flowing(src), LAB_FLOWING_FALSE);
    ck_assert_int_eq(lab_writable_total(fast), 0 + 4);
    ck_assert_int_eq(lab_readable_length(src), 8);
    lab_next_tick(loop, complete_pending, NULL);   /* slow drains */
    lab_loop_run(loop);
    ck_assert_int_eq(lab_writable_total(fast), 8);
    ck_assert_int_eq(lab_writable_total(slow), 4);
    lab_unpipe(src, NULL);
    lab_next_tick(loop, complete_pending, NULL);
    lab_loop_run(loop);
    lab_stream_unref(src);
    lab_stream_unref(fast);
    lab_stream_unref(slow);
    lab_loop_free(loop);
}
END_TEST

START_TEST(pipe_without_end_leaves_destination_open)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts so = named("src", 0), dopt = named("dst", 0);
    lab_stream *src = lab_readable_new(loop, &idle_source, &so, NULL);
    lab_stream *dst = lab_writable_new(loop, &sync_sink, &dopt, NULL);
    lab_pipe(src, dst, false);
    lab_readable_push(src, lab_chunk_copy("abc", 3));
    lab_readable_push_eof(src);
    lab_loop_run(loop);
    ck_assert(lab_readable_ended(src));
    ck_assert(!lab_writable_ended(dst));
    ck_assert_int_eq(lab_writable_total(dst), 3);
    lab_stream_unref(src);
    lab_stream_unref(dst);
    lab_loop_free(loop);
}
END_TEST

/* ---- finished and pipeline ---------------------------------------------- */

static void note_finished(lab_stream *s, const lab_err *err, void *arg)
{
    note("finished:%s:%s", lab_stream_name(s), err ? err->code : "ok");
}

START_TEST(finished_reports_premature_close_and_can_be_cancelled)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts a = named("a", 0), b = named("b", 0);
    lab_stream *ra = lab_readable_new(loop, &idle_source, &a, NULL);
    lab_stream *wb = lab_writable_new(loop, &sync_sink, &b, NULL);
    trace[0] = '\0';
    lab_stream_finished(ra, LAB_SIDE_AUTO, note_finished, NULL);
    lab_finished *f = lab_stream_finished(wb, LAB_SIDE_AUTO, note_finished, NULL);
    lab_stream_destroy(ra, NULL);                   /* closed before 'end' */
    lab_writable_end(wb);
    lab_finished_cancel(f);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "finished:a:ERR_STREAM_PREMATURE_CLOSE");
    /* Watching a stream that is already over answers on the next tick. */
    trace[0] = '\0';
    lab_stream_finished(wb, LAB_SIDE_AUTO, note_finished, NULL);
    ck_assert_str_eq(trace, "");
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "finished:b:ok");
    lab_stream_unref(ra);
    lab_stream_unref(wb);
    lab_loop_free(loop);
}
END_TEST

static int pipeline_calls;
static void count_pipeline(const lab_err *err, void *arg)
{
    pipeline_calls++;
    note("pipeline:%s", err ? err->code : "ok");
}

START_TEST(pipeline_calls_back_once_and_destroys_everything)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts so = named("src", 0), dopt = named("dst", 0);
    lab_stream *src = lab_readable_new(loop, &idle_source, &so, NULL);
    lab_stream *mid = lab_passthrough_new(loop, NULL);
    lab_stream *dst = lab_writable_new(loop, &async_sink, &dopt, NULL);
    lab_stream *v[] = { src, mid, dst };
    ck_assert_ptr_null(lab_pipeline(v, 1, count_pipeline, NULL));
    ck_assert_ptr_eq(lab_pipeline(v, 3, count_pipeline, NULL), dst);
    pipeline_calls = 0;
    trace[0] = '\0';
    lab_readable_push(src, lab_chunk_copy("abc", 3));
    lab_loop_run(loop);
    lab_err e = lab_err_sys(ENOSPC, "write");
    lab_err e2 = lab_err_sys(EIO, "write");
    lab_stream_destroy(dst, &e);
    lab_stream_destroy(src, &e2);                  /* too late: first error won */
    lab_loop_run(loop);
    ck_assert_int_eq(pipeline_calls, 1);
    ck_assert_str_eq(trace, "pipeline:ENOSPC");
    ck_assert(lab_stream_destroyed(src) && lab_stream_destroyed(mid) &&
              lab_stream_destroyed(dst));
    for (int i = 0; i < 3; i++) lab_stream_unref(v[i]);
    lab_loop_free(loop);
}
END_TEST

/* ---- duplex ------------------------------------------------------------- */

START_TEST(duplex_without_half_open_ends_its_writable_side)
{
    lab_loop *loop = lab_loop_new();
    static const lab_stream_ops ops = { .read = idle_read, .write = sync_write };
    lab_stream_opts o = { .name = "d", .no_half_open = true };
    lab_stream *d = lab_duplex_new(loop, &ops, &o, NULL);
    WATCH(d, LAB_ON_END, LAB_ON_FINISH, LAB_ON_CLOSE);
    trace[0] = '\0';
    lab_stream_on(d, LAB_ON_DATA, rec, NULL);
    lab_readable_push(d, lab_chunk_copy("hi", 2));
    lab_readable_push_eof(d);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "d:data:2 d:end d:finish d:close");
    lab_stream_unref(d);

    /* With half-open (the default) the writable side stays open. */
    lab_stream_opts h = { .name = "h" };
    lab_stream *hd = lab_duplex_new(loop, &ops, &h, NULL);
    lab_stream_on(hd, LAB_ON_DATA, rec, NULL);
    lab_readable_push_eof(hd);
    lab_loop_run(loop);
    ck_assert(lab_readable_ended(hd) && lab_writable_writable(hd));
    ck_assert(!lab_stream_destroyed(hd));
    lab_stream_destroy(hd, NULL);
    lab_loop_run(loop);
    lab_stream_unref(hd);
    lab_loop_free(loop);
}
END_TEST

/* ---- telemetry ---------------------------------------------------------- */

static char *read_all(int fd)
{
    static char buf[1 << 16];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)n;
    buf[len] = '\0';
    return buf;
}

START_TEST(telemetry_core_events_and_fields)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    lab_loop *loop = lab_loop_new();
    lab_stream_opts so = named("source", 4), dopt = named("sink", 4);
    lab_stream_opts qo = { .name = "quiet", .quiet = true };
    lab_stream *src = lab_readable_new(loop, &idle_source, &so, NULL);
    lab_stream *dst = lab_writable_new(loop, &sync_sink, &dopt, NULL);
    lab_stream *q = lab_writable_new(loop, &sync_sink, &qo, NULL);
    lab_writable_write(q, lab_chunk_copy("zz", 2), NULL, NULL);
    lab_stream_on(q, LAB_ON_ERROR, rec, NULL);
    lab_pipe(src, dst, true);
    lab_readable_push(src, lab_chunk_copy("abcd", 4));
    lab_readable_push_eof(src);
    lab_loop_run(loop);
    lab_err e = lab_err_sys(ENOENT, "open 'x'");
    lab_stream_destroy(q, &e);
    lab_loop_run(loop);
    lab_tel_close(1000);
    close(fds[1]);
    char *text = read_all(fds[0]);
    close(fds[0]);

    int push = 0, write = 0, data = 0, end = 0, finish = 0, close_ = 0, resume = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        ck_assert_msg(ev != NULL, "not JSON: %s", line);
        const char *name = cJSON_GetObjectItem(ev, "ev")->valuestring;
        cJSON *stream = cJSON_GetObjectItem(ev, "stream");
        ck_assert_msg(cJSON_IsString(stream), "no stream in %s", line);
        ck_assert_str_ne(stream->valuestring, "quiet");
        if (!strcmp(name, "push") && !cJSON_GetObjectItem(ev, "eof")) {
            push++;
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "size")->valueint, 4);
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "hwm")->valueint, 4);
            ck_assert(cJSON_IsBool(cJSON_GetObjectItem(ev, "ret")));
            ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(ev, "len")));
        } else if (!strcmp(name, "write")) {
            write++;
            ck_assert_str_eq(stream->valuestring, "sink");
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "size")->valueint, 4);
            /* A synchronous sink is done before write() returns. */
            ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(ev, "ret")));
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "len")->valueint, 0);
        } else if (!strcmp(name, "data")) {
            data++;
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "size")->valueint, 4);
        } else if (!strcmp(name, "end")) {
            end++;
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "bytes")->valueint, 4);
        } else if (!strcmp(name, "finish")) {
            finish++;
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "bytes")->valueint, 4);
        } else if (!strcmp(name, "close")) {
            close_++;
        } else if (!strcmp(name, "resume")) {
            resume++;
        } else if (!strcmp(name, "error")) {
            ck_assert(0);                    /* only the quiet stream failed */
        }
        cJSON_Delete(ev);
    }
    ck_assert_int_eq(push, 1);
    ck_assert_int_eq(write, 1);
    ck_assert_int_eq(data, 1);
    ck_assert_int_eq(end, 1);
    ck_assert_int_eq(finish, 1);
    ck_assert_int_eq(close_, 2);
    ck_assert_int_eq(resume, 1);
    lab_stream_unref(src);
    lab_stream_unref(dst);
    lab_stream_unref(q);
    lab_loop_free(loop);
}
END_TEST

/* A gauge follows a buffer down as well as up: each completed write
 * (`written`) and each chunk taken out (`data`) says the length it leaves.
 * And each stream says once what it is (`stream`). */
START_TEST(telemetry_reports_lengths_as_buffers_drain)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    lab_loop *loop = lab_loop_new();
    lab_stream_opts wo = named("sink", 10), ro = named("source", 100);
    lab_stream *w = lab_writable_new(loop, &async_sink, &wo, NULL);
    lab_stream *r = lab_readable_new(loop, &idle_source, &ro, NULL);
    for (int i = 0; i < 3; i++) lab_writable_write(w, lab_chunk_copy("abcd", 4), NULL, NULL);
    for (int i = 0; i < 3; i++) complete_pending(loop, NULL);   /* 12 → 8 → 4 → 0 */
    for (int i = 0; i < 3; i++) lab_readable_push(r, lab_chunk_copy("wxyz", 4));
    lab_chunk c;
    for (int i = 0; i < 3; i++) {                               /* 12 → 8 → 4 → 0 */
        ck_assert(lab_readable_read(r, 4, &c));
        lab_chunk_release(&c);
    }
    lab_tel_close(1000);
    close(fds[1]);
    char *text = read_all(fds[0]);
    close(fds[0]);

    char written[64] = "", data[64] = "", kinds[64] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        const char *name = cJSON_GetObjectItem(ev, "ev")->valuestring;
        const cJSON *len = cJSON_GetObjectItem(ev, "len");
        char *at = !strcmp(name, "written") ? written : !strcmp(name, "data") ? data : NULL;
        if (at) snprintf(at + strlen(at), 64 - strlen(at), " %d", len ? len->valueint : -1);
        if (!strcmp(name, "stream"))
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), " %s:%s",
                     cJSON_GetObjectItem(ev, "stream")->valuestring,
                     cJSON_GetObjectItem(ev, "kind")->valuestring);
        cJSON_Delete(ev);
    }
    ck_assert_str_eq(written, " 8 4 0");
    ck_assert_str_eq(data, " 8 4 0");
    ck_assert_str_eq(kinds, " sink:writable source:readable");
    lab_stream_destroy(w, NULL);          /* closes on the loop: free both */
    lab_stream_destroy(r, NULL);
    lab_loop_run(loop);
    lab_stream_unref(w);
    lab_stream_unref(r);
    lab_loop_free(loop);
}
END_TEST

START_TEST(misuse_is_reported_not_fatal)
{
    lab_loop *loop = lab_loop_new();
    lab_stream_opts ro = named("r", 0), wo = named("w", 0);
    lab_stream *r = lab_readable_new(loop, &idle_source, &ro, NULL);
    lab_stream *w = lab_writable_new(loop, &sync_sink, &wo, NULL);
    ck_assert_ptr_null(lab_readable_new(loop, &sync_sink, &ro, NULL));  /* no read op */
    ck_assert(!lab_writable_write(r, lab_chunk_copy("x", 1), NULL, NULL));
    ck_assert(!lab_readable_push(w, lab_chunk_copy("x", 1)));
    lab_readable_pause(w);
    ck_assert_int_eq(lab_readable_flowing(w), LAB_FLOWING_NULL);
    ck_assert_ptr_null(lab_pipe(r, r, true));
    lab_stream *bad[] = { w, r };
    ck_assert_ptr_null(lab_pipeline(bad, 2, NULL, NULL));
    WATCH(w, LAB_ON_ERROR, LAB_ON_CLOSE);
    trace[0] = '\0';
    ck_assert_ptr_null(lab_pipe(w, r, true));      /* Writable.pipe() */
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:error:ERR_STREAM_CANNOT_PIPE w:close");
    lab_stream_unref(r);
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

START_TEST(errors_carry_node_codes)
{
    lab_err e = lab_err_sys(ENOENT, "open 'missing.txt'");
    ck_assert_int_eq(e.errnum, ENOENT);
    ck_assert_str_eq(e.code, "ENOENT");
    ck_assert_str_eq(e.message, "ENOENT: no such file or directory, open 'missing.txt'");
    lab_err m = lab_err_make(LAB_ERR_PREMATURE_CLOSE, "Premature close");
    ck_assert_int_eq(m.errnum, 0);
    ck_assert_str_eq(m.code, "ERR_STREAM_PREMATURE_CLOSE");
    ck_assert_str_eq(lab_stream_event_name(LAB_ON_DRAIN), "drain");
}
END_TEST

int main(void)
{
    return CHECK_RUN("stream", 20, NULL, NULL,
                     emitter_order_prepend_and_snapshot,
                     emitter_once_fires_once_even_when_nested, chunk_references,
                     push_returns_false_at_the_mark_and_zero_length_adds_nothing,
                     object_mode_counts_objects, read_n_slices_and_concatenates,
                     end_waits_until_consumed, push_after_eof_is_an_error,
                     data_listener_while_paused_does_not_restart_flow,
                     write_returns_false_at_the_mark_and_drain_waits_for_empty,
                     zero_length_write_reaches_the_sink, write_after_end,
                     end_while_writes_in_flight, destroy_twice_one_error_one_close,
                     double_write_done_is_multiple_callback, cork_hands_the_queue_to_writev,
                     final_and_destroy_may_finish_later,
                     unpipe_pauses_source_and_leaves_destination_open,
                     slowest_destination_sets_the_pace,
                     pipe_without_end_leaves_destination_open,
                     finished_reports_premature_close_and_can_be_cancelled,
                     pipeline_calls_back_once_and_destroys_everything,
                     duplex_without_half_open_ends_its_writable_side,
                     telemetry_core_events_and_fields, telemetry_reports_lengths_as_buffers_drain,
                     misuse_is_reported_not_fatal,
                     errors_carry_node_codes);
}
