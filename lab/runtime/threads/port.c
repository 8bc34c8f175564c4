/*
 * port.c — MessageChannel and MessagePort (see port.h).
 *
 * A channel is one allocation holding its two ports; each port holds the
 * mailbox of messages posted *to* it.  Posting is: lock the peer's
 * mailbox, append, unlock, and write the peer's eventfd if the mailbox was
 * empty.  Receiving is: the eventfd is readable, the loop calls on_wake(),
 * which reads the eventfd and takes the whole mailbox under the lock.
 *
 * Why "if it was empty" is enough: the receiver always takes everything.
 * So a poster that finds messages waiting knows a wake-up is already on
 * its way (the one who made the mailbox non-empty sent it), and a poster
 * that finds it empty sends one.  The worst that can happen is a wake-up
 * that finds nothing, which costs one empty pass.
 *
 * The channel is freed when both ports have closed (an atomic count of
 * two).  The memory handed over in a message is published by the mutex:
 * whatever the sender wrote before unlocking, the receiver sees after
 * locking — the happens-before that makes this safe without atomics on
 * the bytes themselves.
 */
#define _GNU_SOURCE
#include "port.h"
#include "port_impl.h"
#include "range.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum { SYS_CLOSE = -1 };       /* the peer closed (port.c's own) */

typedef struct msg {
    struct msg *next;
    int sys;                   /* 0: the user's; LAB_SYS_*, SYS_CLOSE */
    int code;
    lab_chunk data;            /* the bytes (for sys: the text) */
    bool transferred;
} msg;

typedef struct channel channel;

struct lab_port {
    channel *ch;
    lab_port *peer;

    /* The mailbox: touched by posters on any thread, under the lock. */
    pthread_mutex_t lock;
    msg *head, *tail;
    size_t depth;
    bool inbox_closed;         /* the owner closed: posts are dropped */
    int efd;

    /* The owner's side: touched only by the thread that owns the port. */
    lab_loop *loop;            /* NULL until bound */
    lab_io io;
    lab_port_message_cb *on_message;
    lab_port_close_cb *on_close;
    lab_port_sys_cb *on_sys;
    void (*on_wake)(lab_port *port);
    void *data;
    bool started, unref, held, closing;
    lab_port *prev_bound, *next_bound;   /* the thread's bound ports */

    /* Read from any thread. */
    atomic_bool closed;        /* lab_port_close() was called */
    atomic_bool quiet;
    char name[32];
    _Atomic uint64_t posted, bytes, copies, transfers, dropped, received;
    _Atomic uint64_t depth_now, max_depth;

    /* Large copied messages' buffers, handed back by this port's owner
     * once delivered, for the next copies posted to this port (see
     * keep_spare): under the mailbox's lock. */
    lab_buf *spares[16];
    int nspares;
    size_t spare_bytes;
};

struct channel {
    atomic_int refs;           /* one per port not yet finished */
    lab_port port[2];
};

static atomic_int next_port_id;
static __thread int this_thread_id;
static __thread lab_port *bound_ports;

int lab_thread_id(void) { return this_thread_id; }
void lab_thread_set_id(int id) { this_thread_id = id; }

/* Relaxed counters: one writer or a few, read for statistics only. */
static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- messages ------------------------------------------------------------ */

/* Recycling large copies.  A copied message of a megabyte is a megabyte
 * that malloc hands out, the receiver frees, and malloc gives back to the
 * kernel (the heap is trimmed): the next copy then faults every page in
 * again, and that, not memcpy, is most of its cost.  So the receiver
 * hands a large buffer it is done with back to its port, and the next
 * copy posted there reuses it: one buffer going round, as a buffer pool
 * does.  Small messages come from malloc's caches and gain nothing.  The
 * spares are bounded (16 buffers, 16 MiB a port): enough for a sender
 * that posts a burst while the receiver finishes the last one. */
enum { SPARE_MIN = 64 * 1024, SPARE_BYTES = 16 << 20 };

static void keep_spare(lab_port *p, lab_chunk *c)
{
    lab_buf *b = c->buf;
    if (!b || b->refs != 1 || b->release || b->size < SPARE_MIN) return;   /* still someone's */
    *c = (lab_chunk){ NULL, 0, NULL };
    pthread_mutex_lock(&p->lock);
    int n = p->nspares;
    bool kept = n < (int)(sizeof p->spares / sizeof p->spares[0]) &&
                p->spare_bytes + b->size <= SPARE_BYTES;
    if (kept) { p->spares[p->nspares++] = b; p->spare_bytes += b->size; }
    pthread_mutex_unlock(&p->lock);
    if (!kept) free(b);
}

/* A buffer for a copy of len bytes posted to p: a spare if the newest
 * fits without wasting more than half of it, else a new one. */
static lab_chunk take_spare(lab_port *p, size_t len)
{
    lab_buf *b = NULL;
    if (len >= SPARE_MIN) {
        pthread_mutex_lock(&p->lock);
        if (p->nspares > 0) {
            lab_buf *top = p->spares[p->nspares - 1];
            if (top->size >= len && top->size / 2 <= len) {
                b = top;
                p->nspares--;
                p->spare_bytes -= b->size;
            }
        }
        pthread_mutex_unlock(&p->lock);
    }
    return b ? (lab_chunk){ b->data, len, b } : lab_chunk_alloc(len);
}

static void msg_free(msg *m)
{
    while (m) {
        msg *next = m->next;
        lab_chunk_release(&m->data);
        free(m);
        m = next;
    }
}

/* Appends m to to's mailbox.  Returns false (m untouched) if to is
 * closed.  The eventfd is written outside the lock: the wake-up does not
 * need it, and the receiver should not wait on our syscall. */
/* doc:enqueue */
static bool enqueue(lab_port *to, msg *m, size_t *depth_after)
{
    m->next = NULL;
    pthread_mutex_lock(&to->lock);
    if (to->inbox_closed) {
        pthread_mutex_unlock(&to->lock);
        return false;
    }
    bool was_empty = to->head == NULL;
    if (to->tail) to->tail->next = m; else to->head = m;
    to->tail = m;
    size_t depth = ++to->depth;
    pthread_mutex_unlock(&to->lock);
    atomic_store_explicit(&to->depth_now, depth, memory_order_relaxed);
    uint64_t max = atomic_load_explicit(&to->max_depth, memory_order_relaxed);
    while (depth > max && !atomic_compare_exchange_weak_explicit(
               &to->max_depth, &max, depth, memory_order_relaxed, memory_order_relaxed)) {
    }
    if (was_empty) {
        uint64_t one = 1;
        ssize_t w = write(to->efd, &one, sizeof one);
        (void)w;               /* EAGAIN: the counter is full, a wake-up is due */
    }
    if (depth_after) *depth_after = depth;
    return true;
}
/* end doc:enqueue */

/* Takes the whole mailbox. */
static msg *take_all(lab_port *p, size_t *n)
{
    pthread_mutex_lock(&p->lock);
    msg *all = p->head;
    *n = p->depth;
    p->head = p->tail = NULL;
    p->depth = 0;
    pthread_mutex_unlock(&p->lock);
    atomic_store_explicit(&p->depth_now, 0, memory_order_relaxed);
    return all;
}

static void report_message(lab_port *from, size_t size, bool transfer, size_t depth)
{
    if (atomic_load_explicit(&from->quiet, memory_order_relaxed)) return;
    lab_ev *e = lab_ev_new(LAB_EV(MESSAGE));
    lab_ev_str(e, "port", from->name);
    lab_ev_str(e, "to", from->peer->name);
    lab_ev_int(e, "thread", this_thread_id);
    lab_ev_int(e, "size", (int64_t)size);
    lab_ev_str(e, "mode", transfer ? "transfer" : "copy");
    lab_ev_int(e, "depth", (int64_t)depth);
    lab_ev_emit(e);
}

/* Sends m from port to its peer, counting and reporting it. */
static int post_msg(lab_port *port, msg *m)
{
    size_t size = m->data.len, depth = 0;
    bool transfer = m->transferred;
    if (atomic_load_explicit(&port->closed, memory_order_relaxed) ||
        !enqueue(port->peer, m, &depth)) {
        msg_free(m);
        count(&port->dropped, 1);
        return -EPIPE;
    }
    count(&port->posted, 1);
    count(&port->bytes, size);
    count(transfer ? &port->transfers : &port->copies, 1);
    report_message(port, size, transfer, depth);
    return 0;
}

static msg *msg_new(void)
{
    return lab_xcalloc(1, sizeof(msg));
}

int lab_port_post(lab_port *port, const void *data, size_t len)
{
    msg *m = msg_new();
    m->data = take_spare(port->peer, len);
    if (len) memcpy(m->data.data, data, len);
    return post_msg(port, m);
}

int lab_port_post_chunk(lab_port *port, const lab_chunk *c)
{
    if (lab_chunk_empty(c) || lab_chunk_is_range(c)) return -EINVAL;
    return lab_port_post(port, c->data, c->len);
}

int lab_port_transfer(lab_port *port, lab_chunk *c)
{
    if (c->buf && c->buf->refs > 1) return -EBUSY;
    msg *m = msg_new();
    m->data = *c;              /* the reference moves with the bytes */
    m->transferred = true;
    *c = (lab_chunk){ NULL, 0, NULL };        /* detached */
    return post_msg(port, m);
}

int lab_port_post_sys(lab_port *port, int sys, int code, const void *data, size_t len)
{
    msg *m = msg_new();
    m->sys = sys;
    m->code = code;
    if (len) m->data = lab_chunk_copy(data, len);
    size_t depth;
    if (!enqueue(port->peer, m, &depth)) { msg_free(m); return -EPIPE; }
    return 0;
}

/* ---- the channel ------------------------------------------------------------ */

static int port_init(channel *ch, int i)
{
    lab_port *p = &ch->port[i];
    p->ch = ch;
    p->peer = &ch->port[1 - i];
    snprintf(p->name, sizeof p->name, "port#%d", atomic_fetch_add(&next_port_id, 1) + 1);
    p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return p->efd < 0 ? -errno : 0;
}

static void channel_release(channel *ch)
{
    if (atomic_fetch_sub_explicit(&ch->refs, 1, memory_order_acq_rel) != 1) return;
    for (int i = 0; i < 2; i++) {
        lab_port *p = &ch->port[i];
        msg_free(p->head);
        for (int k = 0; k < p->nspares; k++) free(p->spares[k]);
        if (p->efd >= 0) close(p->efd);
        pthread_mutex_destroy(&p->lock);
    }
    free(ch);
}

int lab_channel_new(lab_port **port1, lab_port **port2)
{
    channel *ch = lab_xcalloc(1, sizeof *ch);
    for (int i = 0; i < 2; i++) {
        ch->port[i].efd = -1;
        pthread_mutex_init(&ch->port[i].lock, NULL);
    }
    atomic_init(&ch->refs, 2);
    int rc = port_init(ch, 0);
    if (rc == 0) rc = port_init(ch, 1);
    if (rc < 0) {
        atomic_store(&ch->refs, 1);
        channel_release(ch);
        return rc;
    }
    *port1 = &ch->port[0];
    *port2 = &ch->port[1];
    return 0;
}

/* ---- receiving --------------------------------------------------------------- */

static void begin_close(lab_port *p, bool tell_peer);

static void report_mailbox(lab_port *p, size_t n)
{
    if (atomic_load_explicit(&p->quiet, memory_order_relaxed)) return;
    lab_ev *e = lab_ev_new(LAB_EV(MAILBOX));
    lab_ev_str(e, "port", p->name);
    lab_ev_int(e, "thread", this_thread_id);
    lab_ev_int(e, "depth", (int64_t)n);
    lab_ev_emit(e);
}

/* Delivers one batch, oldest first, ticks drained in between.  Stops if a
 * callback closed the port; what is left is dropped, as Node drops the
 * messages of a port closed from its own handler. */
static void deliver(lab_port *p)
{
    size_t n;
    msg *batch = take_all(p, &n);
    if (!batch) return;
    report_mailbox(p, n);
    while (batch && !p->closing) {
        msg *m = batch;
        batch = m->next;
        m->next = NULL;
        if (m->sys == SYS_CLOSE) {
            if (!p->on_sys) begin_close(p, false);     /* see lab_port_on_sys */
        } else if (m->sys) {
            if (p->on_sys) p->on_sys(p, m->sys, m->code, &m->data);
        } else {
            count(&p->received, 1);
            lab_message pub = { m->data, m->transferred };
            if (p->on_message) p->on_message(p, &pub);
            if (!m->transferred) keep_spare(p, &m->data);
        }
        msg_free(m);
        lab_loop_run_ticks(p->loop);
    }
    msg_free(batch);
}

static void on_readable(lab_io *io, int events)
{
    lab_port *p = io->data;
    uint64_t v;
    ssize_t r = read(p->efd, &v, sizeof v);
    (void)r;
    if (p->on_wake) p->on_wake(p);
    if (p->started && !p->closing) deliver(p);
}

/* Links p into the calling thread's list of bound ports. */
static void link_bound(lab_port *p)
{
    p->prev_bound = NULL;
    p->next_bound = bound_ports;
    if (bound_ports) bound_ports->prev_bound = p;
    bound_ports = p;
}

static void unlink_bound(lab_port *p)
{
    if (p->prev_bound) p->prev_bound->next_bound = p->next_bound;
    else if (bound_ports == p) bound_ports = p->next_bound;
    if (p->next_bound) p->next_bound->prev_bound = p->prev_bound;
    p->prev_bound = p->next_bound = NULL;
}

int lab_port_bind(lab_port *port, lab_loop *loop, void (*on_wake)(lab_port *port))
{
    if (port->closing || (port->loop && port->loop != loop)) return -EINVAL;
    if (on_wake) port->on_wake = on_wake;
    if (port->loop) return 0;
    port->loop = loop;
    lab_io_init(loop, &port->io, port->efd);
    port->io.data = port;
    lab_io_unref(&port->io);          /* liveness is a hold: see update_hold */
    if (lab_io_start(&port->io, LAB_READABLE, on_readable) < 0) {
        port->loop = NULL;
        return -errno;
    }
    link_bound(port);
    return 0;
}

/* A started, referenced port keeps its loop alive by holding it. */
static void update_hold(lab_port *p)
{
    bool want = p->started && !p->unref && !p->closing;
    if (want && !p->held) lab_loop_hold(p->loop);
    if (!want && p->held) lab_loop_release(p->loop);
    p->held = want;
}

int lab_port_on_message(lab_port *port, lab_loop *loop, lab_port_message_cb *cb)
{
    int rc = lab_port_bind(port, loop, NULL);
    if (rc < 0) return rc;
    port->on_message = cb;
    if (!port->started) {
        port->started = true;
        update_hold(port);
        lab_port_wake(port);           /* messages may be waiting */
    }
    return 0;
}

void lab_port_on_sys(lab_port *port, lab_port_sys_cb *cb) { port->on_sys = cb; }

void lab_port_on_close(lab_port *port, lab_port_close_cb *cb) { port->on_close = cb; }

void lab_port_wake(lab_port *port)
{
    uint64_t one = 1;
    ssize_t w = write(port->efd, &one, sizeof one);
    (void)w;
}

/* ---- closing ------------------------------------------------------------------ */

static void report_close(lab_port *p)
{
    lab_ev *e = lab_ev_new(LAB_EV(PORT));
    lab_ev_str(e, "port", p->name);
    lab_ev_str(e, "phase", "close");
    lab_ev_int(e, "thread", this_thread_id);
    lab_ev_int(e, "posted", (int64_t)atomic_load(&p->posted));
    lab_ev_int(e, "received", (int64_t)atomic_load(&p->received));
    lab_ev_int(e, "max_depth", (int64_t)atomic_load(&p->max_depth));
    lab_ev_emit(e);
}

/* The end of a port: off its loop, out of the thread's list, its share of
 * the channel given back. */
static void finish(lab_port *p)
{
    if (p->loop) {
        unlink_bound(p);
        p->loop = NULL;
    }
    channel_release(p->ch);
}

/* Runs in the check phase after the close, never inside a delivery, so
 * the callback may free what the port's data points to. */
static void close_event(lab_loop *loop, void *arg)
{
    lab_port *p = arg;
    report_close(p);
    if (p->on_close) p->on_close(p);
    finish(p);
}

/* Stops the port; tells the peer unless the peer is the one closing. */
static void begin_close(lab_port *p, bool tell_peer)
{
    if (p->closing) return;
    p->closing = true;
    atomic_store(&p->closed, true);
    size_t n;
    pthread_mutex_lock(&p->lock);
    p->inbox_closed = true;
    pthread_mutex_unlock(&p->lock);
    msg_free(take_all(p, &n));
    if (tell_peer) {
        msg *m = msg_new();
        m->sys = SYS_CLOSE;
        if (!enqueue(p->peer, m, NULL)) msg_free(m);
    }
    update_hold(p);
    if (p->loop) {
        lab_io_close(&p->io);
        lab_set_immediate(p->loop, close_event, p);
    } else {
        finish(p);                     /* never bound: no one to tell */
    }
}

void lab_port_close(lab_port *port) { begin_close(port, true); }

void lab_port_close_thread_ports(void)
{
    while (bound_ports) {
        lab_port *p = bound_ports;
        if (!p->closing) {
            p->on_close = NULL;        /* their loop will not run again */
            begin_close(p, true);
        }
        finish(p);                     /* the pending close_event never runs */
    }
}

/* ---- the rest ------------------------------------------------------------------- */

void lab_port_ref(lab_port *port)
{
    port->unref = false;
    if (port->loop) update_hold(port);
}

void lab_port_unref(lab_port *port)
{
    port->unref = true;
    if (port->loop) update_hold(port);
}

void lab_port_set_data(lab_port *port, void *data) { port->data = data; }
void *lab_port_data(const lab_port *port) { return port->data; }

void lab_port_set_name(lab_port *port, const char *name)
{
    snprintf(port->name, sizeof port->name, "%s", name);
}

const char *lab_port_name(const lab_port *port) { return port->name; }

void lab_port_set_quiet(lab_port *port, bool quiet) { atomic_store(&port->quiet, quiet); }

lab_port_stats lab_port_get_stats(const lab_port *p)
{
    lab_port *q = (lab_port *)p;       /* atomic loads want non-const */
    return (lab_port_stats){
        .posted = atomic_load_explicit(&q->posted, memory_order_relaxed),
        .bytes = atomic_load_explicit(&q->bytes, memory_order_relaxed),
        .copies = atomic_load_explicit(&q->copies, memory_order_relaxed),
        .transfers = atomic_load_explicit(&q->transfers, memory_order_relaxed),
        .dropped = atomic_load_explicit(&q->dropped, memory_order_relaxed),
        .received = atomic_load_explicit(&q->received, memory_order_relaxed),
        .depth = atomic_load_explicit(&q->depth_now, memory_order_relaxed),
        .max_depth = atomic_load_explicit(&q->max_depth, memory_order_relaxed),
    };
}
