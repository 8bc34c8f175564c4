/*
 * exec.h — run a command and get its whole output at the end: Node's
 * child_process.exec() and execFile().
 *
 *   lab_exec("ls -l | wc -l", ...)     runs /bin/sh -c "ls -l | wc -l":
 *                                      the shell parses the string, so
 *                                      pipes, globs and $VARS work — and
 *                                      so does "; rm -rf ~" if the string
 *                                      came from a user.
 *   lab_exec_file("ls", {"ls", "-l"})  runs ls itself: every argument
 *                                      reaches the program as it is.
 *
 * Output is collected in memory and handed over once, when the process
 * has closed.  At most max_buffer bytes per stream (default 1 MiB, as
 * Node): one byte more and the child is killed, the output cut at exactly
 * max_buffer bytes, and the error is ERR_CHILD_PROCESS_STDIO_MAXBUFFER.
 * That limit is why exec() is for small outputs and spawn() for streams.
 */
#ifndef LAB_EXEC_H
#define LAB_EXEC_H

#include "process.h"

#define LAB_EXEC_MAX_BUFFER (1024 * 1024)

typedef struct {
    const char *cwd;
    char *const *env;
    uint64_t timeout_ms;   /* 0: none; else kill_signal after this long */
    int kill_signal;       /* 0: SIGTERM */
    size_t max_buffer;     /* 0: LAB_EXEC_MAX_BUFFER */
    bool detached, kill_group;
    int pdeathsig;
    int pass_fd;           /* > 2: the child also keeps this descriptor,
                              under the same number (a telemetry pipe) */
    void *data;            /* becomes lab_process.data */
} lab_exec_options;

typedef enum {
    LAB_EXEC_OK = 0,
    LAB_EXEC_SPAWN,        /* could not start: errno in spawn_errno */
    LAB_EXEC_FAILED,       /* non-zero exit or killed: "Command failed" */
    LAB_EXEC_MAXBUFFER,    /* too much output: killed, output truncated */
} lab_exec_error;

typedef struct {
    lab_exec_error error;
    const char *code;      /* Node's err.code when it is a name: "ENOENT",
                              "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"; NULL
                              otherwise (for FAILED, Node's code is the
                              exit status: see exit_code) */
    int spawn_errno;
    int exit_code;         /* the child's exit status; -1: none (did not
                              start, or a signal ended it) */
    int signal;            /* Node's err.signal: the signal that ended it;
                              0: none, and 0 for MAXBUFFER (Node's err
                              leaves it undefined there) */
    bool killed;           /* Node's err.killed: we signalled it (timeout);
                              false for MAXBUFFER, as in Node */
    /* How the child itself ended, as Node's ChildProcess object tells it
     * (child.killed, child.signalCode), even where err is silent: after a
     * maxBuffer kill, child_killed is true and child_signal SIGTERM — or 0
     * with exit_code 1, when the child saw its write fail (ECONNRESET) and
     * left before the signal came. */
    bool child_killed;
    int child_signal;
    const char *message;   /* Node's err.message, e.g. "Command failed: ..." */
    const char *cmd;       /* the command as Node's err.cmd shows it */
    pid_t pid;
    const char *out, *err; /* the output (NUL-terminated as a courtesy) */
    size_t out_len, err_len;
} lab_exec_result;

/* Called once.  r and everything it points to is freed afterwards. */
typedef void lab_exec_cb(const lab_exec_result *r, void *arg);

/* Both return the process (for kill() or writing to stdin), or NULL if
 * the arguments are wrong (errno EINVAL).  A missing program is reported
 * through the callback, like any other failure. */
lab_process *lab_exec(lab_loop *loop, const char *command, const lab_exec_options *opts,
                      lab_exec_cb *cb, void *arg);
lab_process *lab_exec_file(lab_loop *loop, const char *file, char *const argv[],
                           const lab_exec_options *opts, lab_exec_cb *cb, void *arg);

#endif
