/*
 * process.c — spawning, watching and reaping child processes (see
 * process.h for the events and their order).
 *
 * Reading order: the reaper (one SIGCHLD watcher per loop and the list of
 * live children), the pipes the parent keeps, lab_spawn() itself, then how
 * a process ends: exit, close, free.  The code between fork and exec is in
 * process_child.c.
 */
#define _GNU_SOURCE
#include "process.h"
#include "events.h"
#include "process_child.h"
#include "errors.h"
#include "fdstream.h"
#include "ipc.h"
#include "mem.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define WRITE_HIGH_WATER (64 * 1024)    /* lab_process_write() says "slow down" */

/* ---- the reaper: SIGCHLD, waitpid, no zombies ------------------------------ */

/* One per loop that has children.  The SIGCHLD watcher is started before
 * the first fork (a child may exit before fork() even returns) and stopped
 * when the last child is reaped. */
typedef struct reaper {
    lab_loop *loop;
    lab_signal sigchld;
    lab_process *live;
    int count;
    struct reaper *next;
} reaper;

static reaper *reapers;
static pthread_mutex_t reapers_lock = PTHREAD_MUTEX_INITIALIZER;

static void child_exited(lab_process *p, int status);

/* SIGCHLD says "some child changed state", not which, and several exits
 * may share one signal.  So ask about every live child, without waiting.
 * Only our own children are asked: waitpid(-1) would steal the exits of
 * processes someone else started (a popen(), a test harness). */
/* doc:on-sigchld */
static void on_sigchld(lab_signal *sig, int signum)
{
    reaper *r = sig->data;
    lab_process *p = r->live;
    while (p) {
        lab_process *next = p->next;      /* child_exited unlinks p */
        int status;
        pid_t got = waitpid(p->pid, &status, WNOHANG);
        if (got == p->pid) child_exited(p, status);
        p = next;
    }
}
/* end doc:on-sigchld */

static reaper *reaper_for(lab_loop *loop)
{
    pthread_mutex_lock(&reapers_lock);
    reaper *r = reapers;
    while (r && r->loop != loop) r = r->next;
    if (!r) {
        r = lab_xcalloc(1, sizeof *r);
        r->loop = loop;
        r->next = reapers;
        reapers = r;
    }
    pthread_mutex_unlock(&reapers_lock);
    if (r->count == 0 && r->sigchld.signum == 0) {
        lab_signal_init(loop, &r->sigchld);
        r->sigchld.data = r;
        lab_signal_start(&r->sigchld, on_sigchld, SIGCHLD);
        lab_signal_unref(&r->sigchld);    /* the children hold the loop */
    }
    return r;
}

static void reaper_idle(reaper *r)
{
    if (r->count == 0 && r->sigchld.signum) lab_signal_stop(&r->sigchld);
}

static void reaper_add(reaper *r, lab_process *p)
{
    p->next = r->live;
    r->live = p;
    r->count++;
}

static void reaper_remove(lab_process *p)
{
    reaper *r = reaper_for(p->loop);
    lab_process **pp = &r->live;
    while (*pp && *pp != p) pp = &(*pp)->next;
    if (*pp) { *pp = p->next; r->count--; }
    p->next = NULL;
    reaper_idle(r);
}

int lab_process_live_count(lab_loop *loop)
{
    pthread_mutex_lock(&reapers_lock);
    reaper *r = reapers;
    while (r && r->loop != loop) r = r->next;
    int n = r ? r->count : 0;
    pthread_mutex_unlock(&reapers_lock);
    return n;
}

/* After fork() without exec (lab_fork_fn) the child starts afresh. */
void lab__process_forget_all(void)
{
    reapers = NULL;
    pthread_mutex_init(&reapers_lock, NULL);
}

/* ---- names ------------------------------------------------------------------ */

const char *lab_signal_name(int sig)
{
    static __thread char buf[16];
    if (sig <= 0) return NULL;
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev) snprintf(buf, sizeof buf, "SIG%s", abbrev);
    else snprintf(buf, sizeof buf, "SIG%d", sig);
    return buf;
}

int lab_signal_number(const char *name)
{
    if (!name || !*name) return 0;
    char *end;
    long n = strtol(name, &end, 10);
    if (*end == '\0') return n > 0 && n < NSIG ? (int)n : 0;
    if (strncmp(name, "SIG", 3) == 0) name += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && strcmp(abbrev, name) == 0) return sig;
    }
    return 0;
}

/* ---- the parent's pipe ends: streams ---------------------------------------- */

static void maybe_close(lab_process *p);
static void maybe_free(lab_process *p);

/* doc:on-stdio-close */
/* A readable stdio stream closed: one less thing 'close' waits for (Node
 * counts every stdio stream but stdin the same way). */
static void on_stdio_close(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_process *p = arg;
    p->open_outputs--;
    maybe_close(p);
}
/* end doc:on-stdio-close */

static void on_stdio_data(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_process *p = arg;
    for (int i = 0; i < LAB_STDIO_MAX; i++)
        if (p->stdio[i] == s && p->opts.on_data)
            p->opts.on_data(p, i, ev->chunk->data, ev->chunk->len);
}

static void on_stdio_end(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_process *p = arg;
    for (int i = 0; i < LAB_STDIO_MAX; i++)
        if (p->stdio[i] == s && p->opts.on_data) p->opts.on_data(p, i, NULL, 0);
}

/* Turns our pipe ends into streams named after the child: "child:PID:stdout". */
static void make_streams(lab_process *p)
{
    static const char *std[] = { "stdin", "stdout", "stderr" };
    for (int i = 0; i < p->opts.stdio_count; i++) {
        if (p->pipe_fd[i] < 0) continue;
        lab_stream_opts so = { .name = NULL };
        char name[32];
        if (i < 3) snprintf(name, sizeof name, "child:%d:%s", (int)p->pid, std[i]);
        else snprintf(name, sizeof name, "child:%d:fd%d", (int)p->pid, i);
        so.name = name;
        so.no_half_open = true;           /* net.Socket's default: EOF ends both */
        int mode = i == 0 ? LAB_FD_WRITE : i < 3 ? LAB_FD_READ : LAB_FD_READ | LAB_FD_WRITE;
        lab_stream *s = lab_fdstream_new(p->loop, p->pipe_fd[i], mode, &so);
        if (!s) { close(p->pipe_fd[i]); p->pipe_fd[i] = -1; continue; }
        p->pipe_fd[i] = -1;               /* the stream owns it now */
        p->stdio[i] = s;
        if (i == 0) continue;
        p->open_outputs++;
        lab_stream_on(s, LAB_ON_CLOSE, on_stdio_close, p);
        if (p->opts.on_data) {
            lab_stream_on(s, LAB_ON_END, on_stdio_end, p);
            lab_stream_on(s, LAB_ON_DATA, on_stdio_data, p);   /* starts the flow */
        }
    }
}

static lab_stream *stdio_stream(const lab_process *p, int fd)
{
    return fd >= 0 && fd < LAB_STDIO_MAX ? p->stdio[fd] : NULL;
}

bool lab_process_write(lab_process *p, int fd, const void *buf, size_t len)
{
    lab_stream *s = stdio_stream(p, fd);
    if (!s || !lab_stream_is_writable_side(s) || !lab_writable_writable(s)) return false;
    return lab_writable_write(s, lab_chunk_copy(buf, len), NULL, NULL);
}

void lab_process_end(lab_process *p, int fd)
{
    lab_stream *s = stdio_stream(p, fd);
    if (s && lab_stream_is_writable_side(s)) lab_writable_end(s);
}

void lab_process_pause(lab_process *p, int fd)
{
    lab_stream *s = stdio_stream(p, fd);
    if (s && lab_stream_is_readable_side(s)) lab_readable_pause(s);
}

void lab_process_resume(lab_process *p, int fd)
{
    lab_stream *s = stdio_stream(p, fd);
    if (s && lab_stream_is_readable_side(s)) lab_readable_resume(s);
}

void lab_process_close_pipe(lab_process *p, int fd)
{
    lab_stream *s = stdio_stream(p, fd);
    if (s) lab_stream_destroy(s, NULL);
}

/* ---- building the stdio table --------------------------------------------------- */

static void close_quietly(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* Makes the socketpairs.  child_fds[i] is what the child's descriptor i
 * will be (-1: /dev/null); to_close lists our copies of the child's ends. */
static int make_stdio(lab_process *p, lab_child_setup *s, int to_close[], int *ipc_fd)
{
    *ipc_fd = -1;
    s->count = p->opts.stdio_count;
    for (int i = 0; i < LAB_STDIO_MAX; i++) p->pipe_fd[i] = to_close[i] = -1;
    for (int i = 0; i < s->count; i++) {
        const lab_stdio *st = &p->opts.stdio[i];
        to_close[i] = -1;
        s->fds[i] = -1;
        int pair[2];
        switch (st->kind) {
        case LAB_STDIO_IGNORE: break;
        case LAB_STDIO_INHERIT: s->fds[i] = i; break;
        case LAB_STDIO_FD: s->fds[i] = st->fd; break;
        case LAB_STDIO_PIPE:
        case LAB_STDIO_IPC:
            /* A socketpair, not a pipe, for every slot — as libuv does
             * (uv_socketpair in uv__process_init_stdio).  It shows when the
             * parent stops reading: a pipe's writer gets EPIPE (and dies of
             * SIGPIPE); a socket's writer gets ECONNRESET first if bytes
             * were left unread, and a program that checks write() exits
             * with its own message (docs/child-processes.md). */
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) return errno;
            s->fds[i] = to_close[i] = pair[1];
            if (st->kind == LAB_STDIO_IPC) *ipc_fd = pair[0];
            else p->pipe_fd[i] = pair[0];
            break;
        }
    }
    return 0;
}

/* The environment, plus NODELAB_CHANNEL_FD=n when there is a channel. */
static char **make_env(const lab_process *p, int ipc_index, char *slot, size_t slotlen)
{
    char *const *base = p->opts.env ? p->opts.env : environ;
    size_t n = 0;
    while (base[n]) n++;
    char **env = lab_xmalloc((n + 2) * sizeof *env);
    size_t k = 0, keylen = strlen(LAB_IPC_ENV);
    for (size_t i = 0; i < n; i++)
        if (ipc_index < 0 || strncmp(base[i], LAB_IPC_ENV, keylen) != 0 ||
            base[i][keylen] != '=')
            env[k++] = base[i];
    if (ipc_index >= 0) {
        snprintf(slot, slotlen, "%s=%d", LAB_IPC_ENV, ipc_index);
        env[k++] = slot;
    }
    env[k] = NULL;
    return env;
}

/* ---- lab_spawn -------------------------------------------------------------------- */

static void report_spawn(const lab_process *p)
{
    lab_ev *e = lab_ev_new(LAB_EV(SPAWN));
    if (!e) return;
    lab_ev_pid(e, p->pid);
    lab_ev_int(e, "ppid", getpid());
    lab_ev_str(e, "file", p->file);
    cJSON *argv = cJSON_CreateArray();
    for (char *const *a = p->opts.argv; a && *a; a++)
        cJSON_AddItemToArray(argv, cJSON_CreateString(*a));
    if (!p->opts.argv) cJSON_AddItemToArray(argv, cJSON_CreateString(p->file));
    lab_ev_json(e, "argv", argv);
    if (p->opts.detached) lab_ev_bool(e, "detached", true);
    if (p->ipc) lab_ev_bool(e, "ipc", true);
    lab_ev_emit(e);
}

static void spawn_tick(lab_loop *loop, void *arg)
{
    lab_process *p = arg;
    if (p->opts.on_spawn) p->opts.on_spawn(p);
}

/* A program that could not start: 'error', then 'close' with -errno (as
 * Node, whose 'close' then reports -2 for ENOENT), never 'exit'.  With no
 * on_error the 'error' is unhandled, and like Node the program ends. */
static void error_tick(lab_loop *loop, void *arg)
{
    lab_process *p = arg;
    char msg[160];
    snprintf(msg, sizeof msg, "spawn %s %s", p->file, lab_errno_name(p->spawn_error));
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    lab_ev_str(e, "file", p->file);
    lab_ev_str(e, "code", lab_errno_name(p->spawn_error));
    lab_ev_str(e, "message", msg);
    lab_ev_str(e, "syscall", "spawn");
    lab_ev_emit(e);
    /* doc:unhandled-error */
    if (!p->opts.on_error)                /* nobody listens: Node throws */
        lab_unhandled_error("ChildProcess", lab_errno_name(p->spawn_error), msg);
    /* end doc:unhandled-error */
    p->opts.on_error(p, p->spawn_error, msg);
    p->exit_code = -p->spawn_error;
    p->exited = true;                     /* for maybe_close: nothing to wait for */
    maybe_close(p);
}

static void on_timeout(lab_timer *t)
{
    lab_process *p = t->data;
    lab_ev *e = lab_ev_new(LAB_EV(TIMEOUT));
    lab_ev_int(e, "child", p->pid);
    lab_ev_int(e, "ms", (int64_t)p->opts.timeout_ms);
    lab_ev_str(e, "signal", lab_signal_name(p->opts.kill_signal));
    lab_ev_bool(e, "group", p->opts.kill_group);
    lab_ev_emit(e);
    p->timed_out = true;
    lab_process_kill(p, p->opts.kill_signal);
}

/* Channel callbacks, forwarded to the process's own. */
static void ipc_message(lab_ipc *ch, cJSON *msg, int fd)
{
    lab_process *p = ch->data;
    if (p->opts.on_message) p->opts.on_message(p, msg, fd);
    else if (fd >= 0) close(fd);
}

/* The channel counts for 'close' like an output stream: Node's maybeClose
 * waits for it too.  (Node forgets to count it down when the *parent*
 * disconnects, so its 'close' never comes — nodejs/node#19433; here it
 * does.) */
static void ipc_disconnect(lab_ipc *ch)
{
    lab_process *p = ch->data;
    if (p->opts.on_disconnect) p->opts.on_disconnect(p);
    p->open_outputs--;
    maybe_close(p);
}

static void ipc_freed(lab_ipc *ch, void *arg)
{
    lab_process *p = arg;
    p->ipc = NULL;
    p->ipc_open = false;
    maybe_free(p);
}

static bool valid_options(const lab_spawn_options *o, bool need_file)
{
    if (!o || (need_file && (!o->file || !*o->file)) ||
        o->stdio_count < 0 || o->stdio_count > LAB_STDIO_MAX)
        return false;
    int ipcs = 0;
    for (int i = 0; i < o->stdio_count; i++) {
        if (o->stdio[i].kind == LAB_STDIO_IPC) ipcs++;
        if (o->stdio[i].kind == LAB_STDIO_FD && o->stdio[i].fd < 0) return false;
    }
    return ipcs <= 1 && (!o->kill_group || o->detached);
}

lab_process *lab_spawn(lab_loop *loop, const lab_spawn_options *opts)
{
    return lab__spawn(loop, opts, NULL, NULL);
}

/* With main: fork and run main(arg) in the child instead of a program. */
lab_process *lab__spawn(lab_loop *loop, const lab_spawn_options *opts,
                        lab_child_main *main, void *arg)
{
    if (!valid_options(opts, main == NULL)) { errno = EINVAL; return NULL; }
    /* As Node: EPIPE, not death.  Every time, not once per process: a
     * worker forked without exec had its signals reset to the default
     * (reset_signals) while a "done once" flag would have come along in
     * its copy of our memory, and its first write to a dead child's stdin
     * would kill it. */
    signal(SIGPIPE, SIG_IGN);

    lab_process *p = lab_xcalloc(1, sizeof *p);
    p->loop = loop;
    p->opts = *opts;
    p->data = opts->data;
    p->exit_code = -1;
    p->file = lab_xstrdup(opts->file ? opts->file : "(function)");
    if (p->opts.stdio_count == 0) {
        p->opts.stdio_count = 3;
        for (int i = 0; i < 3; i++) p->opts.stdio[i].kind = LAB_STDIO_PIPE;
    }
    if (!p->opts.kill_signal) p->opts.kill_signal = SIGTERM;
    char *default_argv[] = { p->file, NULL };
    if (!p->opts.argv) p->opts.argv = default_argv;   /* used only below */

    reaper *r = reaper_for(loop);        /* SIGCHLD watched before fork */
    lab_child_setup s = { .file = p->file, .argv = p->opts.argv, .cwd = opts->cwd,
                          .detached = opts->detached, .pdeathsig = opts->pdeathsig,
                          .parent = getpid() };
    int to_close[LAB_STDIO_MAX], ipc_fd = -1, errpipe[2] = { -1, -1 }, ipc_index = -1;
    for (int i = 0; i < p->opts.stdio_count; i++)
        if (p->opts.stdio[i].kind == LAB_STDIO_IPC) ipc_index = i;
    char slot[48];
    int err = make_stdio(p, &s, to_close, &ipc_fd);
    char **env = err ? NULL : make_env(p, ipc_index, slot, sizeof slot);
    if (!err && pipe2(errpipe, O_CLOEXEC) < 0) err = errno;
    if (!err) {
        s.envp = env;
        s.path = lab_child_path(env);
        s.errfd = errpipe[1];
        p->pid = main ? lab_child_start_call(&s, main, arg) : lab_child_start(&s);
        if (p->pid < 0) { err = errno; p->pid = 0; }
    }
    /* Our copies of the child's ends go; then read the verdict: EOF means
     * exec succeeded, four bytes are the errno of what failed. */
    for (int i = 0; i < s.count; i++) close_quietly(&to_close[i]);
    close_quietly(&errpipe[1]);
    /* doc:spawn-exec-error */
    if (p->pid > 0) {
        int child_err = 0;
        ssize_t n;
        while ((n = read(errpipe[0], &child_err, sizeof child_err)) < 0 && errno == EINTR) { }
        if (n == (ssize_t)sizeof child_err) {
            err = child_err;
            while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) { }   /* reap it now */
            p->pid = 0;
        }
    }
    /* end doc:spawn-exec-error */
    close_quietly(&errpipe[0]);
    free(env);
    p->opts.argv = opts->argv;           /* default_argv dies with this frame */

    lab_loop_hold(loop);
    p->held = true;
    if (err) {                            /* no child: tell on the next tick */
        p->spawn_error = err;
        for (int i = 0; i < LAB_STDIO_MAX; i++) close_quietly(&p->pipe_fd[i]);
        close_quietly(&ipc_fd);
        reaper_idle(r);
        lab_next_tick(loop, error_tick, p);
        return p;
    }
    p->spawned = true;
    reaper_add(r, p);
    make_streams(p);
    if (ipc_fd >= 0) {
        p->ipc = lab_ipc_open(loop, ipc_fd, p->pid);
        p->ipc->data = p;
        p->ipc->on_message = ipc_message;
        p->ipc->on_disconnect = ipc_disconnect;
        p->ipc->on_free = ipc_freed;
        p->ipc->on_free_arg = p;
        p->ipc_open = true;
        p->open_outputs++;
    }
    report_spawn(p);
    if (p->opts.timeout_ms) {
        lab_timer_init(loop, &p->timeout);
        p->timeout.data = p;
        lab_timer_start(&p->timeout, on_timeout, p->opts.timeout_ms, 0);
        lab_timer_unref(&p->timeout);
    }
    lab_next_tick(loop, spawn_tick, p);
    return p;
}

/* ---- the end: exit, close, free ----------------------------------------------------- */

/* `exit` or `close`: about the child (pid), reported by us (ppid). */
static void report_end(lab_ev_id ev, const lab_process *p)
{
    lab_ev *e = lab_ev_new(lab_ev_names[ev]);
    if (!e) return;                       /* telemetry off: not even getpid() */
    lab_ev_pid(e, p->pid);
    lab_ev_int(e, "ppid", getpid());
    if (p->term_signal) lab_ev_null(e, "code");
    else lab_ev_int(e, "code", p->exit_code);
    lab_ev_str(e, "signal", lab_signal_name(p->term_signal));
    if (p->timed_out && ev == LAB_EV_EXIT) lab_ev_bool(e, "timed_out", true);
    lab_ev_emit(e);
}

/* Node's flushStdio(): after exit, output nobody reads is read anyway, so
 * the pipes reach their end and 'close' can come. */
static void flush_stdio(lab_loop *loop, void *arg)
{
    lab_process *p = arg;
    p->flush_pending = false;
    for (int i = 1; i < p->opts.stdio_count; i++)
        if (p->stdio[i] && lab_readable_readable(p->stdio[i])) lab_readable_resume(p->stdio[i]);
    maybe_free(p);
}

static void child_exited(lab_process *p, int status)
{
    reaper_remove(p);
    p->exited = true;
    if (WIFSIGNALED(status)) p->term_signal = WTERMSIG(status);
    else p->exit_code = WEXITSTATUS(status);
    if (p->opts.timeout_ms) lab_timer_stop(&p->timeout);
    /* Nobody is left to read stdin: Node destroys it here too. */
    if (p->stdio[0]) lab_stream_destroy(p->stdio[0], NULL);
    report_end(LAB_EV_EXIT, p);
    if (p->opts.on_exit) p->opts.on_exit(p, p->exit_code, p->term_signal);
    p->flush_pending = true;
    lab_next_tick(p->loop, flush_stdio, p);
    maybe_close(p);
}

static void maybe_close(lab_process *p)
{
    if (p->closed || !p->exited || p->open_outputs > 0) return;
    p->closed = true;
    report_end(LAB_EV_CLOSE, p);
    if (p->opts.on_close) p->opts.on_close(p, p->exit_code, p->term_signal);
    if (p->held) lab_loop_release(p->loop);
    p->held = false;
    maybe_free(p);
}

/* Freed on a tick of its own: we may be inside an emit of one of our
 * streams, whose listeners still point at p until it returns. */
static void free_tick(lab_loop *loop, void *arg)
{
    lab_process *p = arg;
    for (int i = 0; i < LAB_STDIO_MAX; i++) {
        if (!p->stdio[i]) continue;
        lab_stream_off(p->stdio[i], LAB_ON_CLOSE, on_stdio_close, p);
        lab_stream_off(p->stdio[i], LAB_ON_DATA, on_stdio_data, p);
        lab_stream_off(p->stdio[i], LAB_ON_END, on_stdio_end, p);
        lab_stream_unref(p->stdio[i]);
    }
    free(p->file);
    free(p);
}

static void maybe_free(lab_process *p)
{
    if (!p->closed || p->ipc_open || p->flush_pending || p->freeing) return;
    p->freeing = true;
    lab_next_tick(p->loop, free_tick, p);
}

void lab_process_unref(lab_process *p)
{
    if (p->held) lab_loop_release(p->loop);
    p->held = false;
    if (p->ipc) lab_ipc_unref(p->ipc);
}

/* ---- signals to the child ------------------------------------------------------------- */

static int send_signal(lab_process *p, pid_t target, int sig, bool group)
{
    if (!p->spawned) { errno = ESRCH; return -1; }
    if (sig == 0) sig = SIGTERM;
    int rc = kill(target, sig);
    int err = errno;
    lab_ev *e = lab_ev_new(LAB_EV(KILL));
    lab_ev_int(e, "child", p->pid);
    lab_ev_str(e, "signal", lab_signal_name(sig));
    lab_ev_bool(e, "group", group);
    lab_ev_bool(e, "ok", rc == 0);
    lab_ev_emit(e);
    if (rc == 0) p->killed = true;
    errno = err;
    return rc;
}

int lab_process_kill(lab_process *p, int sig)
{
    if (p->exited) { errno = ESRCH; return -1; }   /* its pid may be reused */
    if (p->opts.kill_group) return send_signal(p, -p->pid, sig, true);
    return send_signal(p, p->pid, sig, false);
}

/* The group outlives its leader while any member lives, and its number
 * cannot be reused until then: safe to signal even after exit. */
int lab_process_kill_group(lab_process *p, int sig)
{
    if (!p->opts.detached) { errno = EINVAL; return -1; }
    return send_signal(p, -p->pid, sig, true);
}
