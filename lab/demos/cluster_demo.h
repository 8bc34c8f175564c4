/*
 * cluster_demo.h — what the Chapter 3 demos share.
 *
 * Every cluster demo is a primary (lab/runtime/cluster) whose workers run
 * the same small HTTP server, cluster_demo_worker_main(), configured by a
 * cluster_demo_cfg copied into each worker by the fork.  The server
 * answers:
 *
 *   GET /                   "hello from worker N, pid P" (X-Worker-Pid)
 *   GET /set?key=K&value=V  stores V under K in the worker's cache
 *   GET /get?key=K          the cached value (X-Cache-Value; "" if none)
 *
 * The cache is a table in the worker's own memory (every worker has its
 * own: the pitfall), or a real Redis when cfg.redis_socket is set (one
 * for all: the fix).  Knobs make the other lessons: delay_ms (requests in
 * flight to drain), cpu_ms (a CPU-heavy handler, on one worker or all),
 * crash (dies at start), ballast_mb (memory every worker holds), log (one
 * line per request on the worker's stdout).
 *
 * The primary's side, cluster_demo_start(), runs one cluster at a time
 * and calls on_ready once `workers` of them listen; a demo may run
 * several in turn (cluster.scheduling: one per policy).
 */
#ifndef LAB_CLUSTER_DEMO_H
#define LAB_CLUSTER_DEMO_H

#include "cluster.h"
#include "demo.h"
#include "loadgen.h"
#include "telemetry.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int port;                  /* 0: a free one (the primary picks, rr/none) */
    int delay_ms;              /* answer after this long */
    int cpu_ms;                /* burn this much CPU per request ... */
    int cpu_worker;            /* ... on this worker only (0: on every one) */
    int stats_ms;              /* lab_cluster_self_stats interval (0: none) */
    bool crash;                /* exit 1 right after "online" */
    bool log;                  /* a log line per request on stdout */
    bool trace;                /* a `request` event per request (else only
                                  the stats: the per-request JSON would
                                  cost more than the request itself) */
    int ballast_mb;            /* memory each worker allocates and touches */
    char redis_socket[108];    /* the shared cache: redis on this socket */
} cluster_demo_cfg;

/* A worker: lab_child_main for lab_cluster_options.main (arg: the cfg). */
int cluster_demo_worker_main(void *arg);
/* For other workers' servers: is url's path exactly path ("/get?x" is
 * "/get"), and name's value in its query ("" if absent, cut to outlen). */
bool cluster_demo_path_is(const char *url, const char *path);
void cluster_demo_query(const char *url, const char *name, char *out, size_t outlen);
/* The same server as one plain process, no cluster: it listens on
 * 127.0.0.1:cfg.port itself (cluster.external-lb's backends). */
int cluster_demo_single_main(void *arg);

/* ---- the primary ---------------------------------------------------------------- */

#define CLUSTER_DEMO_MAX_RUNS 4

typedef struct cluster_demo cluster_demo;
struct cluster_demo {
    lab_demo *demo;
    lab_loop *loop;
    lab_cluster *cl;           /* the current run's */
    cluster_demo_cfg cfg;
    lab_spawn_options spawn;   /* the workers' (stdio[1] may be changed) */
    int workers;               /* wanted */
    int port;                  /* where the current run serves */
    bool ready;                /* the current run's workers all listened */
    bool ever_listened, stopping;
    char fatal[200];           /* why the demo failed, or "" */

    /* Set these (all optional). */
    void (*on_ready)(cluster_demo *k);          /* all `workers` listen */
    void (*on_stopped)(cluster_demo *k);        /* the current run stopped */
    lab_cluster_options extra;                  /* callbacks passed through */
    /* The workers' body (NULL: cluster_demo_worker_main with &cfg). */
    lab_child_main *worker_main;
    void *worker_arg;
    void *data;

    /* Private. */
    lab_cluster *runs[CLUSTER_DEMO_MAX_RUNS];
    int nruns;
};

/* The `workers` parameter's check (1..64, "" = one per online core), and
 * its value. */
const char *cluster_demo_check_workers(const char *v);
int cluster_demo_workers(const lab_demo *d);
/* The `sched` parameter's check: rr, none, reuseport. */
const char *cluster_demo_check_sched(const char *v);

/* Makes k ready for runs on loop (announces the demo). */
void cluster_demo_init(cluster_demo *k, lab_demo *d, lab_loop *loop);
/* Starts a run: a new cluster with this policy, respawn or not, forks
 * k->workers.  Returns its cluster (NULL: k->fatal says why). */
lab_cluster *cluster_demo_start(cluster_demo *k, lab_cluster_sched sched, bool respawn);
/* The graceful stop of the current run; on_stopped after. */
void cluster_demo_stop(cluster_demo *k);
/* SIGTERM/SIGHUP on the current run (lab_cluster_handle_signals). */
void cluster_demo_signals(cluster_demo *k);
/* After the loop: the status to return (fatal -> one line on stderr, 1),
 * and every run freed. */
int cluster_demo_finish(cluster_demo *k);

/* Workers listening now. */
int cluster_demo_listening(const lab_cluster *cl);
/* A process's resident memory (bytes) from /proc/PID/statm; 0 if gone. */
uint64_t cluster_demo_rss(pid_t pid);
/* CPU time (user + system, µs) a process has used, from /proc/PID/stat;
 * 0 if gone. */
uint64_t cluster_demo_cpu_us(pid_t pid);
/* Each worker of the current run and the number of responses the load
 * generator counted from it, as "w<id>" fields of e (at most max of them)
 * and a `by_worker` array [{id, pid, responses}]; returns the smallest and
 * largest counts through *lo and *hi. */
void cluster_demo_distribution(const cluster_demo *k, const lab_loadgen *lg, lab_ev *e,
                               int max, uint64_t *lo, uint64_t *hi);
/* Starts the load generator on the current run's port. */
lab_loadgen *cluster_demo_load(cluster_demo *k, lab_loadgen_options *o);
/* The current run's worker serving as pid, or NULL. */
lab_cluster_worker *cluster_demo_by_pid(const cluster_demo *k, pid_t pid);
/* A free 127.0.0.1 port (bound and released: someone may take it first;
 * the one who binds it next reports EADDRINUSE). */
int cluster_demo_free_port(void);
/* argv[0] found in PATH (or the extra directories /usr/sbin:/sbin),
 * written to out; false if it is not installed. */
bool cluster_demo_which(const char *name, char *out, size_t outlen);
/* A private directory under $TMPDIR; cluster_demo_rmdir removes it and
 * what is in it. */
bool cluster_demo_tmpdir(char *out, size_t outlen, const char *what);
void cluster_demo_rmdir(const char *dir);

/* ---- a real server the demo starts and stops (redis-server, nginx) ---------------- */

typedef struct cluster_demo_server cluster_demo_server;
struct cluster_demo_server {
    const char *name;          /* "redis-server": for messages */
    char unix_path[108];       /* ready once this Unix socket accepts ... */
    int port;                  /* ... or 127.0.0.1:port does */
    void (*on_ready)(cluster_demo_server *srv);
    /* It exited (code/signal), before or after being ready. */
    void (*on_exit)(cluster_demo_server *srv, int code, int sig);
    void *data;
    /* Instead of a program: run main(arg) in a forked child (argv NULL). */
    lab_child_main *main;
    void *arg;

    lab_process *proc;         /* NULL once it has exited */
    pid_t pid;
    bool ready, stopping;
    lab_timer probe;
    int probes;
};

/* Spawns argv (argv[0] a path), or forks srv->main when argv is NULL,
 * its output to /dev/null (stderr kept),
 * dying with the demo (PDEATHSIG); probes its socket every 20 ms and calls
 * on_ready once it accepts (at most 10 s of probes).  A `component` event
 * says started / ready / stopped.  false (errno) if it could not start. */
bool cluster_demo_server_start(cluster_demo_server *srv, lab_loop *loop, char *const *argv);
/* SIGTERM (the server's own clean stop); on_exit follows. */
void cluster_demo_server_stop(cluster_demo_server *srv);

#endif
