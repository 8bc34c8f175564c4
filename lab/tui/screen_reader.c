/*
 * screen_reader.c — a chapter on screen: scrolling, search, contents, and
 * links that open a demo or an exercise with Enter.
 *
 * The chapter is parsed once (lab/doc/markdown.c, the same parser as
 * `nodelab read`) and laid out for the window's width (doc_layout.c); a
 * resize lays it out again and keeps the same paragraph at the top.  The
 * reading position saved in progress.json is a Markdown source line, so it
 * survives any terminal width.
 */
#define _GNU_SOURCE
#include "app.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "doc/doctag.h"
#include "doc_layout.h"
#include "widget.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 100              /* prose wider than this is hard to read */

enum {
    DO_DOWN, DO_UP, DO_PGDN, DO_PGUP, DO_TOP, DO_BOTTOM, DO_SEARCH, DO_NEXT, DO_PREV,
    DO_TOC, DO_NEXT_LINK, DO_PREV_LINK, DO_FOLLOW,
    DO_TOC_DOWN, DO_TOC_UP, DO_TOC_GO, DO_TOC_CLOSE,
};

typedef struct {
    screen base;
    nl_chapter ch;
    char *text;
    md_doc *doc;
    dl_doc *lay;
    int top, body, sel_link;
    char search[120];
    int hit;                   /* the line of the last match, or -1 */
    bool toc_open;
    int toc_sel;
    int saved_src;             /* the position last written to progress */
} reader;

static int width_for(int cols) { return cols - 2 < MAX_WIDTH ? cols - 2 : MAX_WIDTH; }
static int max_top(reader *r) { return r->lay->n - r->body > 0 ? r->lay->n - r->body : 0; }

static void relayout(reader *r)
{
    int src = r->lay && r->top < r->lay->n ? r->lay->lines[r->top].src_line : 0;
    dl_free(r->lay);
    r->lay = dl_layout(r->doc, width_for(UI.cols));
    r->top = src ? dl_line_of_source(r->lay, src) : 0;
}

/* Keeps the selected link on screen, or selects the first one there. */
static void fix_link(reader *r)
{
    if (r->sel_link >= 0) {
        int line = r->lay->links[r->sel_link].line;
        if (line >= r->top && line < r->top + r->body) return;
    }
    r->sel_link = -1;
    for (int i = 0; i < r->lay->nlinks; i++) {
        int line = r->lay->links[i].line;
        if (line >= r->top && line < r->top + r->body) { r->sel_link = i; return; }
    }
}

static void scroll_to(reader *r, int top)
{
    if (top > max_top(r)) top = max_top(r);
    if (top < 0) top = 0;
    r->top = top;
    fix_link(r);
}

static void save_position(reader *r)
{
    if (r->lay->n == 0 || r->lay->lines[r->top].src_line == r->saved_src) return;
    r->saved_src = r->lay->lines[r->top].src_line;
    if (nl_progress_set_position(&APP.prog, r->ch.number, r->saved_src) < 0)
        app_status("%s", APP.prog.error);
}

/* Scrolling saves the position at most four times a second, not per key;
 * and coming back to the chapter makes it the last place again. */
static void claim_and_save(reader *r)
{
    char last[32];
    snprintf(last, sizeof last, "chapter:%d", r->ch.number);
    app_claim_last(last);
    save_position(r);
}

static void tick(screen *s) { claim_and_save((reader *)s); }

/* ---- search ------------------------------------------------------------ */

static int find_from(reader *r, int line, int dir)
{
    for (int i = line; i >= 0 && i < r->lay->n; i += dir)
        if (strcasestr(r->lay->lines[i].text, r->search)) return i;
    return -1;
}

/* Finds the next match from line `from` (inclusive) in direction dir,
 * wrapping once, and puts it on the first line.  A search that finds
 * nothing leaves the page where it was. */
static void search_from(reader *r, int from, int dir)
{
    if (!r->search[0]) { app_status("no search yet: press / to search"); return; }
    int hit = find_from(r, from, dir);
    if (hit < 0) hit = find_from(r, dir > 0 ? 0 : r->lay->n - 1, dir);     /* wrap */
    if (hit < 0) { app_status("not found: %s", r->search); return; }
    int count = 0, index = 0;
    for (int i = 0; i < r->lay->n; i++)
        if (strcasestr(r->lay->lines[i].text, r->search)) {
            count++;
            if (i == hit) index = count;
        }
    r->hit = hit;
    scroll_to(r, hit);                     /* the match on the first line */
    app_status("match %d of %d for \"%s\"", index, count, r->search);
}

/* n / N: the match after (or before) the last one while it is on screen
 * (near the end the page cannot put it on the first line), else after the
 * top line. */
static void search_step(reader *r, int dir)
{
    bool shown = r->hit >= r->top && r->hit < r->top + r->body;
    search_from(r, (shown ? r->hit : r->top) + dir, dir);
}

/* A new search: the top line counts too. */
static void on_search(screen *s, const char *text)
{
    reader *r = (reader *)s;
    snprintf(r->search, sizeof r->search, "%s", text);
    search_from(r, r->top, +1);
}

/* ---- drawing ----------------------------------------------------------- */

static void draw_toc(reader *r, int rows, int cols)
{
    int w = cols - 8 < 70 ? cols - 8 : 70, h = rows - 4, x = (cols - w) / 2, y = 2;
    w_box(y, x, h, w, "contents", "Enter go · t/q close");
    int first = r->toc_sel >= h - 2 ? r->toc_sel - (h - 3) : 0;
    for (int i = first; i < r->lay->ntoc && y + 1 + i - first < y + h - 1; i++) {
        const dl_heading *t = &r->lay->toc[i];
        int row = y + 1 + i - first;
        if (i == r->toc_sel) ui_text(row, x + 1, 2, UI.g->sel, S_BOLD);
        ui_text(row, x + 3 + (t->level - 1) * 2, w - 5 - (t->level - 1) * 2, t->title,
                i == r->toc_sel ? S_SELECTED : t->level == 1 ? S_BOLD : S_NORMAL);
    }
}

static void draw(screen *s, int rows, int cols)
{
    reader *r = (reader *)s;
    if (r->lay->width != width_for(cols)) relayout(r);
    r->body = rows - 3;            /* the last row is left for messages */
    if (r->top > max_top(r)) r->top = max_top(r);
    fix_link(r);
    /* Header: chapter › section, and how far along. */
    const dl_heading *sec = dl_section_of(r->lay, r->top);
    char where[256];
    if (sec && sec->level > 1) snprintf(where, sizeof where, "%d %s › %s", r->ch.number, r->ch.title, sec->title);
    else snprintf(where, sizeof where, "%d %s", r->ch.number, r->ch.title);
    int pct = r->lay->n ? (int)(100L * (r->top + r->body < r->lay->n ? r->top + r->body : r->lay->n) / r->lay->n) : 100;
    char p[16];
    snprintf(p, sizeof p, "%3d%%", pct);
    ui_text(0, 1, cols - 18, where, S_TITLE);
    ui_text(0, cols - 16, 4, p, S_BOLD);
    w_gauge(0, cols - 11, 10, pct, 100, S_ACCENT);
    ui_rule(1, 0, cols, NULL);
    int x = cols > MAX_WIDTH + 2 ? (cols - MAX_WIDTH) / 2 : 1;
    w_doc(2, x, width_for(cols), r->body, r->lay, r->top, r->sel_link, r->search);
    if (r->toc_open) draw_toc(r, rows, cols);
}

/* ---- keys -------------------------------------------------------------- */

static int bindings(screen *s, binding *out, int max)
{
    reader *r = (reader *)s;
    int n = 0;
    if (r->toc_open) {
        out[n++] = (binding){ '\r', KEY_ENTER, "Enter", "go to the section", DO_TOC_GO, true, NULL };
        out[n++] = (binding){ KEY_DOWN, 'j', "↓/j", "next", DO_TOC_DOWN, true, NULL };
        out[n++] = (binding){ KEY_UP, 'k', "↑/k", "previous", DO_TOC_UP, true, NULL };
        out[n++] = (binding){ 't', 'q', "t/q", "close contents", DO_TOC_CLOSE, true, NULL };
        out[n++] = (binding){ 27, 0, "Esc", "close contents", DO_TOC_CLOSE, false, NULL };
        return n;
    }
    bool link = r->sel_link >= 0;
    out[n++] = (binding){ 'j', KEY_DOWN, "j/k", "scroll down", DO_DOWN, true, "scroll" };
    out[n++] = (binding){ 'k', KEY_UP, "k", "scroll up", DO_UP, false, NULL };
    out[n++] = (binding){ KEY_NPAGE, ' ', "PgDn/space", "page down", DO_PGDN, false, NULL };
    out[n++] = (binding){ KEY_PPAGE, 'b', "PgUp/b", "page up", DO_PGUP, false, NULL };
    out[n++] = (binding){ 'g', KEY_HOME, "g", "top", DO_TOP, false, NULL };
    out[n++] = (binding){ 'G', KEY_END, "G", "bottom", DO_BOTTOM, false, NULL };
    out[n++] = (binding){ '\r', KEY_ENTER, "Enter",
                          link ? "follow link" : "follow link (none on screen)", DO_FOLLOW, link, NULL };
    out[n++] = (binding){ '\t', 0, "Tab", "next link", DO_NEXT_LINK, link, NULL };
    out[n++] = (binding){ KEY_BTAB, 0, "S-Tab", "previous link", DO_PREV_LINK, false, NULL };
    out[n++] = (binding){ 't', 0, "t", "contents", DO_TOC, true, NULL };
    out[n++] = (binding){ '/', 0, "/", "search", DO_SEARCH, true, NULL };
    out[n++] = (binding){ 'n', 0, "n/N", "next match", DO_NEXT, r->search[0] != 0,
                          "next/previous match" };
    out[n++] = (binding){ 'N', 0, "N", "previous match", DO_PREV, false, NULL };
    return n;
}

static void link_step(reader *r, int dir)
{
    dl_doc *d = r->lay;
    if (d->nlinks == 0) { app_status("this chapter has no demo or exercise links"); return; }
    int next = r->sel_link < 0 ? (dir > 0 ? 0 : d->nlinks - 1) : r->sel_link + dir;
    if (r->sel_link < 0)                  /* the first one after the top */
        for (int i = 0; i < d->nlinks; i++)
            if (d->links[i].line >= r->top) { next = i; break; }
    if (next < 0 || next >= d->nlinks) next = (next + d->nlinks) % d->nlinks;
    r->sel_link = next;
    int line = d->links[next].line;
    if (line < r->top || line >= r->top + r->body) scroll_to(r, line - r->body / 3);
    r->sel_link = next;
}

static void act(screen *s, int action, int key)
{
    reader *r = (reader *)s;
    switch (action) {
    case DO_DOWN: scroll_to(r, r->top + 1); break;
    case DO_UP: scroll_to(r, r->top - 1); break;
    case DO_PGDN: scroll_to(r, r->top + r->body - 2); break;
    case DO_PGUP: scroll_to(r, r->top - (r->body - 2)); break;
    case DO_TOP: scroll_to(r, 0); break;
    case DO_BOTTOM: scroll_to(r, max_top(r)); break;
    case DO_SEARCH: app_prompt(s, "search: ", on_search); break;
    case DO_NEXT: search_step(r, +1); break;
    case DO_PREV: search_step(r, -1); break;
    case DO_NEXT_LINK: link_step(r, +1); break;
    case DO_PREV_LINK: link_step(r, -1); break;
    case DO_FOLLOW:
        if (r->sel_link < 0) { app_status("no link on screen (Tab finds the next one)"); break; }
        save_position(r);
        app_open_target(r->lay->links[r->sel_link].target);
        return;
    case DO_TOC:
        if (r->lay->ntoc == 0) { app_status("no headings"); break; }
        r->toc_open = true;
        r->toc_sel = 0;
        for (int i = 0; i < r->lay->ntoc; i++) if (r->lay->toc[i].line <= r->top) r->toc_sel = i;
        break;
    case DO_TOC_DOWN: if (r->toc_sel + 1 < r->lay->ntoc) r->toc_sel++; break;
    case DO_TOC_UP: if (r->toc_sel > 0) r->toc_sel--; break;
    case DO_TOC_CLOSE: r->toc_open = false; break;
    case DO_TOC_GO:
        r->toc_open = false;
        scroll_to(r, r->lay->toc[r->toc_sel].line);
        break;
    }
}

static void destroy(screen *s)
{
    reader *r = (reader *)s;
    claim_and_save(r);          /* closed before its first tick: still the last place */
    dl_free(r->lay);
    md_free(r->doc);
    free(r->text);
    free(r);
}

screen *screen_reader_new(const char *chapter)
{
    nl_chapter ch;
    if (nl_chapter_find(chapter, &ch) < 0) { app_status("no chapter '%s'", chapter); return NULL; }
    char *text = nl_read_file(ch.path, NULL);
    if (!text) { app_status("cannot read %s", ch.path); return NULL; }
    reader *r = calloc(1, sizeof *r);
    r->base = (screen){ .name = "reader", .bindings = bindings, .draw = draw, .act = act,
                        .tick = tick, .destroy = destroy };
    r->ch = ch;
    r->text = text;
    r->doc = md_parse(text);
    nl_doctag_resolve(r->doc, nl_data_dir());  /* the runtime's lines as they are now */
    r->sel_link = -1;
    r->hit = -1;
    r->body = UI.rows - 3;
    r->lay = dl_layout(r->doc, width_for(UI.cols));
    int pos = nl_progress_position(&APP.prog, ch.number);
    r->top = pos ? dl_line_of_source(r->lay, pos) : 0;
    r->saved_src = pos;
    return &r->base;
}
