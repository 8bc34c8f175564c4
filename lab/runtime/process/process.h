/*
 * process.h — starting other programs: Node's child_process.spawn().
 *
 * lab_spawn() starts a program in a new process and returns at once; what
 * happens next arrives as callbacks on the loop, in Node's order:
 *
 *   on_spawn   the program is running (next tick after lab_spawn)
 *   on_error   it could not be started (ENOENT, EACCES...): no on_spawn,
 *              no on_exit, then on_close with code -errno.  Without an
 *              on_error, that failure ends YOUR program, as an unhandled
 *              'error' ends Node's: Node's message on stderr, exit(1)
 *              (lab_unhandled_error, errors.h)
 *   on_data    a chunk from one of its output pipes (len 0: end of file)
 *   on_exit    the process ended: exactly one of code / signal is set
 *              (code -1 when a signal killed it; signal 0 otherwise)
 *   on_close   the process ended AND every output pipe reached its end
 *              (and its IPC channel, if any, closed); output can still
 *              arrive between on_exit and on_close
 *
 * How a failed exec is noticed (the libuv recipe): before forking, the
 * parent makes a pipe whose two ends close on exec.  The child writes its
 * errno into the pipe if execve() fails and exits 127.  The parent reads
 * the pipe: end of file means exec succeeded (the kernel closed the write
 * end for us), four bytes mean it failed and say why.
 *
 * How the end is noticed: the loop watches SIGCHLD (a lab_signal, so the
 * signal arrives as a callback), and on each one asks waitpid(WNOHANG)
 * about every live child.  Every child is reaped: no zombies.
 *
 * Descriptors: everything the runtime opens is close-on-exec, so a child
 * inherits exactly the descriptors its stdio table names, nothing else.
 *
 * Memory: the runtime allocates the lab_process and frees it after
 * on_close has returned (and its IPC channel, if any, has closed).  Do not
 * keep the pointer past on_close.
 */
#ifndef LAB_PROCESS_H
#define LAB_PROCESS_H

#include "loop.h"
#include "stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lab_ipc;
struct cJSON;
typedef struct lab_process lab_process;

/* ---- the stdio table: what each of the child's descriptors is ------------ */

#define LAB_STDIO_MAX 8

typedef enum {
    LAB_STDIO_IGNORE = 0,  /* /dev/null (Node's 'ignore')                      */
    LAB_STDIO_PIPE,        /* Node's 'pipe': a new socketpair (as libuv makes
                              it); the parent holds the other end: fd 0 is
                              written by the parent, 1 and 2 are read; 3 and
                              up are read and written                        */
    LAB_STDIO_INHERIT,     /* the parent's own descriptor of the same number   */
    LAB_STDIO_FD,          /* a descriptor you give (.fd), e.g. an open file   */
    LAB_STDIO_IPC,         /* a JSON message channel (see ipc.h); at most one  */
} lab_stdio_kind;

typedef struct {
    lab_stdio_kind kind;
    int fd;                /* LAB_STDIO_FD: the parent's descriptor to pass */
} lab_stdio;

/* ---- callbacks ----------------------------------------------------------- */

typedef void lab_process_cb(lab_process *p);
/* err: a positive errno (ENOENT, EACCES...); message: Node's text,
 * e.g. "spawn nosuchprog ENOENT". */
typedef void lab_process_error_cb(lab_process *p, int err, const char *message);
/* code: exit status, or -1 if killed; signal: the signal number, or 0. */
typedef void lab_process_exit_cb(lab_process *p, int code, int signal);
/* A chunk from the child's descriptor fd (1 = stdout...); len 0: EOF.
 * A shortcut for a 'data' listener on p->stdio[fd]. */
typedef void lab_process_data_cb(lab_process *p, int fd, const char *buf, size_t len);
/* One message on the IPC channel; fd is a descriptor that came with it
 * (yours to close) or -1.  msg belongs to the runtime after you return. */
typedef void lab_process_message_cb(lab_process *p, struct cJSON *msg, int fd);

typedef struct {
    const char *file;      /* program: a path, or a name searched in PATH
                              (the child's PATH when env is given)        */
    char *const *argv;     /* argv[0] included, NULL-terminated; NULL:
                              just { file }                               */
    char *const *env;      /* "K=V" strings; NULL: this process's environ */
    const char *cwd;       /* NULL: ours                                   */
    int stdio_count;       /* 0: three pipes, Node's default               */
    lab_stdio stdio[LAB_STDIO_MAX];
    bool detached;         /* own session and process group (setsid)      */
    bool kill_group;       /* kill()/timeout signal the whole group; only
                              with detached (Node signals just the pid)   */
    uint64_t timeout_ms;   /* 0: none; else kill_signal after this long   */
    int kill_signal;       /* 0: SIGTERM                                   */
    int pdeathsig;         /* 0: none; else the signal the child gets when
                              this thread dies (prctl PR_SET_PDEATHSIG)  */

    lab_process_cb *on_spawn;
    lab_process_error_cb *on_error;
    lab_process_exit_cb *on_exit;
    lab_process_exit_cb *on_close;
    lab_process_data_cb *on_data;       /* NULL: nobody reads until you do */
    lab_process_message_cb *on_message; /* with a LAB_STDIO_IPC slot        */
    lab_process_cb *on_disconnect;      /* the channel closed               */
    void *data;
} lab_spawn_options;

/* ---- the process ----------------------------------------------------------- */

struct lab_process {
    /* Read these freely. */
    lab_loop *loop;
    pid_t pid;             /* 0 if it never started */
    int exit_code;         /* -1 until it exits normally */
    int term_signal;       /* 0 unless a signal ended it */
    bool spawned, exited, closed;
    bool killed;           /* kill() or the timeout signalled it */
    bool timed_out;
    int spawn_error;       /* errno if it could not start, else 0 */
    struct lab_ipc *ipc;   /* the channel with a LAB_STDIO_IPC slot */
    /* The parent's end of each LAB_STDIO_PIPE slot, as a stream (NULL for
     * other kinds): stdio[0] is Node's child.stdin (writable), stdio[1]
     * child.stdout and stdio[2] child.stderr (readable), stdio[3..] are
     * duplex.  Pipe them, write to them, listen to them (stream.h). */
    lab_stream *stdio[LAB_STDIO_MAX];
    void *data;            /* yours: copied from options.data */

    /* Private below. */
    void *owner;           /* a runtime layer built on top (exec.c) */
    lab_spawn_options opts;
    char *file;            /* copy: for telemetry and messages */
    int pipe_fd[LAB_STDIO_MAX];   /* our ends until the streams take them */
    int open_outputs;      /* readable stdio streams (and the channel) open */
    bool held, ipc_open, flush_pending, freeing;
    lab_timer timeout;
    lab_process *next;     /* the loop's list of live children */
};

/* Starts a process.  Returns it, or NULL when the options themselves are
 * wrong (errno EINVAL) or the runtime is out of resources (EMFILE...).
 * A program that cannot be executed is NOT a NULL return: like Node, it
 * comes back as on_error on the next tick, then on_close. */
lab_process *lab_spawn(lab_loop *loop, const lab_spawn_options *opts);

/* Sends sig (0: SIGTERM) to the process, or to its whole group when it was
 * started with kill_group.  Returns 0, or -1 with errno (ESRCH after exit). */
int lab_process_kill(lab_process *p, int sig);
/* Sends sig to the process group of a detached child: the child and every
 * process it started that stayed in its group. */
int lab_process_kill_group(lab_process *p, int sig);

/* Shortcuts for the stdio streams (the stream API does more):
 * write a copy of buf to input pipe fd (0, or a socketpair >= 3): Node's
 * child.stdin.write(), false once 16 KiB wait (advice: the bytes are
 * queued all the same) or if the pipe is gone; */
bool lab_process_write(lab_process *p, int fd, const void *buf, size_t len);
/* child.stdin.end(): EOF for the child once everything is written; */
void lab_process_end(lab_process *p, int fd);
/* pause/resume reading output pipe fd (backpressure); */
void lab_process_pause(lab_process *p, int fd);
void lab_process_resume(lab_process *p, int fd);
/* destroy pipe fd now (Node's child.stdout.destroy()): nothing more is
 * read from it, and the child's next write to it fails (EPIPE/SIGPIPE). */
void lab_process_close_pipe(lab_process *p, int fd);

/* The process no longer keeps the loop alive (Node's child.unref()). */
void lab_process_unref(lab_process *p);

/* "SIGTERM" for SIGTERM; NULL for 0.  And back: 15 for "SIGTERM" or
 * "TERM" or "15"; 0 if unknown. */
const char *lab_signal_name(int sig);
int lab_signal_number(const char *name);

/* Live children on this loop (for tests and the dashboard). */
int lab_process_live_count(lab_loop *loop);

#endif
