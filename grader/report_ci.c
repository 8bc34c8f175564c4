/*
 * report_ci.c — the formats CI systems read: JUnit XML (one <testsuite>
 * per exercise, a <failure> or <error> per test that did not pass) and
 * TAP version 13 (one plan for every test, YAML diagnostics).
 */
#include "config.h"
#include "report.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XML 1.0 text from valid UTF-8 (every report string is): escape markup,
 * and replace the characters XML cannot carry (controls, U+FFFE/U+FFFF). */
static void xml_text(nl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '<': nl_buf_puts(b, "&lt;"); break;
        case '>': nl_buf_puts(b, "&gt;"); break;
        case '&': nl_buf_puts(b, "&amp;"); break;
        case '"': nl_buf_puts(b, "&quot;"); break;
        default:
            if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
                nl_buf_puts(b, "\xEF\xBF\xBD");
            } else if (ch == 0xEF && (unsigned char)s[1] == 0xBF && ((unsigned char)s[2] & 0xFE) == 0xBE) {
                nl_buf_puts(b, "\xEF\xBF\xBD");     /* U+FFFE, U+FFFF: not XML characters */
                s += 2;
            } else {
                nl_buf_add(b, s, 1);
            }
        }
    }
}

/* Statuses that are the code's fault in a way an assertion did not see. */
static bool is_error(const char *status)
{
    return status != NL_ST_PASSED && status != NL_ST_FAILED && status != NL_ST_LEAKED;
}

char *nl_report_junit(const nl_result *res)
{
    nl_buf b = { 0 };
    size_t tests = 0, failures = 0, errors = 0;
    for (size_t i = 0; i < res->nex; i++)
        for (size_t k = 0; k < res->ex[i].m->ncases; k++) {
            const char *st = res->ex[i].tests[k].status;
            tests++;
            if (st != NL_ST_PASSED) { if (is_error(st)) errors++; else failures++; }
        }
    nl_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    nl_buf_printf(&b, "<testsuites name=\"nodelab\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                  tests, failures, errors, res->ms / 1000.0);
    for (size_t i = 0; i < res->nex; i++) {
        const nl_ex_report *r = &res->ex[i];
        size_t f = 0, e = 0;
        for (size_t k = 0; k < r->m->ncases; k++)
            if (r->tests[k].status != NL_ST_PASSED) { if (is_error(r->tests[k].status)) e++; else f++; }
        nl_buf_puts(&b, "  <testsuite name=\"");
        xml_text(&b, r->m->id);
        nl_buf_printf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                      r->m->ncases, f, e, r->timing.total_ms / 1000.0);
        if (r->notes) {
            nl_buf_puts(&b, "    <system-out>note: ");
            xml_text(&b, r->notes);
            nl_buf_puts(&b, "</system-out>\n");
        }
        if (r->diagnostics) {
            nl_buf_puts(&b, "    <system-err>");
            xml_text(&b, r->diagnostics);
            nl_buf_puts(&b, "</system-err>\n");
        }
        for (size_t k = 0; k < r->m->ncases; k++) {
            const nl_test_report *t = &r->tests[k];
            nl_buf_puts(&b, "    <testcase classname=\"");
            xml_text(&b, r->m->id);
            nl_buf_puts(&b, "\" name=\"");
            xml_text(&b, t->c->name);
            nl_buf_printf(&b, "\" time=\"%.3f\"", t->ms / 1000.0);
            if (t->status == NL_ST_PASSED) { nl_buf_puts(&b, "/>\n"); continue; }
            char *details = nl_test_details(r, t, true);
            const char *tag = is_error(t->status) ? "error" : "failure";
            nl_buf_printf(&b, ">\n      <%s type=\"%s\" message=\"", tag, t->status);
            xml_text(&b, t->message ? t->message : t->status);
            nl_buf_puts(&b, "\">");
            xml_text(&b, details);
            nl_buf_printf(&b, "</%s>\n    </testcase>\n", tag);
            free(details);
        }
        nl_buf_puts(&b, "  </testsuite>\n");
    }
    nl_buf_puts(&b, "</testsuites>\n");
    return nl_buf_take(&b);
}

/* A TAP description: '#' would start a directive and '\\' escapes, so
 * both are escaped (\\# and \\\\, as TAP 13 says); a line break ends it. */
static void tap_name(nl_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '#' || *s == '\\') nl_buf_add(b, "\\", 1);
        nl_buf_add(b, *s == '\n' || *s == '\r' ? " " : s, 1);
    }
}

/* A YAML literal block: each line indented; the characters YAML may not
 * carry (C0 controls but tab, C1 controls, U+FFFE/U+FFFF) replaced. */
static void yaml_block(nl_buf *b, const char *key, const char *text)
{
    nl_buf_printf(b, "  %s: |2\n    ", key);   /* |2: lines may start with spaces */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            if (p[1]) nl_buf_puts(b, "\n    ");
        } else if ((*p < 0x20 && *p != '\t') || *p == 0x7F) {
            nl_buf_puts(b, "\xEF\xBF\xBD");
        } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            nl_buf_puts(b, "\xEF\xBF\xBD");
            p++;
        } else if (*p == 0xEF && p[1] == 0xBF && (p[2] & 0xFE) == 0xBE) {
            nl_buf_puts(b, "\xEF\xBF\xBD");
            p += 2;
        } else {
            nl_buf_add(b, p, 1);
        }
    }
    nl_buf_puts(b, "\n");
}

char *nl_report_tap(const nl_result *res)
{
    nl_buf b = { 0 };
    size_t total = 0, n = 0;
    for (size_t i = 0; i < res->nex; i++) total += res->ex[i].m->ncases;
    nl_buf_printf(&b, "TAP version 13\n1..%zu\n", total);
    for (size_t i = 0; i < res->nex; i++) {
        const nl_ex_report *r = &res->ex[i];
        nl_buf_printf(&b, "# %s: %s, %g/%g points\n", r->m->id, r->status, r->score, r->m->max_points);
        if (r->notes) {
            nl_buf_puts(&b, "# note: ");
            for (const char *c = r->notes; *c; c++) nl_buf_add(&b, *c == '\n' || *c == '\r' ? " " : c, 1);
            nl_buf_puts(&b, "\n");
        }
        for (size_t k = 0; k < r->m->ncases; k++) {
            const nl_test_report *t = &r->tests[k];
            bool ok = t->status == NL_ST_PASSED;
            nl_buf_printf(&b, "%s %zu - ", ok ? "ok" : "not ok", ++n);
            tap_name(&b, r->m->id);
            nl_buf_puts(&b, ": ");
            tap_name(&b, t->c->name);
            nl_buf_puts(&b, "\n");
            if (ok) continue;
            nl_buf_printf(&b, "  ---\n  status: %s\n  points: 0/%g\n", t->status, t->c->points);
            char *details = nl_test_details(r, t, true);
            if (*details) yaml_block(&b, "details", details);
            if (r->diagnostics && k == 0) yaml_block(&b, "diagnostics", r->diagnostics);
            free(details);
            nl_buf_puts(&b, "  ...\n");
        }
    }
    return nl_buf_take(&b);
}
