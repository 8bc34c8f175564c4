/*
 * screen_exercise.c — doing one exercise: the statement, the student's
 * files, running the tests with per-test results, hints one at a time,
 * watch mode (inotify: the tests run again when a file is saved), and the
 * reference solution once the tests pass.
 */
#include "app.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "doc_layout.h"
#include "exercise.h"
#include "widget.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

enum { V_STATEMENT, V_RESULTS, V_SOLUTION };
enum {
    DO_RUN, DO_HINT, DO_WATCH, DO_STATEMENT, DO_SOLUTION, DO_COPY, DO_EDIT, DO_DOWN, DO_UP,
    DO_PGDN, DO_PGUP,
};

typedef struct {
    screen base;
    exercise ex;
    ex_runner run;
    int view, top, body;
    md_doc *statement, *solution;
    dl_doc *lay[3];            /* laid out statement / - / solution */
    int hints_used;
    bool watching;
    int wfd;                   /* inotify descriptor, or -1 */
    lab_io wio;
    lab_timer debounce;
} ex_screen;

/* ---- documents --------------------------------------------------------- */

static md_doc *solution_doc(const exercise *e)
{
    size_t cap = 4096, n = 0;
    char *md = malloc(cap);
    n += (size_t)snprintf(md, cap, "# Reference solution: %s\n\n", e->id);
    for (int i = 0; i < e->nfiles; i++) {
        char rel[300], path[4400];
        snprintf(rel, sizeof rel, "solutions/%s/%s", e->id, e->files[i]);
        char *text = nl_read_file(nl_data_path(path, sizeof path, rel), NULL);
        if (!text) continue;
        size_t need = n + strlen(text) + 400;
        if (need > cap) md = realloc(md, cap = need * 2);
        n += (size_t)snprintf(md + n, cap - n, "## %s\n\n```c\n%s\n```\n\n", e->files[i], text);
        free(text);
    }
    md_doc *doc = md_parse(md);
    free(md);
    return doc;
}

static dl_doc *layout(ex_screen *x, int view)
{
    md_doc *doc = view == V_SOLUTION ? x->solution : x->statement;
    int w = UI.cols - 2 < 100 ? UI.cols - 2 : 100;
    if (!doc) return NULL;
    if (!x->lay[view] || x->lay[view]->width != w) {
        dl_free(x->lay[view]);
        x->lay[view] = dl_layout(doc, w);
    }
    return x->lay[view];
}

static bool solved(ex_screen *x)
{
    return !strcmp(nl_progress_exercise(&APP.prog, x->ex.id).status, "passed");
}

/* ---- running ----------------------------------------------------------- */

static void on_results(ex_runner *r)
{
    ex_screen *x = r->data;
    nl_progress_refresh(&APP.prog);      /* nodelab check recorded the result */
    if (r->compiled && r->passed == r->total)
        app_status("all %d tests pass%s", r->total,
                   exercise_solutions_allowed() ? ": s shows the reference solution" : "");
    x->view = V_RESULTS;
    x->top = 0;
    app_dirty();
}

static void run_tests(ex_screen *x)
{
    if (exercise_files_present(&x->ex) < x->ex.nfiles) {
        app_status("your files are not there yet: c copies the starter");
        return;
    }
    if (ex_runner_start(&x->run, APP.loop, &x->ex) < 0) {
        app_status("cannot run the tests: %s", strerror(errno));
        return;
    }
    x->view = V_RESULTS;
    x->top = 0;
}

static void on_debounce(lab_timer *t) { run_tests(t->data); app_dirty(); }

/* A save is often several events (write, close, rename): wait for quiet. */
static void on_inotify(lab_io *io, int events)
{
    ex_screen *x = io->data;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    bool ours = false;
    while ((n = read(io->fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n; ) {
            struct inotify_event *ev = (struct inotify_event *)p;
            for (int i = 0; ev->len && i < x->ex.nfiles; i++)
                if (!strcmp(ev->name, x->ex.files[i])) ours = true;
            p += sizeof *ev + ev->len;
        }
    }
    if (ours) lab_timer_start(&x->debounce, on_debounce, 300, 0);
}

static void stop_watch(ex_screen *x)
{
    if (x->wfd < 0) return;
    lab_io_close(&x->wio);
    close(x->wfd);
    x->wfd = -1;
    lab_timer_stop(&x->debounce);
    x->watching = false;
}

static void start_watch(ex_screen *x)
{
    char ws[4096];
    exercise_workspace(&x->ex, ws, sizeof ws);
    x->wfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (x->wfd < 0 || inotify_add_watch(x->wfd, ws, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        app_status("cannot watch %s: %s (c copies the starter there)", ws, strerror(errno));
        if (x->wfd >= 0) close(x->wfd);
        x->wfd = -1;
        return;
    }
    lab_io_init(APP.loop, &x->wio, x->wfd);
    x->wio.data = x;
    lab_io_unref(&x->wio);
    lab_io_start(&x->wio, LAB_READABLE, on_inotify);
    x->watching = true;
    app_status("watching %s: saving a file runs the tests", ws);
}

static void edit(ex_screen *x)
{
    char ws[4096], path[4300];
    exercise_workspace(&x->ex, ws, sizeof ws);
    if (exercise_files_present(&x->ex) < x->ex.nfiles) {
        app_status("c copies the starter first");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", ws, x->ex.files[0]);
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor) editor = getenv("EDITOR");
    if (!editor || !*editor) editor = "vi";
    char *argv[] = { (char *)editor, path, NULL };
    int status = app_run_in_terminal(argv);
    if (status != 0) app_status("%s ended with status %d", editor, status);
    else if (!x->watching) run_tests(x);
}

/* ---- drawing ----------------------------------------------------------- */

static int draw_results(ex_screen *x, int y, int rows, int cols)
{
    ex_runner *r = &x->run;
    char ws[4096];
    exercise_workspace(&x->ex, ws, sizeof ws);
    int present = exercise_files_present(&x->ex);
    ui_printf(y++, 2, cols - 4, present == x->ex.nfiles ? S_DIM : S_WARN, "your files: %s/%s%s",
              ws, x->ex.files[0], present == x->ex.nfiles ? "" : "  (not there: c copies the starter)");
    y++;
    if (r->running) {
        ui_text(y++, 2, cols - 4, "compiling and running the tests...", S_WARN);
        return y;
    }
    if (!r->done) {
        ui_text(y++, 2, cols - 4, "not run yet: Enter runs the tests", S_DIM);
        return y;
    }
    if (!r->compiled) {
        ui_text(y++, 2, cols - 4, "your code does not compile:", S_BAD);
        char *p = r->log;
        for (int skip = x->top; skip > 0 && strchr(p, '\n'); skip--) p = strchr(p, '\n') + 1;
        while (*p && y < rows) {
            size_t n = strcspn(p, "\n");
            ui_textn(y++, 4, cols - 6, p, n, S_NORMAL);
            p += n + (p[n] == '\n');
        }
        return y;
    }
    for (int i = x->top; i < x->ex.ncases && y < rows; i++) {
        const ex_case *c = &x->ex.cases[i];
        const case_result *cr = &r->cases[i];
        const char *mark = cr->status == CASE_PASS ? UI.g->ok
                         : cr->status == CASE_NOT_RUN ? UI.g->notrun : UI.g->fail;
        ui_style st = cr->status == CASE_PASS ? S_GOOD : cr->status == CASE_NOT_RUN ? S_DIM : S_BAD;
        ui_text(y, 2, 2, mark, st);
        ui_text(y, 4, cols - 14, c->hidden ? "(hidden test)" : c->name, S_NORMAL);
        ui_printf(y++, cols - 8, 7, st, "%d/%d", cr->status == CASE_PASS ? c->points : 0, c->points);
        if (cr->status == CASE_PASS || c->hidden || y >= rows) continue;
        if (cr->status == CASE_NOT_RUN) { ui_text(y++, 6, cols - 8, "(not run)", S_DIM); continue; }
        ui_text(y++, 6, cols - 8, cr->message, S_NORMAL);
        if (cr->where[0] && y < rows) ui_printf(y++, 6, cols - 8, S_DIM, "at %s", cr->where);
    }
    if (r->log[0] && y < rows) ui_text(y++, 2, cols - 4, r->log, S_WARN);
    return y;
}

static void draw(screen *s, int rows, int cols)
{
    ex_screen *x = (ex_screen *)s;
    ex_runner *r = &x->run;
    nl_progress_ex pe = nl_progress_exercise(&APP.prog, x->ex.id);
    /* A hint revealed elsewhere (nodelab hint, nodelab check) shows here too. */
    if (pe.hints_used > x->hints_used) x->hints_used = pe.hints_used < x->ex.nhints ? pe.hints_used : x->ex.nhints;
    char status[64];
    if (r->running) snprintf(status, sizeof status, "running...");
    else if (!strcmp(pe.detail, "compile error")) snprintf(status, sizeof status, "does not compile");
    else if (!strcmp(pe.status, "failing")) snprintf(status, sizeof status, "failing %d/%d tests", pe.passed, pe.total);
    else snprintf(status, sizeof status, "%s", pe.status);
    int n = 1 + ui_text(0, 1, cols, x->ex.id, S_TITLE);
    n += ui_printf(0, n, cols - n, S_NORMAL, "   chapter %d   ", x->ex.chapter);
    ui_text(0, n, cols - n - 16, status, !strcmp(pe.status, "passed") ? S_GOOD
            : !strcmp(pe.status, "failing") ? S_BAD : S_DIM);
    ui_text_right(0, cols - 1, 14, x->watching ? "w watch: ON" : "w watch: off",
                  x->watching ? S_WARN : S_DIM);
    ui_rule(1, 0, cols, x->view == V_STATEMENT ? "statement" : x->view == V_SOLUTION
            ? "reference solution" : "tests");
    /* The revealed hint sits at the bottom. */
    int hint_rows = 0;
    char hint[600] = "";
    if (x->hints_used > 0 && x->hints_used <= x->ex.nhints) {
        snprintf(hint, sizeof hint, "Hint %d/%d: %s", x->hints_used, x->ex.nhints,
                 x->ex.hints[x->hints_used - 1]);
        hint_rows = 1 + (ui_width(hint) + cols - 5) / (cols - 4);
        if (hint_rows > 4) hint_rows = 4;
    }
    int body_end = rows - hint_rows;
    x->body = body_end - 2;
    if (x->view == V_RESULTS) {
        draw_results(x, 2, body_end, cols);
    } else {
        dl_doc *d = layout(x, x->view);
        if (d) {
            if (x->top > d->n - 1) x->top = d->n > 0 ? d->n - 1 : 0;
            w_doc(2, 1, cols - 2, x->body, d, x->top, -1, NULL);
        }
    }
    if (hint_rows) {
        ui_rule(body_end, 0, cols, NULL);
        int at = 0, len = (int)strlen(hint);
        for (int row = body_end + 1; row < rows && at < len; row++) {
            size_t fit = ui_fit(hint + at, cols - 4);
            if (at + (int)fit < len)
                while (fit > 0 && hint[at + fit] != ' ') fit--;
            if (fit == 0) fit = ui_fit(hint + at, cols - 4);
            ui_textn(row, 2, cols - 4, hint + at, fit, S_ACCENT);
            at += (int)fit + 1;
        }
    }
}

/* ---- keys -------------------------------------------------------------- */

static int bindings(screen *s, binding *out, int max)
{
    ex_screen *x = (ex_screen *)s;
    int n = 0;
    bool have = exercise_files_present(&x->ex) == x->ex.nfiles;
    bool sol = exercise_solutions_allowed() && solved(x);
    static char hint_help[32];
    snprintf(hint_help, sizeof hint_help, "next hint (%d/%d)", x->hints_used, x->ex.nhints);
    if (!have) out[n++] = (binding){ 'c', 0, "c", "copy the starter to your folder", DO_COPY, true, NULL };
    out[n++] = (binding){ '\r', KEY_ENTER, "Enter", "run tests", DO_RUN, have, NULL };
    out[n++] = (binding){ 'h', 0, "h", hint_help, DO_HINT, x->hints_used < x->ex.nhints, NULL };
    out[n++] = (binding){ 'o', 0, "o", x->view == V_STATEMENT ? "results" : "statement", DO_STATEMENT, true, NULL };
    out[n++] = (binding){ 'w', 0, "w", x->watching ? "stop watching" : "watch: run on save", DO_WATCH, true, NULL };
    out[n++] = (binding){ 'e', 0, "e", "edit your file ($EDITOR)", DO_EDIT, have, NULL };
    out[n++] = (binding){ 's', 0, "s", sol ? "reference solution" : "solution (after passing)",
                          DO_SOLUTION, sol, NULL };
    out[n++] = (binding){ 'j', KEY_DOWN, "j/k", "scroll down", DO_DOWN, false, NULL };
    out[n++] = (binding){ 'k', KEY_UP, "k", "scroll up", DO_UP, false, NULL };
    out[n++] = (binding){ KEY_NPAGE, ' ', "PgDn", "page down", DO_PGDN, false, NULL };
    out[n++] = (binding){ KEY_PPAGE, 0, "PgUp", "page up", DO_PGUP, false, NULL };
    return n;
}

static void act(screen *s, int action, int key)
{
    ex_screen *x = (ex_screen *)s;
    char err[300];
    switch (action) {
    case DO_RUN: run_tests(x); break;
    case DO_HINT:
        if (x->hints_used >= x->ex.nhints) { app_status("no more hints"); break; }
        x->hints_used = nl_progress_hint(&APP.prog, x->ex.id, x->ex.nhints, true, NULL);
        if (x->hints_used == 0) app_status("%s", APP.prog.error);
        break;
    case DO_STATEMENT: x->view = x->view == V_STATEMENT ? V_RESULTS : V_STATEMENT; x->top = 0; break;
    case DO_WATCH: if (x->watching) stop_watch(x); else start_watch(x); break;
    case DO_EDIT: edit(x); break;
    case DO_COPY: {
        int n = exercise_copy_starter(&x->ex, err, sizeof err);
        if (n < 0) app_status("%s", err);
        else app_status("copied %d starter file%s to your folder", n, n == 1 ? "" : "s");
        break;
    }
    case DO_SOLUTION:
        if (!exercise_solutions_allowed()) { app_status("your instructor has turned solutions off"); break; }
        if (!solved(x)) { app_status("the solution opens once all the tests pass"); break; }
        if (!x->solution) x->solution = solution_doc(&x->ex);
        x->view = V_SOLUTION;
        x->top = 0;
        break;
    case DO_DOWN: x->top++; break;
    case DO_UP: if (x->top > 0) x->top--; break;
    case DO_PGDN: x->top += x->body - 2; break;
    case DO_PGUP: x->top = x->top > x->body - 2 ? x->top - (x->body - 2) : 0; break;
    }
}

static void tick(screen *s)
{
    ex_screen *x = (ex_screen *)s;
    char last[128];
    snprintf(last, sizeof last, "exercise:%s", x->ex.id);
    app_claim_last(last);
}

static void destroy(screen *s)
{
    ex_screen *x = (ex_screen *)s;
    ex_runner_cancel(&x->run);
    stop_watch(x);
    for (int i = 0; i < 3; i++) dl_free(x->lay[i]);
    md_free(x->statement);
    md_free(x->solution);
    exercise_free(&x->ex);
    free(x);
}

screen *screen_exercise_new(const char *id)
{
    ex_screen *x = calloc(1, sizeof *x);
    char err[300];
    if (exercise_load(id, &x->ex, err, sizeof err) < 0) {
        app_status("%s", err);
        free(x);
        return NULL;
    }
    x->base = (screen){ .name = "exercise", .bindings = bindings, .draw = draw, .act = act,
                        .tick = tick, .destroy = destroy };
    x->wfd = -1;
    x->run.on_done = on_results;
    x->run.data = x;
    lab_timer_init(APP.loop, &x->debounce);
    x->debounce.data = x;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", x->ex.dir, x->ex.statement);
    char *text = nl_read_file(path, NULL);
    if (text) { x->statement = md_parse(text); free(text); }
    x->hints_used = nl_progress_exercise(&APP.prog, id).hints_used;
    if (x->hints_used > x->ex.nhints) x->hints_used = x->ex.nhints;
    x->view = V_STATEMENT;
    return &x->base;
}
