/*
 * widget.h — the drawing blocks every screen is made of.
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

/* A bar chart: one row per item, "label  ████▌   42  50.1%" (or the
 * item's own text in place of the count and share).  Bars are scaled to
 * the largest value. */
typedef struct {
    const char *label;
    double value;
    const char *text;          /* NULL: the value and its share */
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

/* The newest of n log lines that fit in h rows, oldest at the top.
 * line() returns entry i (0 = oldest) and its style; the time column is
 * drawn dim.  A line longer than the width is cut, showing from column
 * hscroll on, or with wrap, continues on the rows below. */
typedef const char *w_log_fn(int i, const char **time, ui_style *st, void *arg);
void w_log(int y, int x, int w, int h, int n, w_log_fn *line, void *arg, int hscroll, bool wrap);

/* A framed box drawn over whatever is on screen (help, contents): the
 * box and a blank column on either side are cleared first, so nothing of
 * the screen below shows through or runs into it.  The inside is rows
 * y+1 .. y+h-2, columns x+1 .. x+w-2; title and footer sit in the frame. */
void w_box(int y, int x, int h, int w, const char *title, const char *footer);

/* A laid-out document (doc_layout.h) from line `top`: link number
 * `selected` is drawn selected, and every case-insensitive occurrence of
 * `search` (if not NULL or empty) is marked. */
#include "doc_layout.h"
void w_doc(int y, int x, int w, int h, const dl_doc *d, int top, int selected,
           const char *search);

#endif
