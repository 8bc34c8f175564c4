/* widget_doc.c — a laid-out document in a window (see widget.h). */
#include "widget.h"

#include <ctype.h>
#include <string.h>

/* Byte offset of the next case-insensitive match of needle in hay. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return hay;
    return NULL;
}

static void draw_line(int y, int x, int w, const dl_line *l, bool selected, const char *search)
{
    int col = x + l->indent, right = x + w;
    for (int s = 0; s < l->nsegs && col < right; s++) {
        const dl_seg *g = &l->segs[s];
        ui_style st = selected && g->st == S_LINK ? S_SELECTED : g->st;
        col += ui_textn(y, col, right - col, l->text + g->start, (size_t)g->len, st);
    }
    if (!search || !*search) return;
    for (const char *m = find_ci(l->text, search); m; m = find_ci(m + 1, search)) {
        int at = x + l->indent + ui_widthn(l->text, (size_t)(m - l->text));
        if (at < right) ui_textn(y, at, right - at, m, strlen(search), S_MATCH);
    }
}

void w_doc(int y, int x, int w, int h, const dl_doc *d, int top, int selected,
           const char *search)
{
    for (int i = 0; i < h && top + i < d->n; i++) {
        const dl_line *l = &d->lines[top + i];
        draw_line(y + i, x, w, l, l->link >= 0 && l->link == selected, search);
    }
}
