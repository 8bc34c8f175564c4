/*
 * shutdown_demo.h — the three parts of demo `shutdown.graceful`:
 *
 *   shutdown_db.c      the database: an actor thread (a lab_worker) that
 *                      owns the SQLite connection and commits one row per
 *                      request; plus the checks and the count made from
 *                      outside it;
 *   shutdown_server.c  the HTTP server: POST / → one committed row → 200,
 *                      and its graceful shutdown (lab_shutdown);
 *   shutdown_graceful.c  the demo: the server alone (load=0, the contract
 *                      for scripts), or a forked server under a built-in
 *                      load that is then stopped with SIGTERM or SIGKILL
 *                      and audited row by row.
 */
#ifndef NL_SHUTDOWN_DEMO_H
#define NL_SHUTDOWN_DEMO_H

#include "demo.h"
#include "worker.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- the database actor (shutdown_db.c) -------------------------------------- */

enum { DB_READY = 1, DB_INSERT, DB_ACK, DB_CLOSE, DB_CLOSED };

/* Every message between the server and its database thread. */
typedef struct {
    int type;
    int rc;                    /* 0, or the SQLite error code */
    uint64_t req;              /* DB_INSERT/DB_ACK: the server's request */
    int64_t row;               /* DB_ACK: the new row's id; DB_READY: rows present */
    char text[200];            /* an error message */
} db_msg;

/* The database thread's main (workerData: the path, NUL-terminated) and
 * teardown (closes the connection however the thread ended). */
int sdb_main(lab_worker *self, lab_loop *loop);
void sdb_teardown(lab_worker *self);

/* For the `db` parameter's check, before anything starts: NULL if path
 * can be used (an existing file must be an SQLite database whose write
 * lock can be taken; a new one is only checked for its folder), else why
 * not, in a few words. */
const char *sdb_check(const char *path);

/* Counts afterwards: the rows the server with pid server_pid wrote in
 * path (a file may hold earlier runs), and how many of the ids in acked
 * (n of them) are in the file.  Returns 0, or -1 with why filled. */
int sdb_audit(const char *path, int server_pid, const int64_t *acked, size_t n,
              int64_t *rows, int64_t *acked_present, char *why, size_t whysize);

/* ---- the server (shutdown_server.c) ------------------------------------------- */

typedef struct {
    const char *db;
    int port;
    uint64_t deadline_ms;      /* the shutdown's deadline */
    uint64_t slow_ms;          /* one request in slow_every waits this long */
    uint64_t slow_every;       /* before its insert (a slow upstream call) */
} sd_config;

/* Runs the server on loop until its shutdown is over.  on_listening runs
 * once it accepts connections (with the port it got).  The demo's
 * duration ends it like a SIGTERM.  Returns the exit status: 0 after a
 * graceful stop, 1 if forced, 2 if it could not start. */
int sd_server_run(lab_demo *d, lab_loop *loop, const sd_config *cfg,
                  void (*on_listening)(int port, void *arg), void *arg);

#endif
