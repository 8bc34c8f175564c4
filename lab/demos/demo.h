/*
 * demo.h — what a live demo is, and the help every demo gets.
 *
 * A demo is a small C program that uses the runtime to act out one idea
 * (a blocked loop, a buffer filling up, a worker dying) while the runtime
 * reports every step as telemetry.  Each demo file defines one
 * lab_demo_def and is listed once in demos.list; `nodelab list demos`,
 * `nodelab demo NAME --help`, the TUI and the tests all read that table.
 *
 * The demo runs in its own process (forked by `nodelab demo`), with the
 * telemetry already open.  Its run() function reads its parameters, does
 * its work on a loop and returns an exit status.  It must end by itself
 * within d->duration_ms: lab_demo_deadline() arms that.
 */
#ifndef LAB_DEMO_H
#define LAB_DEMO_H

#include "loop.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { LAB_PARAM_INT, LAB_PARAM_STR } lab_param_type;

typedef struct {
    const char *key;
    lab_param_type type;
    int64_t def, min, max;     /* LAB_PARAM_INT */
    const char *def_str;       /* LAB_PARAM_STR ("" = let the demo choose) */
    const char *unit;          /* "ms", "bytes", "0/1", "jobs"... */
    const char *help;          /* one line: what changing it shows */
    bool live;                 /* may be changed while the demo runs */
    /* LAB_PARAM_STR, optional: NULL if value is acceptable, else what is
     * allowed.  Checked by `nodelab demo` before the demo starts, so bad
     * input costs one line and exit status 2, like a bad number. */
    const char *(*check)(const char *value);
} lab_param;

#define LAB_DEMO_MAX_PARAMS 16
#define LAB_DEMO_MAX_KEYS 8
#define LAB_DEMO_MAX_LAB_SETS 4

/* A key the lab offers while the demo runs ("l: start load").  Pressing it
 * sends `command` as one line on the control descriptor, where the demo's
 * on_command (lab_demo_listen) receives it. */
typedef struct {
    char key;                  /* one printable character */
    const char *command;       /* "load", "kill-worker 1" */
    const char *help;          /* a few words for the footer */
    const char *footer;        /* optional: fewer words, when the footer is
                                  crowded (the ? help keeps `help`) */
} lab_demo_key;

typedef struct lab_demo lab_demo;

typedef struct {
    const char *name;          /* "streams.backpressure" */
    int chapter;
    const char *summary;       /* one line */
    const char *shows;         /* what to watch for, a sentence or two */
    int duration_s;            /* default running time */
    lab_param params[LAB_DEMO_MAX_PARAMS];   /* ends at key == NULL */
    int (*run)(lab_demo *d);
    lab_demo_key keys[LAB_DEMO_MAX_KEYS];    /* optional; ends at key == 0 */
    bool hidden;               /* a test fixture: runnable by name, but not
                                  listed unless NODELAB_SHOW_HIDDEN=1 */
    /* The lab's own defaults, "KEY=VALUE" (NULL-terminated): slower
     * values a person can follow on the dashboard, where the headless
     * `nodelab demo` keeps the fast ones above. */
    const char *lab_sets[LAB_DEMO_MAX_LAB_SETS];
    bool lab_step;             /* the lab starts it one event at a time
                                  (an event-order demo) */
} lab_demo_def;

struct lab_demo {
    const lab_demo_def *def;
    int64_t ival[LAB_DEMO_MAX_PARAMS];
    const char *sval[LAB_DEMO_MAX_PARAMS];
    char *sval_owned[LAB_DEMO_MAX_PARAMS];   /* the copies lab_demo_set made */
    uint64_t duration_ms;
    int control_fd;            /* live commands ("set key=value"), or -1 */

    /* Used by lab_demo_listen / lab_demo_deadline. */
    lab_loop *loop;
    lab_io control_io;
    char control_buf[512];
    size_t control_len;
    void (*on_set)(lab_demo *d, const char *key);
    void (*on_command)(lab_demo *d, const char *cmd, const char *arg);
    lab_timer deadline;
    void (*on_deadline)(lab_demo *d);
    bool expired;
    void *data;                /* the demo's own state */
};

/* What run() returns when the demo cannot run here (an optional server
 * such as redis-server is not installed) or its input is bad: it has said
 * why in one line on stderr, and `nodelab demo` exits with this status
 * without adding a line of its own. */
#define LAB_DEMO_EXIT_UNAVAILABLE 2

/* The registry (registry.c). */
const lab_demo_def *const *lab_demo_all(void);    /* NULL-terminated */
const lab_demo_def *lab_demo_find(const char *name);
/* False for hidden demos unless NODELAB_SHOW_HIDDEN=1 is set. */
bool lab_demo_listed(const lab_demo_def *def);
const lab_param *lab_demo_param(const lab_demo_def *def, const char *key, int *index);

/* Parameters.  lab_demo_set() validates: returns NULL on success or a
 * message saying what is allowed.  A string value is copied (d owns it
 * until the next set of that key or lab_demo_free()). */
void lab_demo_init(lab_demo *d, const lab_demo_def *def);
void lab_demo_free(lab_demo *d);
const char *lab_demo_set(lab_demo *d, const char *key, const char *value);
/* The same for one "KEY=VALUE" argument, as --set takes it. */
const char *lab_demo_set_kv(lab_demo *d, const char *kv);
int64_t lab_demo_int(const lab_demo *d, const char *key);
const char *lab_demo_str(const lab_demo *d, const char *key);

/* Ready-made checks for string parameters ("" always passes: the demo
 * then makes its own file). */
const char *lab_param_input_file(const char *value);   /* a readable file */
const char *lab_param_output_file(const char *value);  /* a file we may create */

/* "100,1k,64k,1M" → sizes (k and M are powers of 1024; each 1..64M, at
 * most max of them).  Returns how many, or -1 if text is not such a list. */
int lab_demo_parse_sizes(const char *text, int64_t *out, int max);

/* Emits the `demo` event: name, params, duration (call first in run()). */
void lab_demo_announce(const lab_demo *d);

/* Watches the control descriptor on loop: "set key=value" lines update a
 * live parameter and call on_set; any other line calls on_command with its
 * first word and the rest.  Does not keep the loop alive. */
void lab_demo_listen(lab_demo *d, lab_loop *loop,
                     void (*on_set)(lab_demo *d, const char *key),
                     void (*on_command)(lab_demo *d, const char *cmd, const char *arg));

/* After d->duration_ms, sets d->expired and calls on_deadline (which
 * should wind the demo down), or stops the loop if on_deadline is NULL. */
void lab_demo_deadline(lab_demo *d, lab_loop *loop, void (*on_deadline)(lab_demo *d));
void lab_demo_deadline_cancel(lab_demo *d);

/* A CPU-bound job: counts primes by trial division until ms have passed.
 * Returns how many it found.  Real work, used by several demos. */
uint64_t lab_demo_burn_cpu(uint64_t ms);

/* The name of the calling thread for telemetry: "loop" or "pool-N". */
const char *lab_demo_thread_name(char buf[16]);

#endif
