/*
 * buffers_binary.c — demo `buffers.binary`: what converting bytes to
 * strings and back costs, against staying with bytes.
 *
 * The job: upper-case the ASCII letters of a UTF-8 text as it streams
 * through a Transform.  The same data goes through twice (`rounds` times
 * each way, the median is reported):
 *
 *   string   what `Buffer.from(chunk.toString().toUpperCase())` does: the
 *            chunk is decoded into a JavaScript-style string (UTF-16 code
 *            units: V8 keeps non-Latin-1 text that way), a second string
 *            holds the upper-cased copy, and it is encoded back into a new
 *            buffer.  Two conversions and four allocations per chunk (the
 *            fourth joins a carried character to the chunk).
 *            Like Node's StringDecoder it carries a character cut in two
 *            by a chunk boundary over to the next chunk; a plain toString()
 *            per chunk would turn both halves into U+FFFD.
 *   binary   one output buffer per chunk, filled byte by byte: 'a'..'z'
 *            become 'A'..'Z', every other byte (including each byte of a
 *            multi-byte character) is copied as is.
 *
 * Both must produce the same bytes (`checksum`); `result` gives each
 * way's time, allocations and bytes allocated.
 */
#include "demo.h"
#include "events.h"
#include "stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    char *data;                /* the text, generated once */
    size_t size, off;
    bool string_way;
    /* the string way's decoder state: an incomplete UTF-8 sequence */
    unsigned char carry[4];
    size_t ncarry;
    /* what a run cost */
    uint64_t allocs, alloc_bytes, out_bytes, checksum;
} bin;

static void *counted(bin *b, size_t n)
{
    b->allocs++;
    b->alloc_bytes += n;
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* ---- the string way ---------------------------------------------------- */

/* Length of the UTF-8 sequence that starts with byte c (1 for junk). */
static size_t seq_len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
}

/* UTF-8 → UTF-16 code units (surrogate pairs above U+FFFF).  Returns the
 * count; src must hold whole sequences. */
static size_t decode(const unsigned char *s, size_t n, uint16_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = seq_len(s[i]);
        uint32_t cp = k == 1 ? s[i] : s[i] & (0x7F >> k);
        for (size_t j = 1; j < k; j++) cp = cp << 6 | (s[i + j] & 0x3F);
        i += k;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[o++] = (uint16_t)(0xD800 | cp >> 10);
            out[o++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            out[o++] = (uint16_t)cp;
        }
    }
    return o;
}

/* UTF-16 → UTF-8.  Returns the bytes written. */
static size_t encode(const uint16_t *u, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u[++i] - 0xDC00);
        if (cp < 0x80) out[o++] = (unsigned char)cp;
        else if (cp < 0x800) {
            out[o++] = (unsigned char)(0xC0 | cp >> 6);
            out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (unsigned char)(0xE0 | cp >> 12);
            out[o++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (unsigned char)(0xF0 | cp >> 18);
            out[o++] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            out[o++] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    return o;
}

static lab_chunk via_string(bin *b, const unsigned char *in, size_t n)
{
    /* chunk.toString(), StringDecoder-style: the carried bytes first, and
     * an incomplete last character kept back for the next chunk. */
    unsigned char *bytes = counted(b, b->ncarry + n);
    memcpy(bytes, b->carry, b->ncarry);
    memcpy(bytes + b->ncarry, in, n);
    size_t total = b->ncarry + n, whole = total;
    for (size_t back = 1; back <= 3 && back <= total; back++) {
        unsigned char c = bytes[total - back];
        if (c >= 0xC0) {                      /* a lead byte: is it complete? */
            if (seq_len(c) > back) whole = total - back;
            break;
        }
        if (c < 0x80) break;
    }
    b->ncarry = total - whole;
    memcpy(b->carry, bytes + whole, b->ncarry);
    uint16_t *str = counted(b, whole * sizeof *str);
    size_t units = decode(bytes, whole, str);
    free(bytes);
    /* .toUpperCase(): strings are immutable, so a new one. */
    uint16_t *upper = counted(b, units * sizeof *upper);
    for (size_t i = 0; i < units; i++)
        upper[i] = str[i] >= 'a' && str[i] <= 'z' ? (uint16_t)(str[i] - 32) : str[i];
    free(str);
    /* Buffer.from(string): encode into a new buffer (at most 3 bytes per
     * UTF-16 unit). */
    lab_chunk out = lab_chunk_alloc(units * 3);
    b->allocs++;
    b->alloc_bytes += units * 3;
    out.len = encode(upper, units, out.data);
    free(upper);
    return out;
}

/* ---- the binary way ---------------------------------------------------- */

static lab_chunk via_bytes(bin *b, const unsigned char *in, size_t n)
{
    lab_chunk out = lab_chunk_alloc(n);
    b->allocs++;
    b->alloc_bytes += n;
    unsigned char *o = out.data;
    for (size_t i = 0; i < n; i++)
        o[i] = in[i] >= 'a' && in[i] <= 'z' ? (unsigned char)(in[i] - 32) : in[i];
    return out;
}

/* ---- the streams ------------------------------------------------------- */

static void source_read(lab_stream *s, size_t want)
{
    bin *b = lab_stream_data(s);
    if (b->off == b->size) {
        lab_readable_push_eof(s);
        return;
    }
    size_t n = (size_t)lab_demo_int(b->demo, "chunk");
    if (n > b->size - b->off) n = b->size - b->off;
    /* A view of the text, no copy: the data outlives the streams. */
    lab_readable_push(s, lab_chunk_static(b->data + b->off, n));
    b->off += n;
}

static void upper_transform(lab_stream *s, const lab_chunk *c)
{
    bin *b = lab_stream_data(s);
    lab_chunk out = b->string_way ? via_string(b, c->data, c->len)
                                  : via_bytes(b, c->data, c->len);
    lab_readable_push(s, out);
    lab_transform_done(s, NULL);
}

static void sink_write(lab_stream *s, const lab_chunk *c)
{
    bin *b = lab_stream_data(s);
    const unsigned char *p = c->data;
    for (size_t i = 0; i < c->len; i++)           /* FNV-1a */
        b->checksum = (b->checksum ^ p[i]) * 1099511628211ULL;
    b->out_bytes += c->len;
    lab_write_done(s, NULL);
}

static const lab_stream_ops source_ops = { .read = source_read };
static const lab_stream_ops upper_ops = { .transform = upper_transform };
static const lab_stream_ops sink_ops = { .write = sink_write };

static void done(const lab_err *err, void *arg) {}

/* One pass of the text through source → upper → sink.  Returns µs. */
static uint64_t one_run(bin *b)
{
    b->off = b->ncarry = 0;
    b->allocs = b->alloc_bytes = b->out_bytes = 0;
    b->checksum = 14695981039346656037ULL;
    lab_stream_opts q = { .quiet = true };
    lab_stream *chain[3] = {
        lab_readable_new(b->loop, &source_ops, &q, b),
        lab_transform_new(b->loop, &upper_ops, &q, b),
        lab_writable_new(b->loop, &sink_ops, &q, b),
    };
    uint64_t t0 = lab_clock_us();
    lab_pipeline(chain, 3, done, b);
    for (int i = 0; i < 3; i++) lab_stream_unref(chain[i]);
    lab_loop_run(b->loop);
    return lab_clock_us() - t0;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;
    return a < c ? -1 : a > c;
}

static int run(lab_demo *d)
{
    bin b = { .demo = d };
    b.size = (size_t)lab_demo_int(d, "size");
    b.data = malloc(b.size);
    if (!b.data) {
        fprintf(stderr, "nodelab: demo %s: cannot allocate %zu bytes\n", d->def->name, b.size);
        return 1;
    }
    uint64_t line = 0;
    kit_gen_fill(b.data, b.size, KIT_TEXT, 0, &line);
    /* The generator may cut the last character in two: end on a whole one,
     * so both ways see valid UTF-8. */
    for (size_t back = 1; back <= 3 && back <= b.size; back++) {
        unsigned char c = (unsigned char)b.data[b.size - back];
        if (c < 0x80) break;
        if (c >= 0xC0) {
            if (seq_len(c) > back) memset(b.data + b.size - back, ' ', back);
            break;
        }
    }
    b.loop = lab_loop_new();
    lab_demo_announce(d);
    int rounds = (int)lab_demo_int(d, "rounds");
    /* Past the duration the run in progress stops where it is (the loop
     * returns) and no more start: the summary then says completed=false. */
    lab_demo_deadline(d, b.loop, NULL);
    uint64_t sums[2] = { 0, 0 }, med[2] = { 0, 0 }, allocs[2] = { 0, 0 }, abytes[2] = { 0, 0 };
    for (int way = 0; way < 2 && !d->expired; way++) {
        uint64_t times[15];
        b.string_way = way == 0;
        int r = 0;
        while (r < rounds && !d->expired) times[r++] = one_run(&b);
        if (d->expired) break;
        qsort(times, (size_t)rounds, sizeof times[0], cmp_u64);
        med[way] = times[rounds / 2];
        sums[way] = b.checksum;
        allocs[way] = b.allocs;
        abytes[way] = b.alloc_bytes;
        lab_ev *e = lab_ev_new(LAB_EV(RESULT));
        lab_ev_str(e, "way", way == 0 ? "string" : "binary");
        lab_ev_num(e, "ms", (double)med[way] / 1000.0);
        lab_ev_num(e, "bytes_per_s", kit_rate(b.size, med[way]));
        lab_ev_int(e, "allocs", (int64_t)b.allocs);
        lab_ev_int(e, "alloc_bytes", (int64_t)b.alloc_bytes);
        lab_ev_int(e, "bytes_in", (int64_t)b.size);
        lab_ev_int(e, "bytes_out", (int64_t)b.out_bytes);
        char hex[20];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)b.checksum);
        lab_ev_str(e, "checksum", hex);
        lab_ev_emit(e);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "size", (int64_t)b.size);
    lab_ev_int(e, "chunk", lab_demo_int(d, "chunk"));
    lab_ev_bool(e, "completed", !d->expired);
    lab_ev_bool(e, "same_output", !d->expired && sums[0] == sums[1]);
    lab_ev_num(e, "time_ratio", med[1] ? (double)med[0] / (double)med[1] : 0);
    lab_ev_num(e, "alloc_ratio", med[1] && allocs[1] ? (double)allocs[0] / (double)allocs[1] : 0);
    lab_ev_num(e, "alloc_bytes_ratio", med[1] && abytes[1] ? (double)abytes[0] / (double)abytes[1] : 0);
    lab_ev_emit(e);
    lab_loop_free(b.loop);
    free(b.data);
    return d->expired || sums[0] == sums[1] ? 0 : 1;
}

const lab_demo_def lab_demo_buffers_binary = {
    .name = "buffers.binary",
    .chapter = 2,
    .summary = "upper-casing a UTF-8 stream through strings vs staying with bytes",
    .shows = "`result` per way: the string round trip (decode to UTF-16, a new string, "
             "encode back) takes about twice as long and allocates four times per chunk "
             "(seven times the bytes) where the binary way allocates once; same output",
    .duration_s = 30,
    .params = {
        { "size", LAB_PARAM_INT, 32 << 20, 1, 1LL << 30, NULL, "bytes",
          "bytes of UTF-8 text (with multi-byte characters) to push through", false },
        { "chunk", LAB_PARAM_INT, 64 << 10, 1, 16 << 20, NULL, "bytes",
          "chunk size (a boundary may cut a character in two)", false },
        { "rounds", LAB_PARAM_INT, 3, 1, 15, NULL, "runs",
          "passes per way; the median time is reported", false },
    },
    .run = run,
};
