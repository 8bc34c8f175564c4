/*
 * screen_picker.c — every demo, or every exercise, by chapter: pick one.
 */
#include "app.h"
#include "course/catalog.h"
#include "demos/demo.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DO_UP, DO_DOWN, DO_OPEN, DO_TOP, DO_BOTTOM };

typedef struct {
    screen base;
    int kind;
    struct { char target[128], name[80], text[200]; int chapter; } *rows;
    int n, sel;
    nl_exercise_entry *ex;     /* PICK_EXERCISES: the catalog, read once */
} picker;

/* Each exercise's row from its progress; true if one of them changed. */
static bool exercise_rows(picker *p)
{
    bool changed = false;
    for (int i = 0; i < p->n; i++) {
        nl_progress_ex pe = nl_progress_exercise(&APP.prog, p->ex[i].id);
        const char *mark = !strcmp(pe.status, "passed") ? UI.g->ok
                         : !strcmp(pe.status, "failing") ? UI.g->fail : " ";
        char status[32], name[sizeof p->rows[0].name], text[sizeof p->rows[0].text];
        if (!strcmp(pe.status, "failing"))
            snprintf(status, sizeof status, "failing %d/%d", pe.passed, pe.total);
        else snprintf(status, sizeof status, "%s", pe.status);
        snprintf(name, sizeof name, "%s %s", mark, p->ex[i].id);
        snprintf(text, sizeof text, "%-14s %s", status, p->ex[i].title);
        if (strcmp(name, p->rows[i].name) || strcmp(text, p->rows[i].text)) {
            memcpy(p->rows[i].name, name, sizeof name);
            memcpy(p->rows[i].text, text, sizeof text);
            changed = true;
        }
    }
    return changed;
}

static void load(picker *p)
{
    if (p->kind == PICK_DEMOS) {
        int count = 0;
        for (const lab_demo_def *const *d = lab_demo_all(); *d; d++) count++;
        p->rows = calloc((size_t)count + 1, sizeof *p->rows);
        for (const lab_demo_def *const *d = lab_demo_all(); *d; d++) {
            if (!lab_demo_listed(*d)) continue;
            snprintf(p->rows[p->n].target, sizeof p->rows[0].target, "demo:%s", (*d)->name);
            snprintf(p->rows[p->n].name, sizeof p->rows[0].name, "%s", (*d)->name);
            snprintf(p->rows[p->n].text, sizeof p->rows[0].text, "%s", (*d)->summary);
            p->rows[p->n++].chapter = (*d)->chapter;
        }
        return;
    }
    size_t count = nl_exercises(&p->ex);
    p->rows = calloc(count + 1, sizeof *p->rows);
    for (size_t i = 0; i < count; i++) {
        snprintf(p->rows[p->n].target, sizeof p->rows[0].target, "exercise:%s", p->ex[i].id);
        p->rows[p->n++].chapter = p->ex[i].chapter;
    }
    exercise_rows(p);
}

static void draw(screen *s, int rows, int cols)
{
    picker *p = (picker *)s;
    ui_text(0, 1, cols - 2, p->kind == PICK_DEMOS ? "Live demos" : "Exercises", S_TITLE);
    ui_rule(1, 0, cols, NULL);
    if (p->n == 0) ui_text(3, 2, cols - 4, "none installed", S_DIM);
    /* One header row per chapter: rows on screen are items plus headers. */
    int body = rows - 3, y = 2, top = 0;
    int line_of_sel = 0;
    for (int i = 0; i <= p->sel && i < p->n; i++)
        line_of_sel += 1 + (i == 0 || p->rows[i].chapter != p->rows[i - 1].chapter);
    if (line_of_sel > body) top = line_of_sel - body;
    int line = 0;
    for (int i = 0; i < p->n && y < rows - 1; i++) {
        if (i == 0 || p->rows[i].chapter != p->rows[i - 1].chapter) {
            if (line++ >= top) ui_printf(y++, 1, cols - 2, S_H3, "Chapter %d", p->rows[i].chapter);
        }
        if (line++ < top || y >= rows - 1) continue;
        bool on = i == p->sel;
        if (on) ui_text(y, 2, 2, UI.g->sel, S_BOLD);
        ui_text(y, 4, 26, p->rows[i].name, on ? S_SELECTED : S_BOLD);
        ui_text(y, 32, cols - 33, p->rows[i].text, S_NORMAL);
        y++;
    }
}

static int bindings(screen *s, binding *out, int max)
{
    int n = 0;
    out[n++] = (binding){ '\r', KEY_ENTER, "Enter", "open", DO_OPEN, true, NULL };
    out[n++] = (binding){ KEY_DOWN, 'j', "↓/j", "next", DO_DOWN, true, NULL };
    out[n++] = (binding){ KEY_UP, 'k', "↑/k", "previous", DO_UP, true, NULL };
    out[n++] = (binding){ 'g', KEY_HOME, "g", "first", DO_TOP, false, NULL };
    out[n++] = (binding){ 'G', KEY_END, "G", "last", DO_BOTTOM, false, NULL };
    return n;
}

static void act(screen *s, int action, int key)
{
    picker *p = (picker *)s;
    switch (action) {
    case DO_UP: if (p->sel > 0) p->sel--; break;
    case DO_DOWN: if (p->sel + 1 < p->n) p->sel++; break;
    case DO_TOP: p->sel = 0; break;
    case DO_BOTTOM: p->sel = p->n ? p->n - 1 : 0; break;
    case DO_OPEN: if (p->n) app_open_target(p->rows[p->sel].target); break;
    }
}

/* Statuses change while an exercise is open above: when we are on top
 * again, the rows follow (the catalog itself does not change). */
static void tick(screen *s)
{
    picker *p = (picker *)s;
    if (p->kind == PICK_EXERCISES && exercise_rows(p)) app_dirty();
}

static void destroy(screen *s)
{
    picker *p = (picker *)s;
    free(p->rows);
    free(p->ex);
    free(p);
}

screen *screen_picker_new(int kind)
{
    picker *p = calloc(1, sizeof *p);
    p->base = (screen){ .name = kind == PICK_DEMOS ? "demos" : "exercises",
                        .bindings = bindings, .draw = draw, .act = act, .tick = tick,
                        .destroy = destroy };
    p->kind = kind;
    load(p);
    return &p->base;
}
