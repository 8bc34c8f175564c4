/* child_demo.c — helpers shared by the Chapter 4 demos (see child_demo.h). */
#include "child_demo.h"
#include "course/paths.h"
#include "telemetry.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

const char *child_demo_exe(void) { return nl_self_exe(); }

void child_demo_options(lab_spawn_options *o, int layout, bool tel)
{
    o->pdeathsig = SIGKILL;            /* the demo dies: its children too */
    if (layout == CHILD_DEMO_FORK) {
        /* The demo's stdout carries its event stream: children keep off it. */
        o->stdio_count = 4;
        o->stdio[0].kind = LAB_STDIO_IGNORE;
        o->stdio[1].kind = LAB_STDIO_IGNORE;
        o->stdio[2].kind = LAB_STDIO_INHERIT;
        o->stdio[3].kind = LAB_STDIO_IPC;
    } else if (o->stdio_count == 0) {
        o->stdio_count = 3;
        for (int i = 0; i < 3; i++) o->stdio[i].kind = LAB_STDIO_PIPE;
    }
    int fd = lab_tel_fd();
    if (!tel || fd < 0 || fd >= LAB_STDIO_MAX || fd < o->stdio_count) return;
    /* Descriptors between the table and the telemetry one: /dev/null. */
    for (int i = o->stdio_count; i < fd; i++) o->stdio[i].kind = LAB_STDIO_IGNORE;
    o->stdio[fd].kind = LAB_STDIO_INHERIT;
    o->stdio_count = fd + 1;
}

double child_demo_ms_since(uint64_t t0_us)
{
    return (double)(lab_clock_us() - t0_us) / 1000.0;
}

char *child_demo_quote(const char *s)
{
    char *q = malloc(strlen(s) * 4 + 3), *o = q;
    if (!q) return NULL;
    *o++ = '\'';
    for (; *s; s++) {
        if (*s == '\'') { memcpy(o, "'\\''", 4); o += 4; }
        else *o++ = *s;
    }
    *o++ = '\'';
    *o = 0;
    return q;
}
