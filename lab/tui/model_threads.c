/*
 * model_threads.c — the thread demos' model (model_threads.h).
 *
 * A `count` replaces the row of its mode (a new round overwrites the last:
 * the table is the newest of each way); `actors` carries arrays, one
 * element per actor, and its depths are the bars.
 */
#include "model_impl.h"

#include <string.h>

/* `stage`: a way of counting is starting (its row says "running"). */
void model_threads_on_stage(event *e)
{
    model_threads *t = &e->m->threads_view;
    const char *mode = ev_str(e->ev, "mode");
    if (!mode) return;
    model_copy(t->running, sizeof t->running, mode);
    t->round = to_int(ev_num(e->ev, "round", t->round));
    t->threads = to_int(ev_num(e->ev, "threads", t->threads));
}

void model_threads_on_count(event *e)
{
    model_threads *t = &e->m->threads_view;
    const char *mode = ev_str(e->ev, "mode");
    if (!mode) return;
    model_tally *c = NULL;
    for (int i = 0; i < t->ncounts && !c; i++)
        if (!strcmp(t->counts[i].mode, mode)) c = &t->counts[i];
    if (!c) {
        if (t->ncounts == MODEL_COUNT_MODES) return;
        c = &t->counts[t->ncounts++];
        model_copy(c->mode, sizeof c->mode, mode);
    }
    c->final = to_i64(ev_num(e->ev, "final", 0));
    c->expected = to_i64(ev_num(e->ev, "expected", 0));
    c->lost = to_i64(ev_num(e->ev, "lost", 0));
    c->exact = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->ev, "exact"));
    double ms = ev_num(e->ev, "ms", 0);
    c->ms = ms >= 0 && ms < 1e12 ? ms : 0;
    double overlap = ev_num(e->ev, "overlap_ms", 0);
    c->overlap_ms = overlap >= 0 && overlap < 1e12 ? overlap : 0;
    t->threads = to_int(ev_num(e->ev, "threads", t->threads));
    t->increments = to_i64(ev_num(e->ev, "increments", (double)t->increments));
    t->running[0] = '\0';
}

void model_threads_on_pingpong(event *e)
{
    model_threads *t = &e->m->threads_view;
    double per_s = ev_num(e->ev, "per_s", 0);
    t->has_pingpong = true;
    t->pingpong_per_s = per_s >= 0 && per_s < 1e15 ? per_s : 0;
    t->round_trips = to_i64(ev_num(e->ev, "round_trips", 0));
    t->wait_ok = to_i64(ev_num(e->ev, "wait_ok", 0));
    t->wait_not_equal = to_i64(ev_num(e->ev, "wait_not_equal", 0));
    t->wait_timed_out = to_i64(ev_num(e->ev, "wait_timed_out", 0));
    model_copy(t->probe_not_equal, sizeof t->probe_not_equal, ev_str(e->ev, "probe_not_equal"));
    model_copy(t->probe_timed_out, sizeof t->probe_timed_out, ev_str(e->ev, "probe_timed_out"));
    t->running[0] = '\0';
}

void model_threads_on_nocopy(event *e)
{
    model_threads *t = &e->m->threads_view;
    t->has_nocopy = true;
    t->nocopy_bytes = to_size(ev_num(e->ev, "bytes", 0));
    t->nocopy_message_bytes = to_size(ev_num(e->ev, "message_bytes", 0));
    t->nocopy_same = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->ev, "same_address")) &&
                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e->ev, "same_sum"));
    t->running[0] = '\0';
}

/* The i-th number of an array field, or def. */
static double nth(const cJSON *ev, const char *key, int i, double def)
{
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ev, key), i);
    return cJSON_IsNumber(v) && v->valuedouble == v->valuedouble ? v->valuedouble : def;
}

void model_threads_on_actors(event *e)
{
    model_threads *t = &e->m->threads_view;
    const cJSON *depth = cJSON_GetObjectItemCaseSensitive(e->ev, "depth");
    if (!cJSON_IsArray(depth)) return;
    int n = cJSON_GetArraySize(depth);
    t->nactors = n < MODEL_ACTORS ? n : MODEL_ACTORS;
    for (int i = 0; i < t->nactors; i++) {
        t->depth[i] = to_size(nth(e->ev, "depth", i, 0));
        if (t->depth[i] > t->max_depth[i]) t->max_depth[i] = t->depth[i];
        t->msgs_per_s[i] = nth(e->ev, "msgs_per_s", i, 0);
        t->busy_pct[i] = nth(e->ev, "busy_pct", i, 0);
    }
    t->cores = ev_num(e->ev, "cores", 0);
    t->in_per_s = ev_num(e->ev, "in_per_s", 0);
    t->out_per_s = ev_num(e->ev, "out_per_s", 0);
    t->sent = to_i64(ev_num(e->ev, "sent", 0));
    t->delivered = to_i64(ev_num(e->ev, "delivered", 0));
}
