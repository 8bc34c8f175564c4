/*
 * cluster_impl.h — PRIVATE to the files of lab/runtime/cluster: the protocol
 * between primary and workers, and the primary's server handles.
 *
 * The protocol is Node's (lib/internal/cluster/utils.js): every message
 * of the cluster itself is a JSON object {"cmd":"NODELAB_CLUSTER",
 * "act":..., "seq":N} on the same channel as the user's own messages,
 * which the cmd keeps apart.  A reply carries "ack": the seq of the
 * message it answers.  The acts:
 *
 *   worker → primary   online, queryServer {address, port, index},
 *                      listening {address, port}, close {key},
 *                      exitedAfterDisconnect, stats {...},
 *                      ack of a newconn {accepted}
 *   primary → worker   reply to queryServer {key, errno, sockname,
 *                      policy} (with the listening socket for `none`),
 *                      newconn {key} with a connection (rr), disconnect,
 *                      ack of exitedAfterDisconnect
 */
#ifndef LAB_CLUSTER_IMPL_H
#define LAB_CLUSTER_IMPL_H

#include "cluster.h"

#include <cjson/cJSON.h>

#define CLUSTER_CMD "NODELAB_CLUSTER"

/* ---- messages (proto.c) ---------------------------------------------------- */

/* {"cmd":"NODELAB_CLUSTER","act":act}; act NULL for a bare reply. */
cJSON *cluster_msg(const char *act);
/* Adds the next seq of this process and sends (with fd if >= 0).  Frees
 * msg.  Returns the seq used, or -1 if the channel is closed. */
int cluster_send(lab_ipc *ch, cJSON *msg, int fd);
/* True for the cluster's own messages; act (or NULL for an ack) and the
 * numbers seq and ack (-1 when absent) are read out. */
bool cluster_parse(const cJSON *msg, const char **act, int *seq, int *ack);
const char *cluster_str(const cJSON *msg, const char *key);
double cluster_num(const cJSON *msg, const char *key, double def);

/* ---- server handles in the primary (handles.c) ------------------------------ */

/* A connection the primary accepted (rr), waiting for a worker. */
typedef struct { int fd; uint64_t no; } cluster_conn;

/* A newconn sent to a worker, waiting for its ack. */
struct cluster_pending {
    int seq;
    struct cluster_handle *h;
    cluster_conn conn;
};

/* One per key (address:port:index), Node's RoundRobinHandle or
 * SharedHandle (and our reuseport one). */
typedef struct cluster_handle {
    lab_cluster *cl;
    char key[96];
    lab_cluster_sched sched;
    char address[48];
    int port;                          /* resolved (port 0 asked) */
    int err;                           /* errno if it could not open */

    int fd;                            /* none: the shared listening socket;
                                          reuseport: the bound one holding
                                          the port; rr: -1 (see listener) */
    lab_tcp listener;                  /* rr: the primary's own accept */
    bool listening, accepting;
    cluster_conn *queue;               /* rr: accepted, not yet handed off */
    size_t qhead, qlen, qcap;
    uint64_t accepted;                 /* rr: connections accepted */

    lab_cluster_worker **all, **free;  /* members; free: ready for one more */
    size_t nall, nfree, all_cap, free_cap;
    int refs;                          /* pending acks still pointing here */
    bool removed;                      /* no members left: closing */
    struct cluster_handle *next;
} cluster_handle;

/* The handle for key, opened now if new (h->err says if that failed). */
cluster_handle *cluster_handle_get(lab_cluster *cl, const char *key,
                                   const char *address, int port);
/* Adds w; fills reply (sockname, policy) and *fd_out (the socket to send
 * with it, none only, else -1).  Call cluster_handle_ready() once the
 * reply is sent: rr may then hand w a connection. */
void cluster_handle_add(cluster_handle *h, lab_cluster_worker *w, cJSON *reply, int *fd_out);
void cluster_handle_ready(cluster_handle *h, lab_cluster_worker *w);
/* Takes w out (it closed the server, disconnected or died); the last one
 * out closes the handle. */
void cluster_handle_remove(cluster_handle *h, lab_cluster_worker *w);
void cluster_handles_remove_worker(lab_cluster *cl, lab_cluster_worker *w);
/* A worker acknowledged newconn seq. */
void cluster_handle_ack(lab_cluster_worker *w, int seq, bool accepted);
/* w's channel closed: the connections it never acknowledged go back in
 * the queue for another worker (it never read from them). */
void cluster_handle_requeue_pending(lab_cluster_worker *w);
/* Stop accepting new connections on every handle (graceful stop). */
void cluster_handles_stop_accepting(lab_cluster *cl);
/* Connections accepted and not yet handed to a worker, in all handles. */
size_t cluster_handles_queued(const lab_cluster *cl);
cluster_handle *cluster_handle_find(lab_cluster *cl, const char *key);

/* ---- the primary's bookkeeping (primary.c) ------------------------------------- */

/* Forks a worker without changing the number wanted (respawn, restart). */
lab_cluster_worker *cluster_fork(lab_cluster *cl);
/* A `worker` telemetry event: {event, id, worker_pid, state}. */
void cluster_report(const lab_cluster_worker *w, const char *event);
/* Called by handles.c when the stop has drained the queues. */
void cluster_queues_drained(lab_cluster *cl);

/* ---- supervision hooks (supervise.c) -------------------------------------------- */

void cluster_sup_listening(lab_cluster *cl, lab_cluster_worker *w);
void cluster_sup_exit(lab_cluster *cl, lab_cluster_worker *w);
void cluster_sup_gone(lab_cluster *cl);       /* a worker left the list */
void cluster_sup_free(lab_cluster *cl);

#endif
