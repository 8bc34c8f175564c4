/* widget_sparkline.c — a history in one row (see widget.h). */
#include "widget.h"

void w_sparkline(int y, int x, int w, const double *v, int n, double max, ui_style st)
{
    if (w <= 0) return;
    int first = n > w ? n - w : 0;
    if (max <= 0)
        for (int i = first; i < n; i++)
            if (v[i] > max) max = v[i];
    int pad = w - (n - first);              /* right-align: newest at the end */
    for (int i = 0; i < pad; i++) ui_text(y, x + i, 1, " ", S_NORMAL);
    for (int i = first; i < n; i++) {
        int col = x + pad + (i - first);
        if (v[i] <= 0 || max <= 0) { ui_text(y, col, 1, " ", S_NORMAL); continue; }
        int level = (int)(v[i] / max * 8);
        if (level > 7) level = 7;
        ui_text(y, col, 1, UI.g->spark[level], st);
    }
}
