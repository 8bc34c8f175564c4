/*
 * primary.c — the primary's side of the cluster: forking workers, their
 * lifecycle events, and the cluster's own messages from them.  Node's
 * lib/internal/cluster/primary.js and worker.js.
 *
 * A worker is a lab_process (process.h) with an IPC channel; this file
 * turns that process's callbacks into the cluster's events:
 *
 *   lab_fork[_call]  ──next tick──►  fork
 *   {act:online}                 ►  online
 *   {act:queryServer}            ►  (handles.c opens or joins a handle, replies)
 *   {act:listening}              ►  listening
 *   channel closed               ►  disconnect
 *   process ended                ►  exit
 *
 * A worker leaves cluster->workers once it has both exited and
 * disconnected (Node's removeWorker), and is freed when its process is.
 */
#define _GNU_SOURCE
#include "cluster_impl.h"
#include "errors.h"
#include "events.h"
#include "grow.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* ---- telemetry ----------------------------------------------------------------- */

/* A `worker` event: one step of a worker's life, reported by the primary
 * (`pid` is the primary; `worker_pid` the worker). */
static lab_ev *worker_event(const lab_cluster_worker *w, const char *event)
{
    lab_ev *e = lab_ev_new(LAB_EV(WORKER));
    if (!e) return NULL;
    lab_ev_str(e, "event", event);
    lab_ev_int(e, "id", w->id);
    lab_ev_int(e, "worker_pid", w->pid);
    lab_ev_str(e, "state", lab_cluster_state_name(w->state));
    return e;
}

void cluster_report(const lab_cluster_worker *w, const char *event)
{
    lab_ev_emit(worker_event(w, event));
}

/* ---- the cluster --------------------------------------------------------------- */

lab_cluster *lab_cluster_new(lab_loop *loop, const lab_cluster_options *opts)
{
    if (!loop || !opts || (!opts->main && !(opts->file && *opts->file))) {
        errno = EINVAL;
        return NULL;
    }
    lab_cluster *cl = lab_xcalloc(1, sizeof *cl);
    cl->loop = loop;
    cl->opts = *opts;
    cl->data = opts->data;
    cl->sched = opts->sched ? opts->sched : lab_cluster_sched_from_env();
    lab_cluster_options *o = &cl->opts;
    if (!o->respawn_min_ms) o->respawn_min_ms = 100;
    if (!o->respawn_max_ms) o->respawn_max_ms = 5000;
    if (o->respawn_max_ms < o->respawn_min_ms) o->respawn_max_ms = o->respawn_min_ms;
    if (!o->stable_ms) o->stable_ms = 1000;
    if (!o->stop_timeout_ms) o->stop_timeout_ms = 5000;
    cl->next_respawn_ms = o->respawn_min_ms;
    lab_timer_init(loop, &cl->stop_timer);
    cl->stop_timer.data = cl;
    lab_ev *e = lab_ev_new(LAB_EV(CLUSTER));
    lab_ev_str(e, "phase", "setup");
    lab_ev_str(e, "policy", lab_cluster_sched_name(cl->sched));
    lab_ev_bool(e, "respawn", o->respawn);
    lab_ev_emit(e);
    return cl;
}

void lab_cluster_free(lab_cluster *cl)
{
    if (!cl) return;
    cluster_sup_free(cl);
    free(cl->workers);
    free(cl);
}

size_t lab_cluster_count(const lab_cluster *cl) { return cl->nworkers; }

lab_cluster_worker *lab_cluster_get(const lab_cluster *cl, size_t i)
{
    return i < cl->nworkers ? cl->workers[i] : NULL;
}

lab_cluster_worker *lab_cluster_find(const lab_cluster *cl, int id)
{
    for (size_t i = 0; i < cl->nworkers; i++)
        if (cl->workers[i]->id == id) return cl->workers[i];
    return NULL;
}

/* ---- a worker leaves ------------------------------------------------------------- */

static void free_tick(lab_loop *loop, void *arg)
{
    lab_cluster_worker *w = arg;
    free(w->pending);
    free(w);
}

static void maybe_free(lab_cluster_worker *w)
{
    if (!w->removed || w->process || w->freeing) return;
    w->freeing = true;
    lab_next_tick(w->cluster->loop, free_tick, w);
}

static void disconnected_tick(lab_loop *loop, void *arg)
{
    lab_cluster *cl = arg;
    void (*cb)(lab_cluster *) = cl->on_disconnected;
    cl->on_disconnected = NULL;
    if (cb && cl->nworkers == 0) cb(cl);
}

/* Both exited and disconnected: out of the list (Node's removeWorker). */
static void maybe_remove(lab_cluster_worker *w)
{
    lab_cluster *cl = w->cluster;
    if (!w->dead || w->connected || w->removed) return;
    w->removed = true;
    for (size_t i = 0; i < cl->nworkers; i++) {
        if (cl->workers[i] != w) continue;
        memmove(cl->workers + i, cl->workers + i + 1, (cl->nworkers - i - 1) * sizeof *cl->workers);
        cl->nworkers--;
        break;
    }
    if (cl->nworkers == 0 && cl->on_disconnected) lab_next_tick(cl->loop, disconnected_tick, cl);
    cluster_sup_gone(cl);
    maybe_free(w);
}

/* ---- the process's callbacks ------------------------------------------------------ */

static void worker_exited(lab_cluster_worker *w, int code, int sig);

static void w_disconnect(lab_process *p)
{
    lab_cluster_worker *w = p->data;
    lab_cluster *cl = w->cluster;
    w->connected = false;
    /* Its server handles forget it first, so that the connections it never
     * acknowledged go to another worker, not back to it. */
    cluster_handles_remove_worker(cl, w);
    cluster_handle_requeue_pending(w);
    w->state = LAB_WORKER_DISCONNECTED;
    lab_ev *e = worker_event(w, "disconnect");
    lab_ev_bool(e, "exitedAfterDisconnect", w->exited_after_disconnect);
    lab_ev_emit(e);
    if (cl->opts.on_disconnect) cl->opts.on_disconnect(w);
    if (w->exit_deferred) {
        w->exit_deferred = false;
        worker_exited(w, w->exit_code, w->term_signal);
    }
    maybe_remove(w);
}

static void worker_exited(lab_cluster_worker *w, int code, int sig)
{
    lab_cluster *cl = w->cluster;
    w->dead = true;
    w->exit_code = code;
    w->term_signal = sig;
    if (!w->connected) cluster_handles_remove_worker(cl, w);
    w->state = LAB_WORKER_DEAD;
    lab_ev *e = worker_event(w, "exit");
    if (sig) lab_ev_null(e, "code"); else lab_ev_int(e, "code", code);
    lab_ev_str(e, "signal", lab_signal_name(sig));
    lab_ev_bool(e, "exitedAfterDisconnect", w->exited_after_disconnect);
    lab_ev_int(e, "lived_ms", (int64_t)(lab_loop_now(cl->loop) - w->forked_ms));
    lab_ev_emit(e);
    if (cl->opts.on_exit) cl->opts.on_exit(w, code, sig);
    cluster_sup_exit(cl, w);
    maybe_remove(w);
}

/* A process that dies closes its channel before the kernel tells its
 * parent (files are closed before SIGCHLD is sent), so node reports
 * 'disconnect' before 'exit'.  Here the two arrive on different
 * descriptors and a busy primary may see the signal first; when the
 * channel's end is already waiting to be read, the exit waits for it. */
static bool channel_end_pending(const lab_cluster_worker *w)
{
    const lab_ipc *ch = w->process ? w->process->ipc : NULL;
    if (!w->connected || !ch || ch->fd < 0) return false;
    struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP));
}

static void w_exit(lab_process *p, int code, int sig)
{
    lab_cluster_worker *w = p->data;
    if (channel_end_pending(w)) {
        w->exit_deferred = true;
        w->exit_code = code;
        w->term_signal = sig;
        return;
    }
    worker_exited(w, code, sig);
}

/* The process is over and its channel closed: the lab_process goes.  A
 * program that could not even be started never had an exit: report one
 * with 127, the shell's "command not found". */
static void w_close(lab_process *p, int code, int sig)
{
    lab_cluster_worker *w = p->data;
    w->process = NULL;
    if (!w->dead) worker_exited(w, 127, 0);
    maybe_remove(w);
    maybe_free(w);
}

/* ---- the cluster's messages ------------------------------------------------------- */

static void reply(lab_cluster_worker *w, int ack, cJSON *m, int fd)
{
    cJSON_AddNumberToObject(m, "ack", ack);
    cluster_send(w->process ? w->process->ipc : NULL, m, fd);
}

static void on_online(lab_cluster_worker *w)
{
    lab_cluster *cl = w->cluster;
    w->state = LAB_WORKER_ONLINE;
    w->online_ms = lab_loop_now(cl->loop);
    cluster_report(w, "online");
    if (cl->opts.on_online) cl->opts.on_online(w);
}

/* Node's "bind EADDRINUSE 127.0.0.1:8000": what failed, why, where. */
static void listen_error(lab_cluster_worker *w, int err, const char *address, int port)
{
    lab_cluster *cl = w->cluster;
    char msg[128];
    snprintf(msg, sizeof msg, "bind %s %s:%d", lab_errno_name(err), address, port);
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    lab_ev_str(e, "stream", "cluster");
    lab_ev_str(e, "code", lab_errno_name(err));
    lab_ev_str(e, "message", msg);
    lab_ev_str(e, "syscall", "bind");
    lab_ev_int(e, "worker", w->id);
    lab_ev_emit(e);
    if (cl->opts.on_listen_error) cl->opts.on_listen_error(w, err, msg);
}

/* A worker wants a server on address:port (Node's queryServer). */
static void on_query(lab_cluster_worker *w, const cJSON *msg, int seq)
{
    if (w->exited_after_disconnect) return;      /* disconnecting: no more */
    const char *address = cluster_str(msg, "address");
    if (!address) address = "127.0.0.1";
    int port = (int)cluster_num(msg, "port", 0);
    char key[96];
    snprintf(key, sizeof key, "%s:%d:%d", address, port, (int)cluster_num(msg, "index", 0));
    cluster_handle *h = cluster_handle_get(w->cluster, key, address, port);
    cJSON *m = cluster_msg(NULL);
    int fd = -1, err = h->err;
    cluster_handle_add(h, w, m, &fd);             /* h is gone if it failed */
    reply(w, seq, m, fd);
    if (err) listen_error(w, err, address, port);
    else cluster_handle_ready(h, w);
}

static void on_listening(lab_cluster_worker *w, const cJSON *msg)
{
    lab_cluster *cl = w->cluster;
    const char *address = cluster_str(msg, "address");
    snprintf(w->address, sizeof w->address, "%s", address ? address : "");
    w->port = (int)cluster_num(msg, "port", 0);
    w->state = LAB_WORKER_LISTENING;
    w->listened = true;
    w->listening_ms = lab_loop_now(cl->loop);
    lab_ev *e = worker_event(w, "listening");
    lab_ev_str(e, "address", w->address);
    lab_ev_int(e, "port", w->port);
    lab_ev_str(e, "policy", lab_cluster_sched_name(cl->sched));
    lab_ev_emit(e);
    if (cl->opts.on_listening) cl->opts.on_listening(w, w->address, w->port);
    cluster_sup_listening(cl, w);
}

static void on_stats(lab_cluster_worker *w, const cJSON *msg)
{
    lab_cluster_stats *s = &w->stats;
    s->requests = (uint64_t)cluster_num(msg, "requests", 0);
    s->connections = (int64_t)cluster_num(msg, "connections", 0);
    s->rss = (uint64_t)cluster_num(msg, "rss", 0);
    s->cpu_us = (uint64_t)cluster_num(msg, "cpu_us", 0);
    s->reports++;
    lab_ev *e = lab_ev_new(LAB_EV(WORKER_STATS));
    lab_ev_int(e, "id", w->id);
    lab_ev_int(e, "worker_pid", w->pid);
    lab_ev_int(e, "requests", (int64_t)s->requests);
    lab_ev_int(e, "connections", s->connections);
    lab_ev_int(e, "rss", (int64_t)s->rss);
    lab_ev_int(e, "cpu_us", (int64_t)s->cpu_us);
    lab_ev_emit(e);
    if (w->cluster->opts.on_stats) w->cluster->opts.on_stats(w);
}

/* Node's methodMessageMapping: one function per act. */
static void dispatch(lab_cluster_worker *w, const cJSON *msg, const char *act, int seq, int ack)
{
    if (!act) {                                   /* an ack: of a newconn */
        cJSON *acc = cJSON_GetObjectItemCaseSensitive(msg, "accepted");
        if (acc) cluster_handle_ack(w, ack, cJSON_IsTrue(acc));
    } else if (strcmp(act, "online") == 0) {
        on_online(w);
    } else if (strcmp(act, "queryServer") == 0) {
        on_query(w, msg, seq);
    } else if (strcmp(act, "listening") == 0) {
        on_listening(w, msg);
    } else if (strcmp(act, "close") == 0) {
        const char *key = cluster_str(msg, "key");
        cluster_handle *h = key ? cluster_handle_find(w->cluster, key) : NULL;
        if (h) cluster_handle_remove(h, w);
    } else if (strcmp(act, "exitedAfterDisconnect") == 0) {
        w->exited_after_disconnect = true;
        reply(w, seq, cluster_msg(NULL), -1);
    } else if (strcmp(act, "stats") == 0) {
        on_stats(w, msg);
    }
}

static void w_message(lab_process *p, cJSON *msg, int fd)
{
    lab_cluster_worker *w = p->data;
    const char *act;
    int seq, ack;
    if (cluster_parse(msg, &act, &seq, &ack)) {
        if (fd >= 0) close(fd);                   /* workers send none */
        dispatch(w, msg, act, seq, ack);
        return;
    }
    if (w->cluster->opts.on_message) w->cluster->opts.on_message(w, msg, fd);
    else if (fd >= 0) close(fd);
}

/* ---- forking ---------------------------------------------------------------------- */

/* The environment plus NODELAB_UNIQUE_ID=id (any inherited one replaced). */
static char **worker_env(const lab_cluster *cl, char *slot, size_t slotlen, int id)
{
    const lab_spawn_options *t = cl->opts.spawn;
    char *const *base = t && t->env ? t->env : environ;
    size_t n = 0, k = 0, keylen = strlen(LAB_CLUSTER_ID_ENV);
    while (base[n]) n++;
    char **env = lab_xmalloc((n + 2) * sizeof *env);
    for (size_t i = 0; i < n; i++)
        if (strncmp(base[i], LAB_CLUSTER_ID_ENV, keylen) != 0 || base[i][keylen] != '=')
            env[k++] = base[i];
    snprintf(slot, slotlen, "%s=%d", LAB_CLUSTER_ID_ENV, id);
    env[k++] = slot;
    env[k] = NULL;
    return env;
}

static void fork_tick(lab_loop *loop, void *arg)
{
    lab_cluster_worker *w = arg;
    w->fork_reported = true;
    cluster_report(w, "fork");
    if (w->cluster->opts.on_fork) w->cluster->opts.on_fork(w);
}

lab_cluster_worker *cluster_fork(lab_cluster *cl)
{
    if (cl->nworkers >= LAB_CLUSTER_MAX_WORKERS) { errno = ENOSPC; return NULL; }
    lab_cluster_worker *w = lab_xcalloc(1, sizeof *w);
    w->cluster = cl;
    w->id = ++cl->next_id;
    w->exit_code = -1;
    char slot[48];
    char **env = worker_env(cl, slot, sizeof slot, w->id);

    lab_spawn_options o;
    if (cl->opts.spawn) o = *cl->opts.spawn; else memset(&o, 0, sizeof o);
    o.env = env;
    if (!o.pdeathsig) o.pdeathsig = SIGKILL;     /* the primary dies: so do we */
    else if (o.pdeathsig < 0) o.pdeathsig = 0;   /* only the channel tells them */
    o.on_spawn = NULL;
    o.on_error = NULL;
    o.on_data = NULL;
    o.on_exit = w_exit;
    o.on_close = w_close;
    o.on_message = w_message;
    o.on_disconnect = w_disconnect;
    o.data = w;
    lab_process *p = cl->opts.main ? lab_fork_call(cl->loop, cl->opts.main, cl->opts.arg, &o)
                                   : lab_fork(cl->loop, cl->opts.file, cl->opts.argv, &o);
    int err = errno;
    free(env);
    if (!p) { free(w); errno = err; return NULL; }
    w->process = p;
    w->pid = p->pid;
    w->connected = p->ipc != NULL;
    w->forked_ms = lab_loop_now(cl->loop);
    cl->workers = lab_grow_or_die(cl->workers, &cl->workers_cap, cl->nworkers + 1, sizeof *cl->workers, 8);
    cl->workers[cl->nworkers++] = w;
    cl->forks++;
    lab_next_tick(cl->loop, fork_tick, w);       /* Node: emitForkNT */
    return w;
}

/* Node's cluster.fork(): one more worker, and one more for respawn to
 * keep (supervise.c's own forks replace workers: cluster_fork). */
lab_cluster_worker *lab_cluster_fork(lab_cluster *cl)
{
    lab_cluster_worker *w = cluster_fork(cl);
    if (w && cl->target < LAB_CLUSTER_MAX_WORKERS) cl->target++;
    return w;
}

/* ---- what the primary does to a worker --------------------------------------------- */

bool lab_cluster_worker_send(lab_cluster_worker *w, const cJSON *msg,
                             lab_ipc_send_cb *cb, void *arg)
{
    lab_ipc *ch = w->process ? w->process->ipc : NULL;
    if (!ch) return false;
    return lab_ipc_send(ch, msg, cb, arg);
}

/* Node: exitedAfterDisconnect = true, send {act:'disconnect'}, and no
 * more connections for it from now on. */
void lab_cluster_worker_disconnect(lab_cluster_worker *w)
{
    if (!w->connected || w->exited_after_disconnect) return;
    w->exited_after_disconnect = true;
    cluster_send(w->process ? w->process->ipc : NULL, cluster_msg("disconnect"), -1);
    cluster_handles_remove_worker(w->cluster, w);
    cluster_report(w, "disconnecting");
}

int lab_cluster_worker_kill(lab_cluster_worker *w, int sig)
{
    if (!w->process || w->dead) { errno = ESRCH; return -1; }
    return lab_process_kill(w->process, sig);
}

bool lab_cluster_worker_is_dead(const lab_cluster_worker *w) { return w->dead; }
bool lab_cluster_worker_is_connected(const lab_cluster_worker *w) { return w->connected; }

void lab_cluster_disconnect(lab_cluster *cl, void (*cb)(lab_cluster *cl))
{
    cl->on_disconnected = cb;
    if (cl->nworkers == 0) {
        if (cb) lab_next_tick(cl->loop, disconnected_tick, cl);
        return;
    }
    for (size_t i = 0; i < cl->nworkers; i++) lab_cluster_worker_disconnect(cl->workers[i]);
}
