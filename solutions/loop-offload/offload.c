/*
 * offload.c — exercise loop-offload, reference solution.
 *
 * The request lives on the heap because it must outlive this call: the
 * pool fills in the count on one of its threads, and the after-callback,
 * back on the loop thread, reports it and frees the request.
 */
#include "offload.h"
#include "pool.h"

#include <stdlib.h>

typedef struct {
    lab_work req;              /* first, so &job->req is the job */
    uint64_t limit, count;
    primes_done_cb *done;
    void *arg;
} primes_job;

static void work(lab_work *req)                    /* on a pool thread */
{
    primes_job *job = req->data;
    job->count = count_primes(job->limit);
}

static void after(lab_work *req, int status)       /* on the loop thread */
{
    primes_job *job = req->data;
    job->done(job->count, job->arg);
    free(job);
}

int count_primes_async(lab_loop *loop, uint64_t limit, primes_done_cb *done, void *arg)
{
    primes_job *job = calloc(1, sizeof *job);
    if (!job) return -1;
    job->limit = limit;
    job->done = done;
    job->arg = arg;
    job->req.data = job;
    if (lab_queue_work(loop, &job->req, work, after) < 0) {
        free(job);
        return -1;
    }
    return 0;
}
