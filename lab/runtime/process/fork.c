/*
 * fork.c — lab_fork() and lab_fork_call() (see fork.h): spawn with a
 * channel on descriptor 3.  The work is done by process.c; this file only
 * fills in the stdio table Node's fork() uses.
 */
#include "fork.h"
#include "process_child.h"

#include <errno.h>
#include <string.h>

/* Node's fork(): stdio [inherit, inherit, inherit, ipc]. */
static lab_spawn_options fork_options(const lab_spawn_options *given)
{
    lab_spawn_options o;
    if (given) o = *given; else memset(&o, 0, sizeof o);
    if (o.stdio_count == 0) {
        o.stdio_count = 4;
        for (int i = 0; i < 3; i++) o.stdio[i].kind = LAB_STDIO_INHERIT;
        o.stdio[3].kind = LAB_STDIO_IPC;
    }
    return o;
}

lab_process *lab_fork(lab_loop *loop, const char *file, char *const argv[],
                      const lab_spawn_options *opts)
{
    lab_spawn_options o = fork_options(opts);
    o.file = file;
    o.argv = argv;
    return lab__spawn(loop, &o, NULL, NULL);
}

lab_process *lab_fork_call(lab_loop *loop, lab_child_main *main, void *arg,
                           const lab_spawn_options *opts)
{
    if (!main) { errno = EINVAL; return NULL; }
    lab_spawn_options o = fork_options(opts);
    return lab__spawn(loop, &o, main, arg);
}
