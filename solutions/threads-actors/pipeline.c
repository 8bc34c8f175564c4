/*
 * pipeline.c — exercise threads-actors, reference solution.
 *
 *     main ──source──▶ [in 1 | out 1] ──▶ [in 2 | out 2] ──▶ ... ──sink──▶ main
 *
 * Each stage is an actor: a worker thread that owns the receiving end of
 * the channel before it and the sending end of the channel after it, and
 * nothing else.  Its description (number and ports) is written by the
 * main thread *before* the worker starts and never again — handing it over
 * through workerData is the one moment two threads touch it.  Values
 * travel as 8-byte messages (copies), so no thread ever reads memory
 * another one writes.
 *
 * The end flows like a stream's: main closes the source after the last
 * input; each stage, once its input has closed (every message before it
 * delivered), closes its output; the sink's close is the end: on_done.
 * A stage whose ports are closed has nothing left on its loop: its thread
 * exits, and the last exit frees the job.
 */
#include "pipeline.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct job job;

typedef struct {
    job *job;
    int stage;                 /* 1..N */
    lab_port *in, *out;
} actor;

struct job {
    int stages, exited;
    bool sink_closed;
    size_t results;
    lab_port *source, *sink;
    actor actors[PIPELINE_MAX_STAGES];
    pipeline_result_cb *on_result;
    pipeline_done_cb *on_done;
    void *arg;
};

/* ---- an actor, on its own thread ----------------------------------------------- */

static void actor_value(lab_port *in, const lab_message *m)
{
    actor *a = lab_port_data(in);
    int64_t v;
    if (m->data.len != sizeof v) return;
    memcpy(&v, m->data.data, sizeof v);
    v = stage_apply(a->stage, v);
    lab_port_post(a->out, &v, sizeof v);
}

/* Everything before the end has been handled: pass the end on. */
static void actor_input_closed(lab_port *in)
{
    actor *a = lab_port_data(in);
    lab_port_close(a->out);
}

static int actor_main(lab_worker *self, lab_loop *loop)
{
    actor *a = (actor *)lab_worker_data(self, NULL);
    lab_port_set_data(a->in, a);
    lab_port_on_close(a->in, actor_input_closed);
    return lab_port_on_message(a->in, loop, actor_value);
}

/* ---- the main thread --------------------------------------------------------------- */

/* The job is freed by whichever comes last: the sink's close or the
 * last worker's exit. */
static void job_release(job *j)
{
    if (j->sink_closed && j->exited == j->stages) free(j);
}

static void sink_value(lab_port *sink, const lab_message *m)
{
    job *j = lab_port_data(sink);
    int64_t v;
    if (m->data.len != sizeof v) return;
    memcpy(&v, m->data.data, sizeof v);
    j->results++;
    j->on_result(v, j->arg);
}

static void sink_closed(lab_port *sink)
{
    job *j = lab_port_data(sink);
    j->on_done(j->results, j->arg);
    j->sink_closed = true;
    job_release(j);
}

static void actor_exited(lab_worker *w, int code)
{
    job *j = lab_worker_user_data(w);
    j->exited++;
    job_release(j);
}

int pipeline_run(lab_loop *loop, int stages, const int64_t *inputs, size_t n,
                 pipeline_result_cb *on_result, pipeline_done_cb *on_done, void *arg)
{
    if (stages < 1 || stages > PIPELINE_MAX_STAGES || (n > 0 && !inputs)) return -1;
    job *j = calloc(1, sizeof *j);
    if (!j) return -1;
    *j = (job){ .stages = stages, .on_result = on_result, .on_done = on_done, .arg = arg };
    /* The channels, in a line: the receiving end of each is the next
     * actor's input; the last one's is the sink. */
    lab_port *in;
    if (lab_channel_new(&j->source, &in) < 0) { free(j); return -1; }
    for (int k = 0; k < stages; k++) {
        actor *a = &j->actors[k];
        lab_port *next;
        if (lab_channel_new(&a->out, &next) < 0) abort();   /* out of descriptors */
        a->job = j;
        a->stage = k + 1;
        a->in = in;
        in = next;
    }
    j->sink = in;
    lab_port_set_data(j->sink, j);
    lab_port_on_close(j->sink, sink_closed);
    lab_port_on_message(j->sink, loop, sink_value);
    for (int k = 0; k < stages; k++) {
        lab_worker_options o = { .name = "stage", .main = actor_main, .worker_data = &j->actors[k],
                                 .on_exit = actor_exited, .data = j };
        if (!lab_worker_new(loop, &o)) abort();              /* out of threads */
    }
    /* The inputs go now, as copies: the caller may reuse its array. */
    for (size_t i = 0; i < n; i++) lab_port_post(j->source, &inputs[i], sizeof inputs[i]);
    lab_port_close(j->source);
    return 0;
}
