/*
 * driver.h — what both parity programs share (tests/parity/parity for the
 * streams, tests/parity/child-parity for child_process): the trace
 * helpers and main()'s body.  A scenario prints one line per event, the
 * same lines its JavaScript twin prints under node, so the two can be
 * diffed.
 */
#ifndef PARITY_DRIVER_H
#define PARITY_DRIVER_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>

/* Prints one trace line (a newline is added). */
void T(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "true" / "false", as JavaScript prints booleans. */
const char *B(bool v);

/* The scenario being run and its loop. */
extern lab_loop *loop;

typedef struct {
    const char *name;
    void (*run)(void);
} parity_scenario;

/* `PROG NAME` runs scenario NAME on a fresh loop until the loop ends;
 * `PROG --list` prints every NAME as its .js file spells it: with
 * `dashes`, the C name write_hwm0 is write-hwm0.js.  Returns main()'s
 * exit status: 2 for a bad command line or an unknown NAME. */
int parity_main(int argc, char **argv, const char *prog, const char *what,
                const parity_scenario *scenarios, size_t n, bool dashes);

#endif
