/*
 * shutdown.h — graceful shutdown, as a reusable helper.
 *
 * `kill PID` sends SIGTERM: "please stop".  A process that dies at once
 * (the default action) drops whatever it was doing: requests half served,
 * a transaction half written, a log buffer never flushed.  A graceful
 * server instead:
 *
 *   1. stops accepting  — closes its listening sockets, so new connections
 *                         are refused (and a load balancer moves on);
 *   2. drains           — lets the requests already in flight finish;
 *   3. closes           — its resources, the last opened first: the
 *                         database handle, then the log (which may be
 *                         needed until the very end);
 *   4. exits 0          — "I stopped cleanly" to whoever supervises it.
 *
 * and it does not wait forever: after a deadline, or at a second signal
 * (the operator insisting), it exits at once with a non-zero status and
 * says what was still open.  SIGKILL skips all of it — it cannot be
 * caught — which is why step 3 must never be the only thing keeping data
 * safe (the shutdown.graceful demo counts what SIGKILL loses).
 *
 * Node has the pieces, not the workflow: process.on('SIGTERM'),
 * server.close(), a counter of your own, db.close().  Installing a
 * SIGTERM handler removes the default action, so the handler must end the
 * process itself; this helper does it once all is closed.
 *
 *     lab_shutdown *sd = lab_shutdown_new(loop, &(lab_shutdown_options){
 *         .deadline_ms = 5000 });
 *     lab_shutdown_add_listener(sd, "http", stop_http, srv);  // step 1
 *     lab_shutdown_add_closer(sd, "log", close_log, log);      // step 3,
 *     lab_shutdown_add_closer(sd, "db", close_db, db);         // db first
 *     ...each request: lab_shutdown_request_begin(sd) when it arrives,
 *        lab_shutdown_request_end(sd) when its response is sent.
 *
 * Everything runs on the loop's thread; signals arrive through the loop
 * (a signalfd), so the steps are ordinary callbacks, not signal handlers.
 * Telemetry: a `shutdown` event per step (docs/telemetry.md).
 */
#ifndef LAB_SHUTDOWN_H
#define LAB_SHUTDOWN_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_shutdown lab_shutdown;

/* Step 1 for one listener: stop accepting (e.g. lab_http_server_close). */
typedef void lab_shutdown_stop_fn(void *arg);
/* Step 3 for one resource.  Returns 0 (closed), a negative errno (failed:
 * reported, the exit status becomes 1, the next closer still runs), or
 * LAB_SHUTDOWN_PENDING: it finishes later and calls
 * lab_shutdown_closer_done() (a log flushed by the pool, a worker that
 * must exit first). */
typedef int lab_shutdown_close_fn(lab_shutdown *sd, void *arg);
#define LAB_SHUTDOWN_PENDING 1

typedef struct {
    uint64_t deadline_ms;      /* signal to forced exit; 0: 10000 */
    int forced_code;           /* exit status of a forced exit; 0: 1 */
    /* The end, with the exit status: 0, 1 (a closer failed) or
     * forced_code.  NULL: the process exits with it — exit() after a
     * graceful stop, _exit() after a forced one (nothing more may block).
     * A demo or a test passes its own, to stop its loop instead. */
    void (*on_done)(lab_shutdown *sd, int code);
    bool no_signals;           /* do not watch SIGTERM/SIGINT: only
                                  lab_shutdown_start() begins it */
    void *data;                /* yours */
} lab_shutdown_options;

/* Watches SIGTERM and SIGINT on loop (without keeping it alive).  Never
 * NULL: out of memory stops the process (mem.h). */
lab_shutdown *lab_shutdown_new(lab_loop *loop, const lab_shutdown_options *opts);
/* Frees it.  Only before a shutdown began, or from/after on_done. */
void lab_shutdown_free(lab_shutdown *sd);

/* Registration.  name is copied (at most 31 bytes).  Returns 0. */
int lab_shutdown_add_listener(lab_shutdown *sd, const char *name,
                              lab_shutdown_stop_fn *stop, void *arg);
int lab_shutdown_add_closer(lab_shutdown *sd, const char *name,
                            lab_shutdown_close_fn *close, void *arg);
/* A pending closer has finished: status 0 or a negative errno. */
void lab_shutdown_closer_done(lab_shutdown *sd, int status);

/* The in-flight count.  A request that arrives during the drain (on a
 * connection accepted before) is counted and waited for too. */
void lab_shutdown_request_begin(lab_shutdown *sd);
void lab_shutdown_request_end(lab_shutdown *sd);
size_t lab_shutdown_in_flight(const lab_shutdown *sd);

/* Begins the shutdown as a signal would; reason names it ("SIGTERM").  A
 * second call, like a second signal, forces the exit. */
void lab_shutdown_start(lab_shutdown *sd, const char *reason);
/* "running", "draining", "closing", "done" or "forced". */
const char *lab_shutdown_phase(const lab_shutdown *sd);
bool lab_shutdown_stopping(const lab_shutdown *sd);
void *lab_shutdown_data(const lab_shutdown *sd);

#endif
