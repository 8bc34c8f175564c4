/*
 * child_demo.h — what the Chapter 4 demos share.
 *
 * Their children are real programs: mostly `nodelab __child NAME` (see
 * lab/cli/cmd_child.c), found through the running executable, so the same
 * binary works from the build tree and from an install.  Every child is
 * started with PR_SET_PDEATHSIG: if the demo dies, so do its children.
 */
#ifndef LAB_CHILD_DEMO_H
#define LAB_CHILD_DEMO_H

#include "process.h"

#include <stdbool.h>

/* The nodelab executable, for `nodelab __child NAME`. */
const char *child_demo_exe(void);

enum {
    CHILD_DEMO_PIPES = 0,      /* stdin/stdout/stderr pipes (spawn's default) */
    CHILD_DEMO_FORK = 1,       /* no stdin/stdout, stderr shared, IPC on 3 */
};

/* Fills what every demo child needs: the parent-death signal and, for our
 * own child programs (tel = true), the demo's telemetry pipe at the same
 * descriptor number, so their events join the demo's stream.  `layout`
 * chooses the rest of the stdio table. */
void child_demo_options(lab_spawn_options *o, int layout, bool tel);

/* s in single quotes for /bin/sh (malloc'd): 'it'\''s' */
char *child_demo_quote(const char *s);

/* Milliseconds since t0_us (lab_clock_us units), for event fields. */
double child_demo_ms_since(uint64_t t0_us);

#endif
