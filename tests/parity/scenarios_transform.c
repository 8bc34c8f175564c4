/*
 * scenarios_transform.c — a transform's end order, and backpressure
 * through a transform nobody reads.
 */
#include "parity.h"

#include <ctype.h>

/* ---- transform-flush --------------------------------------------------- */

static void tf_transform(lab_stream *t, const lab_chunk *c)
{
    T("t _transform %.*s", (int)c->len, (const char *)c->data);
    lab_chunk up = lab_chunk_alloc(c->len);
    for (size_t i = 0; i < c->len; i++)
        ((char *)up.data)[i] = (char)toupper(((const unsigned char *)c->data)[i]);
    lab_readable_push(t, up);
    lab_transform_done(t, NULL);
}

static void tf_flush(lab_stream *t)
{
    T("t _flush");
    lab_readable_push(t, lab_chunk_static("!", 1));
    lab_flush_done(t, NULL);
}

static void tf_data(lab_stream *t, const lab_event *ev, void *arg)
{
    T("t data %.*s", (int)ev->chunk->len, (const char *)ev->chunk->data);
}

SCENARIO(transform_flush)
{
    static const lab_stream_ops ops = { .transform = tf_transform, .flush = tf_flush };
    lab_stream *t = watch(lab_transform_new(loop, &ops, &(lab_stream_opts){ .name = "t" }, NULL));
    lab_stream_on(t, LAB_ON_DATA, tf_data, NULL);
    lab_writable_write(t, lab_chunk_str("ab"), NULL, NULL);
    lab_writable_write(t, lab_chunk_str("cd"), NULL, NULL);
    lab_writable_end(t);
    T("t end() called");
    lab_stream_unref(t);
}

/* ---- transform-stall --------------------------------------------------- */

static void ts_transform(lab_stream *t, const lab_chunk *c)
{
    lab_readable_push(t, lab_chunk_ref(c));
    lab_transform_done(t, NULL);
}

static size_t ts_total;
static void ts_data(lab_stream *t, const lab_event *ev, void *arg) { ts_total += ev->chunk->len; }
static void ts_end(lab_stream *t, const lab_event *ev, void *arg)
{
    T("t read %zu bytes", ts_total);
}

SCENARIO(transform_stall)
{
    static const lab_stream_ops ops = { .transform = ts_transform };
    lab_stream *t = watch(lab_transform_new(loop, &ops, &(lab_stream_opts){ .name = "t" }, NULL));
    int i = 0;
    bool ret = true;
    while (ret && i < 100) {
        i++;
        ret = lab_writable_write(t, bytes(1024), NULL, NULL);
    }
    T("t write %d -> %s", i, B(ret));
    T("t readableLength=%zu writableLength=%zu", lab_readable_length(t),
      lab_writable_length(t));
    lab_writable_end(t);
    lab_stream_on(t, LAB_ON_DATA, ts_data, NULL);
    lab_stream_on(t, LAB_ON_END, ts_end, NULL);
    lab_stream_unref(t);
}
