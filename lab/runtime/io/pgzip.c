/*
 * pgzip.c — parallel gzip on the thread pool (see pgzip.h).
 *
 * The stream keeps a ring of `window` slots.  Block i lives in slot
 * i % window from the moment the transform starts filling it until its
 * deflated bytes are pushed out; so a slot is free for block i exactly
 * when block i - window has been written.  Three counters tell the state:
 *
 *   next_write   the block to write next (every earlier one is out);
 *   next_fill    the block being filled (every earlier one is handed out);
 *   in flight    next_fill - next_write: on the pool, or done and waiting.
 *
 * The life of a block:
 *   fill      on the loop thread, input chunks are copied into the slot;
 *             the slot also holds the 32 KiB before the block (the
 *             dictionary), copied from `tail` when the block starts; a
 *             full block is handed out when the next byte arrives (or at
 *             _flush, as the last), so the last block is always known;
 *   deflate   on a pool thread: reset the slot's zlib state, set the
 *             dictionary, deflate, end on a byte boundary (Z_FINISH for
 *             the last block), and take the block's CRC-32;
 *   write     on the loop thread, after-work: the block is marked done,
 *             and every done block from next_write on is pushed in order,
 *             its CRC folded into the running one with crc32_combine().
 *
 * Backpressure: a transform whose chunk needs a slot when none is free
 * keeps the chunk (it is ours until lab_transform_done) and returns; the
 * write of a block frees a slot and resumes it.
 */
#include "pgzip.h"
#include "events.h"
#include "gzip.h"
#include "mem.h"
#include "pool.h"
#include "telemetry.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct pgz pgz;

typedef struct pg_slot {
    pgz *g;
    lab_work work;
    uint64_t index;
    bool last;                 /* ends the stream: Z_FINISH */
    bool done;                 /* deflated, waiting to be written */
    unsigned char *buf;        /* [LAB_PGZIP_DICT of dictionary][block] */
    size_t dict_len, len;      /* the dictionary ends where the block starts */
    lab_gzip z;                /* this slot's raw deflate state, reused */
    lab_chunk out;             /* the deflated block */
    uint32_t crc;
    const char *zcode;         /* set if zlib failed */
} pg_slot;

struct pgz {
    lab_stream *s;
    int level, window;
    size_t block;
    pg_slot *slots;
    pg_slot *filling;          /* the slot of block next_fill, or NULL */
    uint64_t next_fill, next_write;
    unsigned char tail[LAB_PGZIP_DICT];   /* the last input bytes so far */
    size_t tail_len;
    const lab_chunk *pending;  /* a transform waiting for a slot */
    size_t pending_off;
    bool flushing, final_out;  /* _flush called; last block handed out */
    int running;               /* blocks on the pool */
    bool destroy_waiting, has_err;
    lab_err destroy_err;
    uint32_t crc;
    uint64_t total_in;         /* bytes whose block was written */
    lab_pgzip_stats st;
    void (*on_block)(void *arg, const lab_pgzip_block *b);
    void (*before_deflate)(void *arg, uint64_t index);
    void *arg;
};

static pgz *G(const lab_stream *s) { return lab_stream_data(s); }

static pg_slot *slot_of(pgz *g, uint64_t index) { return &g->slots[index % (uint64_t)g->window]; }

static int in_flight(const pgz *g) { return (int)(g->next_fill - g->next_write); }

/* The depth of the reorder window: finished blocks that cannot be written
 * yet because an earlier block is still on the pool. */
static int held_back(pgz *g)
{
    int done = 0, ready = 0;
    for (int i = 0; i < g->window; i++) done += g->slots[i].done;
    for (uint64_t i = g->next_write; ready < done && slot_of(g, i)->done &&
                                      slot_of(g, i)->index == i; i++)
        ready++;
    return done - ready;
}

/* ---- the pool thread's part -------------------------------------------- */

/* Makes room for at least `need` more bytes of output in b->out. */
static void grow_out(pg_slot *b, size_t used, size_t need)
{
    lab_chunk bigger = lab_chunk_alloc(b->out.len * 2 + need);
    memcpy(bigger.data, b->out.data, used);
    lab_chunk_release(&b->out);
    b->out = bigger;
}

/* Runs deflate with `flush` until it has nothing more to give.  Returns
 * false if zlib failed. */
static bool run_deflate(pg_slot *b, size_t *used, int flush)
{
    bool more = true;
    while (more) {
        if (*used == b->out.len) grow_out(b, *used, 64);
        ssize_t n = lab_gzip_step(&b->z, (char *)b->out.data + *used, b->out.len - *used,
                                  flush, &more);
        if (n < 0) { b->zcode = b->z.code; return false; }
        *used += (size_t)n;
    }
    return true;
}

/* Ends a piece that is not the last on a byte boundary, with no block
 * marked final, so the next piece can follow it byte for byte.  A sync
 * flush would do (an empty stored block: 3 bits, padding, then 00 00 ff
 * ff), but pigz saves most of those 4 bytes: after Z_BLOCK ends the
 * current deflate block, up to 7 bits are left over; if their count is
 * even, empty fixed-Huffman blocks (10 bits each: header 010, end code
 * 0000000) bring it to a multiple of 8; only an odd count needs the
 * stored block.  Doing the same makes our output pigz's, byte for byte. */
static bool end_on_byte(pg_slot *b, size_t *used)
{
    if (!run_deflate(b, used, LAB_Z_BLOCK)) return false;
    int bits;
    deflatePending(&b->z.zs, NULL, &bits);
    if (bits & 1) return run_deflate(b, used, LAB_Z_SYNC_FLUSH);
    if ((bits & 7) == 0) return true;
    do {
        deflatePrime(&b->z.zs, 10, 2);     /* 2 = 010 read LSB first */
        deflatePending(&b->z.zs, NULL, &bits);
    } while (bits & 7);
    return run_deflate(b, used, LAB_Z_BLOCK);
}

static void deflate_block(lab_work *w)
{
    pg_slot *b = w->data;
    if (b->g->before_deflate) b->g->before_deflate(b->g->arg, b->index);
    lab_gzip_reset(&b->z);
    /* The dictionary is why the ratio stays close to gzip's: without it
     * each block would start with an empty window and could not refer to
     * anything before its own first byte; with it, deflate sees the same
     * 32 KiB of history a single stream would have had at this point. */
    if (b->dict_len)
        deflateSetDictionary(&b->z.zs, b->buf + LAB_PGZIP_DICT - b->dict_len,
                             (uInt)b->dict_len);
    /* All of the block, then its end: only the last piece finishes the
     * stream (its final deflate block says "last"). */
    lab_gzip_input(&b->z, b->buf + LAB_PGZIP_DICT, b->len);
    size_t used = 0;
    if (run_deflate(b, &used, LAB_Z_NO_FLUSH)) {
        if (b->last) run_deflate(b, &used, LAB_Z_FINISH);
        else end_on_byte(b, &used);
    }
    b->out.len = used;
    b->crc = (uint32_t)crc32(0L, b->buf + LAB_PGZIP_DICT, (uInt)b->len);
}

/* ---- writing, in order -------------------------------------------------- */

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void push_bytes(pgz *g, const void *p, size_t n)
{
    lab_readable_push(g->s, lab_chunk_copy(p, n));
    g->st.bytes_out += n;
}

/* The 10-byte gzip header (RFC 1952): magic, method 8 (deflate), no
 * flags, no time, XFL as gzip sets it for -1 and -9, OS 3 (Unix). */
static void push_header(pgz *g)
{
    unsigned char h[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
    h[8] = g->level == 9 ? 2 : g->level == 1 ? 4 : 0;
    push_bytes(g, h, sizeof h);
}

static void report_end(pgz *g)
{
    lab_ev *e = lab_ev_new(LAB_EV(PGZIP));
    if (!e) return;
    lab_ev_str(e, "stream", lab_stream_name(g->s));
    lab_ev_int(e, "bytes_in", (int64_t)g->st.bytes_in);
    lab_ev_int(e, "bytes_out", (int64_t)g->st.bytes_out);
    lab_ev_int(e, "blocks", (int64_t)g->st.blocks_written);
    lab_ev_int(e, "block", (int64_t)g->block);
    lab_ev_int(e, "window", g->window);
    lab_ev_int(e, "max_reorder", g->st.max_reorder);
    lab_ev_int(e, "crc", g->crc);
    lab_ev_emit(e);
}

/* The 8-byte trailer: CRC-32 and length mod 2^32, little-endian. */
static void push_trailer(pgz *g)
{
    unsigned char t[8];
    put_le32(t, g->crc);
    put_le32(t + 4, (uint32_t)g->total_in);
    push_bytes(g, t, sizeof t);
    report_end(g);
}

/* Pushes every finished block from next_write on, in order.  Returns
 * true if the last block (and so the trailer) went out. */
static bool write_ready(pgz *g)
{
    for (;;) {
        pg_slot *b = slot_of(g, g->next_write);
        if (!b->done || b->index != g->next_write) return false;
        if (lab_stream_destroyed(g->s)) return false;   /* a push failed it */
        if (g->next_write == 0) push_header(g);
        g->st.bytes_out += b->out.len;
        lab_readable_push(g->s, b->out);          /* the chunk itself */
        b->out = (lab_chunk){ 0 };
        /* CRC(A then B) from CRC(A), CRC(B) and B's length: the blocks
         * were summed on different threads, in any order. */
        g->crc = (uint32_t)crc32_combine(g->crc, b->crc, (z_off_t)b->len);
        g->total_in += b->len;
        b->done = false;
        g->next_write++;
        g->st.blocks_written++;
        if (b->last) {
            push_trailer(g);
            return true;
        }
    }
}

/* ---- filling and handing out -------------------------------------------- */

/* Takes the slot for block next_fill, if the window has room. */
static bool start_block(pgz *g)
{
    if (in_flight(g) >= g->window) return false;
    pg_slot *b = slot_of(g, g->next_fill);
    b->index = g->next_fill;
    b->len = 0;
    b->dict_len = g->tail_len;
    memcpy(b->buf + LAB_PGZIP_DICT - g->tail_len, g->tail, g->tail_len);
    g->filling = b;
    return true;
}

/* The last 32 KiB of everything so far, for the next block's dictionary.
 * The slot's dictionary and block are contiguous, so a block shorter than
 * 32 KiB still leaves a full window behind it. */
static void keep_tail(pgz *g, const pg_slot *b)
{
    size_t have = b->dict_len + b->len;
    size_t n = have < LAB_PGZIP_DICT ? have : LAB_PGZIP_DICT;
    memcpy(g->tail, b->buf + LAB_PGZIP_DICT + b->len - n, n);
    g->tail_len = n;
}

static void after_block(lab_work *w, int status);

/* Hands the block being filled to the pool. */
static void hand_out(pgz *g, bool last)
{
    pg_slot *b = g->filling;
    g->filling = NULL;
    keep_tail(g, b);
    b->last = last;
    b->zcode = NULL;
    g->next_fill++;
    if (in_flight(g) > g->st.max_in_flight) g->st.max_in_flight = in_flight(g);
    /* Room for the worst case (incompressible input grows a little), so
     * the pool thread almost never has to grow it. */
    b->out = lab_chunk_alloc(deflateBound(&b->z.zs, (uLong)b->len) + 64);
    g->running++;
    lab_stream_ref(g->s);
    b->work.data = b;
    if (lab_queue_work(lab_stream_loop(g->s), &b->work, deflate_block, after_block) == 0)
        return;
    /* No pool thread could be started: deflate here, finish as usual. */
    deflate_block(&b->work);
    b->work.queued_us = b->work.finished_us = lab_clock_us();
    lab_queue_done(lab_stream_loop(g->s), &b->work, after_block);
}

/* Copies the pending chunk into blocks, handing each full one out.
 * Returns true when the chunk is used up, false when the window is full. */
static bool consume(pgz *g)
{
    const lab_chunk *c = g->pending;
    while (g->pending_off < c->len) {
        /* A full block goes out only once a byte for the next one has
         * come: until then it may be the last (pigz reads ahead the same
         * way), and the last must end the stream itself rather than be
         * followed by an empty final piece. */
        if (g->filling && g->filling->len == g->block) hand_out(g, false);
        if (!g->filling && !start_block(g)) return false;
        pg_slot *b = g->filling;
        size_t n = g->block - b->len;
        if (n > c->len - g->pending_off) n = c->len - g->pending_off;
        memcpy(b->buf + LAB_PGZIP_DICT + b->len, (const char *)c->data + g->pending_off, n);
        b->len += n;
        g->pending_off += n;
        g->st.bytes_in += n;
    }
    return true;
}

/* Hands out the last block (the one being filled, full or not; an empty
 * one for empty input) once a slot is free. */
static bool finish(pgz *g)
{
    if (!g->filling && !start_block(g)) return false;
    hand_out(g, true);
    g->final_out = true;
    return true;
}

/* After a write freed a slot: whatever was waiting for one goes on. */
static void resume(pgz *g)
{
    if (g->pending && consume(g)) {
        g->pending = NULL;
        lab_transform_done(g->s, NULL);        /* may call transform again */
    } else if (g->flushing && !g->final_out) {
        finish(g);
    }
}

static void report_block(pgz *g, const pg_slot *b)
{
    lab_pgzip_block info = {
        .index = b->index, .thread = b->work.thread, .in = b->len, .out = b->out.len,
        .deflate_us = b->work.finished_us - b->work.started_us,
        .wait_us = b->work.started_us - b->work.queued_us,
        .in_flight = in_flight(g), .reorder = g->st.reorder, .last = b->last,
    };
    if (g->on_block) g->on_block(g->arg, &info);
    lab_ev *e = lab_ev_new(LAB_EV(PGZIP_BLOCK));
    if (!e) return;
    lab_ev_str(e, "stream", lab_stream_name(g->s));
    lab_ev_int(e, "index", (int64_t)info.index);
    lab_ev_int(e, "thread", info.thread);
    lab_ev_int(e, "in", (int64_t)info.in);
    lab_ev_int(e, "out", (int64_t)info.out);
    lab_ev_int(e, "us", (int64_t)info.deflate_us);
    lab_ev_int(e, "wait_us", (int64_t)info.wait_us);
    lab_ev_int(e, "in_flight", info.in_flight);
    lab_ev_int(e, "reorder", info.reorder);
    lab_ev_bool(e, "last", info.last);
    lab_ev_emit(e);
}

static void free_slots(pgz *g)
{
    for (int i = 0; i < g->window; i++) {
        lab_gzip_end(&g->slots[i].z);
        lab_chunk_release(&g->slots[i].out);
        free(g->slots[i].buf);
    }
    free(g->slots);
}

static void after_block(lab_work *w, int status)
{
    pg_slot *b = w->data;
    pgz *g = b->g;
    lab_stream *s = g->s;
    g->running--;
    if (g->destroy_waiting) {                 /* destroy() came meanwhile */
        if (g->running == 0)
            lab_destroy_done(s, g->has_err ? &g->destroy_err : NULL);
    } else if (lab_stream_destroyed(s)) {
        /* destroyed while this block was out: nothing more to write */
    } else if (b->zcode) {
        lab_err e = lab_err_make(b->zcode, "deflate failed on block %llu",
                                 (unsigned long long)b->index);
        lab_stream_destroy(s, &e);
    } else {
        b->done = true;
        g->st.blocks_done++;
        /* How deep the reorder window is: blocks finished but held back
         * because an earlier one is still on the pool. */
        g->st.reorder = held_back(g);
        if (g->st.reorder > g->st.max_reorder) g->st.max_reorder = g->st.reorder;
        report_block(g, b);
        if (write_ready(g)) lab_flush_done(s, NULL);
        else if (!lab_stream_destroyed(s)) resume(g);
    }
    lab_stream_unref(s);
}

/* ---- the transform's operations ---------------------------------------- */

static void pg_transform(lab_stream *s, const lab_chunk *c)
{
    pgz *g = G(s);
    g->pending = c;                           /* borrowed until done */
    g->pending_off = 0;
    if (consume(g)) {
        g->pending = NULL;
        lab_transform_done(s, NULL);
    }
}

static void pg_flush(lab_stream *s)
{
    pgz *g = G(s);
    g->flushing = true;
    finish(g);                 /* lab_flush_done when the trailer is out */
}

static void pg_destroy(lab_stream *s, const lab_err *err)
{
    pgz *g = G(s);
    g->pending = NULL;
    g->flushing = false;
    g->has_err = err != NULL;
    if (err) g->destroy_err = *err;
    if (g->running > 0) {
        g->destroy_waiting = true;            /* pool threads are in zlib */
        return;
    }
    /* The slots (zlib's state, the buffers) go in pg_free: a destroy may
     * come from inside a push in write_ready(), which still walks them. */
    lab_destroy_done(s, err);
}

static void pg_free(lab_stream *s)
{
    pgz *g = G(s);
    free_slots(g);
    free(g);
}

static const lab_stream_ops pg_ops = {
    .transform = pg_transform, .flush = pg_flush,
    .destroy = pg_destroy, .free = pg_free,
};

lab_stream *lab_pgzip_stream(lab_loop *loop, const lab_pgzip_opts *o)
{
    static const lab_pgzip_opts none;
    if (!o) o = &none;
    if (o->level < 0 || o->level > 9 || o->window < 0 ||
        (o->block && o->block < LAB_PGZIP_DICT))
        return NULL;
    pgz *g = lab_xcalloc(1, sizeof *g);
    g->level = o->level > 0 ? o->level : 6;
    g->block = o->block ? o->block : LAB_PGZIP_BLOCK;
    int pool = lab_pool_get_stats(loop).size;
    if (pool < 1) pool = lab_pool_default_size();
    g->window = o->window > 0 ? o->window : pool * 2 < 2 ? 2 : pool * 2;
    g->on_block = o->on_block;
    g->before_deflate = o->before_deflate;
    g->arg = o->arg;
    g->slots = lab_xcalloc((size_t)g->window, sizeof *g->slots);
    for (int i = 0; i < g->window; i++) {
        pg_slot *b = &g->slots[i];
        b->g = g;
        b->buf = lab_xmalloc(LAB_PGZIP_DICT + g->block);
        if (lab_gzip_init(&b->z, LAB_DEFLATE_RAW, g->level) < 0) {
            g->window = i + 1;
            free_slots(g);
            free(g);
            return NULL;
        }
    }
    g->st.window = g->window;
    g->st.block = g->block;
    lab_stream_opts so = o->stream;
    if (!so.name) so.name = "pgzip";
    if (!so.hwm) so.hwm = g->block;
    g->s = lab_transform_new(loop, &pg_ops, &so, g);
    if (!g->s) {
        free_slots(g);
        free(g);
        return NULL;
    }
    return g->s;
}

lab_pgzip_stats lab_pgzip_get_stats(const lab_stream *s)
{
    pgz *g = G(s);
    lab_pgzip_stats st = g->st;
    st.in_flight = in_flight(g);
    st.reorder = held_back(g);
    st.crc = g->crc;
    return st;
}
