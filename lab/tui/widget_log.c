/* widget_log.c — the newest lines of a log (see widget.h). */
#include "widget.h"

void w_log(int y, int x, int w, int h, int n, w_log_fn *line, void *arg)
{
    int first = n > h ? n - h : 0;
    for (int i = first; i < n; i++) {
        const char *time = NULL;
        ui_style st = S_NORMAL;
        const char *text = line(i, &time, &st, arg);
        int row = y + (i - first), col = x;
        if (time) col += ui_text(row, col, w, time, S_DIM) + 1;
        ui_text(row, col, w - (col - x), text ? text : "", st);
    }
}
