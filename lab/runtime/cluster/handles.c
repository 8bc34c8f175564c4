/*
 * handles.c — the primary's server handles: how connections reach the
 * workers.  Node's lib/internal/cluster/round_robin_handle.js and
 * shared_handle.js, plus a reuseport handle that is not Node's.
 *
 * A handle exists per key (address:port:index, the server a worker asked
 * for).  Workers that ask for the same key join the same handle, so two
 * workers asking for port 0 share the port the first one got.  When the
 * last member leaves, the handle closes and its port is free again.
 *
 * Round-robin, the part worth reading slowly:
 *
 *   accept ──► queue ──► distribute() ──► the first FREE worker
 *                                             │ newconn + descriptor
 *                                             ▼
 *                              ack {accepted} ──► handoff() again
 *
 * A worker is "free" when it has acknowledged every connection it was
 * sent and the queue was empty then.  It gets one connection at a time;
 * its ack makes it eligible for the next.  A refusal (its server is
 * closing) puts the connection back in the queue for another worker, and
 * so does a worker whose channel closes before it acknowledged: it never
 * read from that connection, so another can serve it whole.  The primary
 * keeps its own copy of each descriptor until the ack, which is what makes
 * the re-queue possible.
 */
#define _GNU_SOURCE
#include "cluster_impl.h"
#include "events.h"
#include "grow.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void handoff(cluster_handle *h, lab_cluster_worker *w);

/* ---- small sets of workers --------------------------------------------------- */

static bool set_has(lab_cluster_worker **set, size_t n, const lab_cluster_worker *w)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == w) return true;
    return false;
}

static void set_add(lab_cluster_worker ***set, size_t *n, size_t *cap, lab_cluster_worker *w)
{
    *set = lab_grow_or_die(*set, cap, *n + 1, sizeof **set, 8);
    (*set)[(*n)++] = w;
}

/* Removes w keeping the order (free is a FIFO: the longest idle goes first). */
static bool set_del(lab_cluster_worker **set, size_t *n, const lab_cluster_worker *w)
{
    for (size_t i = 0; i < *n; i++) {
        if (set[i] != w) continue;
        memmove(set + i, set + i + 1, (*n - i - 1) * sizeof *set);
        (*n)--;
        return true;
    }
    return false;
}

/* ---- the queue of accepted connections ---------------------------------------- */

static void queue_push(cluster_handle *h, cluster_conn c)
{
    if (h->qhead > 0 && h->qhead + h->qlen == h->qcap) {
        memmove(h->queue, h->queue + h->qhead, h->qlen * sizeof *h->queue);
        h->qhead = 0;
    }
    h->queue = lab_grow_or_die(h->queue, &h->qcap, h->qhead + h->qlen + 1, sizeof *h->queue, 16);
    h->queue[h->qhead + h->qlen++] = c;
}

static cluster_conn queue_pop(cluster_handle *h)
{
    cluster_conn c = h->queue[h->qhead++];
    if (--h->qlen == 0) h->qhead = 0;
    return c;
}

/* ---- telemetry ----------------------------------------------------------------- */

/* One scheduling decision: connection `no` of this handle went to w (or
 * back into the queue, or nowhere). */
static void report_schedule(const cluster_handle *h, uint64_t no,
                            const lab_cluster_worker *w, const char *result)
{
    lab_ev *e = lab_ev_new(LAB_EV(SCHEDULE));
    if (!e) return;
    lab_ev_str(e, "policy", lab_cluster_sched_name(h->sched));
    lab_ev_int(e, "port", h->port);
    lab_ev_int(e, "conn", (int64_t)no);
    if (w) {
        lab_ev_int(e, "worker", w->id);
        lab_ev_int(e, "worker_pid", w->pid);
    }
    lab_ev_str(e, "result", result);
    lab_ev_int(e, "queued", (int64_t)h->qlen);
    lab_ev_emit(e);
}

/* ---- opening and closing ------------------------------------------------------- */

cluster_handle *cluster_handle_find(lab_cluster *cl, const char *key)
{
    for (cluster_handle *h = cl->handles; h; h = h->next)
        if (strcmp(h->key, key) == 0) return h;
    return NULL;
}

static void unlink_handle(cluster_handle *h)
{
    for (cluster_handle **p = &h->cl->handles; *p; p = &(*p)->next)
        if (*p == h) { *p = h->next; break; }
}

static void maybe_free(cluster_handle *h)
{
    if (!h->removed || h->refs > 0 || h->listening) return;
    free(h->queue);
    free(h->all);
    free(h->free);
    free(h);
}

static void on_listener_closed(lab_tcp *tcp)
{
    cluster_handle *h = tcp->data;
    h->listening = false;
    maybe_free(h);
}

static void distribute(cluster_handle *h, cluster_conn c);

/* Connections the kernel completed but nobody accepted yet would be reset
 * when the listening socket closes: take them first.  (One that arrives
 * between the last accept and the close is still reset: closing a
 * listening socket cannot be made atomic.) */
static void accept_backlog(cluster_handle *h)
{
    int fd = lab_tcp_accept_fd(&h->listener);  /* one the loop holds */
    if (fd >= 0) distribute(h, (cluster_conn){ fd, ++h->accepted });
    while ((fd = accept4(lab_tcp_fileno(&h->listener), NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
        distribute(h, (cluster_conn){ fd, ++h->accepted });
}

/* doc:stop-accepting */
static void stop_accepting(cluster_handle *h)
{
    if (!h->accepting) return;
    h->accepting = false;
    if (h->sched == LAB_CLUSTER_RR && h->nall > 0) accept_backlog(h);
    if (h->sched == LAB_CLUSTER_RR) lab_tcp_close(&h->listener, on_listener_closed);
    /* A shared socket is open in every worker too: shutdown() stops it
     * taking connections for all of them at once, where close() would
     * only drop our copy. */
    else if (h->sched == LAB_CLUSTER_NONE) shutdown(h->fd, SHUT_RD);
}
/* end doc:stop-accepting */

static void on_connection(lab_tcp *server, int status);

cluster_handle *cluster_handle_get(lab_cluster *cl, const char *key,
                                   const char *address, int port)
{
    cluster_handle *h = cluster_handle_find(cl, key);
    if (h) return h;
    h = lab_xcalloc(1, sizeof *h);
    h->cl = cl;
    h->sched = cl->sched;
    h->fd = -1;
    snprintf(h->key, sizeof h->key, "%s", key);
    int fd;
    switch (h->sched) {
    case LAB_CLUSTER_NONE: fd = lab_tcp_bind_fd(address, port, 0, 0); break;
    case LAB_CLUSTER_REUSEPORT:
        fd = lab_tcp_bind_fd(address, port, 0, LAB_TCP_REUSEPORT | LAB_TCP_BIND_ONLY);
        break;
    default:
        lab_tcp_init(cl->loop, &h->listener);
        h->listener.data = h;
        fd = lab_tcp_listen(&h->listener, address, port, 0, on_connection);
        if (fd == 0) fd = lab_tcp_fileno(&h->listener);
        h->listening = fd >= 0;
        break;
    }
    if (fd < 0) {
        h->err = -fd;
    } else {
        if (h->sched != LAB_CLUSTER_RR) h->fd = fd;
        h->port = lab_tcp_sockname(fd, h->address, sizeof h->address);
        h->accepting = true;
    }
    h->next = cl->handles;
    cl->handles = h;
    return h;
}

/* The last member left (or the handle failed to open): it closes.
 * Connections still queued have nobody to go to. */
static void close_handle(cluster_handle *h)
{
    if (h->removed) return;
    h->removed = true;
    unlink_handle(h);
    while (h->qlen > 0) {
        cluster_conn c = queue_pop(h);
        close(c.fd);
        report_schedule(h, c.no, NULL, "closed");
    }
    stop_accepting(h);
    if (h->fd >= 0) close(h->fd);
    h->fd = -1;
    maybe_free(h);
}

/* ---- members ------------------------------------------------------------------ */

void cluster_handle_add(cluster_handle *h, lab_cluster_worker *w, cJSON *reply, int *fd_out)
{
    *fd_out = -1;
    if (h->err) {                      /* Node: handles.delete(key) — others may retry */
        cJSON_AddNumberToObject(reply, "errno", -h->err);
        close_handle(h);
        return;
    }
    if (!set_has(h->all, h->nall, w)) set_add(&h->all, &h->nall, &h->all_cap, w);
    cJSON_AddStringToObject(reply, "key", h->key);
    cJSON_AddStringToObject(reply, "policy", lab_cluster_sched_name(h->sched));
    cJSON *name = cJSON_AddObjectToObject(reply, "sockname");
    cJSON_AddStringToObject(name, "address", h->address);
    cJSON_AddNumberToObject(name, "port", h->port);
    if (h->sched == LAB_CLUSTER_NONE) *fd_out = h->fd;
}

void cluster_handle_ready(cluster_handle *h, lab_cluster_worker *w)
{
    if (h->sched == LAB_CLUSTER_RR && !h->removed) handoff(h, w);
}

void cluster_handle_remove(cluster_handle *h, lab_cluster_worker *w)
{
    if (!set_del(h->all, &h->nall, w)) return;
    set_del(h->free, &h->nfree, w);
    if (h->nall == 0) close_handle(h);
}

void cluster_handles_remove_worker(lab_cluster *cl, lab_cluster_worker *w)
{
    cluster_handle *next;
    for (cluster_handle *h = cl->handles; h; h = next) {
        next = h->next;                /* remove may unlink h */
        cluster_handle_remove(h, w);
    }
}

/* ---- round-robin ---------------------------------------------------------------- */

static void check_drained(lab_cluster *cl)
{
    if (cl->stopping && cluster_handles_queued(cl) == 0) cluster_queues_drained(cl);
}

/* A connection joins the queue and goes to the longest-free worker, if any. */
/* doc:distribute */
static void distribute(cluster_handle *h, cluster_conn c)
{
    queue_push(h, c);
    if (h->nfree == 0) return;
    lab_cluster_worker *w = h->free[0];
    set_del(h->free, &h->nfree, w);
    handoff(h, w);
}
/* end doc:distribute */

static void on_connection(lab_tcp *server, int status)
{
    cluster_handle *h = server->data;
    if (status < 0) return;            /* EMFILE...: the next one may work */
    int fd = lab_tcp_accept_fd(server);
    if (fd < 0) return;
    distribute(h, (cluster_conn){ fd, ++h->accepted });
}

/* doc:handoff */
/* w is ready for a connection: send it the next one, or mark it free. */
static void handoff(cluster_handle *h, lab_cluster_worker *w)
{
    if (!set_has(h->all, h->nall, w)) return;     /* it closed the server */
    if (h->qlen == 0) {
        if (!set_has(h->free, h->nfree, w)) set_add(&h->free, &h->nfree, &h->free_cap, w);
        check_drained(h->cl);
        return;
    }
    cluster_conn c = queue_pop(h);
    cJSON *m = cluster_msg("newconn");
    cJSON_AddStringToObject(m, "key", h->key);
    int seq = cluster_send(w->process ? w->process->ipc : NULL, m, c.fd);
    if (seq < 0) {                     /* its channel is closing: not this one */
        queue_push(h, c);
        return;
    }
/* end doc:handoff */
    w->pending = lab_grow_or_die(w->pending, &w->pending_cap, w->npending + 1, sizeof *w->pending, 4);
    w->pending[w->npending++] = (struct cluster_pending){ seq, h, c };
    h->refs++;
    w->scheduled++;
    report_schedule(h, c.no, w, "sent");
}

static bool take_pending(lab_cluster_worker *w, int seq, struct cluster_pending *out)
{
    for (size_t i = 0; i < w->npending; i++) {
        if (w->pending[i].seq != seq) continue;
        *out = w->pending[i];
        memmove(w->pending + i, w->pending + i + 1, (w->npending - i - 1) * sizeof *w->pending);
        w->npending--;
        return true;
    }
    return false;
}

/* A connection that did not stay with its worker goes to another. */
static void requeue(cluster_handle *h, cluster_conn c)
{
    if (h->removed) {
        close(c.fd);
        report_schedule(h, c.no, NULL, "closed");
        return;
    }
    report_schedule(h, c.no, NULL, "requeued");
    distribute(h, c);
}

void cluster_handle_ack(lab_cluster_worker *w, int seq, bool accepted)
{
    struct cluster_pending p;
    if (!take_pending(w, seq, &p)) return;
    cluster_handle *h = p.h;
    h->refs--;
    if (accepted) close(p.conn.fd);    /* the worker has its own copy */
    else requeue(h, p.conn);
    if (!h->removed) handoff(h, w);
    maybe_free(h);
}

void cluster_handle_requeue_pending(lab_cluster_worker *w)
{
    while (w->npending > 0) {
        struct cluster_pending p = w->pending[--w->npending];
        p.h->refs--;
        requeue(p.h, p.conn);
        maybe_free(p.h);
    }
}

/* ---- the graceful stop ------------------------------------------------------------- */

void cluster_handles_stop_accepting(lab_cluster *cl)
{
    for (cluster_handle *h = cl->handles; h; h = h->next) stop_accepting(h);
    check_drained(cl);
}

size_t cluster_handles_queued(const lab_cluster *cl)
{
    size_t n = 0;
    for (const cluster_handle *h = cl->handles; h; h = h->next) n += h->qlen;
    return n;
}
