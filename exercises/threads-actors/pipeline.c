/*
 * pipeline.c — exercise threads-actors.  Your file: make the tests pass.
 *
 * Right now pipeline_run() applies every stage itself, on the calling
 * thread, and calls back at once: the results are right, but no actor
 * ever existed and nothing ran in parallel.
 *
 * TODO:
 *   1. make the channels: main → stage 1, stage k → stage k+1, stage N →
 *      main (lab_channel_new);
 *   2. start one worker per stage (lab_worker_new), handing it its stage
 *      number and its two ports through workerData;
 *   3. in the worker: listen on the incoming port (lab_port_on_message);
 *      for each value post stage_apply(k, value) on the outgoing port;
 *      when the incoming port closes, close the outgoing one — the end
 *      flows down the pipeline, and the worker's loop runs dry: it exits;
 *   4. on the main thread: post every input, close your sending port; on
 *      the last port, call on_result per message and on_done when it
 *      closes.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

int pipeline_run(lab_loop *loop, int stages, const int64_t *inputs, size_t n,
                 pipeline_result_cb *on_result, pipeline_done_cb *on_done, void *arg)
{
    (void)loop;
    for (size_t i = 0; i < n; i++) {
        int64_t v = inputs[i];
        for (int k = 1; k <= stages; k++) v = stage_apply(k, v);   /* TODO: in the actors */
        on_result(v, arg);                                           /* TODO: later, in order */
    }
    on_done(n, arg);                                                 /* TODO: after the last */
    return 0;
}
