/*
 * distribution.h — exercise cluster-distribution: the API you implement.
 *
 * Several workers answer on one port (cluster.h).  Which one served a
 * given request?  Make every worker say so — in the response, and in a
 * log all the workers share — then read the log back and measure how
 * evenly the primary spread the load.
 */
#ifndef DISTRIBUTION_H
#define DISTRIBUTION_H

#include "cluster.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DIST_MAX_WORKERS 64

/* ---- in each worker ------------------------------------------------------ */

/* The worker's request handler.  For every request:
 *   - answer status 200 with the header "X-Worker-Pid: PID" (this
 *     process's PID, in decimal) and a body that names the PID too;
 *   - append one line "PID METHOD URL\n" (e.g. "4242 GET /items?id=3\n")
 *     to dist_log_fd, in ONE write() call, so that the lines of several
 *     workers writing at once are never cut into each other. */
void dist_on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res);

/* ---- measuring ------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    uint64_t count;            /* requests this worker served */
} dist_worker;

typedef struct {
    dist_worker workers[DIST_MAX_WORKERS];  /* sorted by pid, ascending */
    size_t nworkers;           /* distinct PIDs in the log */
    uint64_t total;            /* lines (requests) counted */
    uint64_t min, max;         /* the fewest and the most any worker served */
    /* How far from even: (max - min) as a percentage of the mean share
     * (total / nworkers).  0 when every worker served as many. */
    double spread_pct;
} dist_report;

/* Reads a log written by dist_on_request (len bytes; not NUL-terminated)
 * and fills *out.  An empty log gives 0 workers, total 0, min 0, max 0,
 * spread 0.  Returns 0, or -1 when a line is not "PID METHOD URL" with a
 * PID > 0, or when there are more than DIST_MAX_WORKERS PIDs: then *out
 * holds the count of the lines before the bad one. */
int dist_tally(const char *log, size_t len, dist_report *out);

/* ---- given (worker.c) ----------------------------------------------------- */

/* The descriptor the workers log to (the tests open it). */
extern int dist_log_fd;
/* A worker's body: its loop, lab_cluster_self_open(), a server on
 * 127.0.0.1:*(int *)arg through lab_cluster_http_listen() with
 * dist_on_request. */
int dist_worker_main(void *arg);

#endif
