/*
 * port_impl.h — what thread_worker.c needs from port.c and users do not.
 *
 * A worker talks to its parent over an ordinary channel.  Besides the
 * user's messages, the worker's side sends the runtime's own: "online",
 * "error", "exit" — Node sends the same through an internal port.  They
 * travel in the same mailbox, so they keep their place among the user's
 * messages: every message the worker posted arrives before its `exit`.
 */
#ifndef LAB_PORT_IMPL_H
#define LAB_PORT_IMPL_H

#include "port.h"

enum { LAB_SYS_ONLINE = 1, LAB_SYS_ERROR, LAB_SYS_EXIT };

/* A runtime message: sys, a number, and bytes (a copy of data[0..len)). */
typedef void lab_port_sys_cb(lab_port *port, int sys, int code, const lab_chunk *data);

int lab_port_post_sys(lab_port *port, int sys, int code, const void *data, size_t len);
/* Where the runtime's messages arriving at port go (on its loop).  Such a
 * port (a worker's parent side) does not close when its peer does: the
 * worker may close its parentPort and still has its `exit` to send; the
 * runtime closes it after that. */
void lab_port_on_sys(lab_port *port, lab_port_sys_cb *cb);
/* Watches port's eventfd on loop without starting delivery (nor keeping
 * the loop alive): on_wake runs at every wake-up, before any delivery.
 * A worker's side of its parent channel is bound this way, so that
 * terminate() reaches a worker that never listens for messages. */
int lab_port_bind(lab_port *port, lab_loop *loop, void (*on_wake)(lab_port *port));
/* Wakes the port's loop (its on_wake runs) from any thread. */
void lab_port_wake(lab_port *port);
/* A worker's last act: every port bound on the calling thread closes now,
 * without close callbacks (their loop will not run again); their peers
 * are told, as when the thread of a Node worker ends. */
void lab_port_close_thread_ports(void);
/* The calling thread's threadId (thread_worker.c sets it on each new thread). */
void lab_thread_set_id(int id);

#endif
