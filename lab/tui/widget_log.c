/* widget_log.c — the newest lines of a log (see widget.h). */
#include "widget.h"

#include <string.h>

/* Rows line i takes when wrapped at `room` columns. */
static int rows_of(const char *text, int room)
{
    int w = ui_width(text);
    return room > 0 && w > room ? (w + room - 1) / room : 1;
}

/* Bytes of text after its first `cols` columns. */
static const char *skip_cols(const char *text, int cols)
{
    size_t at = ui_fit(text, cols);
    return text + at;
}

void w_log(int y, int x, int w, int h, int n, w_log_fn *line, void *arg, int hscroll, bool wrap)
{
    if (h <= 0 || n <= 0) return;
    /* The time column's width, from the newest line. */
    const char *time = NULL;
    ui_style st = S_NORMAL;
    line(n - 1, &time, &st, arg);
    int tw = time ? ui_width(time) + 1 : 0, room = w - tw;
    /* From the newest line back, as many as fit. */
    int first = n, used = 0;
    while (first > 0) {
        time = NULL;
        const char *text = line(first - 1, &time, &st, arg);
        int r = wrap ? rows_of(text ? text : "", room) : 1;
        if (used + r > h) break;
        used += r;
        first--;
    }
    int row = y;
    for (int i = first; i < n; i++) {
        time = NULL;
        st = S_NORMAL;
        const char *text = line(i, &time, &st, arg);
        if (!text) text = "";
        if (time) ui_text(row, x, tw, time, S_DIM);
        if (!wrap) {
            ui_text(row++, x + tw, room, skip_cols(text, hscroll), st);
            continue;
        }
        do {                               /* one row per `room` columns */
            size_t fit = ui_fit(text, room);
            if (fit == 0) fit = strlen(text);
            ui_textn(row++, x + tw, room, text, fit, st);
            text += fit;
        } while (*text && row < y + h);
    }
}
