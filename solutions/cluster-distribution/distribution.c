/*
 * distribution.c — exercise cluster-distribution: the reference solution.
 */
#include "distribution.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void dist_on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    char pid[16], body[64], line[600];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    int n = snprintf(body, sizeof body, "served by pid %s\n", pid);
    lab_http_set_status(res, 200);
    lab_http_set_header(res, "X-Worker-Pid", pid);
    lab_http_end(res, body, (size_t)n, NULL, NULL);
    /* One line, one write(): lines of several workers never mix. */
    int len = snprintf(line, sizeof line, "%s %.16s %.500s\n", pid, req->method, req->url);
    ssize_t written = write(dist_log_fd, line, (size_t)len);
    (void)written;                     /* a log that fails: nothing better to do */
}

/* The worker with this pid, added (in pid order) if new; NULL if full. */
static dist_worker *worker_for(dist_report *r, pid_t pid)
{
    size_t i = 0;
    while (i < r->nworkers && r->workers[i].pid < pid) i++;
    if (i < r->nworkers && r->workers[i].pid == pid) return &r->workers[i];
    if (r->nworkers == DIST_MAX_WORKERS) return NULL;
    memmove(&r->workers[i + 1], &r->workers[i], (r->nworkers - i) * sizeof r->workers[0]);
    r->nworkers++;
    r->workers[i] = (dist_worker){ pid, 0 };
    return &r->workers[i];
}

/* "PID METHOD URL": the pid, or 0 if the line is not one. */
static pid_t parse_line(const char *line, size_t n)
{
    char buf[640];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, line, n);
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    if (end == buf || pid <= 0 || *end != ' ') return 0;
    char *method = end + 1, *sp = strchr(method, ' ');
    if (!sp || sp == method || sp[1] == '\0') return 0;
    return (pid_t)pid;
}

static void finish(dist_report *r)
{
    if (r->nworkers == 0) return;
    r->min = r->max = r->workers[0].count;
    for (size_t i = 1; i < r->nworkers; i++) {
        if (r->workers[i].count < r->min) r->min = r->workers[i].count;
        if (r->workers[i].count > r->max) r->max = r->workers[i].count;
    }
    double mean = (double)r->total / (double)r->nworkers;
    r->spread_pct = (double)(r->max - r->min) * 100.0 / mean;
}

int dist_tally(const char *log, size_t len, dist_report *out)
{
    memset(out, 0, sizeof *out);
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(log + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (log + at)) : len - at;
        pid_t pid = parse_line(log + at, n);
        dist_worker *w = pid ? worker_for(out, pid) : NULL;
        if (!w) {
            finish(out);
            errno = EINVAL;
            return -1;
        }
        w->count++;
        out->total++;
        at += n + 1;
    }
    finish(out);
    return 0;
}
