/* widget_gauge.c — a bar against a mark (see widget.h). */
#include "widget.h"

#include <math.h>

/* Draws cells [from, to) of a bar whose filled part is `cells` long
 * (fractional: the last cell uses an eighth-block). */
static void bar_cells(int y, int x, int from, int to, double cells,
                      const char *full, ui_style st)
{
    for (int i = from; i < to; i++) {
        double f = cells - i;
        if (f >= 1) ui_text(y, x + i, 1, full, st);
        else if (f > 0) ui_text(y, x + i, 1, UI.g->eighths[(int)(f * 8) > 0 ? (int)(f * 8) - 1 : 0], st);
        else ui_text(y, x + i, 1, UI.g->empty, S_DIM);
    }
}

void w_gauge(int y, int x, int w, double value, double mark, ui_style st)
{
    if (w <= 0) return;
    if (value < 0 || !isfinite(value)) value = 0;
    if (mark <= 0) mark = value > 0 ? value : 1;
    double ratio = value / mark;
    if (st == W_AUTO) st = ratio >= 1 ? S_BAD : ratio >= 0.75 ? S_WARN : S_GOOD;
    if (value <= mark) {
        bar_cells(y, x, 0, w, ratio * w, UI.g->full, st);
        return;
    }
    /* Past the mark: the scale is the value; the mark keeps its place. */
    int at = (int)floor(mark / value * (w - 1));
    bar_cells(y, x, 0, at, at, UI.g->full, st);
    ui_text(y, x + at, 1, UI.g->vline, S_BOLD);
    for (int i = at + 1; i < w; i++) ui_text(y, x + i, 1, UI.g->over, st);
}
