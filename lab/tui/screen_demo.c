/*
 * screen_demo.c — the demo dashboard: starts the demo, feeds its events to
 * the model, and turns keys into what the demo understands — a live
 * parameter ("set key=value"), one of the demo's own commands, a signal to
 * pause, resume or kill a process, a restart.  Drawing is demo_panels.c.
 *
 * The keys come from the demo's registry entry (lab/demos/demo.h): every
 * parameter can be selected with Tab and stepped with ←/→; a 0/1 parameter
 * also gets a letter of its own; the demo's `keys` become footer keys.
 */
#define _GNU_SOURCE
#include "screen_demo.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum {
    DO_PARAM_NEXT, DO_PARAM_PREV, DO_PARAM_UP, DO_PARAM_DOWN, DO_PARAM_TYPE,
    DO_TOGGLE, DO_COMMAND, DO_PAUSE, DO_RESTART, DO_PROC_UP, DO_PROC_DOWN, DO_KILL,
    DO_FILTER, DO_STEP, DO_NEXT, DO_WRAP, DO_LEFT, DO_RIGHT,
    DO_WORKER_UP, DO_WORKER_DOWN, DO_WORKER_PGUP, DO_WORKER_PGDN, DO_WORKER_KILL, DO_TERM_PRIMARY,
    DO_SOURCE, DO_SOURCE_UP, DO_SOURCE_DOWN,
};

/* Letters with a meaning of their own on this screen. */
static const char reserved[] = "qprkfsnwv";

/* ---- parameters -------------------------------------------------------- */

static const lab_param *param(demo_screen *d, int i) { return &d->def->params[i]; }

static bool is_switch(const lab_param *p)
{
    return p->type == LAB_PARAM_INT && p->min == 0 && p->max == 1;
}

/* The next value a key press gives: 0/1 flips; a range spanning 64x or
 * more doubles and halves (bytes, marks); anything else moves by a round
 * step of about a twentieth of the range. */
static int64_t step_value(const lab_param *p, int64_t v, int dir)
{
    if (is_switch(p)) return !v;
    int64_t nv;
    if (p->min >= 0 && p->max >= 64 * (p->min > 0 ? p->min : 1)) {
        nv = dir > 0 ? (v > 0 ? v * 2 : 1) : v / 2;
    } else {
        /* The smallest of 1, 2, 5, 10, 20, 50... that is >= range / 20. */
        int64_t range = p->max - p->min, step = 1, decade = 1;
        while (step * 20 < range) {
            if (step == decade) step = 2 * decade;
            else if (step == 2 * decade) step = 5 * decade;
            else step = decade *= 10;
        }
        nv = v + dir * step;
    }
    if (nv < p->min) nv = p->min;
    if (nv > p->max) nv = p->max;
    return nv;
}

static void send_param(demo_screen *d, int i)
{
    const lab_param *p = param(d, i);
    char line[160];
    if (p->type == LAB_PARAM_INT)
        snprintf(line, sizeof line, "set %s=%lld", p->key, (long long)d->ival[i]);
    else
        snprintf(line, sizeof line, "set %s=%s", p->key, d->sval[i]);
    if (!p->live || !demo_proc_running(&d->proc)) {
        d->pending[i] = true;
        app_status("%s will be %s on restart (r)", p->key, line + 5 + strlen(p->key));
        return;
    }
    if (demo_proc_send(&d->proc, line) < 0)
        app_status("the demo is not listening: %s", strerror(errno));
}

static void change_param(demo_screen *d, int i, int dir)
{
    const lab_param *p = param(d, i);
    if (p->type != LAB_PARAM_INT) {
        app_status("%s is text: press = to type a value", p->key);
        return;
    }
    int64_t nv = step_value(p, d->ival[i], dir);
    if (nv == d->ival[i]) {
        app_status("%s is at its %s (%lld)", p->key, dir > 0 ? "maximum" : "minimum",
                   (long long)nv);
        return;
    }
    d->ival[i] = nv;
    send_param(d, i);
}

static void typed_value(screen *s, const char *text)
{
    demo_screen *d = (demo_screen *)s;
    int i = d->sel_param;
    lab_demo tmp;                              /* the registry's own checks */
    lab_demo_init(&tmp, d->def);
    const char *err = lab_demo_set(&tmp, param(d, i)->key, text);
    lab_demo_free(&tmp);
    if (err) { app_status("%s", err); return; }
    if (param(d, i)->type == LAB_PARAM_INT) d->ival[i] = tmp.ival[i];
    else snprintf(d->sval[i], sizeof d->sval[i], "%s", text);
    send_param(d, i);
}

/* Gives each 0/1 parameter the first free letter of its name. */
static void assign_hotkeys(demo_screen *d)
{
    char used[64];
    snprintf(used, sizeof used, "%s", reserved);
    for (int k = 0; k < LAB_DEMO_MAX_KEYS && d->def->keys[k].key; k++) {
        size_t n = strlen(used);
        if (n + 1 < sizeof used) { used[n] = d->def->keys[k].key; used[n + 1] = '\0'; }
    }
    for (int i = 0; i < d->nparams; i++) {
        if (!is_switch(param(d, i))) continue;
        for (const char *c = param(d, i)->key; *c; c++) {
            if (*c < 'a' || *c > 'z' || strchr(used, *c)) continue;
            d->hotkey[i] = *c;
            size_t n = strlen(used);
            if (n + 1 < sizeof used) { used[n] = *c; used[n + 1] = '\0'; }
            break;
        }
    }
}

/* ---- running the demo -------------------------------------------------- */

/* A whole-number field near the start of a line ("ts", "pid": the runtime
 * writes them first), without parsing it all; -1 if it is not there. */
static int64_t head_field(const char *line, size_t n, const char *key)
{
    size_t kn = strlen(key);
    const char *k = memmem(line, n < 64 ? n : 64, key, kn);
    if (!k) return -1;
    int64_t v = 0;
    for (const char *c = k + kn; c < line + n && *c >= '0' && *c <= '9' && v < INT64_MAX / 10; c++)
        v = v * 10 + (*c - '0');
    return v;
}

static void on_line(demo_proc *p, const char *line, size_t n)
{
    demo_screen *d = p->data;
    int64_t ts = head_field(line, n, "\"ts\":");
    if (ts > d->recv_ts) d->recv_ts = ts;
    d->last_event_ms = lab_loop_now(APP.loop);
    if (d->stepping) {
        demo_step_hold(d, line, n);
        /* The demo's pid (for p), before its first event is shown. */
        if (!p->demo_pid && memmem(line, n, "\"ev\":\"demo\"", 11)) {
            int64_t pid = head_field(line, n, "\"pid\":");
            if (pid > 0 && pid < INT32_MAX) p->demo_pid = (int)pid;
        }
    } else {
        model_feed(&d->m, line, n);
    }
    if (!p->demo_pid && d->m.demo_pid) p->demo_pid = d->m.demo_pid;
    app_dirty();
}

static void start(demo_screen *d);

/* How the demo ended, once the model has seen all its events: its own
 * `exit` event says so; without one, the runner failed or was killed. */
void demo_end_settle(demo_screen *d)
{
    model *m = &d->m;
    int st = d->proc.status;
    d->end_pending = false;
    if (m->exited) return;
    m->exited = true;
    m->crashed = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    m->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (WIFSIGNALED(st))
        snprintf(m->exit_signal, sizeof m->exit_signal, "SIG%s",
                 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
}

static void on_end(demo_proc *p)
{
    demo_screen *d = p->data;
    if (d->restart_pending) {
        start(d);
    } else if (d->stepping && d->step.lines) {
        /* Its last events, `exit` among them, still wait in the step
         * queue: how it ended is known once the student has seen them. */
        d->end_pending = true;
    } else {
        demo_end_settle(d);
    }
    app_dirty();
}

static void start(demo_screen *d)
{
    char store[LAB_DEMO_MAX_PARAMS][128];
    char *sets[LAB_DEMO_MAX_PARAMS];
    int nsets = 0;
    for (int i = 0; i < d->nparams; i++) {
        const lab_param *p = param(d, i);
        if (p->type == LAB_PARAM_INT && d->ival[i] != p->def)
            snprintf(store[nsets], sizeof store[0], "%s=%lld", p->key, (long long)d->ival[i]);
        else if (p->type == LAB_PARAM_STR && strcmp(d->sval[i], p->def_str ? p->def_str : ""))
            snprintf(store[nsets], sizeof store[0], "%s=%s", p->key, d->sval[i]);
        else
            continue;
        sets[nsets] = store[nsets];
        nsets++;
        d->pending[i] = false;
    }
    model_init(&d->m);
    demo_step_reset(d);
    d->recv_ts = 0;
    d->restart_pending = false;
    d->end_pending = false;
    d->sel_proc = -1;
    d->sel_worker = 0;
    d->all_events = false;
    d->proc.on_line = on_line;
    d->proc.on_end = on_end;
    d->proc.data = d;
    d->proc.every_event = d->def->lab_step;    /* about order: every event, unfolded */
    int secs = d->def->duration_s > LAB_DEMO_MIN_S ? d->def->duration_s : LAB_DEMO_MIN_S;
    if (demo_proc_start(&d->proc, APP.loop, d->def->name, sets, nsets, secs) < 0) {
        app_status("cannot start %s: %s", d->def->name, strerror(errno));
        d->m.exited = d->m.crashed = true;
        return;
    }
    app_dirty();
}

static void restart(demo_screen *d)
{
    if (demo_proc_running(&d->proc)) {
        d->restart_pending = true;
        demo_proc_stop(&d->proc);
        app_status("restarting %s...", d->def->name);
    } else {
        start(d);
    }
}

static void kill_selected(demo_screen *d)
{
    if (d->sel_proc < 0 || d->sel_proc >= d->m.nprocs) {
        app_status("select a process with ↑/↓ first");
        return;
    }
    model_proc *p = &d->m.procs[d->sel_proc];
    if (p->state != PROC_RUNNING || !demo_proc_running(&d->proc)) {
        app_status("pid %d is not running", p->pid);
        return;
    }
    if (kill(p->pid, SIGKILL) < 0) {
        app_status("kill %d: %s", p->pid, strerror(errno));
        return;
    }
    model_log_add(&d->m, demo_now_us(d), 0, LOG_PROCESS, "kill     pid %d (%s) with SIGKILL: you pressed k",
                  p->pid, p->role);
}

/* ---- the cluster view's keys -------------------------------------------- */

/* k: SIGKILL to the selected worker, as `kill -9 PID` from a shell would:
 * the primary sees a worker die that it did not ask to (its respawn, if
 * on, replaces it). */
static void kill_worker(demo_screen *d)
{
    const model_cworker *w = model_cluster_alive_at(&d->m, demo_cluster_selected(d));
    if (!w || !demo_proc_running(&d->proc)) {
        app_status("no live worker selected");
        return;
    }
    if (kill(w->pid, SIGKILL) < 0) {
        app_status("kill %d: %s", w->pid, strerror(errno));
        return;
    }
    model_cluster_note(&d->m, w->pid, 'k', "SIGKILL", demo_now_us(d));
}

/* t: SIGTERM to the primary: the graceful stop, as a process manager
 * would ask for it. */
static void term_primary(demo_screen *d)
{
    int pid = d->m.cluster.primary_pid;
    if (!pid || !demo_proc_running(&d->proc)) {
        app_status("the primary is not running");
        return;
    }
    if (kill(pid, SIGTERM) < 0) {
        app_status("kill %d: %s", pid, strerror(errno));
        return;
    }
    model_cluster_note(&d->m, pid, 't', "SIGTERM", demo_now_us(d));
}

/* Moves the selection, within the live workers. */
static void select_worker(demo_screen *d, int i)
{
    int alive = model_cluster_alive(&d->m);
    d->sel_worker = i >= alive ? alive - 1 : i;
    if (d->sel_worker < 0) d->sel_worker = 0;
}

static bool demo_has_key(const demo_screen *d, int key)
{
    for (int k = 0; k < LAB_DEMO_MAX_KEYS && d->def->keys[k].key; k++)
        if (d->def->keys[k].key == key) return true;
    return false;
}

/* The cluster view's own keys, ahead of the others: ↑/↓ move over the
 * workers, k kills the selected one, t stops the primary (unless the demo
 * has a t of its own). */
static int cluster_bindings(demo_screen *d, binding *out)
{
    int n = 0;
    out[n++] = (binding){ KEY_DOWN, 'j', "↓/↑", "select the worker below", DO_WORKER_DOWN, false, NULL };
    out[n++] = (binding){ KEY_UP, 0, "↑", "select the worker above", DO_WORKER_UP, false, NULL };
    out[n++] = (binding){ KEY_NPAGE, 0, "PgDn", "workers: a page down", DO_WORKER_PGDN, false, NULL };
    out[n++] = (binding){ KEY_PPAGE, 0, "PgUp", "workers: a page up", DO_WORKER_PGUP, false, NULL };
    out[n++] = (binding){ 'k', 0, "k", "kill the selected worker (SIGKILL)", DO_WORKER_KILL, true, "kill" };
    if (!demo_has_key(d, 't'))
        out[n++] = (binding){ 't', 0, "t", "SIGTERM to the primary (graceful stop)", DO_TERM_PRIMARY,
                              true, "SIGTERM" };
    return n;
}

/* The demo's own keys (lab_demo_def.keys).  In the cluster view k is the
 * lab's (the selected worker), and a +/- pair shares one footer entry. */
static int demo_keys(demo_screen *d, binding *out, int n, int max)
{
    static char key_names[LAB_DEMO_MAX_KEYS][4];
    bool cluster = d->m.cluster.active, pair = demo_has_key(d, '+') && demo_has_key(d, '-');
    for (int k = 0; k < LAB_DEMO_MAX_KEYS && d->def->keys[k].key && n < max - 16; k++) {
        const lab_demo_key *dk = &d->def->keys[k];
        if (cluster && dk->key == 'k') continue;
        /* A demo's q and r (together.system: the graceful stop, the
         * rolling restart) are the lab's "back" and "run again" once the
         * demo has ended. */
        if ((dk->key == 'q' || dk->key == 'r') && !demo_proc_running(&d->proc)) continue;
        snprintf(key_names[k], sizeof key_names[k], "%s", pair && dk->key == '+' ? "+/-" : (char[]){ dk->key, 0 });
        out[n++] = (binding){ dk->key, 0, key_names[k], dk->help, DO_COMMAND,
                              !(pair && dk->key == '-'), dk->footer };
    }
    return n;
}

/* p: SIGSTOP / SIGCONT.  The model learns how long the demo was held,
 * so that a timer that came due meanwhile is not shown as loop lag. */
static void toggle_pause(demo_screen *d)
{
    bool pause = !d->proc.paused;
    int64_t now = demo_real_us(d);
    if (demo_proc_pause(&d->proc, pause) < 0) {
        app_status("nothing to pause: the demo is not running");
        return;
    }
    if (pause) {
        d->paused_at_us = now;
    } else {
        model_pause(&d->m, d->paused_at_us, now);
    }
}

/* ---- keys -------------------------------------------------------------- */

static int bindings(screen *s, binding *out, int max)
{
    demo_screen *d = (demo_screen *)s;
    int n = 0;
    static char sel_help[64];
    bool cluster = d->m.cluster.active;
    /* A view of its own (cluster, shutdown): the demo's keys come first. */
    if (cluster) n = demo_keys(d, out, cluster_bindings(d, out), max);
    else if (demo_timeline(d)) n = demo_keys(d, out, 0, max);
    if (d->nparams) {
        const lab_param *p = param(d, d->sel_param);
        snprintf(sel_help, sizeof sel_help, "%s%s", p->key, p->live ? "" : " (on restart)");
        /* + and - step the parameter too, unless the demo uses them. */
        out[n++] = (binding){ KEY_RIGHT, demo_has_key(d, '+') ? 0 : '+', "←/→",
                              "raise the selected parameter", DO_PARAM_UP, true, sel_help };
        out[n++] = (binding){ KEY_LEFT, demo_has_key(d, '-') ? 0 : '-', "←",
                              "lower the selected parameter", DO_PARAM_DOWN, false, NULL };
        out[n++] = (binding){ '\t', 0, "Tab", "select the next parameter", DO_PARAM_NEXT, true,
                              "param" };
        out[n++] = (binding){ KEY_BTAB, 0, "S-Tab", "previous parameter", DO_PARAM_PREV, false, NULL };
        out[n++] = (binding){ '=', 0, "=", "type a value for the selected parameter", DO_PARAM_TYPE, false, NULL };
    }
    static char toggle_help[LAB_DEMO_MAX_PARAMS][64], names[LAB_DEMO_MAX_PARAMS][2];
    for (int i = 0; i < d->nparams && n < max - 24; i++) {
        if (!d->hotkey[i]) continue;
        snprintf(toggle_help[i], sizeof toggle_help[i], "%s [%s]", param(d, i)->key,
                 d->ival[i] ? "on" : "off");
        names[i][0] = d->hotkey[i];
        out[n++] = (binding){ d->hotkey[i], 0, names[i], toggle_help[i], DO_TOGGLE, true, NULL };
    }
    if (!demo_timeline(d)) n = demo_keys(d, out, n, max);
    out[n++] = (binding){ 'p', ' ', "p", d->proc.paused ? "resume" : "pause", DO_PAUSE, true, NULL };
    out[n++] = (binding){ 'r', 0, "r", "restart", DO_RESTART, true, NULL };
    if (!cluster) {
        out[n++] = (binding){ KEY_DOWN, 'j', "↓/↑", "select the process below", DO_PROC_DOWN, false, NULL };
        out[n++] = (binding){ KEY_UP, 0, "↑", "select the process above", DO_PROC_UP, false, NULL };
        out[n++] = (binding){ 'k', 0, "k", "kill the selected process (SIGKILL)", DO_KILL, false, NULL };
    }
    out[n++] = (binding){ 'f', 0, "f", demo_timeline(d) ? "timeline / log: all events / backpressure / processes"
                                               : "log: all events / backpressure / processes",
                          DO_FILTER, false, NULL };
    out[n++] = (binding){ 's', 0, "s", d->stepping ? "step mode: off (show events as they come)"
                                                   : "step mode: one event at a time", DO_STEP,
                          d->stepping, d->stepping ? "steps off" : NULL };
    out[n++] = (binding){ 'n', 0, "n", "next event (step mode)", DO_NEXT, d->stepping, "next" };
    out[n++] = (binding){ 'w', 0, "w", d->log_wrap ? "log: cut long lines" : "log: wrap long lines",
                          DO_WRAP, false, NULL };
    out[n++] = (binding){ 'v', 0, "v", demo_source_shown(d) ? "hide the code"
                                                        : "the runtime code behind this demo, beside it",
                          DO_SOURCE, true, demo_source_shown(d) ? "code off" : "code" };
    out[n++] = (binding){ ']', 0, "]", "code: scroll down", DO_SOURCE_DOWN, false, NULL };
    out[n++] = (binding){ '[', 0, "[", "code: scroll up", DO_SOURCE_UP, false, NULL };
    out[n++] = (binding){ '>', '.', ">", "log: scroll right", DO_RIGHT, false, NULL };
    out[n++] = (binding){ '<', ',', "<", "log: scroll left", DO_LEFT, false, NULL };
    return n;
}

static void act(screen *s, int action, int key)
{
    demo_screen *d = (demo_screen *)s;
    switch (action) {
    case DO_PARAM_NEXT: d->sel_param = (d->sel_param + 1) % d->nparams; break;
    case DO_PARAM_PREV: d->sel_param = (d->sel_param + d->nparams - 1) % d->nparams; break;
    case DO_PARAM_UP: change_param(d, d->sel_param, +1); break;
    case DO_PARAM_DOWN: change_param(d, d->sel_param, -1); break;
    case DO_PARAM_TYPE: {
        char label[64];
        snprintf(label, sizeof label, "%s = ", param(d, d->sel_param)->key);
        app_prompt(s, label, typed_value);
        break;
    }
    case DO_TOGGLE:
        for (int i = 0; i < d->nparams; i++)
            if (d->hotkey[i] == key) { d->sel_param = i; change_param(d, i, +1); }
        break;
    case DO_COMMAND:
        for (int k = 0; k < LAB_DEMO_MAX_KEYS && d->def->keys[k].key; k++) {
            if (d->def->keys[k].key != key) continue;
            if (demo_proc_send(&d->proc, d->def->keys[k].command) < 0)
                app_status("the demo is not running (r starts it again)");
            else if (demo_timeline(d))
                model_timeline_said(demo_timeline(d), demo_now_us(d), "you", "pressed %c: %s", key,
                                    d->def->keys[k].help);
        }
        break;
    case DO_PAUSE: toggle_pause(d); break;
    case DO_SOURCE: demo_source_toggle(d); break;
    case DO_SOURCE_DOWN: demo_source_scroll(d, +8); break;
    case DO_SOURCE_UP: demo_source_scroll(d, -8); break;
    case DO_RESTART: restart(d); break;
    case DO_PROC_DOWN: if (d->sel_proc + 1 < d->m.nprocs) d->sel_proc++; break;
    case DO_PROC_UP: if (d->sel_proc > 0) d->sel_proc--; break;
    case DO_KILL: kill_selected(d); break;
    case DO_FILTER:
        /* A view with a timeline: the timeline, then each log filter in turn. */
        if (demo_timeline(d) && !d->all_events) { d->all_events = true; d->log_filter = 0; break; }
        d->log_filter = (d->log_filter + 1) % demo_log_nfilters;
        if (demo_timeline(d) && d->log_filter == 0) d->all_events = false;
        break;
    case DO_WORKER_DOWN: select_worker(d, d->sel_worker + 1); break;
    case DO_WORKER_UP: select_worker(d, demo_cluster_selected(d) - 1); break;
    case DO_WORKER_PGDN: select_worker(d, d->sel_worker + 8); break;
    case DO_WORKER_PGUP: select_worker(d, demo_cluster_selected(d) - 8); break;
    case DO_WORKER_KILL: kill_worker(d); break;
    case DO_TERM_PRIMARY: term_primary(d); break;
    case DO_STEP:
        demo_step_set(d, !d->stepping);
        app_status(d->stepping ? "step mode: n shows the next event, s turns it off"
                               : "step mode off: events as they come");
        break;
    case DO_NEXT:
        if (!d->stepping) app_status("s turns step mode on first");
        else if (!demo_step_next(d))
            app_status(d->m.exited ? "that was the last event" : "no event yet: it shows when it comes");
        break;
    case DO_WRAP: d->log_wrap = !d->log_wrap; d->log_hscroll = 0; break;
    case DO_RIGHT: if (!d->log_wrap) d->log_hscroll += 16; break;
    case DO_LEFT: d->log_hscroll = d->log_hscroll > 16 ? d->log_hscroll - 16 : 0; break;
    }
}

/* ---- the screen -------------------------------------------------------- */

/* `nodelab open NAME --set k=v`: the KEY=VALUE texts tui.c has checked
 * already, for the first dashboard of that demo. */
static const char *preset_name;
static const char *const *preset_sets;
static int preset_n;

void screen_demo_preset(const char *name, const char *const *sets, int n)
{
    preset_name = name;
    preset_sets = sets;
    preset_n = n;
}

/* The values the demo's entry names for the lab (slower, to be watched),
 * then the `nodelab open NAME --set` ones on top: each --set changes its
 * own key and leaves the lab's other defaults as they are. */
static void apply_lab_defaults(demo_screen *d)
{
    lab_demo values;
    lab_demo_init(&values, d->def);
    for (int k = 0; k < LAB_DEMO_MAX_LAB_SETS && d->def->lab_sets[k]; k++)
        if (lab_demo_set_kv(&values, d->def->lab_sets[k]) != NULL) goto out;   /* (a test says) */
    if (preset_name && strcmp(preset_name, d->def->name) == 0)
        for (int k = 0; k < preset_n; k++)
            lab_demo_set_kv(&values, preset_sets[k]);
    preset_name = NULL;                        /* the first dashboard only */
    for (int i = 0; i < d->nparams; i++) {
        d->ival[i] = values.ival[i];
        snprintf(d->sval[i], sizeof d->sval[i], "%s", values.sval[i]);
    }
out:
    lab_demo_free(&values);
}

/* VmHWM (the peak RSS) from /proc/PID/status, in bytes, or 0. */
static int64_t proc_peak(int pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    const char *hwm = strstr(buf, "VmHWM:");
    long long kb = 0;
    return hwm && sscanf(hwm + 6, "%lld", &kb) == 1 ? kb * 1024 : 0;
}

/* RSS, peak and state of every process, from /proc, once a second. */
static void sample_procs(demo_screen *d)
{
    for (int i = 0; i < d->m.nprocs; i++) {
        model_proc *p = &d->m.procs[i];
        if (p->state != PROC_RUNNING) continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", p->pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = '\0';
        char *paren = strrchr(buf, ')');
        char st = 0;
        long long rss_pages = 0;
        /* Fields after "(comm)": state is the 1st, rss the 22nd. */
        if (paren && sscanf(paren + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
                            "%*d %*d %*d %*d %*d %*d %*u %*u %lld", &st, &rss_pages) == 2)
            model_set_proc_sample(&d->m, p->pid, rss_pages * 4096, proc_peak(p->pid),
                                  st == 'Z' ? 0 : st);
        else
            model_set_proc_sample(&d->m, p->pid, 0, 0, 0);
    }
}

static void tick(screen *s)
{
    demo_screen *d = (demo_screen *)s;
    char last[128];
    snprintf(last, sizeof last, "demo:%s", d->def->name);
    app_claim_last(last);
    if (d->m.exited) return;
    model_tick(&d->m, demo_now_us(d));
    uint64_t now = lab_loop_now(APP.loop);
    if (now - d->last_proc_sample_ms >= 1000) {
        d->last_proc_sample_ms = now;
        sample_procs(d);
    }
    app_dirty();
}

static void draw(screen *s, int rows, int cols)
{
    demo_screen *d = (demo_screen *)s;
    int left = demo_source_split(d, cols);
    if (left) demo_draw(d, rows, left);
    demo_source_draw(d, rows, cols);
}

static void destroy(screen *s)
{
    demo_screen *d = (demo_screen *)s;
    demo_proc_destroy(&d->proc);
    demo_step_reset(d);
    demo_source_free(d);
    free(d);
}

screen *screen_demo_new(const char *name)
{
    const lab_demo_def *def = lab_demo_find(name);
    if (!def) {
        app_status("no demo '%s' (nodelab list demos)", name);
        return NULL;
    }
    demo_screen *d = calloc(1, sizeof *d);
    d->base = (screen){ .name = "demo", .bindings = bindings, .draw = draw, .act = act,
                        .tick = tick, .destroy = destroy };
    d->def = def;
    for (int i = 0; i < LAB_DEMO_MAX_PARAMS && def->params[i].key; i++) {
        d->ival[i] = def->params[i].def;
        snprintf(d->sval[i], sizeof d->sval[i], "%s", def->params[i].def_str ? def->params[i].def_str : "");
        d->nparams++;
    }
    assign_hotkeys(d);
    apply_lab_defaults(d);
    d->stepping = def->lab_step;
    start(d);
    return &d->base;
}
