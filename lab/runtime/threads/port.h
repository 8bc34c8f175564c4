/*
 * port.h — MessageChannel and MessagePort: how threads talk without
 * sharing anything.
 *
 * Node's worker threads share no variables: they send each other messages.
 * A channel is two connected ports; what is posted on one comes out of the
 * other, in order, on the receiving thread's own event loop:
 *
 *     lab_port *a, *b;
 *     lab_channel_new(&a, &b);              // new MessageChannel()
 *     lab_port_on_message(b, loop, got);    // port2.on('message', got)
 *     lab_port_post(a, "hi", 3);            // port1.postMessage('hi')
 *
 * Posting copies (Node's structured clone): the receiver gets bytes of its
 * own, and the sender may reuse its memory at once.  Transferring moves
 * (postMessage(buf, [buf])): the receiver gets the sender's very memory,
 * no copy, and the sender's chunk is *detached* — length 0, no bytes — as a
 * transferred ArrayBuffer is.  Copying costs time in the size of the
 * message; transferring costs the same for 1 KiB and 64 MiB.
 *
 * What a message is, in C: bytes.  Post a struct and the receiver gets a
 * copy of the struct — but a pointer inside it still points into the
 * sender's memory.  That is shared state again; Node cannot even express
 * it (structured clone copies the whole graph).  Send values, not pointers,
 * or transfer the buffer that holds them.
 *
 * How the receiver is woken: each port has a mailbox (a list under a
 * mutex) and an eventfd.  The poster appends and, if the mailbox was empty,
 * writes the eventfd; the receiving loop, sleeping in epoll like for any
 * descriptor, wakes and takes the whole mailbox at once.  No busy wait, and
 * one wake-up for a burst of messages.  The next-tick queue is drained
 * between two messages, as Node does.
 *
 * Threads.  lab_port_post(), lab_port_transfer() and lab_port_get_stats()
 * may be called from any thread.  Everything else is for the thread whose
 * loop the port is (or will be) started on: a port is *owned* by one
 * thread.  Handing a port to another thread (Node: in a transfer list) is
 * passing the pointer before the other thread starts it — through
 * workerData (worker.h) or a message.
 *
 * Lifetime, as libuv's handles: a started port lives until its on_close
 * callback has returned.  lab_port_close() closes both ends: the peer gets
 * every message posted before, then its own close.  A port that was never
 * started is freed only by lab_port_close() — a worker's end closes the
 * ports started on its own loop, not one it only posted to.  Close every
 * port you create, or start it (a started port closes itself when its
 * peer closes).
 *
 * Telemetry: `message` per post (size, copy or transfer, the receiver's
 * mailbox depth), `mailbox` per batch the receiver takes, `port` when a
 * port closes; docs/telemetry.md.  lab_port_set_quiet() turns them off for
 * one port (a benchmark's millions of messages).
 */
#ifndef LAB_PORT_H
#define LAB_PORT_H

#include "chunk.h"
#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_port lab_port;

typedef struct lab_message {
    /* The bytes.  Borrowed for the callback; lab_chunk_ref() to keep them
     * (the reference then belongs to the receiving thread). */
    lab_chunk data;
    bool transferred;          /* moved from the sender, not copied */
} lab_message;

typedef void lab_port_message_cb(lab_port *port, const lab_message *msg);
typedef void lab_port_close_cb(lab_port *port);

/* new MessageChannel(): two connected ports.  Returns 0 or -errno (out of
 * memory, or out of descriptors: each port has an eventfd). */
int lab_channel_new(lab_port **port1, lab_port **port2);

/* port.on('message', cb): starts delivering on loop (the calling thread's)
 * and, unless unref'd, keeps that loop alive until the port closes.
 * Messages posted before this waited in the mailbox; they come first.
 * Calling it again only changes cb.  Returns 0, or -EINVAL if the port is
 * closed or started on another loop. */
int lab_port_on_message(lab_port *port, lab_loop *loop, lab_port_message_cb *cb);
/* port.on('close', cb): runs once, on the owner's loop, when either end
 * closed.  The port is freed when cb returns. */
void lab_port_on_close(lab_port *port, lab_port_close_cb *cb);

/* postMessage(bytes): a copy of data[0..len) goes to the peer.  Returns 0,
 * -EPIPE if the channel is closed (Node drops the message without a word;
 * here you are told).  Out of memory stops the process (mem.h). */
int lab_port_post(lab_port *port, const void *data, size_t len);
/* postMessage(buf) for a chunk: copies its bytes.  A detached chunk (one
 * that was transferred: lab_chunk_empty) cannot be cloned: -EINVAL, Node's
 * DataCloneError "An ArrayBuffer is detached and could not be cloned."
 * A range chunk (range.h) has no bytes to copy: -EINVAL too. */
int lab_port_post_chunk(lab_port *port, const lab_chunk *c);
/* postMessage(buf, [buf]): moves *c's buffer to the peer, no copy, and
 * detaches *c (data NULL, len 0), even if the channel is closed (as Node
 * does).  The buffer must be *c's alone: -EBUSY if other chunks still hold
 * references to it (they could not be detached; Node detaches every view).
 * A detached chunk transfers as an empty message.  Returns 0, -EPIPE
 * (closed: the buffer is freed), -EBUSY. */
int lab_port_transfer(lab_port *port, lab_chunk *c);

/* port.close(): both ends close; this one drops what it had not yet
 * delivered.  Idempotent until on_close has run. */
void lab_port_close(lab_port *port);
/* port.ref() / port.unref(): whether a started port keeps its loop alive. */
void lab_port_ref(lab_port *port);
void lab_port_unref(lab_port *port);

void lab_port_set_data(lab_port *port, void *data);
void *lab_port_data(const lab_port *port);
/* The name telemetry uses ("port#N" by default; at most 31 bytes). */
void lab_port_set_name(lab_port *port, const char *name);
const char *lab_port_name(const lab_port *port);
/* No `message`/`mailbox` events for this port (its stats still count). */
void lab_port_set_quiet(lab_port *port, bool quiet);

/* Counters, readable from any thread.  posted/bytes/copies/transfers:
 * messages sent *through* this port; received: delivered *to* it; depth:
 * messages waiting in its mailbox now; max_depth: the most ever waiting;
 * dropped: posts refused because the channel was closed. */
typedef struct {
    uint64_t posted, bytes, copies, transfers, dropped, received;
    uint64_t depth, max_depth;
} lab_port_stats;
lab_port_stats lab_port_get_stats(const lab_port *port);

/* Node's threadId of the calling thread: 0 on the main thread (and on any
 * thread that is not a worker), 1, 2, ... for workers in creation order. */
int lab_thread_id(void);

#endif
