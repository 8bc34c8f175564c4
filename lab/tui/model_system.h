/*
 * model_system.h — a whole upload system as its overview dashboard sees
 * it (model_system.c): the primary's counts and the records by state from
 * `system`, a row per worker with its gzip children and their stdin's
 * fill from `system_worker`, and the failures of `system_upload` as lines
 * on the cluster's timeline.  together.system sends them
 * (docs/telemetry.md); nothing here knows the demo by name.  The workers'
 * pid, state, requests and RSS are the cluster view's (model_cluster.h).
 */
#ifndef NL_TUI_MODEL_SYSTEM_H
#define NL_TUI_MODEL_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_SYS_WORKERS 16       /* rows kept: the newest reporters */
#define MODEL_SYS_CHILDREN 8       /* gzip children shown per worker */
#define MODEL_SYS_RATE 64          /* samples of the acknowledgement rate */

enum { MODEL_REC_RECEIVED, MODEL_REC_COMPRESSING, MODEL_REC_STORED, MODEL_REC_FAILED, MODEL_REC_N };

typedef struct {
    int pid;
    char upload[40];
    int64_t in, expected, out;
    int64_t stdin_fill;        /* our buffer + the kernel's queue, bytes */
    int64_t stdin_capacity;    /* the socketpair's send buffer + our mark */
    bool waiting;              /* write() said false: the body is paused */
} model_syschild;

typedef struct {
    int pid, id;
    int64_t rss, base_rss, peak_rss, active, stored, failed;
    model_syschild c[MODEL_SYS_CHILDREN];
    int nc;                    /* shown; `active` may be more */
} model_sysworker;

typedef struct {
    bool active;               /* a `system` or `system_worker` event arrived */
    char phase[16];            /* loading, restarting, stopping, done */
    char restart[16];          /* "", running, done */
    char stopped_by[16];
    int64_t uploads, started, in_flight, acked, failed, refused, restarts;
    int64_t replaced, to_replace;  /* the rolling restart now: old workers gone, of */
    int64_t workers;           /* alive, as the primary counts them */
    int64_t records[MODEL_REC_N];
    double rate[MODEL_SYS_RATE];   /* acknowledged per second, oldest first */
    int nrate;
    model_sysworker w[MODEL_SYS_WORKERS];
    int nw;
} model_system;

struct model;
/* Is w's worker alive, as far as the cluster's events say? (Its last
 * sample may come after its exit was reported.) */
bool model_system_worker_alive(const struct model *m, const model_sysworker *w);

#endif
