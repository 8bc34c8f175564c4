/*
 * cluster_respawn.c — demo `cluster.respawn`: a worker dies, another
 * takes its place.
 *
 * A cluster with respawn on serves a steady load.  Workers are killed
 * with SIGKILL — by the key `k`, or every `kill_every_ms` — and each
 * time the primary sees an `exit` it did not ask for, forks a
 * replacement (a `respawn` event, then the new worker's fork, online,
 * listening with a new PID).  The load keeps being answered; only the
 * requests in flight on the killed worker can fail.
 *
 * The crash-loop switch (`crash=1`, key `c`) makes every worker forked
 * from then on exit 1 at start.  A supervisor that simply re-forks would
 * now fork as fast as the machine allows; this one waits, and the wait
 * doubles with each quick death (respawn events: delay_ms 100, 200, 400...,
 * up to respawn_max_ms).  Switch it off and the next replacement lives.
 */
#include "cluster_demo.h"
#include "events.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cluster_demo k;
    lab_loadgen *lg;
    lab_timer killer;
    uint64_t kills;
} respawn_state;

/* The oldest worker alive (id if given and alive). */
static void kill_one(respawn_state *s, int id)
{
    lab_cluster *cl = s->k.cl;
    lab_cluster_worker *w = id > 0 ? lab_cluster_find(cl, id) : NULL;
    for (size_t i = 0; (!w || w->dead) && i < lab_cluster_count(cl); i++) {
        lab_cluster_worker *c = lab_cluster_get(cl, i);
        if (!c->dead && !c->exited_after_disconnect && c->pid) w = c;
    }
    if (!w || w->dead || s->k.stopping) return;
    if (lab_cluster_worker_kill(w, SIGKILL) == 0) s->kills++;
}

static void on_kill_timer(lab_timer *t)
{
    respawn_state *s = t->data;
    int64_t max = lab_demo_int(s->k.demo, "kills");
    if (max && (int64_t)s->kills >= max) { lab_timer_stop(t); return; }
    kill_one(s, 0);
}

static void arm_killer(respawn_state *s)
{
    uint64_t every = (uint64_t)lab_demo_int(s->k.demo, "kill_every_ms");
    lab_timer_stop(&s->killer);
    if (every && s->k.ready && !s->k.stopping) lab_timer_start(&s->killer, on_kill_timer, every, every);
}

static void load_done(lab_loadgen *lg)
{
    respawn_state *s = lg->data;
    lab_loadgen_report(lg);
    cluster_demo_stop(&s->k);
}

static void on_ready(cluster_demo *k)
{
    respawn_state *s = k->data;
    lab_demo *d = k->demo;
    if (s->lg) return;                       /* ready once: respawns are not a new start */
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .new_connection = true,
        .duration_ms = d->duration_ms,
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = cluster_demo_load(k, &o);
    arm_killer(s);
}

static void on_stopped(cluster_demo *k)
{
    respawn_state *s = k->data;
    lab_timer_stop(&s->killer);
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

static void on_deadline(lab_demo *d)
{
    respawn_state *s = d->data;
    lab_timer_stop(&s->killer);
    s->k.stopping = true;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);   /* then load_done: the cluster */
    else cluster_demo_stop(&s->k);
}

static void on_set(lab_demo *d, const char *key)
{
    respawn_state *s = d->data;
    if (strcmp(key, "crash") == 0) s->k.cfg.crash = lab_demo_int(d, "crash");
    else if (strcmp(key, "kill_every_ms") == 0) arm_killer(s);
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    respawn_state *s = d->data;
    if (strcmp(cmd, "kill-worker") == 0) {
        kill_one(s, atoi(arg));
    } else if (strcmp(cmd, "crash-loop") == 0) {
        /* Switch it, and with it on, kill one so that a replacement is due. */
        lab_demo_set(d, "crash", lab_demo_int(d, "crash") ? "0" : "1");
        on_set(d, "crash");
        if (s->k.cfg.crash) kill_one(s, 0);
    }
}

static int run(lab_demo *d)
{
    respawn_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.stats_ms = 500;
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    s.k.extra.respawn_max_ms = (uint64_t)lab_demo_int(d, "respawn_max_ms");
    lab_timer_init(loop, &s.killer);
    s.killer.data = &s;
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, true)) {
        /* crash=1 from the start: the first workers listen, those forked
         * after them do not. */
        s.k.cfg.crash = lab_demo_int(d, "crash");
        cluster_demo_signals(&s.k);
        lab_demo_listen(d, loop, on_set, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    lab_cluster *cl = s.k.cl;
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_int(e, "kills", (int64_t)s.kills);
    if (cl) {
        lab_ev_int(e, "forks", (int64_t)cl->forks);
        lab_ev_int(e, "respawns", (int64_t)cl->respawns);
        lab_ev_int(e, "quick_deaths", cl->quick_deaths);
        lab_ev_int(e, "next_delay_ms", (int64_t)cl->next_respawn_ms);
    }
    if (s.lg) {
        lab_ev_int(e, "ok", (int64_t)s.lg->ok);
        lab_ev_int(e, "failed", (int64_t)s.lg->failed);
        lab_ev_int(e, "refused", (int64_t)s.lg->refused);
    }
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_respawn = {
    .name = "cluster.respawn",
    .chapter = 3,
    .summary = "kill a worker under load: the primary forks a replacement; a crash loop backs off",
    .shows = "k kills a worker (SIGKILL): its exit (signal SIGKILL, exitedAfterDisconnect "
             "false), a respawn event, then a new PID: fork, online, listening; the load goes "
             "on (load events). c switches the crash loop: new workers exit 1 at start and "
             "each respawn waits twice as long (delay_ms); summary: kills, respawns, failed",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "kill_every_ms", LAB_PARAM_INT, 0, 0, 60000, NULL, "ms",
          "SIGKILL a worker this often (0: only with the key)", true },
        { "kills", LAB_PARAM_INT, 0, 0, 1000, NULL, "kills",
          "stop the automatic kills after this many (0: no limit)", false },
        { "crash", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: workers forked from now on exit 1 at start (a crash loop)", true },
        { "respawn_max_ms", LAB_PARAM_INT, 5000, 100, 60000, NULL, "ms",
          "the longest back-off between two forks in a crash loop", false },
        { "connections", LAB_PARAM_INT, 4, 1, 1024, NULL, "connections",
          "load: clients at once, a new connection per request", false },
    },
    .keys = {
        { 'k', "kill-worker", "kill a worker (SIGKILL)" },
        { 'c', "crash-loop", "crash loop on/off" },
    },
    .run = run,
};
