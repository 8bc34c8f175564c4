/*
 * frame.c — frame mode: the data path coalesced per frame, for a reader
 * that draws rather than logs (the lab).  See tel_impl.h and
 * docs/telemetry.md, "Frame mode".
 *
 * Why: a demo at a million events a second makes a million JSON lines a
 * second, and a reader that draws 30 frames a second needs only the totals
 * and the last state of each gauge.  Parsing every line cost the lab more
 * than a core.  So when the reader asks (NODELAB_TELEMETRY_FRAME=33), the
 * formatter, which sees every record anyway, folds them:
 *
 *   - per group — a process and what the event is about (its `stream`, or
 *     an IPC channel from → to and its direction) — and per kind, the
 *     first FRAME_BUDGET events of a frame go out as they are;
 *   - the rest are folded: counted, their sizes and false returns summed,
 *     and only the latest kept;
 *   - at the frame's end (or before anything else must go out, below)
 *     each fold becomes one `coalesced` line: the latest event's fields
 *     with how many events it stands for.
 *
 * Order.  A rare event (a kind not coalesced: an exit, a summary) flushes
 * every fold first, so nothing is seen out of order around it.  An event
 * that passes flushes the folds of its own group first, and folds are
 * flushed oldest last-event first: within a group (one stream's write,
 * written, drain...), the lines come in the order of their last events, so
 * the state a reader ends a frame with is the stream's latest.  Between
 * groups, order within a frame is not kept (no reader needs it).
 *
 * Everything here runs on the formatter's side, under fmt_lock.
 */
#include "tel_impl.h"
#include "mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_BUDGET 8          /* events per kind and group per frame passed as they are */
#define FRAME_FOLDS 64          /* folds at once; past that, events pass */
#define FRAME_KEY 48            /* a group's name; a longer one does not fold */
#define FRAME_REC_MAX 1024      /* a larger record is never folded (it passes) */

typedef struct {
    int kind;
    int32_t pid;
    uint8_t klen;
    char key[FRAME_KEY];
    uint32_t passed;            /* lines passed in this frame */
    uint64_t events, size_sum, falses;   /* folded, not yet written (events 0: none) */
    uint64_t last_seq;
    uint64_t last[FRAME_REC_MAX / 8];    /* the latest folded record */
} fold;

static struct {
    uint64_t frame_us;          /* 0: off */
    atomic_uint_fast64_t frame_end;  /* read by the formatter's alarm, without the lock */
    fold *folds;
    int nfolds;
    atomic_int pending;         /* folds with events: read without the lock */
    /* Kind by name: records carry the name, not the id. */
    struct { uint8_t len; char name[32]; int kind; } names[16];
    int nnames;
} fr;

bool tel_frame_on(void) { return fr.frame_us != 0; }

void tel_frame_reset(void)
{
    fr.nfolds = 0;
    atomic_store(&fr.pending, 0);
    fr.frame_end = 0;
}

void tel_frame_open(bool direct)
{
    const char *v = getenv("NODELAB_TELEMETRY_FRAME");
    long ms = v && *v ? strtol(v, NULL, 10) : 0;
    fr.frame_us = !direct && ms > 0 && ms <= 10000 ? (uint64_t)ms * 1000u : 0;
    if (fr.frame_us && !fr.folds) fr.folds = lab_xcalloc(FRAME_FOLDS, sizeof *fr.folds);
    tel_frame_reset();
}

/* Events a reader may see folded: the busy ones whose reader (the lab's
 * model) counts a `coalesced` line as the events it stands for.  Every
 * other kind passes, each as its own line. */
static bool coalescible_kind(int kind)
{
    switch (kind) {
    case LAB_EV_WRITE: case LAB_EV_WRITTEN: case LAB_EV_PUSH: case LAB_EV_DATA:
    case LAB_EV_DRAIN: case LAB_EV_PAUSE: case LAB_EV_RESUME: case LAB_EV_POOL:
    case LAB_EV_MEM: case LAB_EV_FS: case LAB_EV_REQUEST: case LAB_EV_IPC:
        return true;
    default:
        return false;
    }
}

static int kind_of_record(const lab_rec *r)
{
    const char *name = (const char *)r + sizeof(lab_rec);
    for (int i = 0; i < fr.nnames; i++)
        if (fr.names[i].len == r->name_len && !memcmp(fr.names[i].name, name, r->name_len))
            return fr.names[i].kind;
    char z[256];
    memcpy(z, name, r->name_len);
    z[r->name_len] = '\0';
    int kind = lab_ev_lookup(z);
    if (fr.nnames < 16 && r->name_len < 32) {
        fr.names[fr.nnames].len = r->name_len;
        memcpy(fr.names[fr.nnames].name, name, r->name_len);
        fr.names[fr.nnames++].kind = kind;
    }
    return kind;
}

/* The group an event belongs to: its stream, or its IPC channel. */
static size_t group_of(const lab_rec *r, int kind, char *key)
{
    lab_rec_value v;
    if (kind == LAB_EV_IPC) {
        lab_rec_value from, to;
        int64_t f = lab_rec_get(r, "from", &from) ? from.i : 0;
        int64_t t = lab_rec_get(r, "to", &to) ? to.i : 0;
        bool send = lab_rec_get(r, "dir", &v) && v.n == 4 && !memcmp(v.str, "send", 4);
        return (size_t)snprintf(key, FRAME_KEY, "ipc %lld>%lld %c", (long long)f,
                                (long long)t, send ? 's' : 'r');
    }
    if (!lab_rec_get(r, "stream", &v) || v.type != LAB_F_STR) return 0;
    if (v.n >= FRAME_KEY) return FRAME_KEY;           /* too long: does not fold */
    memcpy(key, v.str, v.n);
    return v.n;
}

static fold *find_fold(int kind, int32_t pid, const char *key, size_t klen)
{
    for (int i = 0; i < fr.nfolds; i++) {
        fold *f = &fr.folds[i];
        if (f->kind == kind && f->pid == pid && f->klen == klen && !memcmp(f->key, key, klen))
            return f;
    }
    if (fr.nfolds == FRAME_FOLDS) return NULL;
    fold *f = &fr.folds[fr.nfolds++];
    f->kind = kind;
    f->pid = pid;
    f->klen = (uint8_t)klen;
    memcpy(f->key, key, klen);
    f->passed = 0;
    f->events = f->size_sum = f->falses = 0;
    return f;
}

static bool same_group(const fold *a, const fold *b)
{
    return a->pid == b->pid && a->klen == b->klen && !memcmp(a->key, b->key, a->klen);
}

/* The pending fold whose last event is oldest (of `group`'s, if given). */
static fold *oldest_pending(const fold *group)
{
    fold *best = NULL;
    for (int i = 0; i < fr.nfolds; i++) {
        fold *f = &fr.folds[i];
        if (!f->events || (group && !same_group(f, group))) continue;
        if (!best || f->last_seq < best->last_seq) best = f;
    }
    return best;
}

static fold *flush_group;       /* what tel_frame_peek() flushes: NULL all, else a group */
static fold *peeked;

int tel_frame_offer(const lab_rec *r)
{
    int kind = kind_of_record(r);
    if (!coalescible_kind(kind)) {
        flush_group = NULL;
        return tel_frame_pending() ? FRAME_FLUSH_FIRST : FRAME_PASS;
    }
    char key[FRAME_KEY];
    size_t klen = group_of(r, kind, key);
    fold *f = klen < FRAME_KEY && r->h.len <= FRAME_REC_MAX
            ? find_fold(kind, r->pid_null ? 0 : r->pid, key, klen) : NULL;
    if (!f) return FRAME_PASS;
    if (f->passed < FRAME_BUDGET && !f->events) {
        /* It goes out now: the folds of its group, older, go first. */
        flush_group = f;
        if (oldest_pending(f)) return FRAME_FLUSH_FIRST;
        f->passed++;
        return FRAME_PASS;
    }
    lab_rec_value v;
    if (f->events++ == 0) atomic_fetch_add(&fr.pending, 1);
    if (lab_rec_get(r, "size", &v) && v.type == LAB_F_INT && v.i > 0) f->size_sum += (uint64_t)v.i;
    if (lab_rec_get(r, "ret", &v) && v.type == LAB_F_BOOL && !v.i) f->falses++;
    f->last_seq = r->seq;
    memcpy(f->last, r, r->h.len);
    return FRAME_FOLDED;
}

bool tel_frame_due(uint64_t now_us)
{
    return fr.frame_us && now_us >= fr.frame_end;
}

void tel_frame_start(uint64_t now_us)
{
    /* Every fold is flushed: the new frame starts with none. */
    fr.nfolds = 0;
    atomic_store(&fr.pending, 0);
    fr.frame_end = now_us + fr.frame_us;
}

bool tel_frame_pending(void) { return atomic_load(&fr.pending) > 0; }

uint64_t tel_frame_end(void) { return atomic_load_explicit(&fr.frame_end, memory_order_relaxed); }

void tel_frame_flush_all(void) { flush_group = NULL; }

const lab_rec *tel_frame_peek(lab_rec_buf *b)
{
    peeked = oldest_pending(flush_group);
    if (!peeked) return NULL;
    const lab_rec *last = (const lab_rec *)peeked->last;
    lab_rec_begin(b, LAB_EV(COALESCED), last->ts, last->pid);
    const char *name = (const char *)last + sizeof(lab_rec);
    lab_rec_field(b, LAB_F_STR, "of", name, last->name_len);
    int64_t n = (int64_t)peeked->events, sum = (int64_t)peeked->size_sum;
    int64_t falses = (int64_t)peeked->falses;
    lab_rec_field(b, LAB_F_INT, "events", &n, 8);
    lab_rec_field(b, LAB_F_INT, "size_sum", &sum, 8);
    lab_rec_field(b, LAB_F_INT, "false_count", &falses, 8);
    lab_rec_copy_fields(b, last);
    lab_rec *r = lab_rec_end(b);
    r->seq = last->seq;
    return r;
}

void tel_frame_pop(void)
{
    if (!peeked) return;
    peeked->events = peeked->size_sum = peeked->falses = 0;
    atomic_fetch_sub(&fr.pending, 1);
    peeked = NULL;
}
