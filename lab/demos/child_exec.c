/*
 * child_exec.c — demo `child.exec`: exec() hands over the output at the
 * end, and only up to maxBuffer.
 *
 * Part 1: exec() a shell command whose program prints `lines` lines, one
 * every interval_ms.  The child reports each line as it writes it (`line`
 * events, from its own PID); the parent's callback — and so the first time
 * the parent sees any output — comes only after the last one: the `exec`
 * event's waited_ms is about (lines - 1) * interval_ms.
 *
 * Part 2: exec() a command that prints `flood` bytes.  Past max_buffer the
 * child is killed and the callback gets ERR_CHILD_PROCESS_STDIO_MAXBUFFER
 * with the output cut at exactly max_buffer bytes.  As in Node, that error
 * carries no killed and no signal; how the child ended is the child's own
 * story (flood_child_*): SIGTERM, or exit 1 when its next write failed with
 * ECONNRESET first.
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "exec.h"
#include "telemetry.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    uint64_t t0;
    char *exe;                 /* nodelab, quoted for the shell */
    /* part 1 */
    double lines_ms;           /* when the callback came */
    size_t lines_bytes;
    int lines_seen;
    /* part 2 */
    char code[48];
    size_t flood_kept;
    bool killed, child_killed;
    int signal, child_code, child_signal;
    bool done;
} exec_state;

static void start_flood(exec_state *s);

static void lines_done(const lab_exec_result *r, void *arg)
{
    exec_state *s = arg;
    s->lines_ms = child_demo_ms_since(s->t0);
    s->lines_bytes = r->out_len;
    for (size_t i = 0; i < r->out_len; i++) s->lines_seen += r->out[i] == '\n';
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "part", "lines");
    lab_ev_num(e, "waited_ms", s->lines_ms);
    lab_ev_int(e, "bytes", (int64_t)r->out_len);
    lab_ev_int(e, "lines", s->lines_seen);
    lab_ev_str(e, "note", "the whole output arrives in one callback, after the child ended");
    lab_ev_emit(e);
    if (lab_demo_int(s->demo, "flood") > 0 && !s->demo->expired) start_flood(s);
    else s->done = true;
}

static void flood_done(const lab_exec_result *r, void *arg)
{
    exec_state *s = arg;
    snprintf(s->code, sizeof s->code, "%s", r->code ? r->code : "");
    s->flood_kept = r->out_len;
    s->killed = r->killed;
    s->signal = r->signal;
    s->child_killed = r->child_killed;
    s->child_code = r->exit_code;
    s->child_signal = r->child_signal;
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "part", "flood");
    lab_ev_str(e, "code", r->code);
    lab_ev_str(e, "message", r->message);
    lab_ev_int(e, "bytes", (int64_t)r->out_len);
    lab_ev_bool(e, "killed", r->killed);
    lab_ev_str(e, "signal", lab_signal_name(r->signal));
    lab_ev_bool(e, "child_killed", r->child_killed);
    if (r->child_signal) lab_ev_null(e, "child_code");
    else lab_ev_int(e, "child_code", r->exit_code);
    lab_ev_str(e, "child_signal", lab_signal_name(r->child_signal));
    lab_ev_emit(e);
    s->done = true;
}

static lab_exec_options exec_options(exec_state *s)
{
    lab_exec_options o = { .pdeathsig = SIGKILL,
                           .max_buffer = (size_t)lab_demo_int(s->demo, "max_buffer") };
    return o;
}

static void start_flood(exec_state *s)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "exec %s __child flood %lld", s->exe,
             (long long)lab_demo_int(s->demo, "flood"));
    lab_exec_options o = exec_options(s);
    lab_exec(s->loop, cmd, &o, flood_done, s);
}

/* The deadline: whatever still runs is stopped; the summary says so. */
static void on_deadline(lab_demo *d) { lab_loop_stop(d->loop); }

static int run(lab_demo *d)
{
    exec_state s = { .demo = d };
    s.loop = lab_loop_new();
    s.exe = child_demo_quote(child_demo_exe());
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);

    char cmd[4200];
    int64_t lines = lab_demo_int(d, "lines"), interval = lab_demo_int(d, "interval_ms");
    snprintf(cmd, sizeof cmd, "%s __child lines %lld %lld", s.exe,
             (long long)lines, (long long)interval);
    s.t0 = lab_clock_us();
    lab_exec_options o = exec_options(&s);
    /* The shell and the program keep the telemetry pipe: the program
     * reports each line as it writes it. */
    o.pass_fd = lab_tel_fd();
    if (!lab_exec(s.loop, cmd, &o, lines_done, &s)) {
        fprintf(stderr, "nodelab: child.exec: cannot start /bin/sh\n");
        return 1;
    }
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "lines", lines);
    lab_ev_int(e, "interval_ms", interval);
    lab_ev_int(e, "lines_received", s.lines_seen);
    lab_ev_num(e, "callback_ms", s.lines_ms);
    lab_ev_num(e, "expected_wait_ms", (double)((lines - 1) * interval));
    lab_ev_int(e, "max_buffer", lab_demo_int(d, "max_buffer"));
    lab_ev_int(e, "flood", lab_demo_int(d, "flood"));
    lab_ev_str(e, "flood_code", s.code[0] ? s.code : NULL);
    lab_ev_int(e, "flood_kept", (int64_t)s.flood_kept);
    lab_ev_bool(e, "flood_killed", s.killed);
    lab_ev_str(e, "flood_signal", lab_signal_name(s.signal));
    lab_ev_bool(e, "flood_child_killed", s.child_killed);
    if (s.child_signal || !s.code[0]) lab_ev_null(e, "flood_child_code");
    else lab_ev_int(e, "flood_child_code", s.child_code);
    lab_ev_str(e, "flood_child_signal", lab_signal_name(s.child_signal));
    lab_ev_bool(e, "finished", s.done);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    free(s.exe);
    return 0;
}

const lab_demo_def lab_demo_child_exec = {
    .name = "child.exec",
    .chapter = 4,
    .summary = "exec(): a shell command's whole output at the end, and maxBuffer",
    .shows = "the child writes a line every interval_ms (line events) but the parent "
             "gets them all at once when it ends; a flood past max_buffer is killed with "
             "ERR_CHILD_PROCESS_STDIO_MAXBUFFER and cut to max_buffer bytes",
    .duration_s = 8,
    .params = {
        { "lines", LAB_PARAM_INT, 5, 1, 100, NULL, "lines", "how many lines the command prints", false },
        { "interval_ms", LAB_PARAM_INT, 300, 0, 5000, NULL, "ms", "the pause between two lines", false },
        { "max_buffer", LAB_PARAM_INT, 1048576, 1, 1 << 30, NULL, "bytes",
          "exec's maxBuffer (Node's default: 1 MiB)", false },
        { "flood", LAB_PARAM_INT, 2097152, 0, 1LL << 32, NULL, "bytes",
          "part 2 prints this much (0: skip part 2)", false },
    },
    .run = run,
    .lab_sets = { "interval_ms=800" },
};
