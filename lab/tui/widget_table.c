/* widget_table.c — rows and columns with a header (see widget.h). */
#include "widget.h"

void w_table(int y, int x, int w, int h, const w_column *cols, int ncols,
             int nrows, int selected, w_cell_fn *cell, void *arg)
{
    if (h <= 0) return;
    /* The header. */
    int cx = x;
    for (int c = 0; c < ncols && cx < x + w; c++) {
        int cw = c == ncols - 1 ? x + w - cx : cols[c].width;
        if (cols[c].right) ui_text_right(y, cx + cw - 1, cw - 1, cols[c].title, S_TABLE_HEAD);
        else ui_text(y, cx, cw - 1, cols[c].title, S_TABLE_HEAD);
        cx += cw;
    }
    /* Scroll so the selected row is on screen. */
    int body = h - 1, top = 0;
    if (selected >= body) top = selected - body + 1;
    for (int r = top; r < nrows && r - top < body; r++) {
        int row = y + 1 + r - top;
        if (r == selected) ui_text(row, x, 1, UI.g->sel, S_BOLD);
        cx = x;
        for (int c = 0; c < ncols && cx < x + w; c++) {
            int cw = c == ncols - 1 ? x + w - cx : cols[c].width;
            char buf[256] = "";
            ui_style st = S_NORMAL;
            cell(r, c, buf, sizeof buf, &st, arg);
            if (r == selected && st == S_NORMAL) st = S_BOLD;
            int lead = c == 0 ? 2 : 0;      /* room for the selection mark */
            if (cols[c].right) ui_text_right(row, cx + cw - 1, cw - 1 - lead, buf, st);
            else ui_text(row, cx + lead, cw - 1 - lead, buf, st);
            cx += cw;
        }
    }
}
