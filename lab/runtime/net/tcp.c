/*
 * tcp.c — non-blocking TCP on the loop (see tcp.h for the model).
 *
 * Layout: helpers; callbacks deferred to the next tick; the write queue;
 * the one epoll callback pair (readable: accept or read, writable: finish
 * connect or flush writes); then the public calls in the order of a
 * connection's life: listen/accept, connect, open, read, write, shutdown,
 * close.
 */
#define _GNU_SOURCE
#include "tcp.h"
#include "events.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned next_id = 1;

/* ---- helpers ----------------------------------------------------------- */

void lab_tcp_init(lab_loop *loop, lab_tcp *tcp)
{
    memset(tcp, 0, sizeof *tcp);
    tcp->loop = loop;
    tcp->fd = -1;
    tcp->accepted_fd = -1;
    tcp->id = next_id++;
    tcp->opened_us = lab_clock_us();
}

static int parse_addr(const char *host, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!host || strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (port < 0 || port > 65535) return -EINVAL;
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static void format_addr(const struct sockaddr_in *sa, char *out, size_t size)
{
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
    snprintf(out, size, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
}

static void remember_peer(lab_tcp *tcp)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getpeername(tcp->fd, (struct sockaddr *)&sa, &len) == 0 &&
        sa.sin_family == AF_INET)
        format_addr(&sa, tcp->peer, sizeof tcp->peer);
}

static void on_io(lab_io *io, int events);

/* Gives the handle its descriptor and its watcher. */
static void attach(lab_tcp *tcp, int fd)
{
    tcp->fd = fd;
    tcp->opened_us = lab_clock_us();
    lab_io_init(tcp->loop, &tcp->io, fd);
    tcp->io.data = tcp;
    if (tcp->unref) lab_io_unref(&tcp->io);
}

static void watch(lab_tcp *tcp, int direction, bool on)
{
    if (tcp->fd < 0) return;
    if (on && !(tcp->io.mask & direction)) lab_io_start(&tcp->io, direction, on_io);
    if (!on) lab_io_stop(&tcp->io, direction);
}

static void ev_conn(const char *name, const lab_tcp *tcp, int status)
{
    lab_ev *e = lab_ev_new(name);
    if (!e) return;
    lab_ev_int(e, "id", tcp->id);
    lab_ev_str(e, "peer", tcp->peer);
    if (status < 0) lab_ev_str(e, "code", lab_errno_name(-status));
    lab_ev_emit(e);
}

/* ---- callbacks deferred to the next tick -------------------------------- */

/* Finished writes, and a connect or shutdown that finished inside the call
 * that started it, call back from a tick: callers never see their callback
 * run before the call that asked for it has returned. */
static void run_deferred(lab_loop *loop, void *arg)
{
    lab_tcp *tcp = arg;
    tcp->tick_queued = 0;
    while (tcp->done_head) {
        lab_write_req *req = tcp->done_head;
        tcp->done_head = req->next;
        if (!tcp->done_head) tcp->done_tail = NULL;
        if (req->bufs != req->bufs_inline) free(req->bufs);
        req->bufs = NULL;
        if (req->cb) req->cb(req, req->status);
    }
    if (tcp->connect_done) {
        tcp->connect_done = 0;
        if (tcp->on_connect) tcp->on_connect(tcp, tcp->connect_status);
    }
    if (tcp->shutdown_done) {
        tcp->shutdown_done = 0;
        if (tcp->on_shutdown) tcp->on_shutdown(tcp, tcp->shutdown_status);
    }
}

static void defer(lab_tcp *tcp)
{
    if (tcp->tick_queued) return;
    tcp->tick_queued = 1;
    lab_next_tick(tcp->loop, run_deferred, tcp);
}

/* ---- the write queue --------------------------------------------------- */

static void finish_write(lab_tcp *tcp, lab_write_req *req, int status)
{
    req->status = status;
    req->next = NULL;
    if (tcp->done_tail) tcp->done_tail->next = req; else tcp->done_head = req;
    tcp->done_tail = req;
}

static lab_write_req *pop_write(lab_tcp *tcp)
{
    lab_write_req *req = tcp->wq_head;
    tcp->wq_head = req->next;
    if (!tcp->wq_head) tcp->wq_tail = NULL;
    return req;
}

/* Every queued request fails with err (the peer went away, or close()). */
static void fail_writes(lab_tcp *tcp, int err)
{
    while (tcp->wq_head) {
        lab_write_req *req = pop_write(tcp);
        tcp->write_queue_size -= req->size - req->done;
        finish_write(tcp, req, err);
    }
}

/* Hands the kernel as much of the queue as it takes.  0: the queue is
 * empty or the kernel is full (EAGAIN); -errno: the socket failed. */
static int write_some(lab_tcp *tcp)
{
    while (tcp->wq_head) {
        lab_write_req *req = tcp->wq_head;
        struct iovec iov[64];            /* more go out on the next round */
        int n = 0;
        size_t skip = req->done, given = 0;
        for (int i = 0; i < req->nbufs && n < 64; i++) {
            const lab_iov *b = &req->bufs[i];
            if (skip >= b->len) { skip -= b->len; continue; }
            iov[n].iov_base = (char *)b->base + skip;
            iov[n].iov_len = b->len - skip;
            given += iov[n].iov_len;
            skip = 0;
            n++;
        }
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
        /* MSG_NOSIGNAL: a vanished peer is an EPIPE error, not a SIGPIPE
         * that would kill the whole process (Node ignores SIGPIPE too).
         * One buffer (a small HTTP response, head and body together: see
         * http_out.c) goes by send(): the kernel then has no msghdr and
         * iovec array to copy in and check. */
        ssize_t w = n == 1 ? send(tcp->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                           : sendmsg(tcp->fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -errno;
        }
        req->done += (size_t)w;
        tcp->write_queue_size -= (size_t)w;
        tcp->bytes_written += (uint64_t)w;
        if ((size_t)w < given) return 0;         /* kernel buffer is full */
        if (req->done < req->size) continue;     /* more than 64 buffers */
        finish_write(tcp, pop_write(tcp), 0);
    }
    return 0;
}

static void do_shutdown(lab_tcp *tcp)
{
    tcp->shutting = 0;
    tcp->shut = 1;
    int rc = shutdown(tcp->fd, SHUT_WR) < 0 ? -errno : 0;
    tcp->shutdown_status = tcp->write_error ? tcp->write_error : rc;
    tcp->shutdown_done = 1;
}

/* Writes what it can, then settles the watcher and any pending shutdown. */
static void flush(lab_tcp *tcp)
{
    int rc = write_some(tcp);
    if (rc < 0) {
        tcp->write_error = rc;
        fail_writes(tcp, rc);
    }
    watch(tcp, LAB_WRITABLE, tcp->wq_head != NULL);
    if (!tcp->wq_head && tcp->shutting) do_shutdown(tcp);
}

/* ---- the epoll callbacks ----------------------------------------------- */

static void accept_pending(lab_tcp *server)
{
    while (server->listening && !server->closing) {
        if (server->accepted_fd < 0) {
            int fd = accept4(server->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                int err = errno;
                /* EINVAL: the socket listens no more (a cluster primary
                 * shut a shared one down): it would report ready forever. */
                if (err == EINVAL) watch(server, LAB_READABLE, false);
                /* EMFILE and friends: tell the owner, try again later. */
                server->on_connection(server, -err);
                return;
            }
            server->accepted_fd = fd;
        }
        server->on_connection(server, 0);
        if (server->accepted_fd >= 0) {      /* owner did not take it */
            watch(server, LAB_READABLE, false);
            return;
        }
    }
}

static void read_some(lab_tcp *tcp)
{
    /* A bounded number of reads per wakeup, so one busy socket cannot
     * starve the others (libuv reads at most 32 times). */
    for (int round = 0; round < 32 && tcp->reading && !tcp->closing; round++) {
        ssize_t n = recv(tcp->fd, tcp->rbuf, LAB_TCP_READ_SIZE, 0);
        if (n > 0) {
            tcp->bytes_read += (uint64_t)n;
            tcp->on_read(tcp, n, tcp->rbuf);
            if (n < LAB_TCP_READ_SIZE) return;   /* probably drained */
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        lab_tcp_read_stop(tcp);               /* EOF or error: no more */
        tcp->on_read(tcp, n == 0 ? LAB_EOF : -errno, NULL);
        return;
    }
}

static void finish_connect(lab_tcp *tcp)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(tcp->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    tcp->connecting = 0;
    if (err == 0) remember_peer(tcp);
    ev_conn(LAB_EV(CONNECT), tcp, -err);
    watch(tcp, LAB_WRITABLE, tcp->wq_head != NULL && err == 0);
    if (err != 0) {
        tcp->write_error = -err;
        fail_writes(tcp, -err);
        defer(tcp);
    }
    tcp->on_connect(tcp, -err);
}

static void on_io(lab_io *io, int events)
{
    lab_tcp *tcp = io->data;
    if (events & LAB_READABLE) {
        if (tcp->listening) accept_pending(tcp);
        else read_some(tcp);
        return;
    }
    if (tcp->connecting) {
        finish_connect(tcp);
        if (tcp->closing || tcp->write_error) return;
    }
    flush(tcp);
    run_deferred(tcp->loop, tcp);   /* we are in a loop callback already */
}

/* ---- server ------------------------------------------------------------ */

static int new_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

/* fd is a listening socket of ours: note its address, watch it for
 * connections and say so.  Both ways of listening end here. */
static void start_listening(lab_tcp *tcp, int fd, lab_connection_cb *cb)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    attach(tcp, fd);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 && sa.sin_family == AF_INET) {
        tcp->port = ntohs(sa.sin_port);     /* the kernel's choice for port 0 */
        format_addr(&sa, tcp->peer, sizeof tcp->peer);
    }
    tcp->listening = 1;
    tcp->on_connection = cb;
    watch(tcp, LAB_READABLE, true);
    lab_ev *e = lab_ev_new(LAB_EV(LISTENING));
    lab_ev_int(e, "id", tcp->id);
    lab_ev_str(e, "address", tcp->peer);
    lab_ev_int(e, "port", tcp->port);
    lab_ev_emit(e);
}

int lab_tcp_bind_fd(const char *host, int port, int backlog, unsigned flags)
{
    struct sockaddr_in sa;
    int rc = parse_addr(host, port, &sa);
    if (rc < 0) return rc;
    int fd = new_socket();
    if (fd < 0) return fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if ((flags & LAB_TCP_REUSEPORT) &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        (!(flags & LAB_TCP_BIND_ONLY) &&
         listen(fd, backlog > 0 ? backlog : 511) < 0)) {    /* Node: 511 */
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

int lab_tcp_listen(lab_tcp *tcp, const char *host, int port, int backlog,
                   lab_connection_cb *cb)
{
    int fd = lab_tcp_bind_fd(host, port, backlog, 0);
    if (fd < 0) return fd;
    start_listening(tcp, fd, cb);
    return 0;
}

int lab_tcp_sockname(int fd, char *address, size_t size)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return -errno;
    if (sa.sin_family != AF_INET) return -EAFNOSUPPORT;
    if (address && !inet_ntop(AF_INET, &sa.sin_addr, address, (socklen_t)size)) return -errno;
    return ntohs(sa.sin_port);
}

/* Makes fd ours: non-blocking, close-on-exec. */
static int adopt_fd(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -errno;
    return 0;
}

int lab_tcp_listen_fd(lab_tcp *tcp, int fd, lab_connection_cb *cb)
{
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0) return -errno;
    if (!listening) return -EINVAL;
    int rc = adopt_fd(fd);
    if (rc < 0) return rc;
    start_listening(tcp, fd, cb);
    return 0;
}

int lab_tcp_accept(lab_tcp *server, lab_tcp *client)
{
    if (server->accepted_fd < 0) return -EAGAIN;
    attach(client, server->accepted_fd);
    server->accepted_fd = -1;
    remember_peer(client);
    if (server->listening && !server->closing)
        watch(server, LAB_READABLE, true);   /* resume if we had stopped */
    lab_ev *e = lab_ev_new(LAB_EV(CONNECTION));
    lab_ev_int(e, "server", server->id);
    lab_ev_int(e, "id", client->id);
    lab_ev_str(e, "peer", client->peer);
    lab_ev_emit(e);
    return 0;
}

int lab_tcp_accept_fd(lab_tcp *server)
{
    if (server->accepted_fd < 0) return -EAGAIN;
    int fd = server->accepted_fd;
    server->accepted_fd = -1;
    if (server->listening && !server->closing)
        watch(server, LAB_READABLE, true);   /* resume if we had stopped */
    return fd;
}

/* ---- client ------------------------------------------------------------ */

int lab_tcp_connect(lab_tcp *tcp, const char *host, int port, lab_tcp_cb *cb)
{
    struct sockaddr_in sa;
    int rc = parse_addr(host, port, &sa);
    if (rc < 0) return rc;
    int fd = new_socket();
    if (fd < 0) return fd;
    attach(tcp, fd);
    format_addr(&sa, tcp->peer, sizeof tcp->peer);
    tcp->on_connect = cb;
    tcp->connecting = 1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 || errno == EINPROGRESS) {
        watch(tcp, LAB_WRITABLE, true);      /* writable = connected (or failed) */
        return 0;
    }
    /* Failed at once (ECONNREFUSED is immediate on loopback): still report
     * it from the loop, so connect's callback order is always the same. */
    tcp->connecting = 0;
    tcp->connect_status = -errno;
    tcp->write_error = tcp->connect_status;
    tcp->connect_done = 1;
    ev_conn(LAB_EV(CONNECT), tcp, tcp->connect_status);
    defer(tcp);
    return 0;
}

int lab_tcp_open(lab_tcp *tcp, int fd)
{
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) return -errno;
    if (type != SOCK_STREAM) return -ENOTSOCK;
    int rc = adopt_fd(fd);
    if (rc < 0) return rc;
    attach(tcp, fd);
    remember_peer(tcp);
    return 0;
}

int lab_tcp_fileno(const lab_tcp *tcp) { return tcp->closing ? -1 : tcp->fd; }

/* ---- reading and writing ----------------------------------------------- */

int lab_tcp_read_start(lab_tcp *tcp, lab_tcp_read_cb *cb)
{
    if (tcp->fd < 0 || tcp->closing) return -EBADF;
    if (!tcp->rbuf) tcp->rbuf = lab_xmalloc(LAB_TCP_READ_SIZE);
    tcp->on_read = cb;
    tcp->reading = 1;
    watch(tcp, LAB_READABLE, true);
    return 0;
}

void lab_tcp_read_stop(lab_tcp *tcp)
{
    tcp->reading = 0;
    watch(tcp, LAB_READABLE, false);
}

int lab_tcp_write(lab_write_req *req, lab_tcp *tcp, const lab_iov *bufs,
                  int nbufs, lab_write_req_cb *cb)
{
    if (nbufs < 1) return -EINVAL;
    if (tcp->closing || tcp->fd < 0) return -EBADF;
    req->bufs = req->bufs_inline;
    if (nbufs > LAB_WRITE_BUFS) req->bufs = lab_xmalloc(nbufs * sizeof *bufs);
    req->tcp = tcp;
    req->cb = cb;
    req->nbufs = nbufs;
    req->size = req->done = 0;
    req->status = 0;
    req->next = NULL;
    for (int i = 0; i < nbufs; i++) {
        req->bufs[i] = bufs[i];
        req->size += bufs[i].len;
    }
    if (tcp->write_error || tcp->shut || tcp->shutting) {
        finish_write(tcp, req, tcp->write_error ? tcp->write_error : -EPIPE);
        defer(tcp);
        return 0;
    }
    bool was_empty = tcp->wq_head == NULL;
    if (tcp->wq_tail) tcp->wq_tail->next = req; else tcp->wq_head = req;
    tcp->wq_tail = req;
    tcp->write_queue_size += req->size;
    if (was_empty && !tcp->connecting) flush(tcp);   /* try right away */
    if (tcp->done_head || tcp->shutdown_done) defer(tcp);
    return 0;
}

size_t lab_tcp_queued(const lab_tcp *tcp) { return tcp->write_queue_size; }

int lab_tcp_shutdown(lab_tcp *tcp, lab_tcp_cb *cb)
{
    if (tcp->closing || tcp->fd < 0) return -EBADF;
    if (tcp->shut || tcp->shutting) return -EALREADY;
    tcp->on_shutdown = cb;
    tcp->shutting = 1;
    if (!tcp->wq_head && !tcp->connecting) {
        do_shutdown(tcp);
        defer(tcp);
    }
    return 0;
}

/* ---- closing ----------------------------------------------------------- */

static void finish_close(lab_loop *loop, void *arg)
{
    lab_tcp *tcp = arg;
    free(tcp->rbuf);
    tcp->rbuf = NULL;
    lab_loop_release(loop);
    if (tcp->on_close) tcp->on_close(tcp);
}

void lab_tcp_close(lab_tcp *tcp, lab_tcp_close_cb *cb)
{
    if (tcp->closing) return;
    tcp->closing = 1;
    tcp->reading = 0;
    tcp->on_close = cb;
    if (tcp->fd >= 0) {
        lab_io_close(&tcp->io);
        lab_ev *e = lab_ev_new(LAB_EV(SOCKET_CLOSE));
        if (e) {
            lab_ev_int(e, "id", tcp->id);
            lab_ev_str(e, "peer", tcp->peer);
            lab_ev_int(e, "bytes_in", (int64_t)tcp->bytes_read);
            lab_ev_int(e, "bytes_out", (int64_t)tcp->bytes_written);
            lab_ev_int(e, "ms", (int64_t)((lab_clock_us() - tcp->opened_us) / 1000));
            lab_ev_emit(e);
        }
        close(tcp->fd);
        tcp->fd = -1;
    }
    if (tcp->accepted_fd >= 0) close(tcp->accepted_fd);
    tcp->accepted_fd = -1;
    fail_writes(tcp, LAB_ECANCELED);
    if (tcp->connecting) {
        tcp->connecting = 0;
        tcp->connect_status = LAB_ECANCELED;
        tcp->connect_done = 1;
    }
    if (tcp->shutting) {
        tcp->shutting = 0;
        tcp->shutdown_status = LAB_ECANCELED;
        tcp->shutdown_done = 1;
    }
    if (tcp->done_head || tcp->connect_done || tcp->shutdown_done) defer(tcp);
    /* The close callback comes after every tick, as libuv's close phase
     * comes after the others: by then nothing refers to the handle. */
    lab_loop_hold(tcp->loop);
    lab_set_immediate(tcp->loop, finish_close, tcp);
}

bool lab_tcp_is_closing(const lab_tcp *tcp) { return tcp->closing; }

int lab_tcp_nodelay(lab_tcp *tcp, bool on)
{
    int v = on;
    if (setsockopt(tcp->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0)
        return -errno;
    return 0;
}

void lab_tcp_unref(lab_tcp *tcp)
{
    tcp->unref = 1;
    if (tcp->fd >= 0) lab_io_unref(&tcp->io);
}
