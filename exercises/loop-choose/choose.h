/*
 * choose.h — exercise loop-choose: which tool for which problem
 * (Chapter 1's decision table, as a quiz).
 *
 * For each scenario of quiz.c you answer with a tool and the reason that
 * decides it: choose(n) returns both.  The tests check each scenario on
 * its own, so one wrong answer costs that scenario's points only, and the
 * failure says what your tool is for and what decides this scenario.
 */
#ifndef LOOP_CHOOSE_H
#define LOOP_CHOOSE_H

/* The five tools the quiz is about (Node's names in the comments). */
typedef enum {
    TOOL_UNSURE = 0,       /* no answer yet */
    TOOL_STREAMS,          /* fs.createReadStream, pipe(), pipeline() (Ch. 2) */
    TOOL_POOL,             /* libuv's thread pool, uv_queue_work (Ch. 1) */
    TOOL_CHILD_PROCESS,    /* child_process spawn/execFile/fork (Ch. 4) */
    TOOL_CLUSTER,          /* cluster: a copy of the server per core (Ch. 3) */
    TOOL_WORKER_THREAD,    /* worker_threads (Ch. 5) */
    TOOL_COUNT_
} tool;

/* What decides it.  Pick the one that matters most for the scenario. */
typedef enum {
    REASON_UNSURE = 0,
    REASON_TOO_BIG_FOR_MEMORY,  /* the data is larger than memory, or never ends */
    REASON_SLOW_CONSUMER,       /* a fast source must wait for a slow reader */
    REASON_BLOCKING_NATIVE,     /* a native call blocks and has no non-blocking form */
    REASON_OTHER_PROGRAM,       /* the work is an existing program, any language */
    REASON_MAY_CRASH_OR_HANG,   /* the work may crash or hang: kill it, live on */
    REASON_ONE_CORE_SATURATED,  /* one server process uses one core; there are more */
    REASON_CPU_HEAVY_JS,        /* CPU-heavy JavaScript would block the loop */
    REASON_SHARED_MEMORY,       /* parallel code must share memory, not copy it */
    REASON_COUNT_
} reason;

typedef struct {
    tool tool;
    reason reason;
} choice;

/* How many scenarios there are; they are numbered 1..CHOOSE_SCENARIOS. */
#define CHOOSE_SCENARIOS 10

/* YOUR ANSWER for scenario n (1..CHOOSE_SCENARIOS), in choose.c. */
choice choose(int scenario);

/* Given (quiz.c): the scenarios and the words for tools and reasons. */
const char *scenario_text(int scenario);     /* NULL outside 1..CHOOSE_SCENARIOS */
const char *tool_name(tool t);               /* "streams", "the thread pool"... */
const char *tool_purpose(tool t);            /* what that tool is for, one line */
const char *reason_text(reason r);

#endif
