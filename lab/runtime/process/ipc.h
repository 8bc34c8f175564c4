/*
 * ipc.h — a message channel between two processes: Node's process.send().
 *
 * One UNIX stream socket (one end of a socketpair) carries messages both
 * ways.  The wire format is Node's default "json" serialization: each
 * message is one JSON text followed by "\n".  Receiving splits the byte
 * stream at newlines and parses each line with cJSON.
 *
 * A message may carry a descriptor (an open file, a socket, a pipe end):
 * the kernel copies it into the other process with SCM_RIGHTS ancillary
 * data.  The cluster uses this to hand accepted connections to workers.
 * Such a message travels as {"cmd":"NODELAB_HANDLE","msg":...}, the way
 * Node wraps its NODE_HANDLE messages, so the receiver knows to take the
 * next descriptor that came with the bytes.
 *
 * Sending never blocks and never drops:
 *   - messages sent during one callback are written together on the next
 *     tick (one system call for many small messages);
 *   - what the socket does not accept waits in memory, and send() returns
 *     false once more than 128 KiB wait — advice to slow down, exactly as
 *     Node's subprocess.send() (the message is queued all the same);
 *   - a send callback runs once the message is in the kernel's buffer;
 *     a process that waits for it before exiting loses nothing.
 *
 * Either side may disconnect(): queued messages are flushed, the socket is
 * closed, and both sides get on_disconnect.  A send() after that calls its
 * callback with ENOTCONN (Node's ERR_IPC_CHANNEL_CLOSED) and returns false.
 *
 * Memory: the runtime frees the channel after on_disconnect has returned
 * and nothing it owes a callback is pending.
 */
#ifndef LAB_IPC_H
#define LAB_IPC_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;
typedef struct lab_ipc lab_ipc;

/* The environment variable that tells a child which descriptor is its
 * channel (Node's NODE_CHANNEL_FD). */
#define LAB_IPC_ENV "NODELAB_CHANNEL_FD"
/* send() returns false once more than this many bytes wait. */
#define LAB_IPC_HIGH_WATER (128 * 1024)
/* Telemetry shows at most this many bytes of a message body. */
#define LAB_IPC_BODY_MAX 120

/* msg: the parsed message (freed by the runtime after you return: detach
 * or duplicate what you keep).  fd: a descriptor that came with it (now
 * yours to close) or -1. */
typedef void lab_ipc_message_cb(lab_ipc *ch, struct cJSON *msg, int fd);
typedef void lab_ipc_cb(lab_ipc *ch);
/* status: 0 once the message is in the kernel; ENOTCONN if the channel
 * was closed first; EPIPE/ECONNRESET if the other side had gone. */
typedef void lab_ipc_send_cb(lab_ipc *ch, int status, void *arg);

struct lab_ipc {
    /* Read these freely. */
    lab_loop *loop;
    int fd;                /* the socket, -1 once closed */
    pid_t peer;            /* the process at the other end (0: unknown) */
    bool connected;        /* false after disconnect, either side */
    uint64_t sent, received;          /* messages */
    uint64_t bytes_sent, bytes_received;

    /* Set these. */
    lab_ipc_message_cb *on_message;
    lab_ipc_cb *on_disconnect;
    void *data;

    /* Private below. */
    lab_io io;
    char *out;             /* bytes not yet written: out[out_head..out_len) */
    size_t out_head, out_len, out_cap;
    uint64_t queued_total, written_total;   /* byte counters */
    struct lab_ipc_pending *pending;        /* send callbacks, in order */
    size_t pending_head, pending_len, pending_cap;
    struct lab_ipc_fdmark *fdmarks;         /* descriptors to attach */
    size_t fd_head, fd_len, fd_cap;
    char *in;              /* a partial line */
    size_t in_len, in_cap;
    uint64_t read_total;   /* bytes received, counting partial lines */
    struct lab_ipc_fdin *fds_in;            /* descriptors received, not yet claimed */
    size_t fds_in_len, fds_in_cap;
    int ticks;             /* our callbacks queued on the loop */
    bool flush_queued, closing, closed, eof, unref, held, dispatching;
    int close_status;      /* why pending sends fail */
    void (*on_free)(lab_ipc *ch, void *arg);   /* the owner's hook */
    void *on_free_arg;
};

/* Opens a channel on a connected AF_UNIX stream socket; the channel owns
 * fd from now on (it is made non-blocking and close-on-exec). */
lab_ipc *lab_ipc_open(lab_loop *loop, int fd, pid_t peer);
/* In a child started by lab_fork(): the channel to the parent, from
 * NODELAB_CHANNEL_FD (removed from the environment, as Node does).
 * NULL when this process has no channel. */
lab_ipc *lab_ipc_from_env(lab_loop *loop);

/* Queues msg (serialised now; you keep msg).  Returns false when more than
 * LAB_IPC_HIGH_WATER bytes wait, or the channel is closed. cb may be NULL. */
bool lab_ipc_send(lab_ipc *ch, const struct cJSON *msg, lab_ipc_send_cb *cb, void *arg);
/* The same with a message you serialised yourself: one JSON text, no
 * newline inside (cJSON_PrintUnformatted output is fine). */
bool lab_ipc_send_text(lab_ipc *ch, const char *json, size_t len,
                       lab_ipc_send_cb *cb, void *arg);
/* Sends msg together with a copy of descriptor fd (you keep yours). */
bool lab_ipc_send_fd(lab_ipc *ch, const struct cJSON *msg, int fd,
                     lab_ipc_send_cb *cb, void *arg);

/* Flushes what is queued, then closes; on_disconnect runs on both sides. */
void lab_ipc_disconnect(lab_ipc *ch);
/* Writes what is queued now, as far as the socket takes it, instead of on
 * the next tick (callbacks still come later).  For a process about to
 * exit without running its loop again: Node writes a message at once
 * when it can, so a worker that sends and exits still gets it out. */
void lab_ipc_flush(lab_ipc *ch);
/* Bytes waiting to be written. */
size_t lab_ipc_queued(const lab_ipc *ch);
/* The channel stops / starts keeping the loop alive (Node's
 * channel.unref()/ref()). */
void lab_ipc_unref(lab_ipc *ch);
void lab_ipc_ref(lab_ipc *ch);

/* Node's name for a send status: "ERR_IPC_CHANNEL_CLOSED" for ENOTCONN,
 * else the errno's name ("EPIPE"). */
const char *lab_ipc_status_name(int status);

#endif
