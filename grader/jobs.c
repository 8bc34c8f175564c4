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

static void start(slot *s, size_t index, nl_job_fn *fn, void *arg)
{
    int p[2];
    s->index = index;
    s->pid = -1;
    s->fd = -1;
    nl_cap_init(&s->out, 256 * 1024);
    fflush(NULL);
    if (pipe2(p, O_CLOEXEC) < 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
        signal(SIGINT, SIG_DFL);
        dup2(p[1], 1);
        close(p[0]);
        int rc = fn(index, arg);
        fflush(NULL);
        _exit(rc);                 /* no atexit: the parent owns the temp folder */
    }
    close(p[1]);
    if (pid < 0) { close(p[0]); return; }
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

void nl_jobs_run(size_t n, int jobs, nl_job_fn *fn, nl_job_done *done, void *arg)
{
    if (jobs < 1) jobs = 1;
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    size_t next = 0, running = 0;
    for (;;) {
        for (int i = 0; i < jobs && next < n; i++)
            if (slots[i].pid == 0) {
                start(&slots[i], next++, fn, arg);
                if (slots[i].pid < 0) finish(&slots[i], done, arg);
                else running++;
            }
        if (running == 0 && next >= n) break;
        struct pollfd p[64];
        int map[64], np = 0;
        for (int i = 0; i < jobs && np < 64; i++)
            if (slots[i].pid > 0 && slots[i].fd >= 0) { p[np] = (struct pollfd){ slots[i].fd, POLLIN, 0 }; map[np++] = i; }
        if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR) break;
        for (int k = 0; k < np; k++) {
            if (!p[k].revents) continue;
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
}
