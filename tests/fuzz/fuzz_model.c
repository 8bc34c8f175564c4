/*
 * fuzz_model.c — the lab's model must survive any telemetry line.
 *
 * A demo is student-grade code and a pipe can be cut mid-line, so
 * model_feed() may be handed anything.  This harness takes an input as
 * lines, feeds each to a fresh model, and then reads everything back the
 * way the dashboard does (the log, the IPC ring, the histories, the result
 * rows), so a bad index shows up whichever side it is on.
 *
 *   make fuzz                 libFuzzer, clang (-fsanitize=fuzzer,address,undefined)
 *   tests/fuzz/replay FILE... the same harness without libFuzzer: every
 *                             input in tests/fuzz/regress/ runs in make check
 *
 * tests/fuzz/corpus/ holds the seeds: lines of real demo runs.
 */
#include "tui/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static model M;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model_init(&M);
    const char *p = (const char *)data, *end = p + size;
    int n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        model_feed(&M, p, len);
        /* Now and then, what the screen does between events. */
        if (++n % 8 == 0) {
            model_tick(&M, M.last_ts + 250000);
            if (M.nprocs) model_set_proc_sample(&M, M.procs[0].pid, 4096, 8192, n % 16 ? 'S' : 0);
        }
        p += len + (nl ? 1 : 0);
    }
    model_pause(&M, M.first_ts, M.last_ts);
    model_tick(&M, M.last_ts);
    /* Read it all back, as the dashboard does. */
    int masks[] = { ~0, LOG_BACKPRESSURE, LOG_PROCESS | LOG_ERROR };
    for (size_t k = 0; k < sizeof masks / sizeof masks[0]; k++) {
        int count = model_log_count(&M, masks[k]);
        for (int i = 0; i < count; i++) {
            const model_log_entry *e = model_log_at(&M, masks[k], i);
            if (!e || strlen(e->text) >= sizeof e->text) abort();
        }
    }
    for (int i = 0; i < M.ipc_count; i++)
        if (!model_ipc_at(&M, i)) abort();
    double hist[MODEL_BUCKETS];
    model_series_last(&M.lag, hist, MODEL_BUCKETS);
    model_series_last(&M.bytes, hist, 40);
    (void)model_series_recent(&M.requests, 4);
    for (int i = 0; i < M.nstreams; i++) {
        char label[64];
        model_stream_label(&M.streams[i], label, sizeof label);
        (void)model_buffer_abnormal(&M.streams[i], &M.streams[i].w);
        (void)model_kind_name(M.streams[i].kind);
    }
    for (int i = 0; i < M.nresults; i++)
        if (M.results[i].nf > MODEL_ROW_FIELDS) abort();
    return 0;
}
