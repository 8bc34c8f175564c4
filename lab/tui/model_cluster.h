/*
 * model_cluster.h — a cluster as the dashboard sees it: its primary, a row
 * per worker, and the lifecycle timeline (model_cluster.c).
 *
 * It is built from the events a cluster's primary reports (docs/telemetry.md,
 * "Cluster"): `worker` (a step of a worker's life), `worker_stats` (its
 * periodic report: requests, open connections, RSS, CPU time), `respawn`,
 * `cluster` (the primary's phases), `serving`, and `ipc` (the last message
 * to or from each worker).  Any demo whose primary sends them gets the
 * cluster view; nothing here knows a demo by name.
 *
 * What the lab itself did (a key that killed a worker, SIGTERM to the
 * primary) is noted with model_cluster_note(), so that the timeline can
 * say "you pressed k" beside the exit it caused.
 */
#ifndef NL_TUI_MODEL_CLUSTER_H
#define NL_TUI_MODEL_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_CLUSTER_WORKERS 160      /* 64 alive, and those they replaced */
#define MODEL_CLUSTER_TIMELINE 128     /* timeline lines kept */
#define MODEL_CLUSTER_NOTES 16         /* signals the lab sent, not yet seen */

typedef struct {
    int id, pid;
    char state[16];            /* the runtime's: online, listening, disconnected... */
    bool dead;                 /* its exit was reported */
    int code;                  /* exit code, or -1 */
    char signal[16];           /* "SIGKILL", or "" */
    int64_t conns, reqs, rss;  /* from its newest worker_stats */
    int64_t cpu_us;
    double rps, cpu_pct;       /* between its last two reports */
    int64_t stats_ts;          /* when the newest report came, -1 none */
    char last_ipc[40];         /* the newest message's act ("stats", "newconn") */
    int64_t last_ipc_ts;
} model_cworker;

typedef struct {
    int64_t ts;
    char what[16];             /* fork, online, listening, exit, respawn, you... */
    char text[96];             /* the rest of the line */
    bool by_lab;               /* the lab caused it (drawn bold) */
} model_cevent;

/* A ring of timeline lines, newest last (the cluster's lifecycle, the
 * shutdown's steps). */
typedef struct {
    model_cevent tl[MODEL_CLUSTER_TIMELINE];
    int head, count;
} model_timeline;

model_cevent *model_timeline_add(model_timeline *t, int64_t ts, const char *what, bool by_lab);
const model_cevent *model_timeline_at(const model_timeline *t, int i);   /* 0 = oldest */

typedef struct {
    bool active;               /* a cluster's events arrived */
    int primary_pid;
    char address[40];          /* 127.0.0.1 */
    int port;
    char policy[16];           /* rr, none, reuseport */
    int wanted;                /* workers the primary aims for */
    char phase[24];            /* the primary's newest phase: start, stopping... */
    model_cworker w[MODEL_CLUSTER_WORKERS];
    int nw;                    /* in id order: ids only grow */
    model_timeline tl;
    /* Signals the lab sent to a pid, until the exit they cause arrives. */
    struct { int pid; char key; char signal[12]; } notes[MODEL_CLUSTER_NOTES];
    int nnotes;
} model_cluster;

struct model;
/* The lab sent signal to pid because `key` was pressed; the timeline says
 * so now, and again at that pid's exit. */
void model_cluster_note(struct model *m, int pid, char key, const char *signal, int64_t ts);
/* The lab did something (a key sending a command): a line on tl. */
void model_timeline_said(model_timeline *tl, int64_t ts, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Workers alive (exit not reported), in id order: the i-th of them. */
int model_cluster_alive(const struct model *m);
const model_cworker *model_cluster_alive_at(const struct model *m, int i);
const model_cworker *model_cluster_find(const struct model *m, int pid);
/* The share of the recent load each live worker had: req/s where some
 * worker reports a rate, else requests so far.  Writes up to max shares
 * (fractions of 1) in alive order; returns how many. */
int model_cluster_shares(const struct model *m, double *out, int max);
/* Requests per second over all live workers (their last reports). */
double model_cluster_rps(const struct model *m);

#endif
