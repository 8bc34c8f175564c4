/* demo_proc.c — starting, talking to and stopping a demo (see demo_proc.h). */
#define _GNU_SOURCE
#include "demo_proc.h"
#include "app.h"
#include "course/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void maybe_end(demo_proc *p)
{
    if (p->out_open || p->err_open || !p->reaped) return;
    if (p->ctl_fd >= 0) { close(p->ctl_fd); p->ctl_fd = -1; }
    if (p->record_fd >= 0) { close(p->record_fd); p->record_fd = -1; }
    p->runner = 0;
    if (p->on_end) p->on_end(p);
}

static void on_out(lab_io *io, int events);

static void on_batch(lab_timer *t)
{
    demo_proc *p = t->data;
    if (p->out_open) lab_io_start(&p->out_io, LAB_READABLE, on_out);
}

/* Telemetry in batches.  A busy demo writes tens of thousands of lines a
 * second; waking for each would cost more than drawing them.  So after each
 * read the lab stops listening for DEMO_BATCH_MS, and the next read takes
 * everything that arrived meanwhile (the pipe is made large enough). */
static void on_out(lab_io *io, int events)
{
    demo_proc *p = io->data;
    lab_io_stop(io, LAB_READABLE);
    lab_timer_start(&p->batch, on_batch, DEMO_BATCH_MS, 0);
    if (p->cap - p->len < 65536) {
        p->cap = p->cap ? p->cap * 2 : 131072;
        p->buf = realloc(p->buf, p->cap);
    }
    ssize_t n = read(io->fd, p->buf + p->len, p->cap - p->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        lab_timer_stop(&p->batch);
        lab_io_close(io);
        close(p->out_fd);
        p->out_open = false;
        maybe_end(p);
        return;
    }
    if (p->record_fd >= 0 && write(p->record_fd, p->buf + p->len, (size_t)n) != n) {
        close(p->record_fd);               /* a full disk ends the recording */
        p->record_fd = -1;
    }
    p->len += (size_t)n;
    char *start = p->buf, *nl;
    while ((nl = memchr(start, '\n', p->len - (size_t)(start - p->buf)))) {
        if (p->on_line) p->on_line(p, start, (size_t)(nl - start));
        start = nl + 1;
    }
    p->len -= (size_t)(start - p->buf);
    memmove(p->buf, start, p->len);
    if (p->len > (1u << 20)) p->len = 0;          /* a "line" of a megabyte: junk */
}

/* Keeps the last DEMO_ERR_TAIL bytes the demo wrote to stderr. */
static void on_err(lab_io *io, int events)
{
    demo_proc *p = io->data;
    char chunk[2048];
    ssize_t n = read(io->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        lab_io_close(io);
        close(p->err_fd);
        p->err_open = false;
        maybe_end(p);
        return;
    }
    if (p->err_len + (size_t)n > DEMO_ERR_TAIL) {
        size_t drop = p->err_len + (size_t)n - DEMO_ERR_TAIL;
        if (drop > p->err_len) drop = p->err_len;
        memmove(p->err_tail, p->err_tail + drop, p->err_len - drop);
        p->err_len -= drop;
    }
    size_t take = (size_t)n > DEMO_ERR_TAIL ? DEMO_ERR_TAIL : (size_t)n;
    memcpy(p->err_tail + p->err_len, chunk + n - take, take);
    p->err_len += take;
}

static void on_runner_exit(pid_t pid, int status, void *arg)
{
    demo_proc *p = arg;
    p->reaped = true;
    p->status = status;
    /* Whatever the demo left in its group goes with it. */
    if (p->demo_pid > 0) kill(-p->demo_pid, SIGKILL);
    maybe_end(p);
}

/* In the child, before exec: a clean signal state, its own group, and
 * death when the lab dies (so a killed lab leaves no demo behind). */
static void exec_runner(int in, int out, int err, char **argv, bool every_event)
{
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* The lab draws FRAME_MS frames: the demo's telemetry may fold its
     * busy events per frame (docs/telemetry.md, "Frame mode") instead of
     * sending a line each — not for a demo about the order of events,
     * which starts in step mode.  A setting of the lab's own environment
     * wins (NODELAB_TELEMETRY_FRAME=0: every event a line). */
    char frame[16];
    snprintf(frame, sizeof frame, "%d", every_event ? 0 : FRAME_MS);
    setenv("NODELAB_TELEMETRY_FRAME", frame, every_event);
    execv(nl_self_exe(), argv);
    dprintf(2, "nodelab: cannot run %s: %s\n", nl_self_exe(), strerror(errno));
    _exit(127);
}

int demo_proc_start(demo_proc *p, lab_loop *loop, const char *name,
                    char *const *sets, int nsets, int duration_s)
{
    /* A fresh state; the owner's callbacks and the line buffer stay.  (The
     * initializer reads *p before the assignment writes it.) */
    *p = (demo_proc){ .on_line = p->on_line, .on_end = p->on_end, .data = p->data,
                      .every_event = p->every_event,
                      .buf = p->buf, .cap = p->cap, .loop = loop,
                      .ctl_fd = -1, .record_fd = -1 };

    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) < 0) return -1;
    if (pipe2(out, O_CLOEXEC) < 0) { close(in[0]); close(in[1]); return -1; }
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        return -1;
    }
    char duration[32];
    snprintf(duration, sizeof duration, "%d", duration_s);
    char **argv = calloc((size_t)(8 + 2 * nsets), sizeof *argv);
    int a = 0;
    argv[a++] = "nodelab";
    argv[a++] = "demo";
    argv[a++] = (char *)name;
    argv[a++] = "--json";
    argv[a++] = "--control";
    argv[a++] = "--duration";
    argv[a++] = duration;
    for (int i = 0; i < nsets; i++) { argv[a++] = "--set"; argv[a++] = sets[i]; }
    argv[a] = NULL;

    pid_t pid = fork();
    if (pid == 0) exec_runner(in[0], out[1], err[1], argv, p->every_event);
    int saved = errno;
    free(argv);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(in[1]); close(out[0]); close(err[0]);
        errno = saved;
        return -1;
    }
    setpgid(pid, pid);                        /* no race with the child's own */
    p->runner = pid;
    app_watch_child(pid, on_runner_exit, p);
    const char *record = getenv("NODELAB_RECORD");
    if (record && *record)
        p->record_fd = open(record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    p->ctl_fd = in[1];
    fcntl(p->ctl_fd, F_SETFL, O_NONBLOCK);
    p->out_fd = out[0];
    p->err_fd = err[0];
    fcntl(p->out_fd, F_SETPIPE_SZ, 1 << 20);  /* room for a batch; best effort */
    lab_timer_init(loop, &p->batch);
    p->batch.data = p;
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    lab_io_init(loop, &p->out_io, p->out_fd);
    p->out_io.data = p;
    lab_io_start(&p->out_io, LAB_READABLE, on_out);
    lab_io_init(loop, &p->err_io, p->err_fd);
    p->err_io.data = p;
    lab_io_start(&p->err_io, LAB_READABLE, on_err);
    p->out_open = p->err_open = true;
    return 0;
}

bool demo_proc_running(const demo_proc *p) { return p->runner > 0; }

int demo_proc_send(demo_proc *p, const char *line)
{
    if (p->ctl_fd < 0) { errno = EPIPE; return -1; }
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n <= 0 || (size_t)n >= sizeof buf) { errno = EINVAL; return -1; }
    return write(p->ctl_fd, buf, (size_t)n) == n ? 0 : -1;
}

int demo_proc_pause(demo_proc *p, bool pause)
{
    if (p->demo_pid <= 0 || !p->runner) { errno = ESRCH; return -1; }
    if (kill(-p->demo_pid, pause ? SIGSTOP : SIGCONT) < 0) return -1;
    p->paused = pause;
    return 0;
}

void demo_proc_stop(demo_proc *p)
{
    if (!p->runner) return;
    p->stopping = true;
    if (p->paused) demo_proc_pause(p, false);
    kill(p->runner, SIGTERM);                 /* the runner stops the demo */
}

/* Waits up to ms for the runner to be reaped; true if it was. */
static bool wait_runner(demo_proc *p, int ms)
{
    int status;
    for (int i = 0; i < ms / 10; i++) {
        pid_t r = waitpid(p->runner, &status, WNOHANG);
        if (r == p->runner || (r < 0 && errno == ECHILD)) return true;
        usleep(10000);
    }
    return false;
}

void demo_proc_destroy(demo_proc *p)
{
    if (p->runner) {
        /* SIGTERM first, as `nodelab demo` does on Ctrl-C: a demo removes
         * its scratch files on SIGTERM (lab/demos/streamkit.c), and SIGKILL
         * would leave them — gigabytes, maybe.  A stopped (paused) group
         * gets SIGCONT so the SIGTERM is delivered at all. */
        if (p->demo_pid > 0) {
            kill(-p->demo_pid, SIGTERM);
            kill(-p->demo_pid, SIGCONT);
        }
        kill(p->runner, SIGTERM);             /* it stops the demo's group too */
        if (!wait_runner(p, 1500)) {          /* stuck: insist */
            if (p->demo_pid > 0) kill(-p->demo_pid, SIGKILL);
            kill(-p->runner, SIGKILL);
            wait_runner(p, 1000);
        }
        app_unwatch_child(p->runner);
        p->runner = 0;
    }
    if (p->out_open) {
        lab_timer_stop(&p->batch);
        lab_io_close(&p->out_io);
        close(p->out_fd);
        p->out_open = false;
    }
    if (p->err_open) { lab_io_close(&p->err_io); close(p->err_fd); p->err_open = false; }
    if (p->ctl_fd >= 0) { close(p->ctl_fd); p->ctl_fd = -1; }
    if (p->record_fd >= 0) { close(p->record_fd); p->record_fd = -1; }
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
