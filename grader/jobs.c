/* jobs.c — running grading jobs in parallel child processes (see jobs.h). */
#include "config.h"
#include "jobs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    int fd;                    /* the child's stdout, -1 once at EOF */
    size_t index;
    nl_cap out;
} slot;

/* A stop request: the handler writes to a pipe the loop polls, so a
 * signal that arrives just before poll() is not missed. */
static int stop_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    int saved = errno;
    stop_sig = sig;
    if (write(stop_pipe[1], "", 1) < 0) {}
    errno = saved;
}

void nl_jobs_catch_stop(void)
{
    if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return;
    struct sigaction sa = { .sa_handler = on_stop };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int nl_jobs_stop_signal(void)
{
    return stop_sig;
}

static void start(slot *s, size_t index, nl_job_fn *fn, void *arg)
{
    int p[2];
    s->index = index;
    s->pid = -1;
    s->fd = -1;
    nl_cap_init(&s->out, 256 * 1024);
    fflush(NULL);
    if (pipe2(p, O_CLOEXEC) < 0) return;
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        /* Out of the terminal's process group: the parent decides. */
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
        if (getppid() != parent) _exit(128 + SIGTERM);    /* the parent is already gone */
        dup2(p[1], 1);
        close(p[0]);
        int rc = fn(index, arg);
        fflush(NULL);
        _exit(rc);                 /* no atexit: the parent owns the temp folder */
    }
    close(p[1]);
    if (pid < 0) { close(p[0]); return; }
    setpgid(pid, pid);
    s->pid = pid;
    s->fd = p[0];
}

static void finish(slot *s, nl_job_done *done, void *arg)
{
    int status = 0;
    if (s->pid > 0) while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {}
    else status = 127 << 8;        /* could not even start */
    char *text = nl_cap_text(&s->out);
    done(s->index, status, text, arg);
    free(text);
    nl_cap_free(&s->out);
    s->pid = 0;
}

/* The first stop request ends the running jobs politely, the next ones
 * at once. */
static void pass_on_stop(slot *slots, int jobs, int *requests)
{
    char drain[64];
    while (read(stop_pipe[0], drain, sizeof drain) > 0) (*requests)++;
    for (int i = 0; i < jobs; i++)
        if (slots[i].pid > 0) kill(slots[i].pid, *requests > 1 ? SIGKILL : SIGTERM);
}

size_t nl_jobs_run(size_t n, int jobs, nl_job_fn *fn, nl_job_done *done, void *arg)
{
    if (jobs < 1) jobs = 1;
    if (jobs > 64) jobs = 64;
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    size_t next = 0, running = 0;
    int requests = 0;
    for (;;) {
        for (int i = 0; i < jobs && next < n && !stop_sig; i++)
            if (slots[i].pid == 0) {
                start(&slots[i], next++, fn, arg);
                if (slots[i].pid < 0) finish(&slots[i], done, arg);
                else running++;
            }
        if (running == 0 && (next >= n || stop_sig)) break;
        struct pollfd p[65];
        int map[65], np = 0;
        for (int i = 0; i < jobs; i++)
            if (slots[i].pid > 0 && slots[i].fd >= 0) { p[np] = (struct pollfd){ slots[i].fd, POLLIN, 0 }; map[np++] = i; }
        if (stop_pipe[0] >= 0) { p[np] = (struct pollfd){ stop_pipe[0], POLLIN, 0 }; map[np++] = -1; }
        if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR) break;
        for (int k = 0; k < np; k++) {
            if (!p[k].revents) continue;
            if (map[k] < 0) { pass_on_stop(slots, jobs, &requests); continue; }
            slot *s = &slots[map[k]];
            char buf[16384];
            ssize_t got = read(s->fd, buf, sizeof buf);
            if (got > 0) { nl_cap_add(&s->out, buf, (size_t)got); continue; }
            if (got < 0 && errno == EINTR) continue;
            close(s->fd);
            s->fd = -1;
            finish(s, done, arg);      /* its stdout closed: it has ended (or is ending) */
            running--;
        }
    }
    free(slots);
    return n - next;
}
