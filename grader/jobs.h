/*
 * jobs.h — N at a time: each job runs in a forked child of the grader,
 * so one job's disaster (a grader crash on a strange submission, memory
 * exhausted) ends that job only.  What a child prints on stdout comes
 * back to the parent, whole, when the child ends.
 *
 * Each child has a process group of its own, so a Ctrl-C at the terminal
 * reaches the parent alone.  After nl_jobs_catch_stop(), SIGINT, SIGTERM
 * and SIGHUP ask the parent to stop: it starts no more jobs and sends
 * SIGTERM to the running ones, which end their work cleanly (a job that
 * runs sandboxes calls nl_box_stop_on(SIGTERM)); a second signal kills
 * them.
 */
#ifndef NL_JOBS_H
#define NL_JOBS_H

#include <stddef.h>

/* Runs in the child; its return value is the child's exit status. */
typedef int nl_job_fn(size_t index, void *arg);
/* Runs in the parent as each job ends: the child's wait status and what
 * it printed. */
typedef void nl_job_done(size_t index, int status, const char *output, void *arg);

/* Runs jobs 0..n-1, at most `jobs` at once, and waits for all.  Returns
 * how many were never started (a stop). */
size_t nl_jobs_run(size_t n, int jobs, nl_job_fn *fn, nl_job_done *done, void *arg);

/* From now on SIGINT, SIGTERM and SIGHUP stop nl_jobs_run (see above). */
void nl_jobs_catch_stop(void);
/* The signal that asked for a stop, or 0. */
int nl_jobs_stop_signal(void);

#endif
