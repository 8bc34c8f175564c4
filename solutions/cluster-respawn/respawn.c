/*
 * respawn.c — exercise cluster-respawn: the reference solution.
 */
#include "respawn.h"

#include <stdlib.h>

int64_t respawn_delay(respawn_policy *p, const lab_cluster_worker *w, uint64_t now_ms)
{
    if (w->exited_after_disconnect || w->cluster->stopping) return -1;
    uint64_t lived = now_ms - w->forked_ms;
    if (lived >= p->stable_ms) {       /* it served a while: not a crash loop */
        p->quick_deaths = 0;
        p->next_delay_ms = p->min_delay_ms;
        return 0;
    }
    uint64_t delay = p->next_delay_ms ? p->next_delay_ms : p->min_delay_ms;
    p->quick_deaths++;
    p->next_delay_ms = delay * 2 < p->max_delay_ms ? delay * 2 : p->max_delay_ms;
    return (int64_t)delay;
}

/* A replacement waiting for its time. */
typedef struct {
    lab_timer timer;
    lab_cluster *cl;
} pending_fork;

static void fork_now(lab_timer *t)
{
    pending_fork *f = t->data;
    lab_cluster *cl = f->cl;
    free(f);                           /* the loop is done with the timer */
    if (cl->stopping) return;          /* it began stopping while we waited */
    respawn_policy *p = cl->data;
    if (lab_cluster_fork(cl)) p->replacements++;
}

void respawn_on_exit(lab_cluster_worker *w, int code, int signal)
{
    lab_cluster *cl = w->cluster;
    int64_t delay = respawn_delay(cl->data, w, lab_loop_now(cl->loop));
    if (delay < 0) return;
    pending_fork *f = malloc(sizeof *f);
    if (!f) return;
    f->cl = cl;
    lab_timer_init(cl->loop, &f->timer);
    f->timer.data = f;
    lab_timer_start(&f->timer, fork_now, (uint64_t)delay, 0);
}
