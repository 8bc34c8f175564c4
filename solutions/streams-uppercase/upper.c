/*
 * upper.c — exercise streams-uppercase, reference solution.
 *
 * The state that must survive between chunks is one counter: counting
 * characters needs no memory of the previous chunk, because every UTF-8
 * character has exactly one byte that is not a continuation byte
 * (10xxxxxx).  Count those and a character cut in two by a chunk
 * boundary is counted once, in whichever chunk holds its first byte.
 */
#include "upper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct upper {
    uint64_t chars;
    bool summary;
} upper;

static bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/* _transform: one chunk in, one chunk out, then report it done.  The
 * output goes through lab_readable_push(), so when nobody reads it the
 * readable side fills up and the stream holds this write's completion:
 * backpressure passes through without any code here. */
static void upper_transform(lab_stream *s, const lab_chunk *chunk)
{
    upper *u = lab_stream_data(s);
    const unsigned char *in = chunk->data;
    lab_chunk out = lab_chunk_alloc(chunk->len);
    if (chunk->len && !out.buf) {
        lab_err e = lab_err_sys(ENOMEM, "upper");
        lab_transform_done(s, &e);
        return;
    }
    unsigned char *o = out.data;
    for (size_t i = 0; i < chunk->len; i++) {
        unsigned char c = in[i];
        o[i] = c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
        if (!is_continuation(c)) u->chars++;
    }
    lab_readable_push(s, out);
    lab_transform_done(s, NULL);
}

/* _flush: the input has ended; the summary is the last output. */
static void upper_flush(lab_stream *s)
{
    upper *u = lab_stream_data(s);
    if (u->summary) {
        char line[64];
        int n = snprintf(line, sizeof line, "[%llu characters]\n",
                         (unsigned long long)u->chars);
        lab_readable_push(s, lab_chunk_copy(line, (size_t)n));
    }
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
    const upper *u = lab_stream_data(s);
    return u->chars;
}
