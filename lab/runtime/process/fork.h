/*
 * fork.h — a child that talks back: Node's child_process.fork().
 *
 * Node's fork() starts another node running a module, with stdio
 * inherited and one extra descriptor: an IPC channel, whose number the
 * child finds in the NODE_CHANNEL_FD environment variable.  Here:
 *
 *   lab_fork()       starts a program with stdio inherited and a channel
 *                    on descriptor 3, named in NODELAB_CHANNEL_FD.  The
 *                    program calls lab_ipc_from_env() to get its end.
 *   lab_fork_call()  the C way to get the same thing without a separate
 *                    program: fork() without exec, and the child runs
 *                    main(arg) — on its own new loop — then exits with its
 *                    return value.  As after exec, the child keeps only
 *                    its stdio table (and the telemetry pipe): every
 *                    close-on-exec descriptor of the parent is closed.
 *
 * Both return a lab_process (process.h): on_message receives the child's
 * messages, lab_ipc_send(p->ipc, ...) sends to it, and on_exit/on_close
 * arrive as for any child.
 */
#ifndef LAB_FORK_H
#define LAB_FORK_H

#include "ipc.h"
#include "process.h"

/* A child's body for lab_fork_call().  Runs in the child, which must not
 * touch the parent's loop: make a new one (lab_loop_new) and get the
 * channel with lab_ipc_from_env(). Returns the exit status. */
typedef int lab_child_main(void *arg);

/* opts may be NULL; its file and argv are replaced by these, and an
 * empty stdio table becomes { inherit, inherit, inherit, ipc }. */
lab_process *lab_fork(lab_loop *loop, const char *file, char *const argv[],
                      const lab_spawn_options *opts);
lab_process *lab_fork_call(lab_loop *loop, lab_child_main *main, void *arg,
                           const lab_spawn_options *opts);

#endif
