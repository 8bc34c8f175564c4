/*
 * net.c — sockets as duplex streams (see net.h).
 *
 * A socket stream owns its lab_tcp handle (embedded below) and holds one
 * reference to itself from creation until the handle's close callback,
 * because until then the handle may call back into it.
 */
#include "net.h"
#include "mem.h"
#include "errors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct net_socket {
    lab_stream *s;
    lab_tcp tcp;
    lab_write_req wreq;        /* the core writes one chunk (or batch) at a time */
    lab_iov *iov;              /* a writev batch */
    lab_net_server *server;    /* accepted by this server, or NULL */
    void (*on_connect)(lab_stream *s, void *arg);
    void *connect_arg;
    bool connecting, want_read, nodelay;
    lab_err destroy_err;
    bool has_destroy_err;
} net_socket;

static net_socket *N(const lab_stream *s) { return lab_stream_data(s); }

lab_tcp *lab_net_handle(lab_stream *sock) { return &N(sock)->tcp; }

/* Node's wording for socket errors: "read ECONNRESET". */
static lab_err net_err(const char *op, int status, const char *addr)
{
    const char *code = lab_errno_name(-status);   /* LAB_ECANCELED is -ECANCELED */
    lab_err e = addr && *addr ? lab_err_make(code, "%s %s %s", op, code, addr)
                              : lab_err_make(code, "%s %s", op, code);
    e.errnum = -status;
    return e;
}

/* ---- reading ----------------------------------------------------------- */

static void on_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    net_socket *ns = tcp->data;
    if (n > 0) {
        lab_chunk c = lab_chunk_copy(buf, (size_t)n);
        if (!lab_readable_push(ns->s, c)) {   /* the mark: stop reading */
            ns->want_read = false;
            lab_tcp_read_stop(tcp);
        }
    } else if (n == LAB_EOF) {
        lab_readable_push_eof(ns->s);
    } else {
        lab_err e = net_err("read", (int)n, NULL);
        lab_stream_destroy(ns->s, &e);
    }
}

static void net_read(lab_stream *s, size_t n)
{
    net_socket *ns = N(s);
    ns->want_read = true;
    if (!ns->connecting && !lab_tcp_is_closing(&ns->tcp) && !ns->tcp.reading)
        lab_tcp_read_start(&ns->tcp, on_read);
}

/* ---- writing ----------------------------------------------------------- */

static void on_written(lab_write_req *req, int status)
{
    net_socket *ns = req->data;
    free(ns->iov);
    ns->iov = NULL;
    if (status == 0) {
        lab_write_done(ns->s, NULL);
    } else {
        lab_err e = net_err("write", status, NULL);
        lab_write_done(ns->s, &e);
    }
}

static void send_iov(net_socket *ns, const lab_iov *iov, int n)
{
    ns->wreq.data = ns;
    int rc = lab_tcp_write(&ns->wreq, &ns->tcp, iov, n, on_written);
    if (rc < 0) {                         /* closed under us */
        free(ns->iov);
        ns->iov = NULL;
        lab_err e = net_err("write", rc, NULL);
        lab_write_done(ns->s, &e);
    }
}

static void net_write(lab_stream *s, const lab_chunk *c)
{
    lab_iov iov = { c->data, c->len };
    send_iov(N(s), &iov, 1);
}

static void net_writev(lab_stream *s, const lab_chunk *c, size_t n)
{
    net_socket *ns = N(s);
    ns->iov = lab_xmalloc(n * sizeof *ns->iov);
    for (size_t i = 0; i < n; i++) ns->iov[i] = (lab_iov){ c[i].data, c[i].len };
    send_iov(ns, ns->iov, (int)n);
}

static void on_shutdown(lab_tcp *tcp, int status)
{
    net_socket *ns = tcp->data;
    if (status == 0 || status == -ENOTCONN) {   /* the peer was faster */
        lab_final_done(ns->s, NULL);
    } else {
        lab_err e = net_err("shutdown", status, NULL);
        lab_final_done(ns->s, &e);
    }
}

/* end(): every write is out; send FIN (the peer reads EOF). */
static void net_final(lab_stream *s)
{
    net_socket *ns = N(s);
    if (lab_tcp_shutdown(&ns->tcp, on_shutdown) < 0) lab_final_done(s, NULL);
}

/* ---- closing ----------------------------------------------------------- */

static void server_forget(lab_net_server *srv);

static void on_closed(lab_tcp *tcp)
{
    net_socket *ns = tcp->data;
    lab_stream *s = ns->s;
    lab_destroy_done(s, ns->has_destroy_err ? &ns->destroy_err : NULL);
    if (ns->server) server_forget(ns->server);
    lab_stream_unref(s);                  /* the handle's reference */
}

static void net_destroy(lab_stream *s, const lab_err *err)
{
    net_socket *ns = N(s);
    ns->has_destroy_err = err != NULL;
    if (err) ns->destroy_err = *err;
    lab_tcp_close(&ns->tcp, on_closed);
}

static void net_free(lab_stream *s)
{
    net_socket *ns = N(s);
    free(ns->iov);
    free(ns);
}

static const lab_stream_ops socket_ops = {
    .read = net_read, .write = net_write, .writev = net_writev,
    .final = net_final, .destroy = net_destroy, .free = net_free,
};

/* ---- creating ---------------------------------------------------------- */

/* The stream around an initialised handle (ns->tcp). */
static lab_stream *wrap(lab_loop *loop, net_socket *ns, const lab_net_opts *o)
{
    static const lab_net_opts none;
    if (!o) o = &none;
    lab_stream_opts so = o->stream;
    char name[32];
    if (!so.name) {
        snprintf(name, sizeof name, "tcp#%u", ns->tcp.id);
        so.name = name;
    }
    so.no_half_open = !o->allow_half_open;
    ns->nodelay = o->nodelay;
    ns->tcp.data = ns;
    ns->s = lab_duplex_new(loop, &socket_ops, &so, ns);
    if (!ns->s) return NULL;
    lab_stream_ref(ns->s);                /* held until the handle closes */
    return ns->s;
}

static void on_connect(lab_tcp *tcp, int status)
{
    net_socket *ns = tcp->data;
    ns->connecting = false;
    if (status == LAB_ECANCELED) return;  /* destroyed while connecting */
    if (status < 0) {
        lab_err e = net_err("connect", status, tcp->peer);
        lab_stream_destroy(ns->s, &e);
        return;
    }
    if (ns->nodelay) lab_tcp_nodelay(tcp, true);
    if (ns->want_read) lab_tcp_read_start(tcp, on_read);
    if (ns->on_connect) ns->on_connect(ns->s, ns->connect_arg);
}

lab_stream *lab_net_connect(lab_loop *loop, const char *host, int port,
                            const lab_net_opts *opts,
                            void (*cb)(lab_stream *, void *), void *arg)
{
    net_socket *ns = lab_xcalloc(1, sizeof *ns);
    lab_tcp_init(loop, &ns->tcp);
    lab_stream *s = wrap(loop, ns, opts);
    if (!s) {
        free(ns);
        return NULL;
    }
    ns->on_connect = cb;
    ns->connect_arg = arg;
    ns->connecting = true;
    int rc = lab_tcp_connect(&ns->tcp, host, port, on_connect);
    if (rc < 0) {                         /* a bad address */
        ns->connecting = false;
        lab_err e = net_err("connect", rc, host);
        lab_stream_destroy(s, &e);
    }
    return s;
}

lab_stream *lab_net_socket(lab_loop *loop, int fd, const lab_net_opts *opts)
{
    net_socket *ns = lab_xcalloc(1, sizeof *ns);
    lab_tcp_init(loop, &ns->tcp);
    if (lab_tcp_open(&ns->tcp, fd) < 0) {
        free(ns);
        return NULL;
    }
    lab_stream *s = wrap(loop, ns, opts);
    if (!s) {
        close(fd);
        free(ns);
        return NULL;
    }
    if (ns->nodelay) lab_tcp_nodelay(&ns->tcp, true);
    return s;
}

/* ---- the server -------------------------------------------------------- */

static void maybe_closed(lab_net_server *srv)
{
    if (srv->closing && srv->listen_closed && srv->connections == 0 &&
        srv->on_closed) {
        void (*cb)(lab_net_server *) = srv->on_closed;
        srv->on_closed = NULL;
        cb(srv);
    }
}

static void server_forget(lab_net_server *srv)
{
    srv->connections--;
    maybe_closed(srv);
}

static void free_orphan(lab_tcp *tcp) { free(tcp->data); }

static void on_connection(lab_tcp *server, int status)
{
    lab_net_server *srv = server->data;
    if (status < 0) return;               /* EMFILE: try with the next one */
    net_socket *ns = lab_xcalloc(1, sizeof *ns);
    lab_tcp_init(srv->loop, &ns->tcp);
    if (lab_tcp_accept(server, &ns->tcp) < 0) {
        free(ns);
        return;
    }
    lab_stream *s = wrap(srv->loop, ns, &srv->opts);
    if (!s) {
        lab_tcp_close(&ns->tcp, free_orphan);
        return;
    }
    if (ns->nodelay) lab_tcp_nodelay(&ns->tcp, true);
    ns->server = srv;
    srv->connections++;
    srv->on_connection(srv, s);
}

static void server_init(lab_net_server *srv, lab_loop *loop,
                        const lab_net_opts *opts, lab_net_connection_cb *cb)
{
    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->on_connection = cb;
    if (opts) srv->opts = *opts;
    lab_tcp_init(loop, &srv->tcp);
    srv->tcp.data = srv;
}

int lab_net_listen(lab_net_server *srv, lab_loop *loop, const char *host,
                   int port, const lab_net_opts *opts, lab_net_connection_cb *cb)
{
    server_init(srv, loop, opts, cb);
    int rc = lab_tcp_listen(&srv->tcp, host, port, 0, on_connection);
    if (rc == 0) srv->port = srv->tcp.port;
    return rc;
}

int lab_net_listen_fd(lab_net_server *srv, lab_loop *loop, int fd,
                      const lab_net_opts *opts, lab_net_connection_cb *cb)
{
    server_init(srv, loop, opts, cb);
    int rc = lab_tcp_listen_fd(&srv->tcp, fd, on_connection);
    if (rc == 0) srv->port = srv->tcp.port;
    return rc;
}

static void on_listen_closed(lab_tcp *tcp)
{
    lab_net_server *srv = tcp->data;
    srv->listen_closed = true;
    maybe_closed(srv);
}

void lab_net_server_close(lab_net_server *srv, void (*cb)(lab_net_server *))
{
    if (srv->closing) return;
    srv->closing = true;
    srv->on_closed = cb;
    lab_tcp_close(&srv->tcp, on_listen_closed);
}
