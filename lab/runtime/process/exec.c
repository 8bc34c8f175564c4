/*
 * exec.c — exec() and execFile() on top of lab_spawn() (see exec.h).
 *
 * Node builds both on spawn() the same way: collect every chunk of stdout
 * and stderr, count the bytes, and call back once when the process has
 * closed.  The only cleverness is the maxBuffer rule: the chunk that
 * crosses the limit is cut so exactly max_buffer bytes are kept, both
 * pipes are closed, and the child is killed.
 */
#define _GNU_SOURCE
#include "exec.h"
#include "events.h"
#include "grow.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *buf; size_t len, cap; } outbuf;

typedef struct {
    lab_exec_cb *cb;
    void *arg;
    size_t max;
    outbuf out, err;
    char *cmd;
    const char *maxed;     /* "stdout" or "stderr" once over the limit */
    int spawn_errno;
} exec_req;

static void append(outbuf *b, const char *data, size_t n)
{
    b->buf = lab_grow_or_die(b->buf, &b->cap, b->len + n + 1, 1, 4096);
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void on_data(lab_process *p, int fd, const char *data, size_t n)
{
    exec_req *req = p->owner;
    if (n == 0 || req->maxed || (fd != 1 && fd != 2)) return;
    outbuf *b = fd == 1 ? &req->out : &req->err;
    if (b->len + n <= req->max) { append(b, data, n); return; }
    /* Over the limit: keep exactly max bytes, stop reading, kill. */
    append(b, data, req->max - b->len);
    req->maxed = fd == 1 ? "stdout" : "stderr";
    lab_ev *e = lab_ev_new(LAB_EV(MAXBUFFER));
    lab_ev_int(e, "child", p->pid);
    lab_ev_str(e, "stream", req->maxed);
    lab_ev_int(e, "max", (int64_t)req->max);
    lab_ev_emit(e);
    lab_process_close_pipe(p, 1);
    lab_process_close_pipe(p, 2);
    lab_process_kill(p, p->opts.kill_signal);
}

static void on_error(lab_process *p, int err, const char *message)
{
    exec_req *req = p->owner;
    req->spawn_errno = err;
}

/* 'close': everything is in; decide what kind of ending this was. */
static void on_close(lab_process *p, int code, int sig)
{
    exec_req *req = p->owner;
    lab_exec_result r = {
        .cmd = req->cmd, .pid = p->pid, .exit_code = p->term_signal ? -1 : code,
        .signal = sig, .killed = p->killed, .spawn_errno = req->spawn_errno,
        .child_killed = p->killed, .child_signal = sig,
        .out = req->out.buf ? req->out.buf : "", .out_len = req->out.len,
        .err = req->err.buf ? req->err.buf : "", .err_len = req->err.len,
    };
    char *message = NULL;
    if (req->spawn_errno) {
        r.error = LAB_EXEC_SPAWN;
        r.code = lab_errno_name(req->spawn_errno);
        r.exit_code = -1;
        message = lab_xasprintf("spawn %s %s", p->file, r.code);
    } else if (req->maxed) {
        /* Node's error here is a fresh ERR_CHILD_PROCESS_STDIO_MAXBUFFER
         * with neither killed nor signal: those are set only on the
         * "Command failed" error.  The child's fate is in child_*. */
        r.error = LAB_EXEC_MAXBUFFER;
        r.code = "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
        r.killed = false;
        r.signal = 0;
        message = lab_xasprintf("%s maxBuffer length exceeded", req->maxed);
    } else if (code != 0 || sig != 0) {
        r.error = LAB_EXEC_FAILED;
        message = lab_xasprintf("Command failed: %s\n%s", req->cmd, r.err);
    }
    r.message = message ? message : "";
    lab_ev *e = lab_ev_new(LAB_EV(EXEC));
    lab_ev_int(e, "child", p->pid);
    lab_ev_str(e, "cmd", req->cmd);
    if (r.code) lab_ev_str(e, "code", r.code);
    else if (r.error) lab_ev_int(e, "code", r.exit_code);
    else lab_ev_null(e, "code");
    lab_ev_str(e, "signal", lab_signal_name(r.signal));
    lab_ev_bool(e, "killed", r.killed);
    lab_ev_bool(e, "child_killed", r.child_killed);
    lab_ev_str(e, "child_signal", lab_signal_name(r.child_signal));
    lab_ev_int(e, "stdout_bytes", (int64_t)r.out_len);
    lab_ev_int(e, "stderr_bytes", (int64_t)r.err_len);
    lab_ev_emit(e);
    req->cb(&r, req->arg);
    free(message);
    free(req->out.buf);
    free(req->err.buf);
    free(req->cmd);
    free(req);
}

static lab_process *start(lab_loop *loop, const char *file, char *const argv[], char *cmd,
                          const lab_exec_options *o, lab_exec_cb *cb, void *arg)
{
    exec_req *req = lab_xcalloc(1, sizeof *req);
    lab_exec_options none = { 0 };
    if (!o) o = &none;
    req->cb = cb;
    req->arg = arg;
    req->cmd = cmd;
    req->max = o->max_buffer ? o->max_buffer : LAB_EXEC_MAX_BUFFER;
    lab_spawn_options so = {
        .file = file, .argv = argv, .env = o->env, .cwd = o->cwd,
        .detached = o->detached, .kill_group = o->kill_group,
        .timeout_ms = o->timeout_ms, .kill_signal = o->kill_signal,
        .pdeathsig = o->pdeathsig, .data = o->data,
        .on_data = on_data, .on_error = on_error, .on_close = on_close,
    };
    if (o->pass_fd > 2 && o->pass_fd < LAB_STDIO_MAX) {
        so.stdio_count = o->pass_fd + 1;
        for (int i = 0; i < 3; i++) so.stdio[i].kind = LAB_STDIO_PIPE;
        for (int i = 3; i < o->pass_fd; i++) so.stdio[i].kind = LAB_STDIO_IGNORE;
        so.stdio[o->pass_fd].kind = LAB_STDIO_INHERIT;
    }
    lab_process *p = lab_spawn(loop, &so);
    if (!p) { free(req->cmd); free(req); return NULL; }
    p->owner = req;
    return p;
}

lab_process *lab_exec(lab_loop *loop, const char *command, const lab_exec_options *opts,
                      lab_exec_cb *cb, void *arg)
{
    if (!command || !cb) { errno = EINVAL; return NULL; }
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    return start(loop, "/bin/sh", argv, lab_xstrdup(command), opts, cb, arg);
}

/* Node's err.cmd for execFile: the file and its arguments, joined by spaces. */
static char *join_cmd(const char *file, char *const argv[])
{
    size_t n = strlen(file) + 1;
    for (int i = 1; argv && argv[0] && argv[i]; i++) n += strlen(argv[i]) + 1;
    char *cmd = lab_xmalloc(n);
    strcpy(cmd, file);
    for (int i = 1; argv && argv[0] && argv[i]; i++) {
        strcat(cmd, " ");
        strcat(cmd, argv[i]);
    }
    return cmd;
}

lab_process *lab_exec_file(lab_loop *loop, const char *file, char *const argv[],
                           const lab_exec_options *opts, lab_exec_cb *cb, void *arg)
{
    if (!file || !*file || !cb) { errno = EINVAL; return NULL; }
    return start(loop, file, argv, join_cmd(file, argv), opts, cb, arg);
}
