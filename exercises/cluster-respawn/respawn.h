/*
 * respawn.h — exercise cluster-respawn: the API you implement.
 *
 * Node's primary does not replace a worker that dies: the application
 * does, in its 'exit' handler.  Doing it at once is right for a worker
 * that crashed after hours of service, and disastrous for one that
 * crashes as soon as it starts (a bad config, a missing file): the
 * primary would fork as fast as the machine allows — a fork storm.  So
 * the replacement waits, and the wait doubles while workers keep dying
 * young.
 */
#ifndef RESPAWN_H
#define RESPAWN_H

#include "cluster.h"

#include <stdint.h>

typedef struct {
    /* Settings (whoever starts the cluster sets them; min <= max). */
    uint64_t min_delay_ms;     /* the wait after the first quick death */
    uint64_t max_delay_ms;     /* the wait doubles up to this, no further */
    uint64_t stable_ms;        /* a worker that lived at least this long
                                  was not in a crash loop */
    /* State: starts at 0; yours to keep up to date. */
    uint64_t next_delay_ms;    /* the wait the next quick death gets
                                  (0: none yet, so min_delay_ms) */
    int quick_deaths;          /* quick deaths in a row */
    uint64_t replacements;     /* workers forked by respawn_on_exit */
} respawn_policy;

/* Decides about worker w, which has just exited; now_ms is the loop's
 * clock (lab_loop_now), w->forked_ms the same clock at its fork.
 *   - it exited after a disconnect (w->exited_after_disconnect) or its
 *     cluster is stopping (w->cluster->stopping): -1, no replacement, and
 *     the policy's state does not change;
 *   - it lived less than stable_ms (a quick death): the wait is
 *     next_delay_ms (min_delay_ms for the first), and the wait after it
 *     doubles, up to max_delay_ms; quick_deaths counts one more;
 *   - it lived at least stable_ms: 0 (replace at once), and the crash
 *     loop is over: quick_deaths 0, the next wait min_delay_ms again.
 * Returns the wait in ms, or -1. */
int64_t respawn_delay(respawn_policy *p, const lab_cluster_worker *w, uint64_t now_ms);

/* The primary's on_exit: put it in lab_cluster_options.on_exit, with
 * .data pointing at a respawn_policy.  Asks respawn_delay() and, unless
 * it says -1, forks a replacement with lab_cluster_fork() after that
 * many milliseconds (a lab_timer) — but not if the cluster has begun
 * stopping in the meantime.  Counts each replacement forked. */
void respawn_on_exit(lab_cluster_worker *w, int code, int signal);

/* ---- given (worker.c) ----------------------------------------------------- */

typedef struct {
    int port;                  /* 0: the primary picks one */
    int crash;                 /* 1: exit 1 as soon as online */
} respawn_worker_cfg;

/* A worker's body: arg is a const respawn_worker_cfg *. */
int respawn_worker_main(void *arg);

#endif
