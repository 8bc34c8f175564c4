/*
 * cluster.h — many processes serving one port: Node's cluster module.
 *
 * A *primary* process forks *workers*.  Each worker runs a server; the
 * primary decides how connections reach them.  As in Node, a worker does
 * not bind the port itself: it asks the primary ("queryServer"), and the
 * primary answers according to the scheduling policy:
 *
 *   LAB_CLUSTER_RR         Node's default on Linux (SCHED_RR).  The primary
 *                          alone listens and accepts; it hands each
 *                          connection, as a descriptor over the IPC channel,
 *                          to the next *free* worker, which acknowledges it.
 *                          A worker gets its next connection only after
 *                          acknowledging the last; one that refuses (it is
 *                          closing) or is gone gets its connection
 *                          re-queued for another: nothing is dropped.
 *   LAB_CLUSTER_NONE       Node's SCHED_NONE.  The primary opens the
 *                          listening socket once and sends it to every
 *                          worker; they all accept() on it and the kernel
 *                          decides who wins.
 *   LAB_CLUSTER_REUSEPORT  NOT Node: each worker binds a socket of its own
 *                          with SO_REUSEPORT and the kernel spreads new
 *                          connections over them by a hash (what nginx's
 *                          `reuseport` does).  The primary holds the port
 *                          with a bound, not listening, socket.
 *
 * The policy comes from lab_cluster_options.sched, else from the
 * environment variable NODE_CLUSTER_SCHED_POLICY ("rr" or "none", as Node
 * reads it), else rr.
 *
 * A worker is a C function run in a forked copy of the primary (fork
 * without exec, fork.h's lab_fork_call) or a program (exec'd).  Either way
 * it finds NODELAB_UNIQUE_ID (Node's NODE_UNIQUE_ID) in its environment
 * and its channel on descriptor 3, makes its own loop and calls
 * lab_cluster_self_open().  Workers are started with PR_SET_PDEATHSIG
 * (SIGKILL) and leave as soon as their channel closes unexpectedly, so a
 * primary that dies leaves nothing running.
 *
 * Events, on the primary, per worker, in Node's order (callbacks in
 * lab_cluster_options, and `worker` telemetry events):
 *
 *   fork        the worker process was started (next tick after the fork)
 *   online      the worker said it is running
 *   listening   its server listens (address, port)
 *   message     it sent a message of its own (not the cluster's protocol)
 *   disconnect  its channel closed
 *   exit        it ended (code, or signal), with exited_after_disconnect:
 *               true after lab_cluster_worker_disconnect() (or the
 *               worker's own disconnect), false after a crash or a kill
 *
 * disconnect and exit may come in either order (a killed worker's channel
 * usually closes first).  lab_cluster_worker_disconnect() is the gentle
 * end: the worker stops taking connections, finishes the requests in
 * flight, closes its channel and exits 0.  lab_cluster_worker_kill() just
 * sends a signal (Node v20's worker.kill()).
 *
 * On top of Node's module (supervise.c; Node leaves these to the
 * application, and so may you):
 *   - respawn (opt-in): a worker that dies without being asked to is
 *     replaced; one that dies within stable_ms of starting counts as a
 *     crash loop and the next start waits, doubling each time up to
 *     respawn_max_ms (`respawn` events show the delay);
 *   - lab_cluster_stop(): the graceful stop — stop accepting, disconnect
 *     every worker, SIGKILL (and report) those still alive at the deadline;
 *   - lab_cluster_restart(): the rolling restart — one worker at a time,
 *     its replacement `listening` before the old one is disconnected;
 *   - lab_cluster_handle_signals(): SIGTERM/SIGINT stop, SIGHUP restarts;
 *   - stats: workers that call lab_cluster_self_stats() send requests,
 *     open connections, RSS and CPU time every few hundred milliseconds.
 *
 * Memory: the runtime owns the lab_cluster_worker objects.  One stays
 * valid until both its on_exit and on_disconnect have returned (it is
 * freed on a later tick); do not keep the pointer past that.
 */
#ifndef LAB_CLUSTER_H
#define LAB_CLUSTER_H

#include "fork.h"
#include "http.h"
#include "ipc.h"
#include "loop.h"
#include "process.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;
typedef struct lab_cluster lab_cluster;
typedef struct lab_cluster_worker lab_cluster_worker;
typedef struct lab_cluster_self lab_cluster_self;

/* The worker's id in its environment (Node's NODE_UNIQUE_ID). */
#define LAB_CLUSTER_ID_ENV "NODELAB_UNIQUE_ID"
/* Node's variable for the policy: "rr" or "none". */
#define LAB_CLUSTER_SCHED_ENV "NODE_CLUSTER_SCHED_POLICY"
#define LAB_CLUSTER_MAX_WORKERS 64

typedef enum {
    LAB_CLUSTER_SCHED_DEFAULT = 0,   /* the environment's, else rr */
    LAB_CLUSTER_RR,
    LAB_CLUSTER_NONE,
    LAB_CLUSTER_REUSEPORT,
} lab_cluster_sched;

/* Node's worker.state, as the primary sees it. */
typedef enum {
    LAB_WORKER_NONE = 0,       /* forked, not yet online */
    LAB_WORKER_ONLINE,
    LAB_WORKER_LISTENING,
    LAB_WORKER_DISCONNECTED,
    LAB_WORKER_DEAD,
} lab_worker_state;

/* What a worker last reported (lab_cluster_self_stats). */
typedef struct {
    uint64_t requests;         /* served since it started */
    int64_t connections;       /* open now */
    uint64_t rss;              /* resident memory, bytes */
    uint64_t cpu_us;           /* CPU time used (user + system) */
    uint64_t reports;          /* how many reports arrived */
} lab_cluster_stats;

/* ---- the primary ---------------------------------------------------------- */

typedef void lab_cluster_worker_cb(lab_cluster_worker *w);

typedef struct {
    /* What a worker runs: a function (fork without exec) ... */
    lab_child_main *main;
    void *arg;
    /* ... or a program (argv NULL: just { file }). */
    const char *file;
    char *const *argv;
    /* Optional: the stdio table, environment, cwd of every worker (as for
     * lab_fork; default stdio [inherit, inherit, inherit, ipc]).  Its
     * callbacks and data are ignored; pdeathsig 0 means SIGKILL, -1 none
     * (the channel's closing alone tells a worker its primary is gone). */
    const lab_spawn_options *spawn;

    lab_cluster_sched sched;
    /* Respawn (off by default, as in Node). */
    bool respawn;
    uint64_t respawn_min_ms;   /* first delay after a quick death (100) */
    uint64_t respawn_max_ms;   /* the delay doubles up to this (5000) */
    uint64_t stable_ms;        /* a worker that lived this long resets the
                                  back-off (1000) */
    uint64_t stop_timeout_ms;  /* graceful stop / restart: SIGKILL a worker
                                  still alive after this (5000) */

    lab_cluster_worker_cb *on_fork;
    lab_cluster_worker_cb *on_online;
    void (*on_listening)(lab_cluster_worker *w, const char *address, int port);
    /* msg belongs to the runtime after you return; fd: a descriptor that
     * came with it (yours) or -1. */
    void (*on_message)(lab_cluster_worker *w, struct cJSON *msg, int fd);
    lab_cluster_worker_cb *on_disconnect;
    /* code -1 when a signal ended it (signal 0 otherwise). */
    void (*on_exit)(lab_cluster_worker *w, int code, int signal);
    lab_cluster_worker_cb *on_stats;
    /* A worker asked for a server the primary could not open: err is the
     * errno (EADDRINUSE), message Node's ("bind EADDRINUSE 127.0.0.1:80").
     * The worker hears the same and decides (the runtime's default in
     * lab_cluster_http_listen's callback). */
    void (*on_listen_error)(lab_cluster_worker *w, int err, const char *message);
    void *data;
} lab_cluster_options;

struct lab_cluster {
    /* Read these freely. */
    lab_loop *loop;
    lab_cluster_sched sched;   /* resolved: never _DEFAULT */
    int target;                /* workers wanted (lab_cluster_start/_set_workers) */
    bool stopping, stopped, restarting;
    uint64_t forks, respawns, killed_at_deadline;   /* totals */
    int quick_deaths;          /* current crash-loop streak */
    uint64_t next_respawn_ms;  /* the delay the next quick death would get */
    void *data;                /* copied from options.data */

    /* Private below (cluster_impl.h). */
    lab_cluster_options opts;
    int next_id;
    lab_cluster_worker **workers;      /* Node's cluster.workers, by age */
    size_t nworkers, workers_cap;
    struct cluster_handle *handles;    /* open server handles */
    struct cluster_respawn *respawns_pending;
    struct cluster_restart *restart;
    lab_timer stop_timer;
    lab_signal sig_term, sig_int, sig_hup;
    bool signals_on;
    void (*on_stopped)(lab_cluster *cl);
    void (*on_disconnected)(lab_cluster *cl);
    bool drained;                      /* stop: the accepted queue is empty */
};

struct lab_cluster_worker {
    /* Read these freely. */
    lab_cluster *cluster;
    int id;                    /* 1, 2, 3...: never reused */
    pid_t pid;                 /* 0 if it could not be started */
    lab_process *process;      /* NULL once the process is gone */
    lab_worker_state state;
    bool exited_after_disconnect;
    bool connected;            /* Node's isConnected(): the channel is open */
    bool dead;                 /* Node's isDead(): it has exited */
    int exit_code, term_signal;
    char address[48];          /* where it listens, once listening */
    int port;
    lab_cluster_stats stats;
    uint64_t scheduled;        /* rr: connections the primary handed it */
    uint64_t forked_ms, online_ms, listening_ms;   /* loop time */
    void *data;                /* yours */

    /* Private below. */
    struct cluster_pending *pending;   /* newconn awaiting an ack */
    size_t npending, pending_cap;
    bool fork_reported, removed, freeing, listened, exit_deferred;
    struct cluster_restart *replacing; /* a rolling restart waits on it */
};

/* The policy NODE_CLUSTER_SCHED_POLICY asks for (rr unless "none"). */
lab_cluster_sched lab_cluster_sched_from_env(void);
/* "rr", "none", "reuseport"; and back (0 if unknown). */
const char *lab_cluster_sched_name(lab_cluster_sched s);
lab_cluster_sched lab_cluster_sched_parse(const char *name);
/* One worker per online core, within 1..LAB_CLUSTER_MAX_WORKERS. */
int lab_cluster_default_workers(void);

/* Makes a primary on loop; nothing is forked yet.  NULL with errno EINVAL
 * when neither main nor file is given. */
lab_cluster *lab_cluster_new(lab_loop *loop, const lab_cluster_options *opts);
/* Frees it: only once every worker is gone (the loop has ended). */
void lab_cluster_free(lab_cluster *cl);

/* Node's cluster.fork(): one more worker (and one more for respawn to
 * keep).  NULL (errno) if it could not be forked at all (EAGAIN, or
 * ENOSPC: already 64 workers). */
lab_cluster_worker *lab_cluster_fork(lab_cluster *cl);
/* Forks n workers (0: lab_cluster_default_workers()) and makes n the
 * number respawn keeps.  Returns 0, or -1 with errno EINVAL for n out of
 * 1..64. */
int lab_cluster_start(lab_cluster *cl, int n);
/* Grows or shrinks to n workers: forks, or disconnects the newest. */
int lab_cluster_set_workers(lab_cluster *cl, int n);

/* The live workers (Node's cluster.workers), oldest first. */
size_t lab_cluster_count(const lab_cluster *cl);
lab_cluster_worker *lab_cluster_get(const lab_cluster *cl, size_t i);
lab_cluster_worker *lab_cluster_find(const lab_cluster *cl, int id);
/* Node's cluster.disconnect(cb): every worker disconnects; cb (may be
 * NULL) once no worker is left. */
void lab_cluster_disconnect(lab_cluster *cl, void (*cb)(lab_cluster *cl));

/* worker.send(msg): false once 128 KiB wait (advice) or if disconnected. */
bool lab_cluster_worker_send(lab_cluster_worker *w, const struct cJSON *msg,
                             lab_ipc_send_cb *cb, void *arg);
/* worker.disconnect(): no new connections for it; it finishes what it
 * has, closes its channel and exits 0 (exited_after_disconnect). */
void lab_cluster_worker_disconnect(lab_cluster_worker *w);
/* worker.kill(sig) (0: SIGTERM): only the signal. 0, or -1 with errno. */
int lab_cluster_worker_kill(lab_cluster_worker *w, int sig);
bool lab_cluster_worker_is_dead(const lab_cluster_worker *w);
bool lab_cluster_worker_is_connected(const lab_cluster_worker *w);
/* "none", "online", "listening", "disconnected", "dead". */
const char *lab_cluster_state_name(lab_worker_state s);

/* ---- supervision (supervise.c) ------------------------------------------- */

/* The graceful stop: stop accepting (the primary's listening sockets
 * close, or stop taking connections for every worker at once), hand out
 * the connections already accepted, disconnect every worker; after
 * stop_timeout_ms, SIGKILL each one still alive (a `cluster` event
 * {phase:"killed"} names it).  cb runs once every worker is gone.  No
 * respawn from now on. */
void lab_cluster_stop(lab_cluster *cl, void (*cb)(lab_cluster *cl));
/* The rolling restart: for each worker alive now, one at a time, fork a
 * replacement, wait until it is listening, then disconnect the old one
 * and wait for its exit.  Returns -1 (errno EBUSY) while stopping or
 * already restarting. */
int lab_cluster_restart(lab_cluster *cl);
/* SIGTERM and SIGINT call lab_cluster_stop(cl, on_stopped); SIGHUP calls
 * lab_cluster_restart().  The watchers do not keep the loop alive. */
void lab_cluster_handle_signals(lab_cluster *cl, void (*on_stopped)(lab_cluster *cl));

/* ---- in a worker ------------------------------------------------------------ */

/* True in a process started as a worker (NODELAB_UNIQUE_ID is set, or
 * lab_cluster_self_open() has read it). */
bool lab_cluster_is_worker(void);
/* This worker's id; 0 in the primary. */
int lab_cluster_worker_id(void);

struct lab_cluster_self {
    /* Read these freely. */
    lab_loop *loop;
    int id;
    lab_ipc *ipc;              /* the channel to the primary (NULL once closed) */
    const char *state;         /* "online", "listening", "disconnecting" */
    bool exited_after_disconnect;

    /* Set these. */
    void (*on_message)(lab_cluster_self *self, struct cJSON *msg, int fd);
    /* The channel closed.  After a disconnect (either side's) the process
     * goes on until its loop is empty; after an unexpected one (the primary
     * died) the runtime exits the process with status 0 when this returns,
     * as Node does. */
    void (*on_disconnect)(lab_cluster_self *self);
    void *data;

    /* Private below. */
    struct cluster_server *servers;
    lab_timer stats_timer;
    int waiting;                       /* disconnect: servers still closing */
    bool primary_initiated;
};

/* Connects this worker to its primary (channel from NODELAB_CHANNEL_FD)
 * and tells it "online".  NULL (errno ENOENT) when this process is not a
 * worker. */
lab_cluster_self *lab_cluster_self_open(lab_loop *loop);
/* process.send(msg) in a worker. */
bool lab_cluster_self_send(lab_cluster_self *self, const struct cJSON *msg,
                           lab_ipc_send_cb *cb, void *arg);
/* cluster.worker.disconnect() in the worker: close every server (they
 * finish what they serve), tell the primary, close the channel. */
void lab_cluster_self_disconnect(lab_cluster_self *self);

/* server.listen(port, host) in a worker: srv is initialised here
 * (lab_http_server_init: fill its optional fields after this call); the
 * primary is asked for the port and, by its policy, passes connections
 * one by one (rr), a shared listening socket (none), or the port for a
 * socket of the worker's own (reuseport).  on_listening(srv, 0) once it
 * serves (srv->port is the port), or on_listening(srv, -errno) when it
 * cannot: then errmsg points at Node's message ("bind EADDRINUSE
 * 127.0.0.1:8000").  Returns 0, or -errno at once for bad arguments. */
typedef void lab_cluster_listen_cb(lab_http_server *srv, int status, const char *errmsg);
int lab_cluster_http_listen(lab_cluster_self *self, lab_http_server *srv,
                            const char *host, int port,
                            lab_http_request_cb *on_request,
                            lab_cluster_listen_cb *on_listening);
/* server.close() through the cluster: the primary stops sending it
 * connections; cb (may be NULL) once its last connection is gone. */
void lab_cluster_http_close(lab_cluster_self *self, lab_http_server *srv,
                            void (*cb)(lab_http_server *srv));

/* Every every_ms (0: stop) send the primary this process's stats: the
 * requests and open connections of its cluster servers, its RSS and CPU
 * time.  The timer does not keep the loop alive. */
void lab_cluster_self_stats(lab_cluster_self *self, uint64_t every_ms);

#endif
