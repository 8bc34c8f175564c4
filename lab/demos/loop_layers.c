/*
 * loop_layers.c — demo `loop.layers`: which thread runs what.
 *
 * Each round schedules one piece of work of every kind the runtime has
 * and reports, from inside it, the thread it runs on:
 *   next tick, timer, immediate, pipe readable   → the loop thread
 *   file read, crc32 hash, DNS lookup            → pool threads
 *   each pool job's completion callback          → the loop thread again
 * It is Node's architecture in one picture: your callbacks all run on one
 * thread; the runtime quietly uses others for work that would block it.
 */
#define _GNU_SOURCE
#include "demo.h"
#include "pool.h"
#include "telemetry.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_timer round_timer, timer;
    lab_io pipe_io;
    int pipefd[2];
    int round, rounds;
} layers_state;

typedef struct {
    lab_work req;
    const char *what;
    layers_state *s;
    unsigned char buf[65536];
    long result;
} pool_job;

/* The heart of the demo: one event saying who ran this piece of work. */
static void report(const char *what, const char *layer, int round)
{
    char name[16];
    lab_ev *e = lab_ev_new("run");
    lab_ev_str(e, "what", what);
    lab_ev_str(e, "layer", layer);
    lab_ev_str(e, "thread", lab_demo_thread_name(name));
    lab_ev_int(e, "tid", gettid());
    lab_ev_int(e, "round", round);
    lab_ev_emit(e);
}

static void on_tick(lab_loop *loop, void *arg)
{
    layers_state *s = arg;
    report("next tick callback", "loop: after the current callback", s->round);
}

static void on_immediate(lab_loop *loop, void *arg)
{
    layers_state *s = arg;
    report("immediate callback", "loop: check phase", s->round);
}

static void on_timer(lab_timer *t)
{
    layers_state *s = t->data;
    report("timer callback", "loop: timers phase", s->round);
}

static void on_pipe(lab_io *io, int events)
{
    layers_state *s = io->data;
    char c;
    if (read(io->fd, &c, 1) == 1)
        report("pipe became readable", "loop: poll phase (epoll)", s->round);
}

static void job_work(lab_work *req)                /* pool thread */
{
    pool_job *j = req->data;
    if (strcmp(j->what, "file read") == 0) {
        int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        j->result = fd < 0 ? -1 : read(fd, j->buf, sizeof j->buf);
        if (fd >= 0) close(fd);
    } else if (strcmp(j->what, "crc32 hash") == 0) {
        memset(j->buf, 'x', sizeof j->buf);
        j->result = (long)crc32(0L, j->buf, sizeof j->buf);
    } else {
        struct addrinfo *res = NULL;
        j->result = getaddrinfo("localhost", NULL, NULL, &res);
        if (res) freeaddrinfo(res);
    }
    report(j->what, "thread pool", j->s->round);
}

static void job_after(lab_work *req, int status)   /* loop thread */
{
    pool_job *j = req->data;
    char what[64];
    snprintf(what, sizeof what, "%s: completion callback", j->what);
    report(what, "loop: poll phase (pool's eventfd)", j->s->round);
    free(j);
}

static void queue_job(layers_state *s, const char *what)
{
    pool_job *j = calloc(1, sizeof *j);
    j->what = what;
    j->s = s;
    j->req.data = j;
    lab_queue_work(s->loop, &j->req, job_work, job_after);
}

/* One round: schedule one of everything, then let the loop run it. */
static void on_round(lab_timer *t)
{
    layers_state *s = t->data;
    if (++s->round > s->rounds) {
        lab_timer_stop(t);
        lab_io_close(&s->pipe_io);
        return;
    }
    report("round starts (a timer callback)", "loop: timers phase", s->round);
    lab_next_tick(s->loop, on_tick, s);
    lab_set_immediate(s->loop, on_immediate, s);
    lab_timer_start(&s->timer, on_timer, 0, 0);
    if (write(s->pipefd[1], "x", 1) != 1) { /* pipe full: skip */ }
    queue_job(s, "file read");
    queue_job(s, "crc32 hash");
    queue_job(s, "dns lookup");
}

static int run(lab_demo *d)
{
    layers_state s = { .demo = d };
    s.loop = lab_loop_new();
    s.rounds = (int)lab_demo_int(d, "rounds");
    lab_demo_announce(d);
    lab_ev *e = lab_ev_new("threads");
    lab_ev_int(e, "loop_tid", gettid());
    lab_ev_int(e, "pool_size", lab_pool_default_size());
    lab_ev_emit(e);

    if (pipe2(s.pipefd, O_CLOEXEC | O_NONBLOCK) < 0) return 1;
    lab_io_init(s.loop, &s.pipe_io, s.pipefd[0]);
    s.pipe_io.data = &s;
    lab_io_start(&s.pipe_io, LAB_READABLE, on_pipe);
    lab_timer_init(s.loop, &s.timer);
    s.timer.data = &s;
    lab_timer_init(s.loop, &s.round_timer);
    s.round_timer.data = &s;
    uint64_t every = (uint64_t)lab_demo_int(d, "interval_ms");
    lab_timer_start(&s.round_timer, on_round, 0, every);

    lab_demo_deadline(d, s.loop, NULL);
    lab_loop_run(s.loop);
    lab_timer_stop(&s.round_timer);
    lab_timer_stop(&s.timer);
    lab_io_close(&s.pipe_io);
    close(s.pipefd[0]);
    close(s.pipefd[1]);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_loop_layers = {
    .name = "loop.layers",
    .chapter = 1,
    .summary = "which thread runs each kind of work: the loop or a pool thread",
    .shows = "run events: every callback on the loop thread (one tid); file "
             "reads, hashing and DNS on pool-N threads (other tids)",
    .duration_s = 5,
    .params = {
        { "rounds", LAB_PARAM_INT, 3, 1, 100, NULL, "rounds",
          "how many rounds of work to schedule", false },
        { "interval_ms", LAB_PARAM_INT, 500, 10, 5000, NULL, "ms",
          "time between rounds", false },
    },
    .run = run,
    .lab_sets = { "interval_ms=1500" },
    .lab_step = true,
};
