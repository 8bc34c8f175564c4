/*
 * model_shutdown.h — a graceful shutdown as the dashboard sees it
 * (model_shutdown.c): the phase reached, the requests in flight against
 * the deadline, what the clients were told against what the database
 * holds, and a timeline of the steps.
 *
 * Built from the events of lab_shutdown (`shutdown`, each with `phase`),
 * the server's `serving` (with `db`), `request_start`, `db`, its `exit`,
 * and, when the demo drives the server itself, `load`, `stop` and the
 * audit's `summary` (docs/telemetry.md, "Chapter 5 demos").
 */
#ifndef NL_TUI_MODEL_SHUTDOWN_H
#define NL_TUI_MODEL_SHUTDOWN_H

#include "model_cluster.h"

#include <stdbool.h>
#include <stdint.h>

/* The steps, in the order a graceful stop takes them. */
typedef enum {
    SD_SERVING, SD_SIGNAL, SD_STOP_ACCEPTING, SD_DRAINING, SD_CLOSE_DB, SD_EXIT, SD_NPHASES
} sd_phase;

typedef struct {
    bool active;               /* a server with a database reported */
    int server_pid, port;
    char db[96];
    char journal[12];          /* "wal" */
    int64_t deadline_ms;
    int reached;               /* the furthest phase reached (SD_SERVING...) */
    bool phase_seen[SD_NPHASES];
    int64_t signal_ts;         /* demo time of the signal, -1 none yet */
    int64_t end_ts;            /* ... of the exit (done, forced, killed), -1 */
    char signal[16];           /* SIGTERM, SIGKILL */
    bool killed;               /* SIGKILL: no shutdown ran */
    bool forced;               /* the deadline or a second signal cut it short */
    char forced_reason[64];
    bool exited;
    int exit_code;             /* -1 by a signal */
    int64_t in_flight, in_flight_at_signal;
    /* The clients' side (`load`, every 250 ms) and the server's. */
    int64_t requests, acknowledged, refused, cut_off;
    int64_t refused_at_signal;
    int64_t commits;           /* the database's, when it closed */
    /* The audit, after the server is gone. */
    bool audited;
    int64_t rows, present, missing, unacked_rows;
    model_timeline tl;
} model_shutdown;

struct model;
/* Requests refused since the signal (connections the stopped server did
 * not take). */
int64_t model_shutdown_refused_since(const struct model *m);
/* Milliseconds of the deadline used at now_us (demo time), 0 before the
 * signal; it stops moving when the server exits. */
int64_t model_shutdown_deadline_used(const struct model *m, int64_t now_us);
extern const char *const model_shutdown_phase_names[SD_NPHASES];

#endif
