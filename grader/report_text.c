/*
 * report_text.c — the report a person reads in a terminal.
 *
 *  loop-offload  chapter 1  failing 4/5 tests  9/12 points
 *    ✔ counts the primes correctly                                     2/2
 *    ✘ the loop keeps ticking while counting                           0/3
 *        timed out: the test did not finish within its limit of 10 s
 *
 * ✔/✘ and the numbers carry the meaning; colour (on a terminal, unless
 * NO_COLOR is set) only repeats it.
 */
#include "config.h"
#include "report.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

typedef struct {
    nl_buf *b;
    const nl_report_opts *o;
} out;

static const char *c(const out *w, const char *code) { return w->o->color ? code : ""; }

/* Display width of UTF-8 text: one column per code point. */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Each line of text, indented. */
static void indented(const out *w, const char *text, const char *indent, int max_lines)
{
    int lines = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        if (max_lines && lines == max_lines) {
            nl_buf_printf(w->b, "%s%s[...]%s\n", indent, c(w, DIM), c(w, RESET));
            break;
        }
        nl_buf_printf(w->b, "%s%.*s\n", indent, (int)len, p);
        lines++;
        p += len + (p[len] == '\n');
    }
}

static void test_line(const out *w, const nl_ex_report *r, const nl_test_report *t, size_t i)
{
    char title[64], score[48];
    const char *name = nl_test_title(t, i, w->o->student, title, sizeof title);
    bool ok = t->status == NL_ST_PASSED;
    snprintf(score, sizeof score, "%g/%g", t->points, t->c->points);
    int width = w->o->width > 40 ? w->o->width : 80;
    int pad = width - 6 - columns(name) - (int)strlen(score);
    if (!ok) pad -= (int)strlen(t->status) + 3;
    if (pad < 1) pad = 1;
    nl_buf_printf(w->b, "  %s%s%s %s", c(w, ok ? GREEN : RED), ok ? "✔" : "✘", c(w, RESET), name);
    if (!ok) nl_buf_printf(w->b, " %s(%s)%s", c(w, YELLOW), t->status, c(w, RESET));
    nl_buf_printf(w->b, "%*s%s\n", pad, "", score);
    if (t->flaky && !(w->o->student && t->c->hidden))
        nl_buf_printf(w->b, "      %sflaky: %s%s\n", c(w, YELLOW), t->flaky, c(w, RESET));
    if (ok || (w->o->student && t->c->hidden)) return;
    char *details = nl_test_details(r, t, true);
    indented(w, details, "      ", 24);
    free(details);
}

static void exercise(const out *w, const nl_ex_report *r)
{
    const nl_manifest *m = r->m;
    bool ok = r->status == NL_EX_PASSED;
    const char *colour = ok ? GREEN : r->status == NL_EX_FAILING ? YELLOW : RED;
    nl_buf_printf(w->b, "%s%s%s  chapter %d  %s%s%s", c(w, BOLD), m->id, c(w, RESET), m->chapter,
                  c(w, colour), r->status, c(w, RESET));
    if (r->status == NL_EX_PASSED || r->status == NL_EX_FAILING)
        nl_buf_printf(w->b, " %zu/%zu tests", r->passed, m->ncases);
    nl_buf_printf(w->b, "  %g/%g points\n", r->score, m->max_points);
    nl_buf_printf(w->b, "  %s%s%s\n", c(w, DIM), m->title, c(w, RESET));
    if (r->files_dir) nl_buf_printf(w->b, "  %sfiles: %s%s\n", c(w, DIM), r->files_dir, c(w, RESET));
    if (r->notes) nl_buf_printf(w->b, "  %snote:%s %s\n", c(w, YELLOW), c(w, RESET), r->notes);
    if (r->diagnostics) {
        nl_buf_printf(w->b, "  %s:\n", r->status);
        indented(w, r->diagnostics, "    ", 60);
        return;
    }
    for (size_t i = 0; i < m->ncases; i++) test_line(w, r, &r->tests[i], i);
    if (r->warnings && *r->warnings) {
        nl_buf_printf(w->b, "  %scompiler warnings:%s\n", c(w, YELLOW), c(w, RESET));
        indented(w, r->warnings, "    ", 12);
    }
}

char *nl_report_text(const nl_result *res, const nl_report_opts *o)
{
    nl_buf b = { 0 };
    out w = { &b, o };
    for (size_t i = 0; i < res->nex; i++) {
        if (i) nl_buf_puts(&b, "\n");
        exercise(&w, &res->ex[i]);
    }
    if (res->nex > 1)
        nl_buf_printf(&b, "\n%stotal%s  %g/%g points\n", c(&w, BOLD), c(&w, RESET), res->score, res->max_score);
    if (res->nex)
        nl_buf_printf(&b, "%ssandbox: %s; network: %s; processes: %s%s\n", c(&w, DIM),
                      res->ex[0].sandbox.mode, res->ex[0].sandbox.network, res->ex[0].sandbox.pids,
                      c(&w, RESET));
    return nl_buf_take(&b);
}
