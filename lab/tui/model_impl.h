/*
 * model_impl.h — the inside of the model, shared by model.c (feeding,
 * streams, processes, the loop), model_ipc.c (messages) and model_result.c
 * (what a demo found).  Not for the screens: they read model.h.
 */
#ifndef NL_TUI_MODEL_IMPL_H
#define NL_TUI_MODEL_IMPL_H

#include "model.h"

#include <cjson/cJSON.h>

/* One event: its JSON, and the fields most events have, found in one walk
 * over its keys by scan() (a demo may send 30 000 events a second: looking
 * each up by name, handler by handler, costs more).  Numbers are already
 * clamped to sane ranges. */
typedef struct {
    model *m;
    const cJSON *ev;
    lab_ev_id id;              /* LAB_EV_OTHER for a demo's own event */
    const char *name;          /* "ev" */
    int pid;                   /* the emitter: the first "pid" */
    int subject;               /* the last "pid" (model.c, scan()) */
    int64_t ts;
    const char *role, *thread, *phase, *stream;
    int64_t size, len, hwm;    /* len, hwm: -1 when absent */
    int64_t peak_rss;          /* a peak the emitter reports about itself, or 0 */
    bool ret;
    /* A `coalesced` line (frame mode, docs/telemetry.md) stands for n
     * events of its kind (`of`): its fields are the last one's, size_sum
     * and falses cover all n.  A plain event: n 1, size_sum its size,
     * falses 1 for a "ret": false. */
    int64_t n, size_sum, falses;
} event;

/* Fields, read safely: a missing or mistyped field gives the default. */
const char *ev_str(const cJSON *ev, const char *key);
double ev_num(const cJSON *ev, const char *key, double def);

/* JSON numbers are doubles, and a line may hold 1e300, -5 or NaN where a
 * count is expected: casting an out-of-range double to an integer is
 * undefined behaviour, so every number the model keeps goes through one
 * of these. */
int64_t to_i64(double v);
int to_int(double v);
int64_t to_size(double v);     /* a byte count: 0 .. 2^50 */
int64_t add_sat(int64_t a, int64_t b);   /* totals saturate */

void model_copy(char *dst, size_t size, const char *src);   /* NULL is "" */
/* The row of pid, added on first sight (NULL for pid <= 0 or when full). */
model_proc *model_proc_get(model *m, int pid);

/* model_ipc.c */
void model_on_ipc(event *e);
/* model_result.c */
void model_on_summary(event *e);
void model_on_result(event *e);
void model_on_sweep(event *e);
/* model_cluster.c */
void model_cluster_on_worker(event *e);
void model_cluster_on_stats(event *e);
void model_cluster_on_respawn(event *e);
void model_cluster_on_cluster(event *e);
void model_cluster_on_serving(event *e);
void model_cluster_on_ipc(event *e);
/* model_shutdown.c */
void model_shutdown_init(model_shutdown *s);
void model_shutdown_on_serving(event *e);
void model_shutdown_on_request_start(event *e);
void model_shutdown_on_db(event *e);
void model_shutdown_on_shutdown(event *e);
void model_shutdown_on_load(event *e);
void model_shutdown_on_stop(event *e);
void model_shutdown_on_exit(event *e);
void model_shutdown_on_summary(event *e);
/* model_threads.c */
void model_threads_on_stage(event *e);
/* model_jobs.c */
void model_jobs_on_pool(event *e);
void model_jobs_on_latency(event *e);
void model_jobs_on_job(event *e);
void model_jobs_on_child(event *e);
/* model_system.c */
void model_system_on_system(event *e);
void model_system_on_worker(event *e);
void model_system_on_upload(event *e);
void model_threads_on_count(event *e);
void model_threads_on_pingpong(event *e);
void model_threads_on_actors(event *e);
void model_threads_on_nocopy(event *e);

#endif
