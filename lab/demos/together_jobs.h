/*
 * together_jobs.h — what together.jobs' primary (together_jobs.c) and its
 * processes (together_jobs_worker.c) share.
 */
#ifndef LAB_TOGETHER_JOBS_H
#define LAB_TOGETHER_JOBS_H

#define JOBS_MAX_N 5000000     /* /heavy?n=: 1..this */

/* The job kinds a request may ask for (kind=), "ok" first; NULL-ended. */
extern const char *const jobs_kinds[];

/* What every worker is told (copied into it by the fork). */
typedef struct { int port; } jobs_cfg;

/* An HTTP worker (lab_cluster_options.main; arg: a jobs_cfg). */
int jobs_worker_main(void *arg);
/* A job child (jobpool_options.main): one job at a time from its channel. */
int jobs_child_main(void *arg);

#endif
