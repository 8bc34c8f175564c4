/*
 * doc_layout.c — Markdown blocks to screen lines (see doc_layout.h).
 *
 * Prose is broken into words that keep their style (md_spans tells which
 * words are *em*, **strong**, `code` or links) and filled greedily, line by
 * line.  Code is never re-flowed: long lines are cut at the edge and
 * continued, with the syntax colours of syntax.c.  Tables are aligned when
 * they fit, and become one record per row when they do not.
 */
#include "doc_layout.h"
#include "syntax.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- building lines ---------------------------------------------------- */

typedef struct {
    dl_doc *d;
    int src_line, link;
} builder;

static dl_line *new_line(builder *b, int indent)
{
    dl_doc *d = b->d;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->lines = realloc(d->lines, (size_t)d->cap * sizeof *d->lines);
    }
    dl_line *l = &d->lines[d->n++];
    memset(l, 0, sizeof *l);
    l->text = calloc(1, 1);
    l->indent = indent;
    l->src_line = b->src_line;
    l->link = b->link;
    return l;
}

static void put(dl_line *l, const char *s, size_t n, ui_style st)
{
    if (n == 0) return;
    size_t old = strlen(l->text);
    l->text = realloc(l->text, old + n + 1);
    memcpy(l->text + old, s, n);
    l->text[old + n] = '\0';
    if (l->nsegs && l->segs[l->nsegs - 1].st == st &&
        l->segs[l->nsegs - 1].start + l->segs[l->nsegs - 1].len == (int)old) {
        l->segs[l->nsegs - 1].len += (int)n;
        return;
    }
    l->segs = realloc(l->segs, (size_t)(l->nsegs + 1) * sizeof *l->segs);
    l->segs[l->nsegs++] = (dl_seg){ (int)old, (int)n, st };
}

static void blank(builder *b)
{
    if (b->d->n && b->d->lines[b->d->n - 1].text[0]) new_line(b, 0);
}

/* ---- prose: words with styles, filled into lines ------------------------ */

typedef struct {
    const char *s;
    size_t n;
    ui_style st;
    bool space_before;
} word;

typedef struct {
    word *w;
    int n, cap;
    ui_style base;
    bool pending_space;
} words;

static void add_words(md_span_kind kind, const char *text, size_t len, void *arg)
{
    words *ws = arg;
    ui_style st = kind == MD_SPAN_EM ? S_EM : kind == MD_SPAN_STRONG ? S_STRONG
                : kind == MD_SPAN_CODE ? S_CODE : kind == MD_SPAN_LINK ? S_LINK : ws->base;
    size_t i = 0;
    while (i < len) {
        if (text[i] == ' ' || text[i] == '\n') { ws->pending_space = true; i++; continue; }
        size_t j = i;
        while (j < len && text[j] != ' ' && text[j] != '\n') j++;
        if (ws->n == ws->cap) {
            ws->cap = ws->cap ? ws->cap * 2 : 64;
            ws->w = realloc(ws->w, (size_t)ws->cap * sizeof *ws->w);
        }
        ws->w[ws->n++] = (word){ text + i, j - i, st, ws->pending_space };
        ws->pending_space = false;
        i = j;
    }
}

/* Fills text into lines width columns wide: the first line starts with
 * lead (in lead_st), the rest are indented by indent columns. */
static void flow(builder *b, const char *text, int width, const char *lead,
                 ui_style lead_st, int indent, ui_style base)
{
    words ws = { .base = base };
    md_spans(text, add_words, &ws);
    int lead_w = ui_width(lead);
    dl_line *l = new_line(b, indent - lead_w);
    put(l, lead, strlen(lead), lead_st);
    int avail = width - indent, col = 0;
    if (avail < 10) avail = 10;
    for (int i = 0; i < ws.n; i++) {
        word *w = &ws.w[i];
        int ww = ui_widthn(w->s, w->n);
        int gap = (col > 0 && w->space_before) ? 1 : 0;
        if (col > 0 && col + gap + ww > avail) {
            l = new_line(b, indent);
            col = gap = 0;
        }
        if (gap) put(l, " ", 1, w->st == ws.w[i - 1].st ? w->st : base);
        /* A word longer than a line is cut, not lost. */
        while (ww > avail) {
            size_t fit = ui_fit(w->s, avail);
            put(l, w->s, fit, w->st);
            w->s += fit;
            w->n -= fit;
            ww = ui_widthn(w->s, w->n);
            l = new_line(b, indent);
        }
        put(l, w->s, w->n, w->st);
        col += gap + ww;
    }
    free(ws.w);
}

/* ---- code -------------------------------------------------------------- */

typedef struct {
    builder *b;
    dl_line *l;
    int col, avail, indent;
} code_out;

static void code_piece(const char *s, size_t n, ui_style st, void *arg)
{
    code_out *o = arg;
    while (n > 0) {
        if (o->col >= o->avail) {                  /* continue on a new line */
            o->l = new_line(o->b, o->indent);
            put(o->l, UI.g->vline, strlen(UI.g->vline), S_RULE);
            put(o->l, " ", 1, S_NORMAL);
            o->col = 0;
        }
        size_t take = 0;
        int w = 0;
        while (take < n && o->col + w < o->avail) {
            size_t k = take + 1;
            while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80) k++;
            w += ui_widthn(s + take, k - take);
            take = k;
        }
        put(o->l, s, take, st);
        o->col += w;
        s += take;
        n -= take;
    }
}

static void code_block(builder *b, const md_block *blk, int width)
{
    int state = 0;
    const char *p = blk->text;
    code_out o = { .b = b, .indent = 2, .avail = width - 4 };
    if (o.avail < 10) o.avail = 10;
    if (blk->source) {                         /* where these lines are, now */
        dl_line *cap = new_line(b, o.indent);
        put(cap, "-- ", 3, S_RULE);
        put(cap, blk->source, strlen(blk->source), S_RULE);
    }
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        o.l = new_line(b, o.indent);
        put(o.l, UI.g->vline, strlen(UI.g->vline), S_RULE);
        put(o.l, " ", 1, S_NORMAL);
        o.col = 0;
        syn_line(blk->lang, p, n, &state, code_piece, &o);
        if (!nl) break;
        p = nl + 1;
    }
}

/* ---- tables ------------------------------------------------------------ */

static void table_block(builder *b, const md_block *blk, int width)
{
    int cols = blk->cols, total = 2;
    char **plain = calloc((size_t)(blk->rows * cols), sizeof *plain);
    int *w = calloc((size_t)cols, sizeof *w);
    for (int i = 0; i < blk->rows * cols; i++) {
        plain[i] = md_plain(blk->cells[i]);
        int cw = ui_width(plain[i]);
        if (cw > w[i % cols]) w[i % cols] = cw;
    }
    for (int c = 0; c < cols; c++) total += w[c] + 3;
    char bullet[16];
    strcat(strcpy(bullet, UI.g->bullet), " ");
    for (int r = 0; r < blk->rows; r++) {
        if (total <= width) {                      /* aligned columns */
            dl_line *l = new_line(b, 2);
            for (int c = 0; c < cols; c++) {
                const char *cell = plain[r * cols + c];
                put(l, cell, strlen(cell), r == 0 ? S_TABLE_HEAD : S_NORMAL);
                for (int k = ui_width(cell); k < w[c]; k++) put(l, " ", 1, S_NORMAL);
                if (c + 1 < cols) {
                    put(l, " ", 1, S_NORMAL);
                    put(l, UI.g->vline, strlen(UI.g->vline), S_RULE);
                    put(l, " ", 1, S_NORMAL);
                }
            }
            if (r == 0) {
                l = new_line(b, 2);
                for (int c = 0; c < cols; c++) {
                    for (int k = 0; k < w[c] + (c ? 2 : 1) - (c + 1 == cols); k++)
                        put(l, UI.g->hline, strlen(UI.g->hline), S_RULE);
                    if (c + 1 < cols) put(l, UI.g->cross, strlen(UI.g->cross), S_RULE);
                }
            }
        } else if (r > 0) {                        /* one record per row */
            for (int c = 0; c < cols; c++) {
                const char *head = plain[c], *cell = plain[r * cols + c];
                char *line = malloc(strlen(head) + strlen(cell) + 8);
                strcpy(line, "**");
                strcat(strcat(strcat(line, head), ":** "), cell);
                flow(b, line, width, c == 0 ? bullet : "", S_ACCENT, 6, S_NORMAL);
                free(line);
            }
        }
    }
    for (int i = 0; i < blk->rows * cols; i++) free(plain[i]);
    free(plain);
    free(w);
}

/* ---- blocks ------------------------------------------------------------ */

static void link_block(builder *b, const md_block *blk, int width)
{
    dl_doc *d = b->d;
    d->links = realloc(d->links, (size_t)(d->nlinks + 1) * sizeof *d->links);
    dl_link *k = &d->links[d->nlinks];
    k->target = strdup(blk->target);
    k->label = md_plain(blk->text);
    k->line = d->n;
    b->link = d->nlinks++;
    bool demo = strncmp(blk->target, "demo:", 5) == 0;
    bool ex = strncmp(blk->target, "exercise:", 9) == 0;
    const char *what = demo ? "Run demo: " : ex ? "Exercise: " : "Read: ";
    /* The author may have written the words already: "[Run demo: ...](demo:x)". */
    if (strncasecmp(blk->text, what, strlen(what) - 2) == 0) what = "";
    char *text = malloc(strlen(what) + strlen(blk->text) + 2);
    strcat(strcpy(text, what), blk->text);
    char lead[16];
    strcpy(lead, ex ? UI.g->exercise : UI.g->link);
    strcat(lead, " ");
    flow(b, text, width - 8, lead, S_LINK, 4, S_LINK);
    put(&d->lines[d->n - 1], "  [Enter]", 9, S_DIM);
    free(text);
    b->link = -1;
}

static void heading_block(builder *b, const md_block *blk, int width)
{
    dl_doc *d = b->d;
    d->toc = realloc(d->toc, (size_t)(d->ntoc + 1) * sizeof *d->toc);
    d->toc[d->ntoc].title = md_plain(blk->text);
    d->toc[d->ntoc].level = blk->level;
    d->toc[d->ntoc].line = d->n;
    d->ntoc++;
    ui_style st = blk->level == 1 ? S_H1 : blk->level == 2 ? S_H2 : S_H3;
    flow(b, blk->text, width, "", st, 1, st);
}

dl_doc *dl_layout(const md_doc *doc, int width)
{
    dl_doc *d = calloc(1, sizeof *d);
    d->width = width;
    builder b = { .d = d, .link = -1 };
    for (size_t i = 0; i < doc->n; i++) {
        const md_block *blk = &doc->blocks[i];
        bool list = blk->kind == MD_BULLET || blk->kind == MD_NUMBERED;
        bool prev_list = i > 0 && (doc->blocks[i - 1].kind == MD_BULLET ||
                                   doc->blocks[i - 1].kind == MD_NUMBERED);
        if (!(list && prev_list)) blank(&b);
        b.src_line = blk->line;
        switch (blk->kind) {
        case MD_HEADING: heading_block(&b, blk, width); break;
        case MD_PARA: flow(&b, blk->text, width, "", S_NORMAL, 2, S_NORMAL); break;
        case MD_QUOTE: {
            char lead[16];
            strcat(strcpy(lead, UI.g->vline), " ");
            flow(&b, blk->text, width, lead, S_QUOTE, 4, S_QUOTE);
            break;
        }
        case MD_BULLET: {
            char lead[16];
            strcat(strcpy(lead, UI.g->bullet), " ");
            flow(&b, blk->text, width, lead, S_ACCENT, 6 + blk->level * 2, S_NORMAL);
            break;
        }
        case MD_NUMBERED: {
            char lead[16];
            snprintf(lead, sizeof lead, "%d. ", blk->level);
            flow(&b, blk->text, width, lead, S_ACCENT, 7, S_NORMAL);
            break;
        }
        case MD_CODE: code_block(&b, blk, width); break;
        case MD_TABLE: table_block(&b, blk, width); break;
        case MD_RULE: {
            dl_line *l = new_line(&b, width / 4);
            for (int k = 0; k < width / 2; k++) put(l, UI.g->hline, strlen(UI.g->hline), S_RULE);
            break;
        }
        case MD_LINK: link_block(&b, blk, width); break;
        }
    }
    return d;
}

void dl_free(dl_doc *d)
{
    if (!d) return;
    for (int i = 0; i < d->n; i++) { free(d->lines[i].text); free(d->lines[i].segs); }
    for (int i = 0; i < d->nlinks; i++) { free(d->links[i].target); free(d->links[i].label); }
    for (int i = 0; i < d->ntoc; i++) free(d->toc[i].title);
    free(d->lines);
    free(d->links);
    free(d->toc);
    free(d);
}

int dl_line_of_source(const dl_doc *d, int src)
{
    for (int i = 0; i < d->n; i++)
        if (d->lines[i].src_line >= src) return i;
    return d->n ? d->n - 1 : 0;
}

const dl_heading *dl_section_of(const dl_doc *d, int line)
{
    const dl_heading *h = NULL;
    for (int i = 0; i < d->ntoc && d->toc[i].line <= line; i++) h = &d->toc[i];
    return h;
}
