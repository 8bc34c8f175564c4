/*
 * test_fixtures.c — two hidden demos the lab's own tests drive.
 *
 *   test.crash    announces itself, reports a few events, writes to stderr,
 *                 then dies (abort(), or exit with a chosen status), so the
 *                 tests can see the lab show a crash and keep running.
 *   test.buffer   a hand-rolled buffer between a fast producer and a slow
 *                 consumer, with a real forked helper process that talks
 *                 over a socketpair.  It emits the core stream, process and
 *                 IPC events (write, drain, pause, resume, data, spawn, ipc,
 *                 mem, exit) from real state, so every dashboard widget can
 *                 be tested before the stream and child runtimes exist.
 *
 * Both are chapter 0 and hidden: `nodelab list` shows them only with
 * NODELAB_SHOW_HIDDEN=1, but `nodelab demo test.crash` runs them.
 */
#define _GNU_SOURCE
#include "demo.h"
#include "events.h"
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
    int64_t len;               /* bytes buffered */
    bool waiting;              /* producer saw false and waits for drain */
    int64_t written, delivered;
    int helper_pid, sock;
    lab_io sock_io;
    char inbox[256];
    size_t inlen;
} buffer_state;

static void stream_event(const char *ev, const char *stream)
{
    lab_ev *e = lab_ev_new(ev);
    lab_ev_str(e, "stream", stream);
    lab_ev_emit(e);
}

/* write(): buffer the chunk, report whether the writer should go on. */
static bool buffer_write(buffer_state *s, int64_t size)
{
    int64_t hwm = lab_demo_int(s->demo, "hwm");
    s->len += size;
    s->written += size;
    bool ok = s->len < hwm;
    lab_ev *e = lab_ev_new(LAB_EV(WRITE));
    lab_ev_str(e, "stream", "sink");
    lab_ev_int(e, "size", size);
    lab_ev_int(e, "len", s->len);
    lab_ev_int(e, "hwm", hwm);
    lab_ev_bool(e, "ret", ok);
    lab_ev_emit(e);
    return ok;
}

static void on_produce(lab_timer *t)
{
    buffer_state *s = t->data;
    for (int64_t i = lab_demo_int(s->demo, "writes"); i > 0 && !s->waiting; i--) {
        if (!buffer_write(s, lab_demo_int(s->demo, "chunk")) &&
            !lab_demo_int(s->demo, "ignore")) {
            s->waiting = true;
            stream_event("pause", "source");
        }
    }
}

static void on_consume(lab_timer *t)
{
    buffer_state *s = t->data;
    int64_t chunk = lab_demo_int(s->demo, "chunk") * lab_demo_int(s->demo, "writes");
    if (s->len == 0) return;
    int64_t n = s->len < chunk ? s->len : chunk;
    s->len -= n;
    s->delivered += n;
    lab_ev *e = lab_ev_new(LAB_EV(DATA));
    lab_ev_str(e, "stream", "sink");
    lab_ev_int(e, "size", n);
    lab_ev_emit(e);
    if (s->len == 0 && s->waiting) {
        s->waiting = false;
        stream_event("drain", "sink");
        stream_event("resume", "source");
    }
}

static void ipc_event(int from, int to, const char *body)
{
    lab_ev *e = lab_ev_new(LAB_EV(IPC));
    lab_ev_int(e, "from", from);
    lab_ev_int(e, "to", to);
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
        char reply[64];
        snprintf(reply, sizeof reply, "{\"ack\":%d}", ++n);
        ipc_event(getpid(), getppid(), reply);
        dprintf(sock, "%s\n", reply);
        report_rss();
    }
    lab_tel_close(500);
    _exit(0);
}

static void on_helper_reply(lab_io *io, int events)
{
    buffer_state *s = io->data;
    ssize_t n = read(io->fd, s->inbox, sizeof s->inbox);
    if (n <= 0 && errno != EAGAIN) lab_io_close(io);
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    buffer_state *s = d->data;
    if (strcmp(cmd, "burst") == 0)            /* ten writes, ignoring false */
        for (int i = 0; i < 10; i++) buffer_write(s, lab_demo_int(d, "chunk"));
    else if (strcmp(cmd, "ping") == 0 && s->sock >= 0) {
        char body[64];
        snprintf(body, sizeof body, "{\"ping\":%lld}", (long long)s->written);
        ipc_event(getpid(), s->helper_pid, body);
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
        stream_event("resume", "source");
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
    .summary = "a hand-rolled buffer, fast producer, slow consumer (for the lab's tests)",
    .shows = "write() returning false at the mark, drain, pause and resume; "
             "a helper process answering over a socketpair",
    .duration_s = 20,
    .params = {
        { "hwm", LAB_PARAM_INT, 16384, 1024, 1 << 20, NULL, "bytes",
          "the buffer's highWaterMark", true },
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
