/*
 * markdown.c — a line-oriented parser for the chapters' Markdown, and a
 * plain-text renderer (see markdown.h).
 */
#include "markdown.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- building the block list ------------------------------------------- */

static md_block *add_block(md_doc *doc, md_kind kind, int line)
{
    md_block *b = realloc(doc->blocks, (doc->n + 1) * sizeof *b);
    if (!b) abort();
    doc->blocks = b;
    b = &doc->blocks[doc->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->line = line;
    return b;
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Appends " line" (or "\nline" for code) to *text. */
static void append_text(char **text, const char *s, size_t n, char sep)
{
    size_t old = *text ? strlen(*text) : 0;
    char *t = realloc(*text, old + n + 2);
    if (!t) abort();
    if (old) t[old++] = sep;
    memcpy(t + old, s, n);
    t[old + n] = '\0';
    *text = t;
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return false;
    return true;
}

/* Splits "| a | b |" into trimmed cells; returns how many. */
static int split_row(const char *s, size_t n, char ***cells)
{
    int count = 0;
    const char *p = s, *end = s + n;
    while (end > p && isspace((unsigned char)end[-1])) end--;
    p = skip_spaces(p);
    if (p < end && *p == '|') p++;
    if (end > p && end[-1] == '|') end--;
    *cells = NULL;
    while (p <= end) {
        const char *bar = p;
        while (bar < end && *bar != '|') bar++;
        const char *a = p, *b = bar;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        *cells = realloc(*cells, (size_t)(count + 1) * sizeof **cells);
        (*cells)[count++] = dup_range(a, (size_t)(b - a));
        if (bar >= end) break;
        p = bar + 1;
    }
    return count;
}

static bool is_table_rule(const char *s, size_t n)
{
    bool dash = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') dash = true;
        else if (!strchr("|: \t\r", s[i])) return false;
    }
    return dash;
}

static void add_table_row(md_block *b, const char *s, size_t n)
{
    char **cells;
    int count = split_row(s, n, &cells);
    if (b->rows == 0) b->cols = count;
    b->cells = realloc(b->cells, (size_t)(b->rows + 1) * (size_t)b->cols * sizeof *b->cells);
    for (int c = 0; c < b->cols; c++)
        b->cells[b->rows * b->cols + c] = c < count ? cells[c] : dup_range("", 0);
    for (int c = b->cols; c < count; c++) free(cells[c]);
    free(cells);
    b->rows++;
}

/* A paragraph that is exactly one [text](demo:...) link becomes a link. */
static void promote_link(md_block *b)
{
    const char *t = b->text;
    size_t n = strlen(t);
    if (n < 5 || t[0] != '[' || t[n - 1] != ')') return;
    const char *mid = strstr(t, "](");
    if (!mid || strchr(mid + 2, ')') != t + n - 1) return;
    const char *target = mid + 2;
    if (strncmp(target, "demo:", 5) != 0 && strncmp(target, "exercise:", 9) != 0 &&
        strncmp(target, "chapter:", 8) != 0)
        return;
    b->kind = MD_LINK;
    b->target = dup_range(target, (size_t)(t + n - 1 - target));
    char *label = dup_range(t + 1, (size_t)(mid - t - 1));
    free(b->text);
    b->text = label;
}

md_doc *md_parse(const char *text)
{
    md_doc *doc = calloc(1, sizeof *doc);
    md_block *cur = NULL;              /* paragraph/item/quote being filled */
    md_block *code = NULL, *table = NULL;
    int lineno = 0;
    for (const char *p = text; *p; ) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && p[n - 1] == '\r') n--;
        const char *line = p;
        p = nl ? nl + 1 : p + n;
        lineno++;

        if (code) {                                    /* inside a fence */
            if (strncmp(skip_spaces(line), "```", 3) == 0) { code = NULL; continue; }
            append_text(&code->text, line, n, '\n');
            if (!code->text) code->text = dup_range("", 0);
            continue;
        }
        const char *s = skip_spaces(line);
        size_t sn = n - (size_t)(s - line);
        if (strncmp(s, "```", 3) == 0) {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            cur = table = NULL;
            code = add_block(doc, MD_CODE, lineno);
            /* "```c doc:NAME": the language, then the tag of the region of
             * the runtime the block quotes (doctag.c fills it in). */
            const char *info = s + 3, *sp = memchr(info, ' ', sn - 3);
            size_t ln = sp ? (size_t)(sp - info) : sn - 3;
            code->lang = dup_range(info, ln);
            if (sp && sn - 3 - ln > 5 && strncmp(sp + 1, "doc:", 4) == 0)
                code->tag = dup_range(sp + 5, sn - 3 - ln - 5);
            code->text = NULL;
            continue;
        }
        if (blank(line, n)) {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            cur = table = NULL;
            continue;
        }
        if (*s == '|') {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            cur = NULL;
            if (!table) table = add_block(doc, MD_TABLE, lineno);
            if (!is_table_rule(s, sn)) add_table_row(table, s, sn);
            continue;
        }
        table = NULL;
        if (*s == '#') {
            int level = 0;
            while (s[level] == '#') level++;
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            md_block *b = add_block(doc, MD_HEADING, lineno);
            b->level = level > 3 ? 3 : level;
            const char *h = skip_spaces(s + level);
            b->text = dup_range(h, n - (size_t)(h - line));
            cur = NULL;
            continue;
        }
        if (sn >= 3 && strspn(s, "-") == sn) {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            add_block(doc, MD_RULE, lineno);
            cur = NULL;
            continue;
        }
        int num, used = 0;
        if ((s[0] == '-' || s[0] == '*') && s[1] == ' ') {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            cur = add_block(doc, MD_BULLET, lineno);
            cur->level = (int)(s - line) / 2;          /* nesting depth */
            append_text(&cur->text, s + 2, sn - 2, ' ');
            continue;
        }
        if (sscanf(s, "%d.%n", &num, &used) == 1 && used && s[used] == ' ') {
            if (cur && cur->kind == MD_PARA) promote_link(cur);
            cur = add_block(doc, MD_NUMBERED, lineno);
            cur->level = num;
            const char *t = skip_spaces(s + used);
            append_text(&cur->text, t, n - (size_t)(t - line), ' ');
            continue;
        }
        if (*s == '>') {
            const char *t = skip_spaces(s + 1);
            if (!cur || cur->kind != MD_QUOTE) {
                if (cur && cur->kind == MD_PARA) promote_link(cur);
                cur = add_block(doc, MD_QUOTE, lineno);
            }
            append_text(&cur->text, t, n - (size_t)(t - line), ' ');
            continue;
        }
        if (!cur || cur->kind == MD_QUOTE) cur = add_block(doc, MD_PARA, lineno);
        append_text(&cur->text, s, sn, ' ');           /* continuation */
    }
    if (cur && cur->kind == MD_PARA) promote_link(cur);
    for (size_t i = 0; i < doc->n; i++)
        if (!doc->blocks[i].text) doc->blocks[i].text = dup_range("", 0);
    return doc;
}

void md_free(md_doc *doc)
{
    if (!doc) return;
    for (size_t i = 0; i < doc->n; i++) {
        md_block *b = &doc->blocks[i];
        free(b->text);
        free(b->lang);
        free(b->tag);
        free(b->source);
        free(b->target);
        for (int c = 0; c < b->rows * b->cols; c++) free(b->cells[c]);
        free(b->cells);
    }
    free(doc->blocks);
    free(doc);
}

/* ---- inline spans ------------------------------------------------------ */

void md_spans(const char *s, md_span_cb *cb, void *arg)
{
    const char *text = s;
    while (*s) {
        md_span_kind kind = MD_SPAN_TEXT;
        const char *open = s, *body = NULL, *close = NULL, *after = NULL;
        if (*s == '`') {
            close = strchr(s + 1, '`');
            if (close) { kind = MD_SPAN_CODE; body = s + 1; after = close + 1; }
        } else if (s[0] == '*' && s[1] == '*') {
            close = strstr(s + 2, "**");
            if (close) { kind = MD_SPAN_STRONG; body = s + 2; after = close + 2; }
        } else if (*s == '*' && s[1] && s[1] != ' ') {
            close = strchr(s + 1, '*');
            if (close) { kind = MD_SPAN_EM; body = s + 1; after = close + 1; }
        } else if (*s == '[') {
            const char *mid = strstr(s, "](");
            const char *end = mid ? strchr(mid, ')') : NULL;
            if (mid && end && !memchr(s, '\n', (size_t)(end - s))) {
                kind = MD_SPAN_LINK; body = s + 1; close = mid; after = end + 1;
            }
        }
        if (kind == MD_SPAN_TEXT) { s++; continue; }
        if (open > text) cb(MD_SPAN_TEXT, text, (size_t)(open - text), arg);
        cb(kind, body, (size_t)(close - body), arg);
        s = text = after;
    }
    if (s > text) cb(MD_SPAN_TEXT, text, (size_t)(s - text), arg);
}

struct plain_buf { char *s; size_t len; };

static void plain_span(md_span_kind kind, const char *text, size_t len, void *arg)
{
    struct plain_buf *b = arg;
    b->s = realloc(b->s, b->len + len + 1);
    memcpy(b->s + b->len, text, len);
    b->len += len;
    b->s[b->len] = '\0';
}

char *md_plain(const char *s)
{
    struct plain_buf b = { calloc(1, 1), 0 };
    md_spans(s, plain_span, &b);
    return b.s;
}

size_t md_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

/* ---- plain-text rendering ---------------------------------------------- */

/* Writes text wrapped at width, every line starting with indent; the first
 * line starts with first (e.g. "  - ") instead. */
static void wrap(FILE *out, const char *text, int width, const char *first, const char *indent)
{
    size_t col = 0;
    const char *lead = first;
    const char *p = text;
    int avail = width - (int)md_width(indent, strlen(indent));
    if (avail < 20) avail = 20;
    fputs(lead, out);
    col = 0;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ') p++;
        size_t wl = (size_t)(p - w), ww = md_width(w, wl);
        if (col > 0 && col + 1 + ww > (size_t)avail) {
            fputc('\n', out);
            fputs(indent, out);
            col = 0;
        } else if (col > 0) {
            fputc(' ', out);
            col++;
        }
        fwrite(w, 1, wl, out);
        col += ww;
    }
    fputc('\n', out);
}

static void render_table(FILE *out, const md_block *b, int width)
{
    int *w = calloc((size_t)b->cols, sizeof *w);
    char **plain = calloc((size_t)(b->rows * b->cols), sizeof *plain);
    int total = 0;
    for (int i = 0; i < b->rows * b->cols; i++) {
        plain[i] = md_plain(b->cells[i]);
        int cw = (int)md_width(plain[i], strlen(plain[i]));
        if (cw > w[i % b->cols]) w[i % b->cols] = cw;
    }
    for (int c = 0; c < b->cols; c++) total += w[c] + 3;
    for (int r = 0; r < b->rows; r++) {
        if (total <= width) {                   /* fits: aligned columns */
            fputs("  ", out);
            for (int c = 0; c < b->cols; c++) {
                const char *cell = plain[r * b->cols + c];
                int pad = w[c] - (int)md_width(cell, strlen(cell));
                fprintf(out, "%s%*s%s", cell, pad, "", c + 1 < b->cols ? " | " : "");
            }
            fputc('\n', out);
            if (r == 0) {
                fputs("  ", out);
                for (int c = 0; c < b->cols; c++) {
                    for (int k = 0; k < w[c]; k++) fputc('-', out);
                    if (c + 1 < b->cols) fputs("-+-", out);
                }
                fputc('\n', out);
            }
        } else if (r > 0) {                     /* too wide: one record each */
            for (int c = 0; c < b->cols; c++) {
                char head[256];
                snprintf(head, sizeof head, c == 0 ? "  * %s: " : "    %s: ", plain[c]);
                wrap(out, plain[r * b->cols + c], width, head, "      ");
            }
        }
    }
    for (int i = 0; i < b->rows * b->cols; i++) free(plain[i]);
    free(plain);
    free(w);
}

void md_render_plain(FILE *out, const md_doc *doc, int width)
{
    for (size_t i = 0; i < doc->n; i++) {
        const md_block *b = &doc->blocks[i];
        char *t = b->kind == MD_CODE ? NULL : md_plain(b->text);
        switch (b->kind) {
        case MD_HEADING: {
            if (i > 0) fputc('\n', out);
            wrap(out, t, width, "", "");
            size_t w = md_width(t, strlen(t));
            for (size_t k = 0; k < w && k < (size_t)width; k++)
                fputs(b->level == 1 ? "=" : b->level == 2 ? "-" : "~", out);
            fputc('\n', out);
            break;
        }
        case MD_PARA: wrap(out, t, width, "", ""); break;
        case MD_QUOTE: wrap(out, t, width, "  | ", "  | "); break;
        case MD_BULLET: {
            char lead[32], ind[32];
            snprintf(lead, sizeof lead, "%*s  - ", b->level * 2, "");
            snprintf(ind, sizeof ind, "%*s    ", b->level * 2, "");
            wrap(out, t, width, lead, ind);
            break;
        }
        case MD_NUMBERED: {
            char lead[32];
            snprintf(lead, sizeof lead, "  %d. ", b->level);
            wrap(out, t, width, lead, "     ");
            break;
        }
        case MD_CODE: {
            if (b->source) fprintf(out, "    -- %s\n", b->source);
            const char *p = b->text;
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                fprintf(out, "    %.*s\n", (int)n, p);
                p = nl ? nl + 1 : p + n;
            }
            break;
        }
        case MD_TABLE: render_table(out, b, width); break;
        case MD_RULE: fputs("  * * *\n", out); break;
        case MD_LINK: {
            /* Plain text cannot be followed, so say which command does it. */
            const char *colon = strchr(b->target, ':');
            const char *cmd = strncmp(b->target, "demo:", 5) == 0 ? "nodelab demo"
                            : strncmp(b->target, "exercise:", 9) == 0 ? "nodelab check"
                            : "nodelab read";
            char line[1024];
            snprintf(line, sizeof line, "%s  (%s %s)", t, cmd, colon + 1);
            wrap(out, line, width, "  > ", "    ");
            break;
        }
        }
        if (b->kind != MD_HEADING) fputc('\n', out);
        free(t);
    }
}
