/*
 * ipc.c — the JSON message channel (see ipc.h for what it promises).
 *
 * Reading order: the byte queue and how a message is queued; flush(),
 * which writes the queue (attaching descriptors with SCM_RIGHTS where a
 * message carries one); the read side, which splits lines and parses
 * them; and closing, which is the one subtle part: callbacks are owed for
 * every send, so the channel lives until it has paid them all.
 */
#define _GNU_SOURCE
#include "ipc.h"
#include "grow.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)      /* bytes asked of each recvmsg() */
#define FLUSH_NOW (64 * 1024)       /* a burst this big is written at once */
#define MAX_FDS_PER_READ 32         /* room to see (and close) a peer's extras */
#define HANDLE_CMD "NODELAB_HANDLE"

struct lab_ipc_pending { uint64_t end; lab_ipc_send_cb *cb; void *arg; };
struct lab_ipc_fdmark { uint64_t start; int fd; };
struct lab_ipc_fdin { uint64_t from, to; int fd; };   /* came with bytes [from, to) */

static void schedule(lab_ipc *ch);
static void flush(lab_ipc *ch);
static void maybe_free(lab_ipc *ch);
static void on_readable(lab_io *io, int events);

/* ---- small helpers ------------------------------------------------------- */

size_t lab_ipc_queued(const lab_ipc *ch) { return ch->out_len - ch->out_head; }

const char *lab_ipc_status_name(int status)
{
    if (status == 0) return NULL;
    if (status == ENOTCONN) return "ERR_IPC_CHANNEL_CLOSED";
    return lab_errno_name(status);
}

/* The channel keeps the loop alive while it is referenced and open, and
 * always while bytes wait to be written (an unsent message is a promise). */
static void update_hold(lab_ipc *ch)
{
    bool want = !ch->closed && (!ch->unref || lab_ipc_queued(ch) > 0);
    if (want && !ch->held) lab_loop_hold(ch->loop);
    if (!want && ch->held) lab_loop_release(ch->loop);
    ch->held = want;
}

/* One `ipc` event: dir is "send" or "recv". */
static void report(lab_ipc *ch, const char *dir, const char *text, size_t len, int fd)
{
    if (!lab_tel_on()) return;
    lab_ev *e = lab_ev_new("ipc");
    bool out = dir[0] == 's';
    lab_ev_int(e, "from", out ? getpid() : ch->peer);
    lab_ev_int(e, "to", out ? ch->peer : getpid());
    lab_ev_str(e, "dir", dir);
    lab_ev_int(e, "bytes", (int64_t)len + 1);          /* with its newline */
    char body[LAB_IPC_BODY_MAX + 4];
    size_t n = len < LAB_IPC_BODY_MAX ? len : LAB_IPC_BODY_MAX;
    memcpy(body, text, n);
    strcpy(body + n, len > n ? "..." : "");
    lab_ev_str(e, "body", body);
    if (fd >= 0) lab_ev_bool(e, "handle", true);
    lab_ev_emit(e);
}

/* ---- opening -------------------------------------------------------------- */

lab_ipc *lab_ipc_open(lab_loop *loop, int fd, pid_t peer)
{
    lab_ipc *ch = lab_xcalloc(1, sizeof *ch);
    ch->loop = loop;
    ch->fd = fd;
    ch->peer = peer;
    ch->connected = true;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);    /* our children must not inherit it */
    lab_io_init(loop, &ch->io, fd);
    ch->io.data = ch;
    lab_io_unref(&ch->io);             /* update_hold() does the holding */
    lab_io_start(&ch->io, LAB_READABLE, on_readable);
    update_hold(ch);
    return ch;
}

lab_ipc *lab_ipc_from_env(lab_loop *loop)
{
    const char *v = getenv(LAB_IPC_ENV);
    if (!v || !*v) return NULL;
    char *end;
    long fd = strtol(v, &end, 10);
    struct stat st;
    if (*end || fd < 0 || fd > 1 << 20 || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
        return NULL;
    unsetenv(LAB_IPC_ENV);             /* our own children get their own */
    return lab_ipc_open(loop, (int)fd, getppid());
}

/* ---- queueing a message --------------------------------------------------- */

/* Pays a callback on the next tick (never from inside send()). */
typedef struct { lab_ipc *ch; lab_ipc_send_cb *cb; void *arg; int status; } late_cb;

static void late_tick(lab_loop *loop, void *arg)
{
    late_cb *l = arg;
    lab_ipc *ch = l->ch;
    l->cb(ch, l->status, l->arg);
    free(l);
    ch->ticks--;
    maybe_free(ch);
}

static bool refuse(lab_ipc *ch, lab_ipc_send_cb *cb, void *arg)
{
    if (cb) {
        late_cb *l = lab_xmalloc(sizeof *l);
        *l = (late_cb){ ch, cb, arg, ENOTCONN };
        ch->ticks++;
        lab_next_tick(ch->loop, late_tick, l);
    }
    lab_tel_error("ipc", ENOTCONN, "Channel closed");
    return false;
}

/* The JSON text of len bytes is already at out + out_len: add its newline
 * and remember what it owes (callback, descriptor). */
static bool commit(lab_ipc *ch, size_t len, int fd, lab_ipc_send_cb *cb, void *arg)
{
    char *text = ch->out + ch->out_len;
    text[len] = '\n';
    if (fd >= 0) {
        ch->fdmarks = lab_grow_or_die(ch->fdmarks, &ch->fd_cap, ch->fd_len + 1, sizeof *ch->fdmarks, 16);
        ch->fdmarks[ch->fd_len++] = (struct lab_ipc_fdmark){ ch->queued_total, fd };
    }
    ch->out_len += len + 1;
    ch->queued_total += len + 1;
    if (cb) {
        ch->pending = lab_grow_or_die(ch->pending, &ch->pending_cap, ch->pending_len + 1, sizeof *ch->pending, 16);
        ch->pending[ch->pending_len++] = (struct lab_ipc_pending){ ch->queued_total, cb, arg };
    }
    ch->sent++;
    ch->bytes_sent += len + 1;
    report(ch, "send", text, len, fd);
    if (lab_ipc_queued(ch) >= FLUSH_NOW) flush(ch);
    schedule(ch);
    update_hold(ch);
    /* Node: `return writeQueueSize < 128 KiB` — true while under the mark. */
    return lab_ipc_queued(ch) < LAB_IPC_HIGH_WATER;
}

/* Makes room for n more bytes at the end of the queue, first sliding the
 * unwritten bytes to the front if that is enough. */
static void reserve(lab_ipc *ch, size_t n)
{
    if (ch->out_head > 0 && ch->out_len + n > ch->out_cap) {
        memmove(ch->out, ch->out + ch->out_head, ch->out_len - ch->out_head);
        ch->out_len -= ch->out_head;
        ch->out_head = 0;
    }
    ch->out = lab_grow_or_die(ch->out, &ch->out_cap, ch->out_len + n, 1, 16);
}

bool lab_ipc_send_text(lab_ipc *ch, const char *json, size_t len,
                       lab_ipc_send_cb *cb, void *arg)
{
    if (!ch->connected) return refuse(ch, cb, arg);
    reserve(ch, len + 1);
    memcpy(ch->out + ch->out_len, json, len);
    return commit(ch, len, -1, cb, arg);
}

/* Serialises straight into the queue when it fits (no malloc per message:
 * this is the hot path of the ping-pong benchmark). */
static bool send_json(lab_ipc *ch, const cJSON *msg, int fd, lab_ipc_send_cb *cb, void *arg)
{
    reserve(ch, 512);
    size_t room = ch->out_cap - ch->out_len;
    if (room > (1u << 30)) room = 1u << 30;
    if (cJSON_PrintPreallocated((cJSON *)msg, ch->out + ch->out_len, (int)room - 8, false))
        return commit(ch, strlen(ch->out + ch->out_len), fd, cb, arg);
    char *text = cJSON_PrintUnformatted(msg);
    if (!text) { if (fd >= 0) close(fd); return refuse(ch, cb, arg); }
    size_t len = strlen(text);
    reserve(ch, len + 1);
    memcpy(ch->out + ch->out_len, text, len);
    free(text);
    return commit(ch, len, fd, cb, arg);
}

bool lab_ipc_send(lab_ipc *ch, const cJSON *msg, lab_ipc_send_cb *cb, void *arg)
{
    if (!ch->connected) return refuse(ch, cb, arg);
    return send_json(ch, msg, -1, cb, arg);
}

bool lab_ipc_send_fd(lab_ipc *ch, const cJSON *msg, int fd, lab_ipc_send_cb *cb, void *arg)
{
    if (!ch->connected) return refuse(ch, cb, arg);
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        lab_tel_error("ipc", errno, "cannot duplicate the descriptor to send");
        return refuse(ch, cb, arg);
    }
    /* The envelope refers to msg without owning it. */
    cJSON *env = cJSON_CreateObject();
    cJSON_AddStringToObject(env, "cmd", HANDLE_CMD);
    cJSON_AddItemReferenceToObject(env, "msg", (cJSON *)msg);
    bool ok = send_json(ch, env, copy, cb, arg);
    cJSON_Delete(env);
    return ok;
}

/* ---- writing the queue ---------------------------------------------------- */

/* One sendmsg(): n bytes, with descriptor fd attached if fd >= 0. */
static ssize_t send_bytes(int sock, const char *buf, size_t n, int fd)
{
    struct iovec iov = { (void *)buf, n };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    /* MSG_NOSIGNAL: a vanished peer is an EPIPE error, not a SIGPIPE. */
    return sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void on_writable(lab_io *io, int events);

/* Writes as much of the queue as the socket takes.  A descriptor must
 * travel with the first byte of its own message, so a write stops at the
 * start of each message that carries one, and that message's write
 * carries the descriptor. */
static void flush(lab_ipc *ch)
{
    while (ch->fd >= 0 && !ch->close_status && ch->out_head < ch->out_len) {
        size_t n = ch->out_len - ch->out_head;
        int fd = -1;
        if (ch->fd_head < ch->fd_len) {
            struct lab_ipc_fdmark *m = &ch->fdmarks[ch->fd_head];
            if (m->start == ch->written_total) {
                fd = m->fd;
                if (ch->fd_head + 1 < ch->fd_len) {
                    uint64_t next = ch->fdmarks[ch->fd_head + 1].start;
                    if (next - ch->written_total < n) n = next - ch->written_total;
                }
            } else if (m->start - ch->written_total < n) {
                n = m->start - ch->written_total;
            }
        }
        ssize_t w = send_bytes(ch->fd, ch->out + ch->out_head, n, fd);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                lab_io_start(&ch->io, LAB_WRITABLE, on_writable);
                return;
            }
            ch->close_status = errno;     /* EPIPE, ECONNRESET: peer gone */
            ch->connected = false;
            ch->closing = true;
            schedule(ch);
            return;
        }
        if (fd >= 0) {                    /* it went with these bytes */
            close(fd);
            if (++ch->fd_head == ch->fd_len) ch->fd_head = ch->fd_len = 0;
        }
        ch->out_head += (size_t)w;
        ch->written_total += (uint64_t)w;
    }
    if (ch->out_head == ch->out_len) {
        ch->out_head = ch->out_len = 0;
        if (ch->fd >= 0) lab_io_stop(&ch->io, LAB_WRITABLE);
    }
    update_hold(ch);
}

/* Pays the callbacks of every message now fully written. */
static void complete(lab_ipc *ch)
{
    while (ch->pending_head < ch->pending_len &&
           ch->pending[ch->pending_head].end <= ch->written_total) {
        struct lab_ipc_pending p = ch->pending[ch->pending_head++];
        p.cb(ch, 0, p.arg);               /* may send more: re-read each time */
    }
    if (ch->pending_head == ch->pending_len) ch->pending_head = ch->pending_len = 0;
}

/* ---- closing -------------------------------------------------------------- */

/* Closes the socket, fails what was never written, says 'disconnect'. */
static void finish_close(lab_ipc *ch)
{
    ch->closed = true;
    ch->connected = false;
    lab_io_close(&ch->io);
    close(ch->fd);
    ch->fd = -1;
    for (size_t i = ch->fd_head; i < ch->fd_len; i++) close(ch->fdmarks[i].fd);
    ch->fd_head = ch->fd_len = 0;
    for (size_t i = 0; i < ch->fds_in_len; i++) close(ch->fds_in[i].fd);
    ch->fds_in_len = 0;
    int status = ch->close_status ? ch->close_status : ENOTCONN;
    while (ch->pending_head < ch->pending_len) {
        struct lab_ipc_pending p = ch->pending[ch->pending_head++];
        p.cb(ch, status, p.arg);
    }
    ch->out_head = ch->out_len = 0;
    update_hold(ch);
    lab_ev *e = lab_ev_new("disconnect");
    lab_ev_int(e, "peer", ch->peer);
    lab_ev_int(e, "sent", (int64_t)ch->sent);
    lab_ev_int(e, "received", (int64_t)ch->received);
    lab_ev_str(e, "by", ch->eof ? "peer" : ch->close_status ? lab_errno_name(ch->close_status) : "self");
    lab_ev_emit(e);
    if (ch->on_disconnect) ch->on_disconnect(ch);
}

static void maybe_free(lab_ipc *ch)
{
    if (!ch->closed || ch->ticks > 0 || ch->dispatching) return;
    if (ch->on_free) ch->on_free(ch, ch->on_free_arg);
    free(ch->out);
    free(ch->pending);
    free(ch->fdmarks);
    free(ch->in);
    free(ch->fds_in);
    free(ch);
}

/* Everything deferred happens here, on a tick: write, pay callbacks, and
 * finish a close once the queue is empty (or can never empty). */
static void service(lab_ipc *ch)
{
    if (ch->closed) return;
    flush(ch);
    complete(ch);
    if (ch->closing && !ch->closed &&
        (ch->close_status || ch->eof || lab_ipc_queued(ch) == 0))
        finish_close(ch);
}

static void service_tick(lab_loop *loop, void *arg)
{
    lab_ipc *ch = arg;
    ch->ticks--;
    ch->flush_queued = false;
    service(ch);
    maybe_free(ch);
}

static void schedule(lab_ipc *ch)
{
    if (ch->flush_queued) return;
    ch->flush_queued = true;
    ch->ticks++;
    lab_next_tick(ch->loop, service_tick, ch);
}

static void on_writable(lab_io *io, int events)
{
    lab_ipc *ch = io->data;
    service(ch);
    maybe_free(ch);
}

void lab_ipc_disconnect(lab_ipc *ch)
{
    if (!ch->connected) {
        lab_tel_error("ipc", ENOTCONN, "IPC channel is already disconnected");
        return;
    }
    ch->connected = false;
    ch->closing = true;
    schedule(ch);
}

void lab_ipc_flush(lab_ipc *ch)
{
    if (!ch->closed) flush(ch);
}

void lab_ipc_unref(lab_ipc *ch) { ch->unref = true; update_hold(ch); }
void lab_ipc_ref(lab_ipc *ch) { ch->unref = false; update_hold(ch); }

/* ---- reading -------------------------------------------------------------- */

/* Keeps the descriptor that came with the bytes [from, to) of the stream.
 * A sender following the protocol attaches one descriptor to the first
 * byte of its handle message, and the kernel never lets one read take
 * the descriptors of two sends: a read brings at most one.  What a peer
 * sends beyond that is closed here, and said; what did not fit in our
 * buffer the kernel has already closed (MSG_CTRUNC). */
static void take_fds(lab_ipc *ch, struct msghdr *mh, uint64_t from, uint64_t to)
{
    size_t extra = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
            if (extra == 0 && i == 0) {
                ch->fds_in = lab_grow_or_die(ch->fds_in, &ch->fds_in_cap, ch->fds_in_len + 1,
                                             sizeof *ch->fds_in, 4);
                ch->fds_in[ch->fds_in_len++] = (struct lab_ipc_fdin){ from, to, fd };
            } else {
                close(fd);
            }
        }
        extra += n ? n - 1 : 0;
    }
    if (extra || (mh->msg_flags & MSG_CTRUNC)) {
        char what[128];
        snprintf(what, sizeof what, "%zu more descriptor%s than one with a message%s: closed",
                 extra, extra == 1 ? "" : "s",
                 mh->msg_flags & MSG_CTRUNC ? " (and more than fit)" : "");
        lab_tel_error("ipc", EBADMSG, what);
    }
}

/* The descriptor for a message starting at byte `at` of the stream: the
 * one that came with the read holding that byte.  A descriptor whose read
 * ended before `at` belongs to no message (its bytes held no handle
 * message): closed, never handed to a later message by mistake. */
static int claim_fd(lab_ipc *ch, uint64_t at, bool handle)
{
    while (ch->fds_in_len > 0 && ch->fds_in[0].to <= at) {
        close(ch->fds_in[0].fd);
        memmove(ch->fds_in, ch->fds_in + 1, --ch->fds_in_len * sizeof *ch->fds_in);
        lab_tel_error("ipc", EBADMSG, "a descriptor came without a handle message: closed");
    }
    if (!handle || ch->fds_in_len == 0 || ch->fds_in[0].from > at) return -1;
    int fd = ch->fds_in[0].fd;
    memmove(ch->fds_in, ch->fds_in + 1, --ch->fds_in_len * sizeof *ch->fds_in);
    return fd;
}

/* Parses one line, which starts at byte `at` of the stream, and hands it
 * over; a handle envelope is unwrapped and paired with its descriptor. */
static void deliver(lab_ipc *ch, const char *line, size_t len, uint64_t at)
{
    cJSON *msg = cJSON_ParseWithLength(line, len);
    cJSON *cmd = cJSON_GetObjectItemCaseSensitive(msg, "cmd");
    bool handle = cJSON_IsString(cmd) && strcmp(cmd->valuestring, HANDLE_CMD) == 0;
    int fd = claim_fd(ch, at, handle);
    if (!msg) {
        lab_tel_error("ipc", EBADMSG, "a message that is not JSON was dropped");
        return;
    }
    if (handle) {
        cJSON *inner = cJSON_DetachItemFromObjectCaseSensitive(msg, "msg");
        cJSON_Delete(msg);
        msg = inner ? inner : cJSON_CreateNull();
    }
    ch->received++;
    ch->bytes_received += len + 1;
    report(ch, "recv", line, len, fd);
    if (ch->on_message) ch->on_message(ch, msg, fd);
    else if (fd >= 0) close(fd);
    cJSON_Delete(msg);
}

static void dispatch(lab_ipc *ch)
{
    size_t start = 0;
    uint64_t base = ch->read_total - ch->in_len;   /* the stream offset of in[0] */
    char *nl;
    ch->dispatching = true;
    /* A local disconnect() inside on_message stops delivery. */
    while (ch->connected &&
           (nl = memchr(ch->in + start, '\n', ch->in_len - start))) {
        size_t len = (size_t)(nl - (ch->in + start));
        deliver(ch, ch->in + start, len, base + start);
        start += len + 1;
    }
    ch->dispatching = false;
    if (!ch->connected) start = ch->in_len;       /* the rest is not wanted */
    memmove(ch->in, ch->in + start, ch->in_len - start);
    ch->in_len -= start;
}

/* The other side closed (or reset) its end. */
static void peer_gone(lab_ipc *ch, int err)
{
    ch->eof = true;
    ch->connected = false;
    ch->closing = true;
    if (!ch->close_status) ch->close_status = err;
    lab_io_stop(&ch->io, LAB_READABLE);
    if (ch->in_len)
        lab_tel_error("ipc", EBADMSG, "the channel closed in the middle of a message");
    schedule(ch);
}

static void on_readable(lab_io *io, int events)
{
    lab_ipc *ch = io->data;
    ch->in = lab_grow_or_die(ch->in, &ch->in_cap, ch->in_len + READ_CHUNK, 1, 16);
    struct iovec iov = { ch->in + ch->in_len, ch->in_cap - ch->in_len };
    union { struct cmsghdr align; char buf[CMSG_SPACE(MAX_FDS_PER_READ * sizeof(int))]; } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
    ssize_t n = recvmsg(ch->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n < 0) {                   /* no control message either: nothing to read */
        peer_gone(ch, errno);
        return;
    }
    take_fds(ch, &mh, ch->read_total, ch->read_total + (uint64_t)n);
    if (n == 0) {
        peer_gone(ch, EPIPE);
        return;
    }
    ch->read_total += (uint64_t)n;
    ch->in_len += (size_t)n;
    if (ch->connected) dispatch(ch);
    else ch->in_len = 0;                      /* disconnecting: ignore input */
    maybe_free(ch);
}
