/*
 * child_spawn.c — demo `child.spawn`: output as it happens, then 'exit',
 * then 'close'.
 *
 * spawn() a shell that runs a program printing `lines` lines, one every
 * interval_ms, and then leaves a background job behind that writes one
 * more line late_ms after the shell has exited.  Each chunk of stdout is
 * reported the moment it arrives (`output` events with ms since spawn): they
 * are spread over the program's whole run, not bunched at the end as with
 * exec().  'exit' comes when the shell ends; the late line still arrives
 * after it through the same pipe, and 'close' waits for it — that is the
 * difference between the two events.
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    uint64_t t0;
    int chunks, lines;
    double first_ms, last_ms, exit_ms, close_ms;
    uint64_t bytes, bytes_after_exit;
    bool exited, closed;
    int code;
} spawn_state;

static void on_data(lab_process *p, int fd, const char *buf, size_t len)
{
    spawn_state *s = p->data;
    if (len == 0) return;
    double ms = child_demo_ms_since(s->t0);
    if (s->chunks++ == 0) s->first_ms = ms;
    s->last_ms = ms;
    s->bytes += len;
    if (s->exited) s->bytes_after_exit += len;
    int lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    s->lines += lines;
    char text[128];
    snprintf(text, sizeof text, "%.*s", (int)(len > 100 ? 100 : len), buf);
    text[strcspn(text, "\n")] = '\0';
    lab_ev *e = lab_ev_new("output");
    lab_ev_str(e, "stream", fd == 1 ? "stdout" : "stderr");
    lab_ev_num(e, "ms", ms);
    lab_ev_int(e, "lines", lines);
    lab_ev_str(e, "text", text);
    lab_ev_bool(e, "after_exit", s->exited);
    lab_ev_emit(e);
}

static void on_exit_(lab_process *p, int code, int sig)
{
    spawn_state *s = p->data;
    s->exited = true;
    s->code = code;
    s->exit_ms = child_demo_ms_since(s->t0);
}

static void on_close(lab_process *p, int code, int sig)
{
    spawn_state *s = p->data;
    s->closed = true;
    s->close_ms = child_demo_ms_since(s->t0);
}

static int run(lab_demo *d)
{
    spawn_state s = { .demo = d };
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, NULL);

    char *exe = child_demo_quote(child_demo_exe());
    int64_t lines = lab_demo_int(d, "lines"), interval = lab_demo_int(d, "interval_ms");
    int64_t late = lab_demo_int(d, "late_ms");
    char script[4400];
    if (late > 0)
        snprintf(script, sizeof script,
                 "%s __child lines %lld %lld; (sleep %lld.%03lld; echo 'written after the shell exited') & exit 0",
                 exe, (long long)lines, (long long)interval, (long long)(late / 1000),
                 (long long)(late % 1000));
    else
        snprintf(script, sizeof script, "exec %s __child lines %lld %lld", exe,
                 (long long)lines, (long long)interval);
    free(exe);
    char *argv[] = { "sh", "-c", script, NULL };
    lab_spawn_options o = { .file = "/bin/sh", .argv = argv, .on_data = on_data,
                            .on_exit = on_exit_, .on_close = on_close, .data = &s };
    child_demo_options(&o, CHILD_DEMO_PIPES, true);
    s.t0 = lab_clock_us();
    if (!lab_spawn(s.loop, &o)) { perror("nodelab: child.spawn"); return 1; }
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "lines_expected", lines + (late > 0));
    lab_ev_int(e, "lines_received", s.lines);
    lab_ev_int(e, "chunks", s.chunks);
    lab_ev_num(e, "first_ms", s.first_ms);
    lab_ev_num(e, "last_ms", s.last_ms);
    lab_ev_num(e, "spread_ms", s.last_ms - s.first_ms);
    lab_ev_num(e, "exit_ms", s.exit_ms);
    lab_ev_num(e, "close_ms", s.close_ms);
    lab_ev_int(e, "bytes", (int64_t)s.bytes);
    lab_ev_int(e, "bytes_after_exit", (int64_t)s.bytes_after_exit);
    lab_ev_bool(e, "closed", s.closed);
    lab_ev_int(e, "code", s.code);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_spawn = {
    .name = "child.spawn",
    .chapter = 4,
    .summary = "spawn(): a long-running command's lines arriving live, then exit, then close",
    .shows = "output events spread over the whole run (spread_ms ~ (lines-1)*interval_ms); "
             "exit comes when the shell ends, the late line after it, and close last",
    .duration_s = 10,
    .params = {
        { "lines", LAB_PARAM_INT, 8, 1, 1000, NULL, "lines", "how many lines the program prints", false },
        { "interval_ms", LAB_PARAM_INT, 250, 0, 5000, NULL, "ms", "the pause between two lines", false },
        { "late_ms", LAB_PARAM_INT, 400, 0, 5000, NULL, "ms",
          "a background job writes one more line this long after exit (0: none)", false },
    },
    .run = run,
};
