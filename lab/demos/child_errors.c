/*
 * child_errors.c — demo `child.errors`: five ways a child goes wrong, one
 * after the other, each with its events and its cleanup.
 *
 *   missing   a program that does not exist: 'error' ENOENT, then 'close'
 *             with -2, and never an 'exit' (there was no process).
 *   unhandled the same mistake in a parent with no error handler (`nodelab
 *             __child spawn-missing`): the unhandled 'error' ends that
 *             parent with status 1 and Node's message, as it ends node.
 *   nonzero   a program that fails: 'exit' with its code.
 *   signal    a program killed from outside: 'exit' with the signal and
 *             no code.
 *   runaway   a program that starts grandchildren and never ends, started
 *             detached (its own process group) with a timeout.  When the
 *             timeout fires, group=1 signals the whole group — the child
 *             and its grandchildren; group=0 signals the child alone, as
 *             Node does, and the grandchildren live on (the demo counts
 *             them, then cleans up after itself).
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "errors.h"
#include "telemetry.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MISSING, UNHANDLED, NONZERO, SIGNAL, RUNAWAY, CASES };
static const char *const case_name[CASES] = { "missing", "unhandled", "nonzero", "signal",
                                              "runaway" };

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    int current;
    lab_timer timer;
    lab_process *victim;       /* the 'signal' case's child until it closes */
    char err_code[32];
    int exit_code[CASES], signal[CASES];
    bool timed_out;
    char out[1024], err[1024];
    size_t out_len, err_len;
    pid_t group, kids[16];
    int nkids, alive_after;
} errors_state;

static void start_case(errors_state *s);

static void outcome(errors_state *s, const char *what)
{
    lab_ev *e = lab_ev_new("outcome");
    lab_ev_str(e, "case", case_name[s->current]);
    lab_ev_str(e, "what", what);
    lab_ev_emit(e);
}

static bool alive(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool live = fgets(buf, sizeof buf, f) && strrchr(buf, ')') && strrchr(buf, ')')[2] != 'Z';
    fclose(f);
    return live;
}

/* 150 ms after the runaway's exit: which of its grandchildren still run? */
static void count_survivors(lab_timer *t)
{
    errors_state *s = t->data;
    s->out[s->out_len] = '\0';
    for (char *p = s->out; (p = strstr(p, "grandchild ")) && s->nkids < 16; p++)
        s->kids[s->nkids++] = (pid_t)atoi(p + 11);
    for (int i = 0; i < s->nkids; i++) s->alive_after += alive(s->kids[i]);
    lab_ev *e = lab_ev_new("grandchildren");
    lab_ev_int(e, "count", s->nkids);
    lab_ev_int(e, "alive", s->alive_after);
    lab_ev_bool(e, "group_killed", lab_demo_int(s->demo, "group") != 0);
    lab_ev_emit(e);
    if (s->alive_after) kill(-s->group, SIGKILL);   /* clean up: the lesson is made */
}

static void on_error(lab_process *p, int err, const char *message)
{
    errors_state *s = p->data;
    snprintf(s->err_code, sizeof s->err_code, "%s", lab_errno_name(err));
    outcome(s, "error event: the program could not be started");
}

static void on_exit_(lab_process *p, int code, int sig)
{
    errors_state *s = p->data;
    s->exit_code[s->current] = code;
    s->signal[s->current] = sig;
    s->timed_out |= p->timed_out;
    if (s->current == UNHANDLED)
        outcome(s, code == 1 ? "the parent without an error handler crashed: exit 1"
                             : "the parent without an error handler survived");
    else
        outcome(s, sig ? "exit event with a signal, no code" : "exit event with a code");
    if (s->current == RUNAWAY) lab_timer_start(&s->timer, count_survivors, 150, 0);
}

static void on_data(lab_process *p, int fd, const char *buf, size_t len)
{
    errors_state *s = p->data;
    if (fd == 1 && len && s->out_len + len < sizeof s->out - 1) {
        memcpy(s->out + s->out_len, buf, len);
        s->out_len += len;
    }
    if (fd == 2 && len && s->err_len + len < sizeof s->err - 1) {
        memcpy(s->err + s->err_len, buf, len);
        s->err_len += len;
    }
}

static void on_close(lab_process *p, int code, int sig)
{
    errors_state *s = p->data;
    s->victim = NULL;
    if (s->current == MISSING) s->exit_code[MISSING] = code;     /* -2 */
    s->current++;
    if (s->current < CASES && !s->demo->expired) start_case(s);
}

static void kill_victim(lab_timer *t)
{
    errors_state *s = t->data;
    if (s->victim) lab_process_kill(s->victim, SIGKILL);
}

static void start_case(errors_state *s)
{
    char code[16], kids[16], secs[16] = "30";
    snprintf(code, sizeof code, "%lld", (long long)lab_demo_int(s->demo, "exit_code"));
    snprintf(kids, sizeof kids, "%lld", (long long)lab_demo_int(s->demo, "grandchildren"));
    char *exe = (char *)child_demo_exe();
    char *missing[] = { "nodelab-no-such-program", NULL };
    char *unhandled[] = { exe, "__child", "spawn-missing", "nodelab-no-such-program", NULL };
    char *nonzero[] = { exe, "__child", "exit", code, NULL };
    char *sleeper[] = { "sleep", "30", NULL };
    char *runaway[] = { exe, "__child", "tree", kids, secs, NULL };
    char *const *argvs[CASES] = { missing, unhandled, nonzero, sleeper, runaway };
    lab_spawn_options o = { .file = argvs[s->current][0], .argv = argvs[s->current],
                            .on_error = on_error, .on_exit = on_exit_, .on_close = on_close,
                            .on_data = on_data, .data = s };
    child_demo_options(&o, CHILD_DEMO_PIPES, true);
    if (s->current == RUNAWAY) {
        o.detached = true;
        o.kill_group = lab_demo_int(s->demo, "group") != 0;
        o.timeout_ms = (uint64_t)lab_demo_int(s->demo, "timeout_ms");
    }
    lab_ev *e = lab_ev_new("case");
    lab_ev_str(e, "name", case_name[s->current]);
    lab_ev_emit(e);
    lab_process *p = lab_spawn(s->loop, &o);
    if (!p) { perror("nodelab: child.errors"); lab_loop_stop(s->loop); return; }
    if (s->current == RUNAWAY) s->group = p->pid;
    if (s->current == SIGNAL) {
        s->victim = p;
        lab_timer_start(&s->timer, kill_victim, (uint64_t)lab_demo_int(s->demo, "kill_after_ms"), 0);
    }
}

static void on_deadline(lab_demo *d)
{
    errors_state *s = d->data;
    if (s->group) kill(-s->group, SIGKILL);
    lab_loop_stop(d->loop);
}

static int run(lab_demo *d)
{
    errors_state s = { .demo = d };
    d->data = &s;
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);
    lab_timer_init(s.loop, &s.timer);
    s.timer.data = &s;
    start_case(&s);
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "missing_code", s.err_code[0] ? s.err_code : NULL);
    lab_ev_int(e, "missing_close_code", s.exit_code[MISSING]);
    s.err[s.err_len] = '\0';
    lab_ev_int(e, "unhandled_exit_code", s.exit_code[UNHANDLED]);
    lab_ev_bool(e, "unhandled_reported", strstr(s.err, "Unhandled 'error' event") != NULL);
    lab_ev_int(e, "nonzero_code", s.exit_code[NONZERO]);
    lab_ev_str(e, "signal_case_signal", lab_signal_name(s.signal[SIGNAL]));
    lab_ev_str(e, "runaway_signal", lab_signal_name(s.signal[RUNAWAY]));
    lab_ev_bool(e, "runaway_timed_out", s.timed_out);
    lab_ev_int(e, "grandchildren", s.nkids);
    lab_ev_int(e, "grandchildren_alive_after_timeout", s.alive_after);
    lab_ev_bool(e, "group_killed", lab_demo_int(d, "group") != 0);
    lab_ev_int(e, "cases_done", s.current);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_errors = {
    .name = "child.errors",
    .chapter = 4,
    .summary = "missing program (handled, then unhandled), non-zero exit, killed by a signal, "
               "a runaway child and its children",
    .shows = "error ENOENT then close -2 (no exit); a parent with no error handler crashing with "
             "exit 1; exit with code 3; exit with SIGKILL; "
             "a timeout event, then the runaway's grandchildren dead (group=1) or alive (group=0)",
    .duration_s = 10,
    .params = {
        { "exit_code", LAB_PARAM_INT, 3, 1, 255, NULL, "code", "what the failing program exits with", false },
        { "kill_after_ms", LAB_PARAM_INT, 200, 0, 5000, NULL, "ms", "when the sleeping child is killed", false },
        { "timeout_ms", LAB_PARAM_INT, 500, 50, 5000, NULL, "ms", "the runaway child's timeout", false },
        { "grandchildren", LAB_PARAM_INT, 2, 0, 16, NULL, "processes", "how many the runaway starts", false },
        { "group", LAB_PARAM_INT, 1, 0, 1, NULL, "0/1",
          "1: the timeout kills the runaway's whole process group; 0: only the child", false },
    },
    .run = run,
};
