/*
 * model_threads.h — Chapter 5's thread demos as the dashboard sees them
 * (model_threads.c): the ways of counting one shared counter side by side
 * (`count`, `pingpong`: threads.shared-memory), and an actor pipeline's
 * mailboxes (`actors`: threads.actors).
 */
#ifndef NL_TUI_MODEL_THREADS_H
#define NL_TUI_MODEL_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_COUNT_MODES 6
#define MODEL_ACTORS 16

/* One way of counting, its newest round. */
typedef struct {
    char mode[16];             /* plain, atomic, mutex, per-thread */
    int64_t final, expected, lost;
    bool exact;
    double ms;
    double overlap_ms;         /* how long every thread was counting at once */
} model_tally;

typedef struct {
    /* threads.shared-memory */
    model_tally counts[MODEL_COUNT_MODES];
    int ncounts;
    int round, threads;
    int64_t increments;
    char running[16];          /* the stage now running, "" between */
    bool has_pingpong;
    double pingpong_per_s;
    int64_t round_trips, wait_ok, wait_not_equal, wait_timed_out;
    char probe_not_equal[16], probe_timed_out[16];   /* what the probes returned */
    bool has_nocopy;           /* two threads read one shared region */
    int64_t nocopy_bytes, nocopy_message_bytes;
    bool nocopy_same;          /* same address and same sum in every thread */
    /* threads.actors */
    int nactors;
    int64_t depth[MODEL_ACTORS], max_depth[MODEL_ACTORS];
    double msgs_per_s[MODEL_ACTORS], busy_pct[MODEL_ACTORS];
    double cores, in_per_s, out_per_s;
    int64_t sent, delivered;
} model_threads;

#endif
