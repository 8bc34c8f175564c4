/*
 * streams_redact.c — demo `streams.redact`: a Transform that anonymises a
 * log on its way through, e-mail addresses replaced by "[redacted]".
 *
 *   pipeline(createReadStream(log), redact, createWriteStream(out))
 *
 * Chunks do not respect lines: a read of `chunk` bytes usually ends in the
 * middle of one, and an address cut in two would slip through.  So the
 * transform keeps the unfinished tail of each chunk and prepends it to the
 * next, works on whole lines only, and in _flush handles the last line
 * (which may have no newline).  Counts: lines in, lines that were split
 * across chunks, redactions made; a few `sample` events show a line
 * before and after.
 */
#define _GNU_SOURCE
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "grow.h"
#include "streamkit.h"
#include "telemetry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MASK "[redacted]"

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *reader, *redact, *writer;
    char *tail;                /* the unfinished line from the last chunk */
    size_t tail_len, tail_cap;
    uint64_t lines, redactions, lines_hit, split_lines, chunks;
    int samples_left;
    lab_timer progress;
    kit_files files;
    kit_run run;
} redactor;

/* ---- finding an address ------------------------------------------------ */

static bool local_char(int c) { return isalnum(c) || strchr("._%+-", c); }
static bool domain_char(int c) { return isalnum(c) || c == '.' || c == '-'; }

/* If p[at] is the '@' of an address within p[0..n), sets [*start, *end)
 * to the whole address and returns true. */
static bool address_at(const char *p, size_t n, size_t at, size_t *start, size_t *end)
{
    size_t s = at, e = at + 1;
    while (s > 0 && local_char((unsigned char)p[s - 1])) s--;
    while (e < n && domain_char((unsigned char)p[e])) e++;
    while (e > at + 1 && (p[e - 1] == '.' || p[e - 1] == '-')) e--;   /* "x@y.com." */
    if (s == at || e == at + 1) return false;
    /* The domain needs a dot and a top-level part of two letters or more. */
    const char *dot = memrchr(p + at + 1, '.', e - at - 1);
    if (!dot || dot == p + at + 1 || (size_t)(p + e - dot - 1) < 2) return false;
    for (const char *c = dot + 1; c < p + e; c++)
        if (!isalpha((unsigned char)*c)) return false;
    *start = s;
    *end = e;
    return true;
}

/* Appends line (len bytes, with its newline if any) to out, addresses
 * masked.  Returns the redactions made. */
static unsigned redact_line(const char *line, size_t len, char *out, size_t *out_len)
{
    unsigned hits = 0;
    size_t copied = 0, o = *out_len;
    for (const char *at = memchr(line, '@', len); at;
         at = memchr(at + 1, '@', len - (size_t)(at + 1 - line))) {
        size_t s, e;
        if ((size_t)(at - line) < copied || !address_at(line, len, (size_t)(at - line), &s, &e))
            continue;
        memcpy(out + o, line + copied, s - copied);
        o += s - copied;
        memcpy(out + o, MASK, sizeof MASK - 1);
        o += sizeof MASK - 1;
        copied = e;
        hits++;
        at = line + e - 1;
    }
    memcpy(out + o, line + copied, len - copied);
    *out_len = o + len - copied;
    return hits;
}

/* ---- the transform ----------------------------------------------------- */

static void sample(redactor *r, const char *line, size_t len, const char *out, size_t olen)
{
    if (r->samples_left <= 0) return;
    r->samples_left--;
    char before[256], after[256];
    snprintf(before, sizeof before, "%.*s", (int)(len && line[len - 1] == '\n' ? len - 1 : len), line);
    snprintf(after, sizeof after, "%.*s", (int)(olen && out[olen - 1] == '\n' ? olen - 1 : olen), out);
    lab_ev *e = lab_ev_new("sample");
    lab_ev_int(e, "line", (int64_t)r->lines);
    lab_ev_str(e, "before", before);
    lab_ev_str(e, "after", after);
    lab_ev_emit(e);
}

/* Redacts every line in buf[0..n) into one output chunk. */
static void push_lines(lab_stream *s, redactor *r, const char *buf, size_t n)
{
    if (!n) return;
    /* A mask is no longer than the shortest address ("a@b.cd" + 4): the
     * output is never longer than the input plus one mask per '@'. */
    size_t ats = 0;
    for (const char *a = buf; (a = memchr(a, '@', n - (size_t)(a - buf))); a++) ats++;
    lab_chunk out = lab_chunk_alloc(n + ats * sizeof MASK);
    size_t olen = 0;
    for (size_t off = 0; off < n;) {
        const char *nl = memchr(buf + off, '\n', n - off);
        size_t len = nl ? (size_t)(nl - (buf + off)) + 1 : n - off;
        size_t before = olen;
        unsigned hits = redact_line(buf + off, len, out.data, &olen);
        r->lines++;
        r->redactions += hits;
        if (hits) {
            r->lines_hit++;
            sample(r, buf + off, len, (char *)out.data + before, olen - before);
        }
        off += len;
    }
    out.len = olen;
    lab_readable_push(s, out);
}

static void append_tail(redactor *r, const char *p, size_t n)
{
    r->tail = lab_grow_or_die(r->tail, &r->tail_cap, r->tail_len + n, 1, 256);
    memcpy(r->tail + r->tail_len, p, n);
    r->tail_len += n;
}

static void redact_transform(lab_stream *s, const lab_chunk *c)
{
    redactor *r = lab_stream_data(s);
    const char *p = c->data;
    size_t n = c->len;
    r->chunks++;
    const char *nl = memchr(p, '\n', n);
    if (!nl) {                         /* no line ends here: keep it all */
        append_tail(r, p, n);
        lab_transform_done(s, NULL);
        return;
    }
    if (r->tail_len) {                 /* finish the line cut at the last boundary */
        size_t first = (size_t)(nl - p) + 1;
        append_tail(r, p, first);
        r->split_lines++;
        push_lines(s, r, r->tail, r->tail_len);
        r->tail_len = 0;
        p += first;
        n -= first;
    }
    const char *last = memrchr(p, '\n', n);
    size_t head = last ? (size_t)(last - p) + 1 : 0;
    push_lines(s, r, p, head);         /* whole lines only */
    append_tail(r, p + head, n - head);
    lab_transform_done(s, NULL);
}

static void redact_flush(lab_stream *s)
{
    redactor *r = lab_stream_data(s);
    push_lines(s, r, r->tail, r->tail_len);    /* a last line without '\n' */
    r->tail_len = 0;
    lab_flush_done(s, NULL);
}

static const lab_stream_ops redact_ops = {
    .transform = redact_transform, .flush = redact_flush,
};

/* ---- running it -------------------------------------------------------- */

static void on_progress(lab_timer *t)
{
    redactor *r = t->data;
    lab_ev *e = lab_ev_new("progress");
    lab_ev_int(e, "lines", (int64_t)r->lines);
    lab_ev_int(e, "redactions", (int64_t)r->redactions);
    lab_ev_int(e, "bytes_in", (int64_t)lab_fs_stream_bytes(r->reader));
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d)
{
    lab_stream_destroy(((redactor *)d->data)->reader, NULL);
}

static int run(lab_demo *d)
{
    redactor r = { .demo = d, .samples_left = (int)lab_demo_int(d, "samples") };
    d->data = &r;
    lab_demo_announce(d);
    if (kit_files_open(d, &r.files, KIT_LOG, (int)lab_demo_int(d, "email_pct"), "redacted.log") < 0) {
        kit_files_close(&r.files, NULL);
        return 1;
    }
    r.loop = lab_loop_new();
    lab_fs_stream_opts ro = { .stream = { .name = "reader", .hwm = (size_t)lab_demo_int(d, "chunk") } };
    lab_fs_stream_opts wo = { .stream = { .name = "writer" } };
    r.reader = lab_fs_read_stream(r.loop, r.files.in, &ro);
    r.redact = lab_transform_new(r.loop, &redact_ops, &(lab_stream_opts){ .name = "redact" }, &r);
    r.writer = lab_fs_write_stream(r.loop, r.files.out, &wo);
    kit_run_start(&r.run, d, &r.progress);
    lab_pipeline((lab_stream *[]){ r.reader, r.redact, r.writer }, 3, kit_run_done, &r.run);
    kit_every(r.loop, &r.progress, 100, on_progress, &r);
    lab_demo_deadline(d, r.loop, on_deadline);
    lab_loop_run(r.loop);

    on_progress(&r.progress);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    kit_run_fields(e, &r.run);
    lab_ev_int(e, "lines", (int64_t)r.lines);
    lab_ev_int(e, "lines_with_address", (int64_t)r.lines_hit);
    lab_ev_int(e, "redactions", (int64_t)r.redactions);
    lab_ev_int(e, "split_lines", (int64_t)r.split_lines);
    lab_ev_int(e, "chunks", (int64_t)r.chunks);
    lab_ev_int(e, "bytes_in", (int64_t)lab_fs_stream_bytes(r.reader));
    lab_ev_int(e, "bytes_out", (int64_t)lab_fs_stream_bytes(r.writer));
    lab_ev_emit(e);
    lab_stream_unref(r.reader);
    lab_stream_unref(r.redact);
    lab_stream_unref(r.writer);
    lab_loop_free(r.loop);
    free(r.tail);
    kit_files_close(&r.files, &r.run);
    return kit_run_status(&r.run);
}

const lab_demo_def lab_demo_streams_redact = {
    .name = "streams.redact",
    .chapter = 2,
    .summary = "a Transform that masks e-mail addresses in a log, line by line",
    .shows = "`progress`: lines in and redactions made; `sample`: a line before and after; "
             "split_lines counts lines cut by a chunk boundary that were still caught",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "log to anonymise (default: a generated access log of `size` bytes)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where the redacted log goes (default: a scratch file, removed after)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 4 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated log when `in` is not given", false },
        { "email_pct", LAB_PARAM_INT, 30, 0, 100, NULL, "%",
          "share of generated lines that carry an address", false },
        { "chunk", LAB_PARAM_INT, 16 << 10, 1, 16 << 20, NULL, "bytes",
          "bytes per read: small chunks cut more lines (and addresses) in two", false },
        { "samples", LAB_PARAM_INT, 3, 0, 100, NULL, "lines",
          "how many before/after `sample` events to show", false },
    },
    .run = run,
};
