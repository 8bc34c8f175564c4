/*
 * screen_home.c — the first screen: every chapter with the student's
 * exercise progress, and "Continue" to where they left off.
 */
#include "app.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "demos/demo.h"
#include "doc/markdown.h"
#include "widget.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DO_UP, DO_DOWN, DO_OPEN, DO_DEMOS, DO_EXERCISES };

typedef struct {
    screen base;
    nl_chapter *chapters;
    int nchapters;
    char cont[256];            /* progress "last", or "" */
    char cont_label[400];
    int sel;                   /* 0 = Continue (when there is one) */
} home;

static int items(home *h) { return h->nchapters + (h->cont[0] ? 1 : 0); }

/* The heading above the saved position: "1.2 Timers" for Continue. */
static void section_at(const nl_chapter *c, int position, char *out, size_t size)
{
    out[0] = '\0';
    char *text = nl_read_file(c->path, NULL);
    if (!text) return;
    md_doc *doc = md_parse(text);
    for (size_t i = 0; i < doc->n && doc->blocks[i].line <= position; i++)
        if (doc->blocks[i].kind == MD_HEADING && doc->blocks[i].level > 1) {
            char *plain = md_plain(doc->blocks[i].text);
            snprintf(out, size, "%s", plain);
            free(plain);
        }
    md_free(doc);
    free(text);
}

static void make_continue(home *h)
{
    char prefixed[200];
    const char *last = nl_progress_last(&APP.prog);
    if (*last && !strchr(last, ':')) {          /* nodelab check writes a bare id */
        nl_exercise_entry e;
        snprintf(prefixed, sizeof prefixed, "%s:%s",
                 nl_exercise_find(last, &e) == 0 ? "exercise" : "demo", last);
        last = prefixed;
    }
    snprintf(h->cont, sizeof h->cont, "%s", last);
    h->cont_label[0] = '\0';
    if (!strncmp(last, "chapter:", 8)) {
        nl_chapter c;
        if (nl_chapter_find(last + 8, &c) < 0) { h->cont[0] = '\0'; return; }
        char section[128];
        section_at(&c, nl_progress_position(&APP.prog, c.number), section, sizeof section);
        snprintf(h->cont_label, sizeof h->cont_label, "%d %s%s%s", c.number, c.title,
                 section[0] ? " — " : "", section);
    } else if (!strncmp(last, "demo:", 5) && lab_demo_find(last + 5)) {
        snprintf(h->cont_label, sizeof h->cont_label, "demo %s", last + 5);
    } else if (!strncmp(last, "exercise:", 9)) {
        nl_exercise_entry e;
        if (nl_exercise_find(last + 9, &e) < 0) { h->cont[0] = '\0'; return; }
        snprintf(h->cont_label, sizeof h->cont_label, "exercise %s — %s", e.id, e.title);
    } else {
        h->cont[0] = '\0';
    }
}

static void draw(screen *s, int rows, int cols)
{
    home *h = (home *)s;
    nl_exercise_entry *ex;
    int nex = (int)nl_exercises(&ex);
    ui_text(0, 1, cols - 10, "nodelab — the machinery behind advanced Node.js, rebuilt in C", S_TITLE);
    ui_text_right(0, cols - 1, 8, "? help", S_DIM);
    ui_rule(1, 0, cols, NULL);
    int y = 3, sel = h->sel - (h->cont[0] ? 1 : 0);
    if (h->nchapters == 0)
        ui_text(y++, 2, cols - 4, "No chapters found (is nodelab installed?)", S_BAD);
    for (int i = 0; i < h->nchapters && y < rows - 4; i++, y++) {
        const nl_chapter *c = &h->chapters[i];
        int passed = 0, total = 0;
        for (int k = 0; k < nex; k++) {
            if (ex[k].chapter != c->number) continue;
            total++;
            nl_progress_ex pe = nl_progress_exercise(&APP.prog, ex[k].id);
            passed += strcmp(pe.status, "passed") == 0;
        }
        bool on = i == sel, wide = cols >= 80;
        int right = wide ? 28 : 14;          /* bar and "n/m exercises" */
        if (on) ui_text(y, 2, 2, UI.g->sel, S_BOLD);
        ui_printf(y, 4, cols - 6 - right, on ? S_SELECTED : S_NORMAL, "%d %s", c->number, c->title);
        if (total) {
            w_gauge(y, cols - right, wide ? 10 : 6, passed, total, passed == total ? S_GOOD : S_ACCENT);
            ui_printf(y, cols - right + (wide ? 11 : 7), right - 11, S_NORMAL, "%d/%d%s", passed,
                      total, wide ? " exercises" : "");
        } else {
            ui_text(y, cols - right + (wide ? 11 : 7), 4, "—", S_DIM);
        }
    }
    y++;
    if (h->cont[0]) {
        bool on = h->sel == 0;
        if (on) ui_text(y, 2, 2, UI.g->sel, S_BOLD);
        int x = 4 + ui_text(y, 4, cols, "Continue: ", S_KEY);
        ui_text(y, x, cols - x - 9, h->cont_label, on ? S_SELECTED : S_NORMAL);
        ui_text_right(y, cols - 1, 8, "[Enter]", S_DIM);
        y += 2;
    }
    if (y < rows - 1) {
        int ndemos = 0;
        for (const lab_demo_def *const *d = lab_demo_all(); *d; d++) ndemos += lab_demo_listed(*d);
        const char *home = nl_home_dir();
        size_t n = strlen(home);
        bool tilde = n > 1 && !strncmp(APP.workspace, home, n) && APP.workspace[n] == '/';
        ui_printf(y, 4, cols - 6, S_DIM, "%d live demos (d) · %d exercises (e) in %s%s", ndemos, nex,
                  tilde ? "~" : "", APP.workspace + (tilde ? n : 0));
    }
    free(ex);
}

static int bindings(screen *s, binding *out, int max)
{
    int n = 0;
    out[n++] = (binding){ '\r', KEY_ENTER, "Enter", "open", DO_OPEN, true, NULL };
    out[n++] = (binding){ KEY_DOWN, 'j', "↓/j", "next", DO_DOWN, false, NULL };
    out[n++] = (binding){ KEY_UP, 'k', "↑/k", "previous", DO_UP, false, NULL };
    out[n++] = (binding){ 'd', 0, "d", "demos", DO_DEMOS, true, NULL };
    out[n++] = (binding){ 'e', 0, "e", "exercises", DO_EXERCISES, true, NULL };
    return n;
}

static void act(screen *s, int action, int key)
{
    home *h = (home *)s;
    switch (action) {
    case DO_UP: if (h->sel > 0) h->sel--; break;
    case DO_DOWN: if (h->sel + 1 < items(h)) h->sel++; break;
    case DO_DEMOS: app_push(screen_picker_new(PICK_DEMOS)); break;
    case DO_EXERCISES: app_push(screen_picker_new(PICK_EXERCISES)); break;
    case DO_OPEN: {
        if (items(h) == 0) break;
        char target[300];
        if (h->cont[0] && h->sel == 0) snprintf(target, sizeof target, "%s", h->cont);
        else snprintf(target, sizeof target, "chapter:%d",
                      h->chapters[h->sel - (h->cont[0] ? 1 : 0)].number);
        app_open_target(target);
        break;
    }
    }
}

/* Coming back to Home: what was last opened may have changed. */
static void tick(screen *s)
{
    home *h = (home *)s;
    const char *last = nl_progress_last(&APP.prog);
    if (strcmp(h->cont, last) != 0 && !(*last && strstr(h->cont, last))) {
        make_continue(h);
        app_dirty();
    }
}

static void destroy(screen *s)
{
    home *h = (home *)s;
    free(h->chapters);
    free(h);
}

screen *screen_home_new(void)
{
    home *h = calloc(1, sizeof *h);
    h->base = (screen){ .name = "home", .bindings = bindings, .draw = draw, .act = act,
                        .tick = tick, .destroy = destroy, .is_root = true };
    nl_chapter *list;
    h->nchapters = (int)nl_chapters(&list);
    h->chapters = list;
    make_continue(h);
    return &h->base;
}
