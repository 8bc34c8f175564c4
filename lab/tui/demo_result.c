/*
 * demo_result.c — the result panel: what a demo found, whole.
 *
 * Some demos exist for one answer (readFile's peak against a stream's,
 * pipe() against pipeline(), throughput by highWaterMark).  The model
 * keeps it (model_result.c); this panel lays it out so that nothing is cut:
 *
 *   ─ result ───────────────────────────────────────────
 *                   readfile        stream             `result` rows, side
 *   bytes           16.0 MiB        16.0 MiB            by side: one column
 *   peak_rss        18.3 MiB        2.4 MiB             per row, one line per
 *   4.0 KiB  ███████▌          112.4 MiB/s              field; `sweep` points
 *   64.0 KiB ███████████████   326.1 MiB/s              as bars; the summary,
 *   size 16.0 MiB · ratio 7.6 · ...                     flowed, once it came
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

#define KEY_W 18                   /* the field names' column, at most */
#define COL_W 40                   /* one result's column, at most */

/* Every field name of the result rows, in the order they first appear. */
static int field_names(const model *m, const char *names[], int max)
{
    int n = 0;
    for (int r = 0; r < m->nresults; r++)
        for (int f = 0; f < m->results[r].nf; f++) {
            const char *key = m->results[r].f[f].key;
            bool known = false;
            for (int i = 0; i < n && !known; i++) known = !strcmp(names[i], key);
            if (!known && n < max) names[n++] = key;
        }
    return n;
}

static const char *field_of(const model_row *r, const char *key)
{
    for (int f = 0; f < r->nf; f++)
        if (!strcmp(r->f[f].key, key)) return r->f[f].text;
    return "";
}

/* "key value · key value ..." of the summary, wrapped to w columns;
 * draws it from row y if draw, and returns the rows it takes. */
static int summary_flow(const model *m, int y, int x, int w, int hmax, bool draw)
{
    int row = 0, col = 0;
    for (int i = 0; i < m->nsummary; i++) {
        const model_field *f = &m->summary_fields[i];
        int kw = ui_width(f->key), vw = ui_width(f->text), need = kw + 1 + vw + (col ? 3 : 0);
        if (col && col + need > w) { row++; col = 0; need -= 3; }
        if (row >= hmax) return row;
        if (draw) {
            int at = x + col;
            if (col) at += ui_text(y + row, at, 3, " · ", S_DIM);
            at += ui_text(y + row, at, w - (at - x), f->key, S_DIM);
            at += ui_text(y + row, at, 1, " ", S_NORMAL);
            ui_text(y + row, at, w - (at - x), f->text, S_BOLD);
        }
        col += need;
    }
    return m->nsummary ? row + 1 : 0;
}

static bool show_summary(const demo_screen *d) { return d->m.exited && d->m.nsummary > 0; }

int demo_result_rows(const demo_screen *d, int cols, int *min)
{
    const model *m = &d->m;
    const char *names[MODEL_ROW_FIELDS * MODEL_MAX_RESULTS];
    int nf = field_names(m, names, (int)(sizeof names / sizeof names[0]));
    int table = m->nresults ? 1 + nf : 0;
    int summary = show_summary(d) ? summary_flow(m, 0, 0, cols - 2, 100, false) : 0;
    int want = table + m->nsweep + summary;
    if (!want) { *min = 0; return 0; }
    /* At least the heads of each part: the answer, not a cut log line. */
    *min = 1 + (table ? (table < 4 ? table : 4) : 0) + (m->nsweep < 4 ? m->nsweep : 4) +
           (summary < 2 ? summary : 2);
    return 1 + want;
}

/* One column per result row, one line per field. */
static int draw_table(const model *m, int y, int h, int cols)
{
    const char *names[MODEL_ROW_FIELDS * MODEL_MAX_RESULTS];
    int nf = field_names(m, names, (int)(sizeof names / sizeof names[0]));
    int kw = 8;
    for (int i = 0; i < nf; i++) if (ui_width(names[i]) > kw) kw = ui_width(names[i]);
    if (kw > KEY_W) kw = KEY_W;
    int cw = m->nresults ? (cols - 3 - kw) / m->nresults : 0;
    if (cw > COL_W) cw = COL_W;
    int rows = 0;
    for (int r = 0; r < m->nresults && rows < h; r++)
        ui_text(y, 2 + kw + 1 + r * cw, cw - 1, m->results[r].label, S_TABLE_HEAD);
    if (h > 0) rows++;
    for (int i = 0; i < nf && rows < h; i++, rows++) {
        ui_text(y + rows, 2, kw, names[i], S_DIM);
        for (int r = 0; r < m->nresults; r++) {
            char text[64];
            snprintf(text, sizeof text, "%s", field_of(&m->results[r], names[i]));
            for (char *c = text; *c; c++) if (*c == '\n' || *c == '\t') *c = ' ';
            ui_text(y + rows, 2 + kw + 1 + r * cw, cw - 1, text, S_BOLD);
        }
    }
    return rows;
}

/* Sweep points: a bar each, labelled with the point, its rate beside it. */
static int draw_sweep(const model *m, int y, int h, int cols)
{
    w_bar_item items[MODEL_MAX_BARS];
    char rates[MODEL_MAX_BARS][24];
    for (int i = 0; i < m->nsweep; i++) {
        double v = (double)m->sweep[i].count;
        char human[16];
        ui_human(human, sizeof human, v);
        snprintf(rates[i], sizeof rates[i], "%s/s", human);
        items[i] = (w_bar_item){ m->sweep[i].label, v, rates[i] };
    }
    int n = m->nsweep < h ? m->nsweep : h;
    w_bars(y, 1, cols - 2, n, items, n);
    return n;
}

void demo_result_draw(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    ui_rule(y, 0, cols, m->exited ? "result" : "result so far");
    int row = y + 1, left = h - 1;
    if (m->nresults && left > 0) {
        int used = draw_table(m, row, left - (m->nsweep ? 1 : 0), cols);
        row += used;
        left -= used;
    }
    if (m->nsweep && left > 0) {
        int used = draw_sweep(m, row, left, cols);
        row += used;
        left -= used;
    }
    if (show_summary(d) && left > 0) summary_flow(m, row, 1, cols - 2, left, true);
}
