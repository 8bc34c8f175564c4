/*
 * cluster_lifecycle.c — demo `cluster.lifecycle`: every way a worker's
 * life can go, as a timeline per worker.
 *
 * The primary forks `workers` workers and, once they all listen, acts out
 * one ending per worker, `step_ms` apart, each once the one before is
 * over (script=1):
 *
 *   worker 1  disconnect()    it stops taking connections, closes its
 *                             channel, exits 0: exitedAfterDisconnect true
 *   worker 2  kill(SIGKILL)   no say in it: signal SIGKILL, exitedAfter-
 *                             Disconnect false, and `disconnect` usually
 *                             comes before `exit` (the dying process closes
 *                             its channel before the kernel tells us)
 *   worker 3  kill(SIGTERM)   the default worker.kill() signal; the worker
 *                             has no handler, so it dies of it, like 2
 *   a new one crashes at start: online, then exit code 1 — never listening
 *
 * and ends with the graceful stop (the rest disconnect, exit 0).  Each
 * worker's `worker` events (fork, online, listening, disconnect, exit) are
 * the runtime's; when a worker is gone the demo adds a `result` row with
 * its whole timeline: milliseconds since the demo began for each step, the
 * exit code or signal, exitedAfterDisconnect and what ended it.
 *
 * script=0 leaves the acts to the keys: d disconnect, k SIGKILL, t SIGTERM
 * (the oldest worker alive, or `ID` after the command), f fork, c fork one
 * that crashes at start.
 */
#include "cluster_demo.h"
#include "events.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Worker ids are never reused: a timeline per id, up to this many. */
#define MAX_TIMELINES 256

typedef struct {
    int id;
    pid_t pid;
    uint64_t fork, online, listening, disconnect, exit;   /* ms since the start; 0: not yet */
    int code, sig;
    bool after_disconnect, reported;
    const char *ended_by;      /* what the demo did to it, or NULL */
} timeline;

typedef struct {
    cluster_demo k;
    uint64_t t0;
    timeline lines[MAX_TIMELINES];
    lab_timer step;
    int act;                   /* the script's next act */
    bool crash_next;           /* the next fork crashes at start */
} life_state;

static life_state *state_of(lab_cluster_worker *w)
{
    return ((cluster_demo *)w->cluster->data)->data;
}

static timeline *line_of(life_state *s, int id)
{
    return id > 0 && id < MAX_TIMELINES ? &s->lines[id] : NULL;
}

/* Milliseconds since the demo began, at least 1 (0 means "not yet"). */
static uint64_t since(life_state *s)
{
    uint64_t t = lab_loop_now(s->k.loop) - s->t0;
    return t ? t : 1;
}

static void put_ms(lab_ev *e, const char *key, uint64_t ms)
{
    if (ms) lab_ev_int(e, key, (int64_t)ms);
}

/* The row, once the worker has both exited and disconnected (either order). */
static void report_line(life_state *s, timeline *l)
{
    if (l->reported || !l->exit || !l->disconnect) return;
    l->reported = true;
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_int(e, "id", l->id);
    lab_ev_int(e, "worker_pid", l->pid);
    put_ms(e, "fork_ms", l->fork);
    put_ms(e, "online_ms", l->online);
    put_ms(e, "listening_ms", l->listening);
    put_ms(e, "disconnect_ms", l->disconnect);
    put_ms(e, "exit_ms", l->exit);
    if (l->sig) lab_ev_str(e, "signal", lab_signal_name(l->sig));
    else lab_ev_int(e, "code", l->code);
    lab_ev_bool(e, "exitedAfterDisconnect", l->after_disconnect);
    lab_ev_str(e, "ended_by", l->ended_by ? l->ended_by : "itself");
    lab_ev_emit(e);
}

/* ---- the primary's callbacks: each step on the worker's timeline ---------------- */

static void w_fork(lab_cluster_worker *w)
{
    life_state *s = state_of(w);
    timeline *l = line_of(s, w->id);
    if (!l) return;
    l->id = w->id;
    l->pid = w->pid;
    l->fork = since(s);
}

static void on_online(lab_cluster_worker *w)
{
    timeline *l = line_of(state_of(w), w->id);
    if (l) l->online = since(state_of(w));
}

static void on_listening(lab_cluster_worker *w, const char *address, int port)
{
    timeline *l = line_of(state_of(w), w->id);
    if (l) l->listening = since(state_of(w));
}

static void on_disconnect(lab_cluster_worker *w)
{
    life_state *s = state_of(w);
    timeline *l = line_of(s, w->id);
    if (!l) return;
    l->disconnect = since(s);
    report_line(s, l);
}

static void w_exit(lab_cluster_worker *w, int code, int sig)
{
    life_state *s = state_of(w);
    timeline *l = line_of(s, w->id);
    if (!l) return;
    l->exit = since(s);
    l->code = code;
    l->sig = sig;
    l->after_disconnect = w->exited_after_disconnect;
    if (!l->ended_by && s->k.stopping) l->ended_by = "graceful stop";
    report_line(s, l);
}

/* ---- acts ---------------------------------------------------------------------- */

/* Worker id if alive, else the oldest one alive and not leaving. */
static lab_cluster_worker *pick(life_state *s, int id)
{
    lab_cluster *cl = s->k.cl;
    lab_cluster_worker *w = id > 0 ? lab_cluster_find(cl, id) : NULL;
    if (w && !w->dead && !w->exited_after_disconnect) return w;
    for (size_t i = 0; i < lab_cluster_count(cl); i++) {
        w = lab_cluster_get(cl, i);
        if (!w->dead && !w->exited_after_disconnect && w->state == LAB_WORKER_LISTENING) return w;
    }
    return NULL;
}

static void step_event(const char *act, const lab_cluster_worker *w)
{
    lab_ev *e = lab_ev_new(LAB_EV(STEP));
    lab_ev_str(e, "act", act);
    if (w) {
        lab_ev_int(e, "id", w->id);
        lab_ev_int(e, "worker_pid", w->pid);
    }
    lab_ev_emit(e);
}

static void end_worker(life_state *s, const char *how, int id)
{
    lab_cluster_worker *w = pick(s, id);
    if (!w || s->k.stopping) return;
    timeline *l = line_of(s, w->id);
    step_event(how, w);
    if (strcmp(how, "disconnect()") == 0) {
        if (l) l->ended_by = "disconnect()";
        lab_cluster_worker_disconnect(w);
    } else {
        int sig = strcmp(how, "kill(SIGKILL)") == 0 ? SIGKILL : SIGTERM;
        if (l) l->ended_by = how;
        lab_cluster_worker_kill(w, sig);
    }
}

static void fork_one(life_state *s, bool crash)
{
    if (s->k.stopping) return;
    /* The config is copied into the child by the fork: set, fork, reset. */
    s->k.cfg.crash = crash;
    lab_cluster_worker *w = lab_cluster_fork(s->k.cl);
    s->k.cfg.crash = false;
    step_event(crash ? "fork (crashes at start)" : "fork", w);
    timeline *l = w ? line_of(s, w->id) : NULL;
    if (l && crash) l->ended_by = "crash at start";
}

/* Is a worker the script acted on still on its way out?  The next act
 * waits for it: each ending is seen whole, and the graceful stop cannot
 * catch a worker that was about to crash on its own. */
static bool act_pending(const life_state *s)
{
    for (int i = 0; i < MAX_TIMELINES; i++)
        if (s->lines[i].ended_by && !s->lines[i].reported) return true;
    return false;
}

static void on_step(lab_timer *t)
{
    life_state *s = t->data;
    if (act_pending(s)) return;
    switch (s->act++) {
    case 0: end_worker(s, "disconnect()", 1); break;
    case 1: end_worker(s, "kill(SIGKILL)", 2); break;
    case 2: end_worker(s, "kill(SIGTERM)", 3); break;
    case 3: fork_one(s, true); break;
    default:
        lab_timer_stop(t);
        step_event("graceful stop", NULL);
        cluster_demo_stop(&s->k);
    }
}

static void on_ready(cluster_demo *k)
{
    life_state *s = k->data;
    uint64_t every = (uint64_t)lab_demo_int(k->demo, "step_ms");
    if (lab_demo_int(k->demo, "script") && s->act == 0)
        lab_timer_start(&s->step, on_step, every, every);
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    life_state *s = d->data;
    int id = atoi(arg);
    if (strcmp(cmd, "disconnect") == 0) end_worker(s, "disconnect()", id);
    else if (strcmp(cmd, "kill-worker") == 0) end_worker(s, "kill(SIGKILL)", id);
    else if (strcmp(cmd, "term-worker") == 0) end_worker(s, "kill(SIGTERM)", id);
    else if (strcmp(cmd, "fork") == 0) fork_one(s, false);
    else if (strcmp(cmd, "fork-crash") == 0) fork_one(s, true);
    else if (strcmp(cmd, "stop") == 0) cluster_demo_stop(&s->k);
}

static void on_deadline(lab_demo *d)
{
    life_state *s = d->data;
    lab_timer_stop(&s->step);
    cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    life_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.t0 = lab_loop_now(loop);
    s.k.cfg.port = (int)lab_demo_int(d, "port");
    s.k.on_ready = on_ready;
    s.k.extra.on_fork = w_fork;
    s.k.extra.on_online = on_online;
    s.k.extra.on_listening = on_listening;
    s.k.extra.on_disconnect = on_disconnect;
    s.k.extra.on_exit = w_exit;
    lab_timer_init(loop, &s.step);
    s.step.data = &s;
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) {
        cluster_demo_signals(&s.k);
        lab_demo_listen(d, loop, NULL, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    lab_timer_stop(&s.step);
    int rows = 0;
    for (int i = 0; i < MAX_TIMELINES; i++) rows += s.lines[i].reported;
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_int(e, "forks", s.k.cl ? (int64_t)s.k.cl->forks : 0);
    lab_ev_int(e, "timelines", rows);
    lab_ev_emit(e);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_lifecycle = {
    .name = "cluster.lifecycle",
    .chapter = 3,
    .summary = "a timeline per worker: fork, online, listening, disconnect, exit — every way it can end",
    .shows = "worker events in Node's order for each worker; step events name each act: "
             "disconnect() (exit code 0, exitedAfterDisconnect true), kill(SIGKILL) and "
             "kill(SIGTERM) (a signal, false), a worker crashing at start (online, exit "
             "code 1, never listening). A result row per worker once it is gone: its whole "
             "timeline in ms, code or signal, exitedAfterDisconnect, ended_by",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "4", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port the workers serve (0: a free one)", false },
        { "script", LAB_PARAM_INT, 1, 0, 1, NULL, "0/1",
          "1: act out disconnect, SIGKILL, SIGTERM, a crash at start, then stop; 0: only the keys",
          false },
        { "step_ms", LAB_PARAM_INT, 200, 10, 60000, NULL, "ms",
          "the time between two acts", false },
    },
    .keys = {
        { 'd', "disconnect", "disconnect() a worker" },
        { 'k', "kill-worker", "kill a worker (SIGKILL)" },
        { 't', "term-worker", "SIGTERM a worker" },
        { 'f', "fork", "fork a worker" },
        { 'c', "fork-crash", "fork one that crashes" },
        { 's', "stop", "graceful stop" },
    },
    .lab_sets = { "step_ms=1500" },
    .run = run,
};
