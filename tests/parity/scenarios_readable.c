/*
 * scenarios_readable.c — push(), the flowing state, paused-mode read().
 */
#include "parity.h"

#include <string.h>

/* ---- flowing-states ---------------------------------------------------- */

static int fs_n;

static void fs_read(lab_stream *r, size_t size)
{
    fs_n++;
    T("r _read %d", fs_n);
    if (fs_n <= 6) lab_readable_push(r, lab_chunk_static("ab", 2));
    else lab_readable_push_eof(r);
}

static void fs_second(lab_stream *r, const lab_event *ev, void *arg)
{
    T("r data (second listener)");
}

static void fs_resume(lab_stream *r)
{
    T("r still paused: len=%zu", lab_readable_length(r));
    lab_readable_resume(r);
    T("r resume(): flowing=%s", FLOWING(r));
}

static void fs_add_listener(lab_stream *r)
{
    lab_stream_on(r, LAB_ON_DATA, fs_second, NULL);
    T("r second listener: flowing=%s", FLOWING(r));
    on_immediate(r, fs_resume);
}

static void fs_data(lab_stream *r, const lab_event *ev, void *arg)
{
    T("r data %zu flowing=%s", ev->chunk->len, FLOWING(r));
    if (fs_n == 2) {
        lab_readable_pause(r);
        T("r paused: flowing=%s isPaused=%s", FLOWING(r), B(lab_readable_is_paused(r)));
        on_immediate(r, fs_add_listener);
    }
}

SCENARIO(flowing_states)
{
    static const lab_stream_ops ops = { .read = fs_read };
    lab_stream *r = watch(lab_readable_new(loop, &ops,
                          &(lab_stream_opts){ .name = "r", .hwm = 4 }, NULL));
    T("r flowing=%s", FLOWING(r));
    lab_stream_on(r, LAB_ON_DATA, fs_data, NULL);
    T("r on(data): flowing=%s", FLOWING(r));
    lab_stream_unref(r);
}

/* ---- paused-read ------------------------------------------------------- */

static const char *const pr_parts[] = { "abc", "defg", "hi", NULL };
static int pr_next;

static void pr_push(lab_stream *r)
{
    const char *p = pr_parts[pr_next++];
    if (p) lab_readable_push(r, lab_chunk_str(p));
    else lab_readable_push_eof(r);
}

static void pr_read(lab_stream *r, size_t size)
{
    const char *p = pr_parts[pr_next];
    T("r _read -> %s", p ? p : "EOF");
    on_immediate(r, pr_push);
}

static void pr_readable(lab_stream *r, const lab_event *ev, void *arg)
{
    T("r readable len=%zu flowing=%s", lab_readable_length(r), FLOWING(r));
    lab_chunk c;
    while (lab_readable_read(r, 2, &c)) {
        T("r read(2) -> %.*s", (int)c.len, (const char *)c.data);
        lab_chunk_release(&c);
    }
    T("r read(2) -> null len=%zu", lab_readable_length(r));
}

SCENARIO(paused_read)
{
    static const lab_stream_ops ops = { .read = pr_read };
    lab_stream *r = watch(lab_readable_new(loop, &ops, &(lab_stream_opts){ .name = "r" }, NULL));
    lab_stream_on(r, LAB_ON_READABLE, pr_readable, NULL);
    lab_stream_unref(r);
}
