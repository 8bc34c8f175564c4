/*
 * telemetry.c — the emitting side: events as records into the calling
 * thread's ring (see the header for the promises, tel_impl.h for the
 * picture, formatter.c for the JSON).
 *
 * What an event costs the thread that emits it: the clock, a few small
 * copies into a buffer on its own stack of events, one atomic increment
 * (the event's number), a copy into its ring, a fence.  No lock, no
 * allocation, no system call, no JSON — those happen on the formatter's
 * thread.
 */
#define _GNU_SOURCE
#include "telemetry.h"
#include "tel_impl.h"
#include "errors.h"
#include "loop.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tel_state tel = {
    .fd = -1,
    .reg_lock = PTHREAD_MUTEX_INITIALIZER,
    .fmt_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* An event being built.  Each thread has a few in its own storage: events
 * are built one at a time, but one may be started while another is open
 * (an error reported halfway through another report).  More than that at
 * once come from the heap. */
#define EVS_PER_THREAD 4

struct lab_ev {
    lab_rec_buf b;
    int kind;                  /* lab_ev_id, for the counters */
    int64_t size;              /* the "size" field, if any */
    bool ret_false;            /* a "ret": false field */
    int slot;                  /* in the thread's evs[], or -1: from the heap */
};

/* The id of a name: a small cache on the emitting thread, keyed by the
 * name's address (emitters pass LAB_EV(...), the same pointer each time). */
#define KIND_CACHE 64

static __thread struct {
    tel_ring *ring;
    unsigned gen;
    unsigned used;                         /* bit i: evs[i] is being built */
    lab_ev evs[EVS_PER_THREAD];
    struct { const char *name; int kind; uint8_t len; } kinds[KIND_CACHE];
} me;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t ring_key;

static int tel_fd(void) { return atomic_load_explicit(&tel.fd, memory_order_relaxed); }

/* ---- rings: one per thread --------------------------------------------- */

/* A thread ended: its ring is read to the end, then given to a new one. */
static void thread_ended(void *arg)
{
    tel_ring *t = arg;
    atomic_store(&t->state, RING_ORPHAN);
}

static void make_key(void) { pthread_key_create(&ring_key, thread_ended); }

static tel_ring *new_ring(void)
{
    for (int i = 0; i < atomic_load(&tel.nrings); i++) {
        int free_state = RING_FREE;
        if (atomic_compare_exchange_strong(&tel.rings[i]->state, &free_state, RING_OWNED))
            return tel.rings[i];
    }
    int n = atomic_load(&tel.nrings);
    if (n == TEL_MAX_RINGS) return NULL;
    tel_ring *t = lab_xcalloc(1, sizeof *t);
    lab_ring_init(&t->ring, TEL_RING_BYTES);
    atomic_store(&t->state, RING_OWNED);
    tel.rings[n] = t;
    atomic_store_explicit(&tel.nrings, n + 1, memory_order_release);
    return t;
}

/* The calling thread's ring: registered on its first event (and again in
 * a forked child, whose rings are its own). */
static tel_ring *my_ring(void)
{
    unsigned gen = atomic_load_explicit(&tel.gen, memory_order_relaxed);
    if (me.ring && me.gen == gen) return me.ring;
    pthread_once(&key_once, make_key);
    pthread_mutex_lock(&tel.reg_lock);
    me.ring = new_ring();
    me.gen = gen;
    pthread_setspecific(ring_key, me.ring);
    if (!tel.forked) tel_formatter_start();   /* a child: see child_emitted() */
    pthread_mutex_unlock(&tel.reg_lock);
    return me.ring;
}

/* A forked child (a cluster worker, say) formats its events itself, on
 * the emitting thread, until it has emitted this many; only then does it
 * start a formatter thread.  Most such children report a few lifecycle
 * events and a stats line now and then, and so never get a second thread
 * — which matters: in a process with one thread, Linux looks a descriptor
 * up for each system call without taking a reference on it (no other
 * thread could close it meanwhile: fdget's fast path); with two, every
 * recv and send pays two atomic operations more (fdget and fput were
 * 4% of a busy HTTP worker's time, in perf). */
#define TEL_CHILD_THREAD_AFTER 256
static atomic_uint child_events;

/* Called after each event a forked child formatted itself. */
static void child_emitted(void)
{
    if (atomic_fetch_add(&child_events, 1) + 1 != TEL_CHILD_THREAD_AFTER) return;
    pthread_mutex_lock(&tel.reg_lock);    /* (as my_ring() starts it) */
    tel_formatter_start();
    pthread_mutex_unlock(&tel.reg_lock);
}

/* ---- fork safety ------------------------------------------------------- */

static void atfork_prepare(void) { pthread_mutex_lock(&tel.reg_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&tel.reg_lock); }

/* The child is a new reporter: the parent's rings and its unwritten lines
 * are the parent's to write, not the child's (they would appear twice).
 * Its threads — only the one that forked survives — register anew, and
 * its formatter starts with its first event. */
static void atfork_child(void)
{
    pthread_mutex_init(&tel.reg_lock, NULL);
    pthread_mutex_init(&tel.fmt_lock, NULL);
    int n = atomic_load(&tel.nrings);
    for (int i = 0; i < n; i++) {
        lab_ring_free(&tel.rings[i]->ring);
        free(tel.rings[i]);
        tel.rings[i] = NULL;
    }
    atomic_store(&tel.nrings, 0);
    pthread_setspecific(ring_key, NULL);
    atomic_fetch_add(&tel.gen, 1);
    atomic_store(&tel.seq, 0);
    atomic_store(&tel.lost, 0);
    tel.next_seq = 0;
    tel.cur = NULL;
    atomic_store(&tel.out_len, 0);
    tel.thread_on = false;
    atomic_store(&tel.sleeping, 0);
    tel.pid = getpid();
    tel.forked = true;
    tel_frame_reset();
    atomic_store(&child_events, 0);
}

/* ---- opening and closing ----------------------------------------------- */

void lab_tel_set_epoch(uint64_t epoch_us) { tel.epoch_us = epoch_us; }
uint64_t lab_tel_epoch(void) { return tel.epoch_us; }
uint64_t lab_tel_now(void) { return lab_clock_us() - tel.epoch_us; }

/* An event's ts: lab_tel_now(), by the cheaper stamp (stamp.c). */
static uint64_t event_ts(void)
{
    uint64_t now = tel_stamp_us();
    return now > tel.epoch_us ? now - tel.epoch_us : 0;
}
bool lab_tel_on(void) { return tel_fd() >= 0; }
int lab_tel_fd(void) { return tel_fd(); }

/* A process that returns from main() or calls exit() says what it has
 * left to say (the reader gets a moment, not more). */
static void at_exit(void) { lab_tel_close(200); }

void lab_tel_open(int fd)
{
    static bool installed;
    if (!installed) {
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
        atexit(at_exit);
        tel_stamp_check();
        installed = true;
    }
    if (tel.epoch_us == 0) tel.epoch_us = lab_clock_us();
    const char *mode = getenv("NODELAB_TELEMETRY");
    tel.direct = mode && strcmp(mode, "json-direct") == 0;
    tel.pid = getpid();
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    pthread_mutex_lock(&tel.fmt_lock);
    tel_frame_open(tel.direct);
    if (!tel.out) tel.out = lab_xmalloc(TEL_OUT_CAP);
    atomic_store(&tel.fd, fd);
    pthread_mutex_unlock(&tel.fmt_lock);
}

bool lab_tel_open_from_env(void)
{
    const char *fdv = getenv("NODELAB_TELEMETRY_FD");
    const char *epv = getenv("NODELAB_EPOCH_US");
    if (!fdv || !*fdv) return false;
    char *end;
    long fd = strtol(fdv, &end, 10);
    if (*end || fd < 0 || fd > 1 << 20 || fcntl((int)fd, F_GETFD) < 0) return false;
    if (epv && *epv) lab_tel_set_epoch(strtoull(epv, NULL, 10));
    lab_tel_open((int)fd);
    return true;
}

/* Wakes the formatter: whatever is waiting goes out without the caller
 * waiting for it (the loop calls this each turn).  Only when something
 * waits: each emit already wakes it after publishing, and a formatter
 * woken for nothing costs two futex calls and a switch to its thread on
 * every loop turn (a busy HTTP worker that emits nothing per request
 * paid 0.13 futex per request for it). */
void lab_tel_flush(void)
{
    if (tel_fd() < 0) return;
    if (tel.thread_on) {
        if (tel_rings_pending()) tel_formatter_wake();
    } else if (lab_tel_pending()) {
        /* No formatter thread (json-direct, or a forked child that
         * reports little): lines the reader could not take when they
         * were made go out now. */
        pthread_mutex_lock(&tel.fmt_lock);
        tel_drain_locked(tel.direct);
        pthread_mutex_unlock(&tel.fmt_lock);
    }
}

void lab_tel_sync(void)
{
    if (tel_fd() < 0) return;
    pthread_mutex_lock(&tel.fmt_lock);
    tel_drain_locked(tel.direct);
    tel_drain_frame_locked();
    pthread_mutex_unlock(&tel.fmt_lock);
}

bool lab_tel_pending(void)
{
    if (tel_fd() < 0) return false;
    /* Rings first: a line leaves its ring only once it is in `out`. */
    return tel_rings_pending() || atomic_load_explicit(&tel.out_len, memory_order_acquire) > 0 ||
           tel_frame_pending();
}

static uint64_t sum_rings(size_t offset)
{
    uint64_t sum = 0;
    int n = atomic_load_explicit(&tel.nrings, memory_order_acquire);
    for (int i = 0; i < n; i++)
        sum += atomic_load_explicit((atomic_uint_fast64_t *)((char *)tel.rings[i] + offset),
                                    memory_order_relaxed);
    return sum;
}

uint64_t lab_tel_written(void) { return sum_rings(offsetof(tel_ring, accepted)); }
uint64_t lab_tel_dropped(void)
{
    return sum_rings(offsetof(tel_ring, ring.dropped)) + atomic_load(&tel.lost);
}

lab_tel_totals lab_tel_totals_of(lab_ev_id kind)
{
    lab_tel_totals t = { 0, 0, 0 };
    if ((int)kind < 0 || kind > LAB_EV_OTHER) return t;
    t.events = sum_rings(offsetof(tel_ring, kinds) + kind * sizeof(tel_counter) +
                         offsetof(tel_counter, events));
    t.bytes = sum_rings(offsetof(tel_ring, kinds) + kind * sizeof(tel_counter) +
                        offsetof(tel_counter, bytes));
    t.falses = sum_rings(offsetof(tel_ring, kinds) + kind * sizeof(tel_counter) +
                         offsetof(tel_counter, falses));
    return t;
}

void lab_tel_close(int timeout_ms)
{
    if (tel_fd() < 0) return;
    tel_formatter_stop();
    /* Let a slow reader catch up for a little while: the last events of a
     * demo (its summary) are the ones people look for.  Never longer. */
    uint64_t deadline = lab_clock_us() + (uint64_t)timeout_ms * 1000u;
    pthread_mutex_lock(&tel.fmt_lock);
    tel_drain_locked(tel.direct);
    tel_drain_frame_locked();
    while (tel_fd() >= 0 && (atomic_load(&tel.out_len) > 0 || tel_rings_pending() ||
                             tel_frame_pending()) &&
           lab_clock_us() < deadline) {
        struct pollfd pfd = { .fd = tel_fd(), .events = POLLOUT };
        int left = (int)((deadline - lab_clock_us()) / 1000u);
        if (poll(&pfd, 1, left > 0 ? left : 1) < 0 && errno != EINTR) break;
        tel_drain_locked(tel.direct);
        tel_drain_frame_locked();
    }
    atomic_store(&tel.fd, -1);
    /* What could not be written is forgotten; the next open starts clean. */
    int n = atomic_load(&tel.nrings);
    for (int i = 0; i < n; i++) {
        lab_ring_discard(&tel.rings[i]->ring);
        tel.rings[i]->dropped_reported = atomic_load(&tel.rings[i]->ring.dropped);
    }
    atomic_store(&tel.out_len, 0);
    atomic_store(&tel.seq, 0);
    tel.next_seq = 0;
    tel.cur = NULL;
    tel_frame_reset();
    pthread_mutex_unlock(&tel.fmt_lock);
}

/* ---- building events --------------------------------------------------- */

/* The kind of a name, and its length (at most 255: lab_rec_begin's). */
static int kind_of(const char *name, size_t *len)
{
    unsigned h = (unsigned)(((uintptr_t)name >> 3) % KIND_CACHE);
    if (me.kinds[h].name != name) {
        size_t n = strlen(name);
        me.kinds[h].name = name;
        me.kinds[h].kind = lab_ev_lookup(name);
        me.kinds[h].len = (uint8_t)(n > 255 ? 255 : n);
    }
    if (len) *len = me.kinds[h].len;
    return me.kinds[h].kind;
}

lab_ev *lab_ev_new(const char *name)
{
    if (tel_fd() < 0) return NULL;         /* the cheap path */
    lab_ev *e;
    int slot = __builtin_ffs((int)~me.used & ((1 << EVS_PER_THREAD) - 1)) - 1;
    if (slot >= 0) {
        me.used |= 1u << slot;
        e = &me.evs[slot];
    } else {
        e = lab_xmalloc(sizeof *e);
    }
    e->slot = slot;
    lab_rec_begin(&e->b, name, event_ts(), tel.pid);
    e->kind = kind_of(name, NULL);
    e->size = 0;
    e->ret_false = false;
    return e;
}

static bool is_key(const char *key, const char *want) { return key[0] == want[0] && strcmp(key, want) == 0; }

void lab_ev_str(lab_ev *e, const char *key, const char *value)
{
    if (!e) return;
    if (value) lab_rec_field(&e->b, LAB_F_STR, key, value, strlen(value));
    else lab_rec_field(&e->b, LAB_F_NULL, key, NULL, 0);
}

void lab_ev_int(lab_ev *e, const char *key, int64_t value)
{
    if (!e) return;
    lab_rec_field(&e->b, LAB_F_INT, key, &value, 8);
    if (is_key(key, "size")) e->size = value;
}

void lab_ev_num(lab_ev *e, const char *key, double value)
{
    if (e) lab_rec_field(&e->b, LAB_F_NUM, key, &value, 8);
}

void lab_ev_bool(lab_ev *e, const char *key, bool value)
{
    if (!e) return;
    unsigned char b = value;
    lab_rec_field(&e->b, LAB_F_BOOL, key, &b, 1);
    if (!value && is_key(key, "ret")) e->ret_false = true;
}

void lab_ev_null(lab_ev *e, const char *key)
{
    if (e) lab_rec_field(&e->b, LAB_F_NULL, key, NULL, 0);
}

void lab_ev_pid(lab_ev *e, int pid)
{
    if (e) lab_rec_set_pid(&e->b, pid);
}

/* A cJSON value is printed now (rare: a demo's parameters, a spawn's
 * argv) and kept as text. */
void lab_ev_json(lab_ev *e, const char *key, cJSON *value)
{
    if (e) {
        char *text = cJSON_PrintUnformatted(value);
        if (text) lab_rec_field(&e->b, LAB_F_JSON, key, text, strlen(text));
        free(text);
    }
    cJSON_Delete(value);
}

static void ev_free(lab_ev *e)
{
    lab_rec_release(&e->b);
    if (e->slot >= 0) me.used &= ~(1u << e->slot);
    else free(e);
}

/* Events another process answers: their lines must be in the pipe before
 * the answer can be reported there, so their emitter formats everything
 * up to them itself instead of leaving it to the formatter. */
static bool sync_kind(int kind)
{
    return kind == LAB_EV_SPAWN || kind == LAB_EV_EXIT || kind == LAB_EV_KILL ||
           kind == LAB_EV_IPC || kind == LAB_EV_DISCONNECT;
}

/* Events of the data path, which may come by the hundred thousand a
 * second: when the reader is behind, these are the ones dropped (and
 * counted).  Every other kind — a worker's exit, a respawn, a summary —
 * is rare and is what a reader waits for: it waits for room instead. */
static bool droppable_kind(int kind)
{
    switch (kind) {
    case LAB_EV_WRITE: case LAB_EV_WRITTEN: case LAB_EV_DRAIN: case LAB_EV_PUSH:
    case LAB_EV_DATA: case LAB_EV_PAUSE: case LAB_EV_RESUME: case LAB_EV_LAG:
    case LAB_EV_POOL: case LAB_EV_MEM: case LAB_EV_FS: case LAB_EV_CONNECTION:
    case LAB_EV_CONNECT: case LAB_EV_SOCKET_CLOSE: case LAB_EV_GZIP: case LAB_EV_REQUEST:
    case LAB_EV_RESPONSE: case LAB_EV_REQUEST_START: case LAB_EV_IPC: case LAB_EV_SCHEDULE:
    case LAB_EV_MESSAGE: case LAB_EV_MAILBOX: case LAB_EV_SHARED: case LAB_EV_ATOMICS:
    case LAB_EV_CACHE: case LAB_EV_ROUNDTRIP: case LAB_EV_HOP: case LAB_EV_QUEUE:
    case LAB_EV_PGZIP_BLOCK: case LAB_EV_PGZIP_PROGRESS: case LAB_EV_PINGPONG:
        return true;
    default:
        return false;
    }
}

/* A rare event and a full ring: the reader is behind.  Format what can
 * be formatted and wait for the reader to take lines, as the old path
 * (one write per event) always did — for 10 s at most, or until the
 * reader is gone.  Called with fmt_lock held. */
static void *wait_for_room(tel_ring *t, size_t len)
{
    uint64_t give_up = lab_clock_us() + 10 * 1000000u;
    void *slot = NULL;
    while (!slot && tel_fd() >= 0 && lab_clock_us() < give_up) {
        tel_drain_locked(tel.direct);
        if ((slot = lab_ring_reserve(&t->ring, len))) break;
        struct pollfd pfd = { .fd = tel_fd(), .events = POLLOUT };
        poll(&pfd, 1, 20);
    }
    return slot;
}

/* The owner's counters: a relaxed load and store, no locked instruction. */
static void bump(atomic_uint_fast64_t *c, uint64_t by)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

/* Counted whether or not its record gets through: exact totals. */
static void count(tel_ring *t, int kind, int64_t size, bool ret_false)
{
    tel_counter *c = &t->kinds[kind];
    bump(&c->events, 1);
    if (size > 0) bump(&c->bytes, (uint64_t)size);
    if (ret_false) bump(&c->falses, 1);
}

/* An event that must be formatted before lab_ev_emit() returns (see
 * sync_kind; and every event of a process without a formatter thread)
 * holds fmt_lock from here to publish(). */
static bool begin(int kind)
{
    bool sync = !tel.thread_on || sync_kind(kind);
    if (sync) pthread_mutex_lock(&tel.fmt_lock);
    return sync;
}

/* Room in t's ring for a record of len bytes, or NULL: the record is
 * dropped, and counted as such. */
static void *take_room(tel_ring *t, int kind, uint32_t len, bool sync)
{
    void *slot = lab_ring_reserve(&t->ring, len);
    if (!slot && !sync && atomic_load_explicit(&tel.out_len, memory_order_relaxed) < TEL_OUT_CAP / 2) {
        /* The ring is full but the lines already made are being taken:
         * the formatter, not the reader, is behind (on a busy machine its
         * thread can wait for a core while this one emits).  Catch up here
         * rather than drop, so that events are lost only when the reader
         * is behind — and then dropping stays cheap. */
        pthread_mutex_lock(&tel.fmt_lock);
        tel_drain_locked(tel.direct);
        pthread_mutex_unlock(&tel.fmt_lock);
        slot = lab_ring_reserve(&t->ring, len);
    }
    if (!slot && !droppable_kind(kind)) {
        if (!sync) pthread_mutex_lock(&tel.fmt_lock);
        slot = wait_for_room(t, len);
        if (!sync) pthread_mutex_unlock(&tel.fmt_lock);
    }
    if (!slot) lab_ring_drop(&t->ring);
    return slot;
}

/* The next event's number, taken once its record has room (so the
 * numbers have no gaps) and before the record is written: the locked
 * add waits until every store before it has reached the cache, and the
 * record's own stores, into ring lines the formatter has read, are the
 * slow ones — taken after them it cost ~40 ns an event. */
static uint64_t number(void)
{
    return atomic_fetch_add_explicit(&tel.seq, 1, memory_order_relaxed);
}

/* The record written in its slot (NULL: it was dropped) goes to the
 * formatter; a sync event's line is written now. */
static void publish(tel_ring *t, lab_rec *r, int kind, bool sync)
{
    if (r) {
        lab_ring_commit(&t->ring);
        bump(&t->accepted, 1);
    }
    if (sync) {
        tel_drain_locked(tel.direct);
        pthread_mutex_unlock(&tel.fmt_lock);
        if (tel.forked && !tel.thread_on) child_emitted();
    } else if (r) {
        if (droppable_kind(kind)) tel_formatter_nudge();
        else tel_formatter_wake();
    }
}

void lab_ev_emit(lab_ev *e)
{
    if (!e) return;
    tel_ring *t = tel_fd() >= 0 ? my_ring() : NULL;
    if (!t) {
        if (tel_fd() >= 0) atomic_fetch_add(&tel.lost, 1);     /* too many threads */
        ev_free(e);
        return;
    }
    count(t, e->kind, e->size, e->ret_false);
    lab_rec *r = lab_rec_end(&e->b);
    bool sync = begin(e->kind);
    void *slot = take_room(t, e->kind, r->h.len, sync);
    if (slot) {
        r->seq = number();
        memcpy(slot, r, r->h.len);
    }
    publish(t, slot, e->kind, sync);
    ev_free(e);
}

void lab_tel_flow(const char *ev, const char *stream, int64_t size, int64_t len, int64_t hwm,
                  bool ret)
{
    if (tel_fd() < 0) return;                       /* the cheap path */
    size_t stream_len = stream ? strlen(stream) : 0;
    if (!stream || stream_len > 1024) {             /* not the common shape: the general way */
        lab_ev *e = lab_ev_new(ev);
        lab_ev_str(e, "stream", stream);
        lab_ev_int(e, "size", size);
        lab_ev_int(e, "len", len);
        lab_ev_int(e, "hwm", hwm);
        lab_ev_bool(e, "ret", ret);
        lab_ev_emit(e);
        return;
    }
    tel_ring *t = my_ring();
    if (!t) {
        atomic_fetch_add(&tel.lost, 1);
        return;
    }
    lab_rec_flow_fields f = { .name = ev, .stream = stream, .stream_len = stream_len,
                              .size = size, .len = len, .hwm = hwm, .ret = ret };
    int kind = kind_of(ev, &f.name_len);
    count(t, kind, size, !ret);
    uint32_t n = lab_rec_flow_len(&f);
    uint64_t ts = event_ts();
    bool sync = begin(kind);
    void *slot = take_room(t, kind, n, sync);
    lab_rec *r = NULL;
    if (slot) {
        uint64_t seq = number();
        r = lab_rec_flow(slot, n, ts, tel.pid, &f);
        r->seq = seq;
    }
    publish(t, r, kind, sync);
}

void lab_tel_stream(const char *ev, const char *stream)
{
    lab_ev *e = lab_ev_new(ev);
    lab_ev_str(e, "stream", stream);
    lab_ev_emit(e);
}

void lab_tel_error(const char *stream, int err, const char *message)
{
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    lab_ev_str(e, "stream", stream);
    lab_ev_str(e, "code", err > 0 ? lab_errno_name(err) : "ERR");
    lab_ev_str(e, "message", message ? message : (err > 0 ? strerror(err) : ""));
    lab_ev_emit(e);
}
