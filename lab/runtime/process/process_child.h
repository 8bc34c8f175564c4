/*
 * process_child.h — the few steps between fork and exec (internal to the
 * runtime: process.c and fork.c use it; not installed).
 *
 * In the child, before the new program replaces us:
 *   1. a new session if detached (setsid), the parent-death signal;
 *   2. the stdio table: descriptor i becomes fds[i] (-1: /dev/null);
 *   3. the working directory;
 *   4. every signal back to its default action, and none blocked — the
 *      loop blocks the signals it reads through its signalfd, and a mask
 *      survives exec: a child started with SIGCHLD or SIGTERM blocked
 *      would never see them;
 *   5. execve(), searching PATH (the child's PATH) for a bare name.
 * If any step fails, errno goes down the error pipe and the child exits
 * with 127.  Only async-signal-safe calls here: no malloc, no stdio.
 */
#ifndef LAB_PROCESS_CHILD_H
#define LAB_PROCESS_CHILD_H

#include "fork.h"
#include "process.h"

typedef struct {
    const char *file;
    char *const *argv;
    char *const *envp;
    const char *path;      /* where to look for a bare name */
    const char *cwd;
    bool detached;
    int pdeathsig;
    pid_t parent;
    int count;             /* descriptors 0..count-1 are set up */
    int fds[LAB_STDIO_MAX];/* source for each, -1: /dev/null */
    int errfd;             /* write end of the close-on-exec error pipe */
} lab_child_setup;

/* Forks (vfork: the parent waits until the child has exec'd or exited,
 * and no memory is copied) and runs the setup in the child.  Returns the
 * child's pid, or -1 with errno. */
pid_t lab_child_start(lab_child_setup *s);

/* fork() — a full copy, as the child will not exec — then steps 1-4,
 * then what exec would have done: close every close-on-exec descriptor
 * (but the telemetry pipe), and exit with main(arg). */
pid_t lab_child_start_call(lab_child_setup *s, lab_child_main *main, void *arg);

/* lab_spawn(), or with main: lab_fork_call() (process.c). */
lab_process *lab__spawn(lab_loop *loop, const lab_spawn_options *opts,
                        lab_child_main *main, void *arg);

/* In a forked child: forget the parent's children (process.c). */
void lab__process_forget_all(void);

/* The PATH a child will search: env's PATH, else the default. */
const char *lab_child_path(char *const *envp);

#endif
