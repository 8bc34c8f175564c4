/*
 * demo_proc.h — one demo running under the lab.
 *
 * The lab does not run demo code itself: it starts this same program as
 * `nodelab demo NAME --json --control [--set K=V]...` (the "runner"), which
 * forks the demo into its own process group.  Three pipes connect them:
 *   stdin   control lines from the lab: "set key=value", or a command
 *   stdout  telemetry, one JSON event per line, handed to on_line
 *   stderr  whatever the demo says there; the last few KB are kept for
 *           the crash report
 * The runner reports the demo's end as an `exit` event with role "demo",
 * then exits.  So a crashing demo cannot take the lab with it, and killing
 * the demo's process group stops everything the demo started.
 *
 * With NODELAB_RECORD=FILE in the environment, every telemetry line the lab
 * receives is also appended to FILE (bench/tui.sh measures with it).
 */
#ifndef NL_TUI_DEMO_PROC_H
#define NL_TUI_DEMO_PROC_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DEMO_ERR_TAIL 4096
#define DEMO_BATCH_MS 10           /* telemetry is read at most this often */

typedef struct demo_proc demo_proc;
struct demo_proc {
    lab_loop *loop;
    pid_t runner;              /* the `nodelab demo` process, 0 when none */
    int demo_pid;              /* learnt from the demo's first event */
    int ctl_fd;                /* write end of the demo's stdin, or -1 */
    lab_io out_io, err_io;
    lab_timer batch;           /* re-arms out_io after a pause (see on_out) */
    int out_fd, err_fd;
    char *buf;                 /* an unfinished telemetry line */
    size_t len, cap;
    char err_tail[DEMO_ERR_TAIL];
    size_t err_len;
    bool out_open, err_open, reaped, paused, stopping;
    int status;                /* the runner's wait status */
    int record_fd;             /* $NODELAB_RECORD: a copy of the telemetry */
    bool every_event;          /* set before start: no frame mode (step mode shows each event) */
    void (*on_line)(demo_proc *p, const char *line, size_t n);
    void (*on_end)(demo_proc *p);   /* pipes closed and runner reaped */
    void *data;
};

/* Starts NAME with "key=value" settings; returns 0, or -1 with errno. */
int demo_proc_start(demo_proc *p, lab_loop *loop, const char *name,
                    char *const *sets, int nsets, int duration_s);
/* Sends one control line; returns 0, or -1 if the demo is not listening. */
int demo_proc_send(demo_proc *p, const char *line);
/* SIGSTOP / SIGCONT to the demo's process group. */
int demo_proc_pause(demo_proc *p, bool pause);
/* Asks the demo to end (SIGTERM through the runner; it insists after 2 s). */
void demo_proc_stop(demo_proc *p);
/* Kills everything now and waits for the runner (at most ~2 s). */
void demo_proc_destroy(demo_proc *p);
bool demo_proc_running(const demo_proc *p);

#endif
