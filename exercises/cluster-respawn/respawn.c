/*
 * respawn.c — exercise cluster-respawn.  Your file: make the tests pass.
 *
 * Right now a worker that dies is simply gone: the cluster shrinks with
 * every crash until nobody serves.
 *
 * TODO:
 *   1. respawn_delay(): the policy — no replacement for a worker that was
 *      asked to go or a cluster that is stopping; a wait that doubles in a
 *      crash loop; at once (and a fresh start) after a long-lived worker;
 *   2. respawn_on_exit(): ask the policy, and fork the replacement after
 *      that wait with a lab_timer — unless the cluster is stopping by
 *      then.
 */
#include "respawn.h"

int64_t respawn_delay(respawn_policy *p, const lab_cluster_worker *w, uint64_t now_ms)
{
    /* TODO: decide. */
    return -1;
}

void respawn_on_exit(lab_cluster_worker *w, int code, int signal)
{
    /* TODO: replace w (respawn_delay says when). */
}
