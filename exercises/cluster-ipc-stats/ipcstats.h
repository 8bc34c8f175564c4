/*
 * ipcstats.h — exercise cluster-ipc-stats: the API you implement.
 *
 * The primary cannot see inside its workers: how busy is each one?  Each
 * worker tells it, over the IPC channel, on an interval — a small message
 * with a running total — and the primary keeps a table.  (Node: a
 * setInterval in the worker calling process.send(), and
 * cluster.on('message') in the primary.)
 */
#ifndef IPCSTATS_H
#define IPCSTATS_H

#include "cluster.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATS_MAX_WORKERS 64

/* A report, as a worker sends it:
 *     {"type": "stats", "requests": N}
 * N is the number of requests this worker has served since it started
 * (a running total, not the ones since the last report). */

/* ---- in each worker ------------------------------------------------------ */

/* The worker's request handler: answers 200 with the body "ok\n", and
 * counts the request. */
void stats_on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res);

/* From now on, every every_ms milliseconds, sends the primary a report
 * (lab_cluster_self_send).  The timer must not keep the worker's loop
 * alive (lab_timer_unref): a worker asked to disconnect must still end. */
void stats_start_reporting(lab_cluster_self *self, uint64_t every_ms);

/* ---- in the primary ------------------------------------------------------ */

typedef struct {
    int id;                    /* the worker's id (w->id) */
    pid_t pid;                 /* its PID (w->pid) */
    uint64_t requests;         /* the last total it reported */
    uint64_t reports;          /* how many reports came from it */
} stats_entry;

typedef struct {
    stats_entry workers[STATS_MAX_WORKERS];  /* in order of first report */
    size_t nworkers;
    uint64_t reports;          /* all the reports received */
} stats_table;

/* The primary's on_message: lab_cluster_options.on_message, with .data
 * pointing at a stats_table (zeroed before the cluster starts).  A
 * report updates the entry of its worker (found by id; added at the end
 * when new; a worker past STATS_MAX_WORKERS is not recorded); any other
 * message — another "type", or no numeric "requests" — is ignored.
 * Entries stay after their worker is gone: what it served still counts.
 * fd is a descriptor that came with the message, or -1: close it. */
void stats_on_message(lab_cluster_worker *w, struct cJSON *msg, int fd);

/* The requests served by every worker ever seen: the sum of their last
 * totals. */
uint64_t stats_total(const stats_table *t);

/* ---- given (worker.c) ----------------------------------------------------- */

typedef struct {
    int port;                  /* 0: the primary picks one */
    uint64_t every_ms;         /* the reporting interval */
} stats_worker_cfg;

/* A worker's body: arg is a const stats_worker_cfg *. */
int stats_worker_main(void *arg);

#endif
