/*
 * upper.c — exercise streams-uppercase.  Your file: make the tests pass.
 *
 * Right now the transform passes every chunk through unchanged and counts
 * nothing: a PassThrough.  It already has the shape every transform has:
 * an ops table with a transform function (Node's _transform) and a flush
 * function (_flush), and a struct of your own reached with
 * lab_stream_data().
 *
 * TODO 1: in upper_transform(), push an upper-cased copy of the chunk
 *         (the chunk you are given is borrowed: do not modify it) and
 *         count its characters.
 * TODO 2: in upper_flush(), push the summary line when asked to.
 * TODO 3: upper_count() returns the count.
 */
#include "upper.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct upper {
    bool summary;
    /* TODO: what else must survive from one chunk to the next? */
} upper;

static void upper_transform(lab_stream *s, const lab_chunk *chunk)
{
    /* TODO 1: not the same bytes: an upper-cased copy, and count. */
    lab_readable_push(s, lab_chunk_ref(chunk));
    lab_transform_done(s, NULL);
}

static void upper_flush(lab_stream *s)
{
    /* TODO 2: "[N characters]\n" when the stream was made with summary. */
    lab_flush_done(s, NULL);
}

static void upper_free(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops upper_ops = {
    .transform = upper_transform,
    .flush = upper_flush,
    .free = upper_free,
};

lab_stream *upper_new(lab_loop *loop, size_t hwm, bool summary)
{
    upper *u = calloc(1, sizeof *u);
    if (!u) return NULL;
    u->summary = summary;
    lab_stream_opts o = { .name = "upper", .hwm = hwm };
    lab_stream *s = lab_transform_new(loop, &upper_ops, &o, u);
    if (!s) free(u);
    return s;
}

uint64_t upper_count(const lab_stream *s)
{
    return 0;                  /* TODO 3 */
}
