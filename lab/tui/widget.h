/*
 * widget.h — the five drawing blocks every dashboard is made of.
 *
 * A widget draws numbers it is given into a rectangle of the screen; it
 * knows nothing about demos or telemetry.  screen_demo.c decides which
 * widgets a demo needs from what its events contain, so a new demo gets a
 * dashboard without new drawing code.  Every widget reads the same without
 * colour: bars use distinct glyphs past a mark, and numbers stand beside
 * every bar.
 */
#ifndef NL_TUI_WIDGET_H
#define NL_TUI_WIDGET_H

#include "ui.h"

#include <stddef.h>

#define W_AUTO ((ui_style)-1)

/* A horizontal bar w columns wide showing value against mark.  Under the
 * mark the bar's full width is the mark; past it the scale grows to the
 * value, a "│" stays where the mark is, and the excess is drawn with the
 * "over" glyph (in st: past the mark is not always wrong).  Style W_AUTO
 * colours by fill: good, warn (>= 75%), bad (at or past the mark). */
void w_gauge(int y, int x, int w, double value, double mark, ui_style st);

/* The last w of n values as a sparkline (oldest left), scaled to max (or
 * to the largest value when max <= 0).  Zero draws as a blank. */
void w_sparkline(int y, int x, int w, const double *v, int n, double max, ui_style st);

/* A bar chart: one row per item, "label  ████▌   42  50.1%".  Bars are
 * scaled to the largest value. */
typedef struct {
    const char *label;
    double value;
} w_bar_item;
void w_bars(int y, int x, int w, int h, const w_bar_item *items, int n);

/* A table with a header row.  cell() fills buf for (row, col) and may set
 * *st; rows scroll so that `selected` (or -1) stays visible. */
typedef struct {
    const char *title;
    int width;                 /* columns; the last column takes the rest */
    bool right;                /* right-aligned (numbers) */
} w_column;
typedef void w_cell_fn(int row, int col, char *buf, size_t size, ui_style *st, void *arg);
void w_table(int y, int x, int w, int h, const w_column *cols, int ncols,
             int nrows, int selected, w_cell_fn *cell, void *arg);

/* The newest h of n log lines, oldest at the top.  line() returns entry i
 * (0 = oldest) and its style; the time column is drawn dim. */
typedef const char *w_log_fn(int i, const char **time, ui_style *st, void *arg);
void w_log(int y, int x, int w, int h, int n, w_log_fn *line, void *arg);

/* A laid-out document (doc_layout.h) from line `top`: link number
 * `selected` is drawn selected, and every case-insensitive occurrence of
 * `search` (if not NULL or empty) is marked. */
#include "doc_layout.h"
void w_doc(int y, int x, int w, int h, const dl_doc *d, int top, int selected,
           const char *search);

#endif
