/*
 * test_fixtures.c — two hidden demos the lab's own tests drive.
 *
 *   test.crash    announces itself, reports a few events, writes to stderr,
 *                 then dies (abort(), or exit with a chosen status), so the
 *                 tests can see the lab show a crash and keep running.
 *   test.buffer   a fast producer writing into a real writable stream (the
 *                 runtime's own: its write, written and drain events are
 *                 the runtime's, not made up here) whose sink a slow
 *                 consumer empties, with a forked helper process that talks
 *                 over a socketpair (spawn, ipc from both ends, mem, exit),
 *                 so the lab's tests drive every dashboard widget quickly.
 *
 * Both are chapter 0 and hidden: `nodelab list` shows them only with
 * NODELAB_SHOW_HIDDEN=1, but `nodelab demo test.crash` runs them.
 */
#define _GNU_SOURCE
#include "demo.h"
#include "events.h"
#include "stream.h"
#include "telemetry.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- test.crash -------------------------------------------------------- */

static lab_demo *crash_demo;

static void crash_now(lab_timer *t)
{
    int64_t code = lab_demo_int(crash_demo, "exit_code");
    fprintf(stderr, "test.crash: giving up on purpose after %lld ms\n",
            (long long)lab_demo_int(crash_demo, "after_ms"));
    lab_tel_close(500);                   /* let the events above reach the lab */
    if (code) exit((int)code);
    abort();
}

static void crash_tick(lab_timer *t)
{
    static int64_t len;
    len += 1024;
    lab_ev *e = lab_ev_new(LAB_EV(WRITE));
    lab_ev_str(e, "stream", "doomed");
    lab_ev_int(e, "size", 1024);
    lab_ev_int(e, "len", len);
    lab_ev_int(e, "hwm", 16384);
    lab_ev_bool(e, "ret", len < 16384);
    lab_ev_emit(e);
}

static int crash_run(lab_demo *d)
{
    crash_demo = d;
    lab_loop *loop = lab_loop_new();
    lab_demo_announce(d);
    fprintf(stderr, "test.crash: started, will crash soon\n");
    lab_timer tick, boom;
    lab_timer_init(loop, &tick);
    lab_timer_start(&tick, crash_tick, 20, 20);
    lab_timer_unref(&tick);
    lab_timer_init(loop, &boom);
    lab_timer_start(&boom, crash_now, (uint64_t)lab_demo_int(d, "after_ms"), 0);
    lab_demo_deadline(d, loop, NULL);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}

const lab_demo_def lab_demo_test_crash = {
    .name = "test.crash",
    .chapter = 0,
    .summary = "a demo that crashes on purpose (for the lab's tests)",
    .shows = "the lab reports the crash, its exit status and stderr, and keeps running",
    .duration_s = 10,
    .params = {
        { "after_ms", LAB_PARAM_INT, 800, 0, 60000, NULL, "ms",
          "how long to run before crashing", false },
        { "exit_code", LAB_PARAM_INT, 0, 0, 255, NULL, "status",
          "0: abort() (SIGABRT); otherwise exit with this status", false },
    },
    .run = crash_run,
    .hidden = true,
};

/* ---- test.buffer ------------------------------------------------------- */

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_timer produce, consume;
    lab_stream *sink;          /* a real writable: the runtime reports it */
    int64_t in_flight;         /* the sink's write waiting for the consumer */
    bool waiting;              /* producer saw false and waits for drain */
    int64_t written, delivered;
    int helper_pid, sock;
    lab_io sock_io;
    char inbox[256];
    size_t inlen;
} buffer_state;

static const char zeros[65536];    /* what is written: the size is the point */

/* The sink's _write: the chunk waits for the consumer's next turn. */
static void sink_write(lab_stream *st, const lab_chunk *c)
{
    buffer_state *s = lab_stream_data(st);
    s->in_flight = (int64_t)c->len;
}

static bool buffer_write(buffer_state *s, int64_t size)
{
    s->written += size;
    return lab_writable_write(s->sink, lab_chunk_static(zeros, (size_t)size), NULL, NULL);
}

static void on_produce(lab_timer *t)
{
    buffer_state *s = t->data;
    for (int64_t i = lab_demo_int(s->demo, "writes"); i > 0 && !s->waiting; i--) {
        if (!buffer_write(s, lab_demo_int(s->demo, "chunk")) &&
            !lab_demo_int(s->demo, "ignore")) {
            s->waiting = true;
            lab_tel_stream(LAB_EV(PAUSE), "source");
        }
    }
}

/* The consumer finishes `writes` of the sink's writes per turn: each
 * completion lets the runtime start the next queued one. */
static void on_consume(lab_timer *t)
{
    buffer_state *s = t->data;
    for (int64_t k = lab_demo_int(s->demo, "writes"); k > 0 && s->in_flight; k--) {
        s->delivered += s->in_flight;
        s->in_flight = 0;
        lab_write_done(s->sink, NULL);
    }
}

static void on_drain(lab_stream *st, const lab_event *ev, void *arg)
{
    buffer_state *s = arg;
    if (!s->waiting) return;
    s->waiting = false;
    lab_tel_stream(LAB_EV(RESUME), "source");
}

/* Each end reports what it sends and what it receives, as the runtime's
 * IPC channel does (docs/telemetry.md). */
static void ipc_event(int from, int to, const char *body, const char *dir)
{
    lab_ev *e = lab_ev_new(LAB_EV(IPC));
    lab_ev_int(e, "from", from);
    lab_ev_int(e, "to", to);
    lab_ev_str(e, "dir", dir);
    lab_ev_int(e, "bytes", (int64_t)strlen(body) + 1);
    lab_ev_str(e, "body", body);
    lab_ev_emit(e);
}

/* A `mem` event with this process's resident size, from /proc. */
static void report_rss(void)
{
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%*s %ld", &pages) != 1) pages = 0;
    if (f) fclose(f);
    lab_ev *e = lab_ev_new(LAB_EV(MEM));
    lab_ev_int(e, "rss", (int64_t)pages * sysconf(_SC_PAGESIZE));
    lab_ev_emit(e);
}

/* The helper: answers every line with a line, until the socket closes. */
static void helper_main(int sock)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Reported by the new process itself, so `pid` is the one started. */
    lab_ev *e = lab_ev_new(LAB_EV(SPAWN));
    lab_ev_int(e, "ppid", getppid());
    lab_ev_str(e, "file", "helper");
    lab_ev_emit(e);
    char line[256];
    FILE *in = fdopen(sock, "r");
    int n = 0;
    while (in && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        ipc_event(getppid(), getpid(), line, "recv");
        char reply[64];
        snprintf(reply, sizeof reply, "{\"ack\":%d}", ++n);
        ipc_event(getpid(), getppid(), reply, "send");
        dprintf(sock, "%s\n", reply);
        report_rss();
    }
    lab_tel_close(500);
    _exit(0);
}

/* The helper's answers, a line each: reported as received. */
static void on_helper_reply(lab_io *io, int events)
{
    buffer_state *s = io->data;
    ssize_t n = read(io->fd, s->inbox + s->inlen, sizeof s->inbox - 1 - s->inlen);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN) lab_io_close(io);
        return;
    }
    s->inlen += (size_t)n;
    s->inbox[s->inlen] = '\0';
    char *line = s->inbox, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        ipc_event(s->helper_pid, getpid(), line, "recv");
        line = nl + 1;
    }
    s->inlen -= (size_t)(line - s->inbox);
    memmove(s->inbox, line, s->inlen);
    if (s->inlen == sizeof s->inbox - 1) s->inlen = 0;   /* no newline: junk */
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    buffer_state *s = d->data;
    if (strcmp(cmd, "burst") == 0)            /* ten writes, ignoring false */
        for (int i = 0; i < 10; i++) buffer_write(s, lab_demo_int(d, "chunk"));
    else if (strcmp(cmd, "ping") == 0 && s->sock >= 0) {
        char body[64];
        snprintf(body, sizeof body, "{\"ping\":%lld}", (long long)s->written);
        ipc_event(getpid(), s->helper_pid, body, "send");
        dprintf(s->sock, "%s\n", body);
    }
}

static void on_set(lab_demo *d, const char *key)
{
    buffer_state *s = d->data;
    uint64_t ms = (uint64_t)lab_demo_int(d, "delay_ms");
    if (strcmp(key, "delay_ms") == 0) lab_timer_start(&s->consume, on_consume, ms, ms);
    if (strcmp(key, "ignore") == 0 && lab_demo_int(d, "ignore") && s->waiting) {
        s->waiting = false;
        lab_tel_stream(LAB_EV(RESUME), "source");
    }
}

static void start_helper(buffer_state *s)
{
    int sv[2];
    s->sock = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return;
    pid_t pid = fork();
    if (pid == 0) { close(sv[0]); helper_main(sv[1]); }
    close(sv[1]);
    if (pid < 0) { close(sv[0]); return; }
    s->helper_pid = pid;
    s->sock = sv[0];
    lab_io_init(s->loop, &s->sock_io, s->sock);
    s->sock_io.data = s;
    lab_io_unref(&s->sock_io);
    lab_io_start(&s->sock_io, LAB_READABLE, on_helper_reply);
}

static void stop_helper(buffer_state *s)
{
    if (s->sock < 0) return;
    lab_io_close(&s->sock_io);
    close(s->sock);
    int status = 0;
    waitpid(s->helper_pid, &status, 0);
    /* The parent reports the exit: a second `pid` (the helper's) follows
     * the emitter's, and readers take the last one, as JSON parsers do. */
    lab_ev *e = lab_ev_new(LAB_EV(EXIT));
    lab_ev_int(e, "pid", s->helper_pid);
    if (WIFSIGNALED(status)) {
        char name[32];
        snprintf(name, sizeof name, "SIG%s", sigabbrev_np(WTERMSIG(status)));
        lab_ev_null(e, "code");
        lab_ev_str(e, "signal", name);
    } else {
        lab_ev_int(e, "code", WEXITSTATUS(status));
        lab_ev_null(e, "signal");
    }
    lab_ev_emit(e);
}

static int buffer_run(lab_demo *d)
{
    buffer_state s = { .demo = d, .sock = -1 };
    d->data = &s;
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    static const lab_stream_ops sink_ops = { .write = sink_write };
    lab_stream_opts so = { .name = "sink", .hwm = (size_t)lab_demo_int(d, "hwm") };
    s.sink = lab_writable_new(s.loop, &sink_ops, &so, &s);
    lab_stream_on(s.sink, LAB_ON_DRAIN, on_drain, &s);
    start_helper(&s);
    lab_timer_init(s.loop, &s.produce);
    s.produce.data = &s;
    lab_timer_start(&s.produce, on_produce, 5, 5);
    lab_timer_init(s.loop, &s.consume);
    s.consume.data = &s;
    on_set(d, "delay_ms");
    lab_demo_listen(d, s.loop, on_set, on_command);
    lab_demo_deadline(d, s.loop, NULL);
    lab_loop_run(s.loop);
    lab_stream_destroy(s.sink, NULL);
    lab_stream_unref(s.sink);
    stop_helper(&s);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "written", s.written);
    lab_ev_int(e, "delivered", s.delivered);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_test_buffer = {
    .name = "test.buffer",
    .chapter = 0,
    .summary = "a fast producer, a writable stream, a slow consumer (for the lab's tests)",
    .shows = "write() returning false at the mark, drain, pause and resume; "
             "a helper process answering over a socketpair",
    .duration_s = 20,
    .params = {
        { "hwm", LAB_PARAM_INT, 16384, 1024, 1 << 20, NULL, "bytes",
          "the sink's highWaterMark", false },
        { "chunk", LAB_PARAM_INT, 4096, 1, 65536, NULL, "bytes",
          "bytes per write", true },
        { "delay_ms", LAB_PARAM_INT, 20, 1, 1000, NULL, "ms",
          "how often the consumer takes a chunk", true },
        { "ignore", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: keep writing after write() returned false", true },
        { "writes", LAB_PARAM_INT, 1, 1, 1000, NULL, "writes",
          "writes every 5 ms (and chunks taken per delay): a firehose for benchmarks", true },
    },
    .keys = {
        { 'b', "burst", "burst" },
        { 'm', "ping", "ping helper" },
    },
    .run = buffer_run,
    .hidden = true,
};
