/*
 * redact.c — exercise streams-redact, reference solution.
 *
 * An address never spans a newline, so the transform works a line at a
 * time: complete lines are redacted and pushed at once; the unfinished
 * end of a chunk waits in `line` for the rest of it.  That is what
 * makes an address cut by a chunk boundary come out redacted: by the
 * time the line is examined, both halves are in it.  Flush handles a
 * last line that has no newline.
 *
 * The matching itself is a POSIX extended regular expression: POSIX
 * picks the leftmost match and, among those, the longest, which is
 * exactly "as far as possible on both sides".
 */
#include "redact.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define ADDRESS "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+"
#define MASK "[REDACTED]"

typedef struct text {
    char *data;
    size_t len, cap;
} text;

typedef struct redactor {
    regex_t re;
    text line;                 /* the unfinished last line */
    text out;                  /* output of the chunk in hand */
    uint64_t count;
} redactor;

/* Appends n bytes, keeping room for a terminating NUL.  -1: no memory. */
static int add(text *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1) cap *= 2;
        char *d = realloc(t->data, cap);
        if (!d) return -1;
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, p, n);
    t->len += n;
    t->data[t->len] = '\0';
    return 0;
}

/* Redacts the complete line in r->line into r->out, and empties it. */
static int redact_line(redactor *r)
{
    const char *at = r->line.data;
    const char *end = at + r->line.len;
    regmatch_t m;
    int flags = 0;
    if (memchr(at, '@', r->line.len)) {
        while (at < end && regexec(&r->re, at, 1, &m, flags) == 0) {
            if (add(&r->out, at, (size_t)m.rm_so) < 0 ||
                add(&r->out, MASK, strlen(MASK)) < 0)
                return -1;
            r->count++;
            at += m.rm_eo;
            flags = REG_NOTBOL;
        }
    }
    r->line.len = 0;
    return add(&r->out, at, (size_t)(end - at));
}

/* Pushes what r->out holds. */
static void push_out(lab_stream *s, redactor *r)
{
    if (r->out.len) lab_readable_push(s, lab_chunk_copy(r->out.data, r->out.len));
    r->out.len = 0;
}

static void redact_transform(lab_stream *s, const lab_chunk *chunk)
{
    redactor *r = lab_stream_data(s);
    const char *p = chunk->data, *end = p + chunk->len, *nl;
    int rc = 0;
    while (rc == 0 && (nl = memchr(p, '\n', (size_t)(end - p)))) {
        rc = add(&r->line, p, (size_t)(nl + 1 - p));
        if (rc == 0) rc = redact_line(r);
        p = nl + 1;
    }
    if (rc == 0) rc = add(&r->line, p, (size_t)(end - p));
    if (rc < 0) {
        lab_err e = lab_err_sys(ENOMEM, "redact");
        lab_transform_done(s, &e);
        return;
    }
    push_out(s, r);
    lab_transform_done(s, NULL);
}

static void redact_flush(lab_stream *s)
{
    redactor *r = lab_stream_data(s);
    if (r->line.len && redact_line(r) < 0) {
        lab_err e = lab_err_sys(ENOMEM, "redact");
        lab_flush_done(s, &e);
        return;
    }
    push_out(s, r);
    lab_flush_done(s, NULL);
}

static void redact_free(lab_stream *s)
{
    redactor *r = lab_stream_data(s);
    regfree(&r->re);
    free(r->line.data);
    free(r->out.data);
    free(r);
}

static const lab_stream_ops redact_ops = {
    .transform = redact_transform,
    .flush = redact_flush,
    .free = redact_free,
};

lab_stream *redact_new(lab_loop *loop, size_t hwm)
{
    redactor *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (regcomp(&r->re, ADDRESS, REG_EXTENDED) != 0) {
        free(r);
        return NULL;
    }
    lab_stream_opts o = { .name = "redact", .hwm = hwm };
    lab_stream *s = lab_transform_new(loop, &redact_ops, &o, r);
    if (!s) {
        regfree(&r->re);
        free(r);
    }
    return s;
}

uint64_t redact_count(const lab_stream *s)
{
    const redactor *r = lab_stream_data(s);
    return r->count;
}
