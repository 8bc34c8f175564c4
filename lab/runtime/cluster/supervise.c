/*
 * supervise.c — what Node leaves to the application, done once here:
 * keeping N workers (respawn with back-off), the graceful stop, the
 * rolling restart, and the signals that ask for them.
 *
 * Respawn.  A worker that dies without being asked to (a crash, a kill)
 * is replaced if options.respawn is on.  The danger is a worker that
 * crashes as soon as it starts (a bad config, a port in use): replacing
 * it at once forks hundreds of processes a second.  So a death within
 * stable_ms of the fork counts as "quick", and each quick death in a row
 * doubles the wait before the next fork (respawn_min_ms, 2x, 4x... up to
 * respawn_max_ms).  A worker that lived longer resets the streak.
 *
 * Graceful stop, in order:
 *   1. stop accepting: the primary's listening sockets close (rr), or
 *      stop taking connections for every worker at once (none);
 *   2. connections the primary already accepted are still handed out;
 *   3. once that queue is empty, every worker is disconnected: it closes
 *      its server, answers what is in flight, exits 0;
 *   4. at stop_timeout_ms, those still alive are SIGKILLed and reported.
 *
 * Rolling restart: for each worker alive when it began, one at a time —
 * fork a replacement, wait for its `listening`, disconnect the old one,
 * wait for its exit.  A replacement that dies before listening ends the
 * restart (the old worker stays): a broken new version does not take the
 * service down.
 */
#define _GNU_SOURCE
#include "cluster_impl.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

struct cluster_respawn {
    lab_cluster *cl;
    lab_timer timer;
    struct cluster_respawn *next;
};

struct cluster_restart {
    lab_cluster *cl;
    int ids[LAB_CLUSTER_MAX_WORKERS];  /* the workers to replace */
    int n, next, replaced;
    lab_cluster_worker *old, *fresh;
    lab_timer deadline;                /* the old one's stop_timeout */
};

static lab_ev *cluster_event(const char *phase)
{
    lab_ev *e = lab_ev_new(LAB_EV(CLUSTER));
    lab_ev_str(e, "phase", phase);
    return e;
}

/* Workers that count toward the target: alive and not on their way out. */
static int live_workers(const lab_cluster *cl)
{
    int n = 0;
    for (size_t i = 0; i < cl->nworkers; i++) {
        const lab_cluster_worker *w = cl->workers[i];
        if (!w->dead && !w->exited_after_disconnect) n++;
    }
    for (const struct cluster_respawn *r = cl->respawns_pending; r; r = r->next) n++;
    return n;
}

static bool valid_count(int n) { return n >= 1 && n <= LAB_CLUSTER_MAX_WORKERS; }

int lab_cluster_start(lab_cluster *cl, int n)
{
    if (n == 0) n = lab_cluster_default_workers();
    if (!valid_count(n)) { errno = EINVAL; return -1; }
    lab_ev *e = cluster_event("start");
    lab_ev_int(e, "workers", n);
    lab_ev_str(e, "policy", lab_cluster_sched_name(cl->sched));
    lab_ev_emit(e);
    cl->target = n;
    for (int i = 0; i < n; i++)
        if (!cluster_fork(cl)) return -1;
    return 0;
}

int lab_cluster_set_workers(lab_cluster *cl, int n)
{
    if (!valid_count(n)) { errno = EINVAL; return -1; }
    if (cl->stopping) { errno = EBUSY; return -1; }
    cl->target = n;
    lab_ev *e = cluster_event("resize");
    lab_ev_int(e, "workers", n);
    lab_ev_emit(e);
    while (live_workers(cl) < n)
        if (!cluster_fork(cl)) return -1;
    /* Too many: the newest go first. */
    for (size_t i = cl->nworkers; i-- > 0 && live_workers(cl) > n;) {
        lab_cluster_worker *w = cl->workers[i];
        if (!w->dead && !w->exited_after_disconnect) lab_cluster_worker_disconnect(w);
    }
    return 0;
}

/* ---- respawn ------------------------------------------------------------------- */

static void drop_respawn(lab_cluster *cl, struct cluster_respawn *r)
{
    for (struct cluster_respawn **p = &cl->respawns_pending; *p; p = &(*p)->next)
        if (*p == r) { *p = r->next; break; }
    lab_timer_stop(&r->timer);
    free(r);
}

static void on_respawn_timer(lab_timer *t)
{
    struct cluster_respawn *r = t->data;
    lab_cluster *cl = r->cl;
    drop_respawn(cl, r);
    if (cl->stopping || live_workers(cl) >= cl->target) return;
    if (cluster_fork(cl)) cl->respawns++;
    else lab_tel_error("cluster", errno, "respawn: cannot fork a worker");
}

/* w died unasked: replace it, after a wait that grows in a crash loop. */
/* doc:respawn */
static void respawn(lab_cluster *cl, lab_cluster_worker *w)
{
    const lab_cluster_options *o = &cl->opts;
    uint64_t lived = lab_loop_now(cl->loop) - w->forked_ms, delay = 0;
    if (lived < o->stable_ms) {
        cl->quick_deaths++;
        delay = cl->next_respawn_ms;
        cl->next_respawn_ms = delay * 2 < o->respawn_max_ms ? delay * 2 : o->respawn_max_ms;
    } else {
        cl->quick_deaths = 0;
        cl->next_respawn_ms = o->respawn_min_ms;
    }
    lab_ev *e = lab_ev_new(LAB_EV(RESPAWN));
    lab_ev_int(e, "id", w->id);
    lab_ev_int(e, "worker_pid", w->pid);
    lab_ev_int(e, "lived_ms", (int64_t)lived);
    lab_ev_int(e, "delay_ms", (int64_t)delay);
    lab_ev_int(e, "quick_deaths", cl->quick_deaths);
    lab_ev_emit(e);
    struct cluster_respawn *r = lab_xcalloc(1, sizeof *r);
    r->cl = cl;
    lab_timer_init(cl->loop, &r->timer);
    r->timer.data = r;
    r->next = cl->respawns_pending;
    cl->respawns_pending = r;
    lab_timer_start(&r->timer, on_respawn_timer, delay, 0);
}
/* end doc:respawn */

/* ---- rolling restart ------------------------------------------------------------- */

static void end_restart(lab_cluster *cl, const char *phase)
{
    struct cluster_restart *r = cl->restart;
    lab_ev *e = cluster_event(phase);
    lab_ev_int(e, "replaced", r->replaced);
    lab_ev_int(e, "of", r->n);
    lab_ev_emit(e);
    if (r->fresh) r->fresh->replacing = NULL;
    lab_timer_stop(&r->deadline);
    free(r);
    cl->restart = NULL;
    cl->restarting = false;
}

/* The next old worker still alive gets its replacement forked. */
static void restart_step(lab_cluster *cl)
{
    struct cluster_restart *r = cl->restart;
    while (r->next < r->n) {
        lab_cluster_worker *old = lab_cluster_find(cl, r->ids[r->next++]);
        if (!old || old->dead || old->exited_after_disconnect) continue;
        lab_cluster_worker *fresh = cluster_fork(cl);
        if (!fresh) {
            lab_tel_error("cluster", errno, "rolling restart: cannot fork a worker");
            end_restart(cl, "restart_aborted");
            return;
        }
        fresh->replacing = r;
        r->old = old;
        r->fresh = fresh;
        lab_ev *e = cluster_event("replacing");
        lab_ev_int(e, "old", old->id);
        lab_ev_int(e, "new", fresh->id);
        lab_ev_emit(e);
        return;
    }
    end_restart(cl, "restarted");
}

static void kill_late(lab_cluster_worker *w)
{
    if (w->dead || lab_cluster_worker_kill(w, SIGKILL) < 0) return;
    w->cluster->killed_at_deadline++;
    lab_ev *e = cluster_event("killed");
    lab_ev_int(e, "id", w->id);
    lab_ev_int(e, "worker_pid", w->pid);
    lab_ev_int(e, "after_ms", (int64_t)w->cluster->opts.stop_timeout_ms);
    lab_ev_emit(e);
}

static void on_old_deadline(lab_timer *t)
{
    struct cluster_restart *r = t->data;
    if (r->old) kill_late(r->old);
}

int lab_cluster_restart(lab_cluster *cl)
{
    if (cl->stopping || cl->restarting) {
        lab_ev *e = cluster_event("restart_refused");
        lab_ev_str(e, "reason", cl->stopping ? "stopping" : "already restarting");
        lab_ev_emit(e);
        errno = EBUSY;
        return -1;
    }
    struct cluster_restart *r = lab_xcalloc(1, sizeof *r);
    r->cl = cl;
    for (size_t i = 0; i < cl->nworkers && r->n < LAB_CLUSTER_MAX_WORKERS; i++) {
        lab_cluster_worker *w = cl->workers[i];
        if (!w->dead && !w->exited_after_disconnect) r->ids[r->n++] = w->id;
    }
    lab_timer_init(cl->loop, &r->deadline);
    r->deadline.data = r;
    cl->restart = r;
    cl->restarting = true;
    lab_ev *e = cluster_event("restart");
    lab_ev_int(e, "workers", r->n);
    lab_ev_emit(e);
    restart_step(cl);
    return 0;
}

/* ---- hooks from primary.c ------------------------------------------------------------ */

void cluster_sup_listening(lab_cluster *cl, lab_cluster_worker *w)
{
    struct cluster_restart *r = w->replacing;
    if (!r) return;
    w->replacing = NULL;
    r->fresh = NULL;
    if (!r->old || r->old->dead) { r->old = NULL; restart_step(cl); return; }
    lab_cluster_worker_disconnect(r->old);
    lab_timer_start(&r->deadline, on_old_deadline, cl->opts.stop_timeout_ms, 0);
}

void cluster_sup_exit(lab_cluster *cl, lab_cluster_worker *w)
{
    struct cluster_restart *r = cl->restart;
    if (w->replacing) {                /* the new version died before listening */
        lab_ev *e = cluster_event("restart_failed");
        lab_ev_int(e, "id", w->id);
        lab_ev_int(e, "code", w->exit_code);
        lab_ev_emit(e);
        r->fresh = NULL;
        w->replacing = NULL;
        end_restart(cl, "restart_aborted");
    } else if (r && r->old == w) {
        lab_timer_stop(&r->deadline);
        r->old = NULL;
        r->replaced++;
        restart_step(cl);
    }
    if (cl->opts.respawn && !cl->stopping && !w->exited_after_disconnect &&
        live_workers(cl) < cl->target)
        respawn(cl, w);
}

/* ---- graceful stop ------------------------------------------------------------------- */

static void stop_signals(lab_cluster *cl)
{
    if (!cl->signals_on) return;
    cl->signals_on = false;
    lab_signal_stop(&cl->sig_term);
    lab_signal_stop(&cl->sig_int);
    lab_signal_stop(&cl->sig_hup);
}

void cluster_sup_gone(lab_cluster *cl)
{
    if (!cl->stopping || cl->stopped || cl->nworkers > 0) return;
    cl->stopped = true;
    lab_timer_stop(&cl->stop_timer);
    lab_ev *e = cluster_event("stopped");
    lab_ev_int(e, "killed", (int64_t)cl->killed_at_deadline);
    lab_ev_emit(e);
    stop_signals(cl);
    void (*cb)(lab_cluster *) = cl->on_stopped;
    cl->on_stopped = NULL;
    if (cb) cb(cl);
}

void cluster_queues_drained(lab_cluster *cl)
{
    if (cl->drained) return;
    cl->drained = true;
    for (size_t i = 0; i < cl->nworkers; i++) lab_cluster_worker_disconnect(cl->workers[i]);
}

static void on_stop_deadline(lab_timer *t)
{
    lab_cluster *cl = t->data;
    for (size_t i = 0; i < cl->nworkers; i++) kill_late(cl->workers[i]);
}

static void stopped_tick(lab_loop *loop, void *arg) { cluster_sup_gone(arg); }

void lab_cluster_stop(lab_cluster *cl, void (*cb)(lab_cluster *cl))
{
    if (cl->stopping) return;
    cl->stopping = true;
    cl->on_stopped = cb;
    while (cl->respawns_pending) drop_respawn(cl, cl->respawns_pending);
    if (cl->restart) end_restart(cl, "restart_aborted");
    lab_ev *e = cluster_event("stopping");
    lab_ev_int(e, "workers", (int64_t)cl->nworkers);
    lab_ev_int(e, "queued", (int64_t)cluster_handles_queued(cl));
    lab_ev_emit(e);
    lab_timer_start(&cl->stop_timer, on_stop_deadline, cl->opts.stop_timeout_ms, 0);
    cluster_handles_stop_accepting(cl);   /* drained now, or when the queue empties */
    if (cl->nworkers == 0) lab_next_tick(cl->loop, stopped_tick, cl);
}

/* ---- signals ---------------------------------------------------------------------------- */

static void on_signal(lab_signal *s, int signum)
{
    lab_cluster *cl = s->data;
    if (signum == SIGHUP) {
        lab_cluster_restart(cl);
    } else if (!cl->stopping) {
        lab_cluster_stop(cl, cl->on_stopped);
    } else {
        /* Asked twice: no more waiting. */
        lab_ev *e = cluster_event("forced");
        lab_ev_str(e, "signal", lab_signal_name(signum));
        lab_ev_emit(e);
        on_stop_deadline(&cl->stop_timer);
    }
}

void lab_cluster_handle_signals(lab_cluster *cl, void (*on_stopped)(lab_cluster *cl))
{
    cl->on_stopped = on_stopped;
    if (cl->signals_on) return;
    cl->signals_on = true;
    lab_signal *sigs[] = { &cl->sig_term, &cl->sig_int, &cl->sig_hup };
    int nums[] = { SIGTERM, SIGINT, SIGHUP };
    for (int i = 0; i < 3; i++) {
        lab_signal_init(cl->loop, sigs[i]);
        sigs[i]->data = cl;
        lab_signal_start(sigs[i], on_signal, nums[i]);
        lab_signal_unref(sigs[i]);
    }
}

void cluster_sup_free(lab_cluster *cl)
{
    while (cl->respawns_pending) drop_respawn(cl, cl->respawns_pending);
    if (cl->restart) end_restart(cl, "restart_aborted");
    lab_timer_stop(&cl->stop_timer);
    stop_signals(cl);
}
