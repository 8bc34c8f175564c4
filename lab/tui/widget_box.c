/* widget_box.c — a framed box over the screen (see widget.h). */
#include "widget.h"

#include <curses.h>

static void framed_title(int y, int x, int w, const char *text)
{
    if (!text || !*text || w < 6) return;
    ui_text(y, x + 2, 1, " ", S_NORMAL);
    int n = ui_text(y, x + 3, w - 6, text, S_TITLE);
    ui_text(y, x + 3 + n, 1, " ", S_NORMAL);
}

void w_box(int y, int x, int h, int w, const char *title, const char *footer)
{
    if (h < 2 || w < 2) return;
    int from = x > 0 ? x - 1 : x, to = x + w < UI.cols ? x + w + 1 : x + w;
    for (int r = y; r < y + h && r < UI.rows; r++) {
        move(r, from);
        for (int c = from; c < to && c < UI.cols; c++) addch(' ');
    }
    ui_text(y, x, 1, UI.g->tl, S_RULE);
    ui_fill(y, x + 1, w - 2, UI.g->hline, S_RULE);
    ui_text(y, x + w - 1, 1, UI.g->tr, S_RULE);
    for (int r = y + 1; r < y + h - 1; r++) {
        ui_text(r, x, 1, UI.g->vline, S_RULE);
        ui_text(r, x + w - 1, 1, UI.g->vline, S_RULE);
    }
    ui_text(y + h - 1, x, 1, UI.g->bl, S_RULE);
    ui_fill(y + h - 1, x + 1, w - 2, UI.g->hline, S_RULE);
    ui_text(y + h - 1, x + w - 1, 1, UI.g->br, S_RULE);
    framed_title(y, x, w, title);
    framed_title(y + h - 1, x, w, footer);
}
