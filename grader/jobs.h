/*
 * jobs.h — N at a time: each job runs in a forked child of the grader,
 * so one job's disaster (a grader crash on a strange submission, memory
 * exhausted) ends that job only.  What a child prints on stdout comes
 * back to the parent, whole, when the child ends.
 */
#ifndef NL_JOBS_H
#define NL_JOBS_H

#include <stddef.h>

/* Runs in the child; its return value is the child's exit status. */
typedef int nl_job_fn(size_t index, void *arg);
/* Runs in the parent as each job ends: the child's wait status and what
 * it printed. */
typedef void nl_job_done(size_t index, int status, const char *output, void *arg);

/* Runs jobs 0..n-1, at most `jobs` at once, and waits for all. */
void nl_jobs_run(size_t n, int jobs, nl_job_fn *fn, nl_job_done *done, void *arg);

#endif
