/*
 * child_execfile.c — demo `child.execfile`: the same hostile argument
 * through exec() and through execFile().
 *
 * A program that builds a command line from user input, say a file name,
 * and hands it to exec() gives that input to /bin/sh, which happily runs
 * "; echo pwned" as a second command.  execFile() starts the program with
 * an argument vector: the text reaches echo as one argument, every
 * character literal.  Both results are reported side by side, and the
 * summary says which of the two ran the injected command.
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

/* What one way of running the command gave. */
typedef struct {
    char out[512];
    int lines;
    bool injected;
} outcome;

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_timer pause;           /* between the two runs (pause_ms) */
    outcome shell, file;       /* exec(), execFile() */
} ef_state;

static int count_lines(const char *s, size_t n)
{
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += s[i] == '\n';
    return lines;
}

/* "pwned" on a line of its own means the injected command ran. */
static bool injected(const char *out, const char *marker)
{
    size_t m = strlen(marker);
    for (const char *p = out; (p = strstr(p, marker)); p += m)
        if ((p == out || p[-1] == '\n') && (p[m] == '\n' || p[m] == '\0')) return true;
    return false;
}

/* Keeps what `how` gave in o and reports it as a `result` event. */
static void record(ef_state *s, outcome *o, const char *how, const lab_exec_result *r)
{
    snprintf(o->out, sizeof o->out, "%s", r->out);
    o->lines = count_lines(r->out, r->out_len);
    o->injected = injected(r->out, lab_demo_str(s->demo, "marker"));
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "via", how);
    lab_ev_str(e, "cmd", r->cmd);
    lab_ev_str(e, "stdout", r->out);
    lab_ev_int(e, "lines", o->lines);
    lab_ev_int(e, "code", r->exit_code);
    lab_ev_emit(e);
}

static void file_done(const lab_exec_result *r, void *arg)
{
    ef_state *s = arg;
    record(s, &s->file, "execFile", r);
}

/* Now the same text as one argument, no shell in between. */
static void run_file(lab_timer *t)
{
    ef_state *s = t->data;
    char *argv[] = { "echo", (char *)lab_demo_str(s->demo, "arg"), NULL };
    lab_exec_options o = { .pdeathsig = SIGKILL };
    lab_exec_file(s->loop, "echo", argv, &o, file_done, s);
}

static void shell_done(const lab_exec_result *r, void *arg)
{
    ef_state *s = arg;
    record(s, &s->shell, "exec", r);
    lab_timer_start(&s->pause, run_file, (uint64_t)lab_demo_int(s->demo, "pause_ms"), 0);
}

static int run(lab_demo *d)
{
    ef_state s = { .demo = d };
    s.loop = lab_loop_new();
    lab_timer_init(s.loop, &s.pause);
    s.pause.data = &s;
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, NULL);
    /* What a careless program does: paste the input into a command line. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "echo %s", lab_demo_str(d, "arg"));
    lab_ev *e = lab_ev_new("input");
    lab_ev_str(e, "arg", lab_demo_str(d, "arg"));
    lab_ev_str(e, "exec_command", cmd);
    lab_ev_emit(e);
    lab_exec_options o = { .pdeathsig = SIGKILL };
    lab_exec(s.loop, cmd, &o, shell_done, &s);
    lab_loop_run(s.loop);

    e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "arg", lab_demo_str(d, "arg"));
    lab_ev_str(e, "exec_stdout", s.shell.out);
    lab_ev_str(e, "execfile_stdout", s.file.out);
    lab_ev_int(e, "exec_lines", s.shell.lines);
    lab_ev_int(e, "execfile_lines", s.file.lines);
    lab_ev_bool(e, "exec_ran_injected", s.shell.injected);
    lab_ev_bool(e, "execfile_ran_injected", s.file.injected);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_execfile = {
    .name = "child.execfile",
    .chapter = 4,
    .summary = "one hostile argument through exec() (the shell runs it) and execFile() (it does not)",
    .shows = "exec(\"echo \" + arg) prints two lines: the shell ran the injected echo; "
             "execFile(\"echo\", [arg]) prints the argument once, literally",
    .duration_s = 5,
    .params = {
        { "arg", LAB_PARAM_STR, 0, 0, 0, "report.txt; echo pwned", "text",
          "the 'user input' pasted into the command", false },
        { "marker", LAB_PARAM_STR, 0, 0, 0, "pwned", "text",
          "a line equal to this proves the injected command ran", false },
        { "pause_ms", LAB_PARAM_INT, 0, 0, 4000, NULL, "ms",
          "a pause between the exec() run and the execFile() run", false },
    },
    .lab_sets = { "pause_ms=1500" },
    .run = run,
};
