/* widget_bars.c — a bar chart of shares (see widget.h). */
#include "widget.h"

#include <stdio.h>

void w_bars(int y, int x, int w, int h, const w_bar_item *items, int n)
{
    double max = 0, total = 0;
    int label_w = 4;
    for (int i = 0; i < n; i++) {
        if (items[i].value > max) max = items[i].value;
        total += items[i].value;
        int lw = ui_width(items[i].label);
        if (lw > label_w) label_w = lw;
    }
    if (label_w > w / 3) label_w = w / 3;
    int bar_w = w - label_w - 16;
    for (int i = 0; i < n && i < h; i++) {
        int row = y + i;
        ui_text(row, x, label_w, items[i].label, S_NORMAL);
        if (bar_w > 2) w_gauge(row, x + label_w + 1, bar_w, items[i].value, max, S_ACCENT);
        char num[32];
        if (items[i].text) snprintf(num, sizeof num, "%s", items[i].text);
        else snprintf(num, sizeof num, "%7.0f %5.1f%%", items[i].value,
                      total > 0 ? 100.0 * items[i].value / total : 0.0);
        ui_text_right(row, x + w, 15, num, S_BOLD);
    }
}
