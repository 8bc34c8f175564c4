/*
 * together_demo.h — what the Chapter 6 pipeline demos share: watching the
 * streams along a chain of processes and reporting how full each one is.
 *
 * A chain is a list of stages, upstream first: a stream of ours (the
 * producer), the parent's end of a child's stdin or stdout, and so on.
 * For each stage the chain counts pauses (a readable source stopped by
 * pipe()), drains (a writable that said false emptied again) and the time
 * spent paused, and it samples two buffers: the stream's own, against its
 * mark, and — for a stage on a socketpair — the kernel's queue under it.
 */
#ifndef LAB_TOGETHER_DEMO_H
#define LAB_TOGETHER_DEMO_H

#include "stream.h"

#include <stdbool.h>
#include <stdint.h>

struct lab_ev;

typedef struct tg_stage {
    lab_stream *s;             /* a reference, dropped by tg_chain_release() */
    const char *name;          /* also the stream's new name */
    bool writable;             /* report its writable side (else readable) */
    bool socket;               /* on a socketpair: sample the kernel queue */
    int pauses, drains;
    uint64_t paused_at_us, paused_us;
    uint64_t pause_seq;        /* when the pause now running began, in
                                  the chain's pause order (0: not paused) */
    int64_t max_kernel;        /* -1: never sampled */
    char error[40];            /* the stream's error code ("EPIPE"), or "" */
} tg_stage;

#define TG_MAX_STAGES 8

typedef struct tg_chain {
    tg_stage st[TG_MAX_STAGES];
    int n;
    uint64_t seq;              /* pauses so far, every stage together */
    /* Optional: called after a stage's pause was counted. */
    void (*on_pause)(struct tg_chain *c, tg_stage *g);
    void *data;
} tg_chain;

/* Adds s as the next stage (taking a reference and renaming it). */
tg_stage *tg_watch(tg_chain *c, lab_stream *s, const char *name, bool writable, bool socket);
/* One `hop` event per stage, now. */
void tg_sample(tg_chain *c);
/* The stage's totals into a summary: NAME.pauses and NAME.paused_ms (a
 * readable), NAME.drains (a writable), NAME.max_kernel (on a socket),
 * NAME.error (if it failed: a child that exits early makes our write to
 * its stdin fail with EPIPE; the chain listens, so that is reported here
 * and in the stream's `error` event, not as an unhandled error). */
void tg_stage_fields(struct lab_ev *e, const tg_stage *g);
/* Bytes the kernel holds under a stream on a socketpair (the stages'
 * `kernel`): SIOCOUTQ for an end we write, FIONREAD for one we read; -1
 * once its descriptor is closed. */
int64_t tg_kernel_queued(const lab_stream *s, bool writable);
/* Drops the references tg_watch() took. */
void tg_chain_release(tg_chain *c);

#endif
