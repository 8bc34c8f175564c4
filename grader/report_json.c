/*
 * report_json.c — the JSON report (nodelab's own schema) and Gradescope's
 * results.json, plus the shared pieces every format uses.
 */
#include "config.h"
#include "report.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nl_format_parse(const char *name, nl_format *out)
{
    static const struct { const char *name; nl_format f; } all[] = {
        { "text", NL_FMT_TEXT }, { "json", NL_FMT_JSON }, { "gradescope", NL_FMT_GRADESCOPE },
        { "junit", NL_FMT_JUNIT }, { "tap", NL_FMT_TAP },
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(all[i].name, name)) { *out = all[i].f; return 0; }
    return -1;
}

const char *nl_test_title(const nl_test_report *t, size_t index, bool student, char *buf, size_t len)
{
    if (student && t->c->hidden) {
        snprintf(buf, len, "hidden test %zu", index + 1);
        return buf;
    }
    return t->c->name;
}

/* The statement of the tests at file:line (the check that failed), up to
 * its ';', on one line: the student has not got the test file, so a path
 * to it would tell them nothing.  NULL if it cannot be read. */
static char *quote_check(const nl_manifest *m, const char *file, int line)
{
    if (!file || !*file || line <= 0 || strchr(file, '/')) return NULL;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", m->dir, file);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char text[512];
    nl_buf b = { 0 };
    for (int n = 1; fgets(text, sizeof text, f) && n < line + 6; n++) {
        if (n < line) continue;
        char *s = text;
        while (*s == ' ' || *s == '\t') s++;
        s[strcspn(s, "\n")] = '\0';
        nl_buf_printf(&b, "%s%s", b.len ? " " : "", s);
        if (strchr(s, ';')) break;
    }
    fclose(f);
    if (!b.len) { nl_buf_free(&b); return NULL; }
    if (b.len > 300) { b.len = 297; nl_buf_puts(&b, "..."); }
    return nl_buf_take(&b);
}

char *nl_test_details(const nl_ex_report *r, const nl_test_report *t, bool with_output)
{
    nl_buf b = { 0 };
    if (t->message && *t->message) nl_buf_printf(&b, "%s\n", t->message);
    char *check = t->status == NL_ST_FAILED ? quote_check(r->m, t->file, t->line) : NULL;
    if (check) nl_buf_printf(&b, "the check that failed: %s\n", check);
    free(check);
    if (with_output && t->output && *t->output && t->status != NL_ST_PASSED) {
        nl_buf_printf(&b, "output (%llu bytes):\n%s", t->output_bytes, t->output);
        if (b.s[b.len - 1] != '\n') nl_buf_puts(&b, "\n");
    }
    return nl_buf_take(&b);
}

static void add_str(cJSON *o, const char *key, const char *value)
{
    if (value) cJSON_AddStringToObject(o, key, value);
    else cJSON_AddNullToObject(o, key);
}

static cJSON *test_json(const nl_ex_report *r, const nl_test_report *t, size_t i, bool student)
{
    cJSON *o = cJSON_CreateObject();
    char title[64];
    bool hide = student && t->c->hidden;
    cJSON_AddStringToObject(o, "name", nl_test_title(t, i, student, title, sizeof title));
    if (!hide) cJSON_AddStringToObject(o, "tcase", t->c->tcase);
    cJSON_AddBoolToObject(o, "hidden", t->c->hidden);
    cJSON_AddStringToObject(o, "status", t->status);
    cJSON_AddNumberToObject(o, "points", t->points);
    cJSON_AddNumberToObject(o, "max_points", t->c->points);
    add_str(o, "message", hide ? NULL : t->message);
    add_str(o, "file", hide || !t->file || !*t->file ? NULL : t->file);
    if (!hide && t->line) cJSON_AddNumberToObject(o, "line", t->line);
    else cJSON_AddNullToObject(o, "line");
    add_str(o, "signal", t->signal);
    add_str(o, "output", hide ? NULL : t->output);
    cJSON_AddNumberToObject(o, "output_bytes", (double)t->output_bytes);
    cJSON_AddNumberToObject(o, "ms", (int)t->ms);
    add_str(o, "flaky", t->flaky);
    (void)r;
    return o;
}

static cJSON *exercise_json(const nl_ex_report *r, bool student)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->m->id);
    cJSON_AddStringToObject(o, "title", r->m->title);
    cJSON_AddNumberToObject(o, "chapter", r->m->chapter);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddNumberToObject(o, "score", r->score);
    cJSON_AddNumberToObject(o, "max_score", r->m->max_points);
    cJSON_AddNumberToObject(o, "tests_passed", (double)r->passed);
    cJSON_AddNumberToObject(o, "tests_total", (double)r->m->ncases);
    add_str(o, "files", r->files_dir);
    /* Exactly what was graded: batch regrades a student when these change. */
    if (r->sha256) {
        cJSON *graded = cJSON_AddArrayToObject(o, "graded_files");
        for (size_t i = 0; i < r->m->nfiles; i++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "name", r->m->files[i]);
            add_str(f, "sha256", r->sha256[i][0] ? r->sha256[i] : NULL);
            cJSON_AddItemToArray(graded, f);
        }
    } else {
        cJSON_AddNullToObject(o, "graded_files");
    }
    add_str(o, "notes", r->notes);
    add_str(o, "diagnostics", r->diagnostics);
    add_str(o, "warnings", r->warnings);
    cJSON *sb = cJSON_AddObjectToObject(o, "sandbox");
    add_str(sb, "mode", r->sandbox.mode);
    add_str(sb, "network", r->sandbox.network);
    add_str(sb, "pids", r->sandbox.pids);
    add_str(sb, "files", r->sandbox.files);
    cJSON_AddNumberToObject(sb, "pgid", r->sandbox.pgid);
    cJSON_AddStringToObject(sb, "marker", r->sandbox.marker);
    cJSON_AddNumberToObject(sb, "escaped", r->sandbox.escaped);
    cJSON *tm = cJSON_AddObjectToObject(o, "timing");
    cJSON_AddNumberToObject(tm, "prepare_ms", (int)r->timing.prepare_ms);
    cJSON_AddNumberToObject(tm, "compile_ms", (int)r->timing.compile_ms);
    cJSON_AddNumberToObject(tm, "link_ms", (int)r->timing.link_ms);
    cJSON_AddNumberToObject(tm, "setup_ms", (int)r->timing.setup_ms);
    cJSON_AddNumberToObject(tm, "run_ms", (int)r->timing.run_ms);
    cJSON_AddNumberToObject(tm, "total_ms", (int)r->timing.total_ms);
    cJSON *tests = cJSON_AddArrayToObject(o, "tests");
    for (size_t i = 0; i < r->m->ncases; i++)
        cJSON_AddItemToArray(tests, test_json(r, &r->tests[i], i, student));
    return o;
}

cJSON *nl_result_json(const nl_result *res, bool student)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema", "nodelab-grade/1");
    add_str(o, "submission", res->submission);
    if (res->student) cJSON_AddStringToObject(o, "student", res->student);
    cJSON_AddNumberToObject(o, "score", res->score);
    cJSON_AddNumberToObject(o, "max_score", res->max_score);
    cJSON_AddNumberToObject(o, "ms", (int)res->ms);
    cJSON *ex = cJSON_AddArrayToObject(o, "exercises");
    for (size_t i = 0; i < res->nex; i++) cJSON_AddItemToArray(ex, exercise_json(&res->ex[i], student));
    return o;
}

/* Gradescope: one test per case (numbered "exercise.test"), hidden cases
 * shown once the instructor publishes grades; what a build failure said
 * goes in the top-level output, where the student sees it at once. */
char *nl_report_gradescope(const nl_result *res)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "score", res->score);
    cJSON_AddNumberToObject(o, "execution_time", res->ms / 1000.0);
    nl_buf out = { 0 };
    for (size_t i = 0; i < res->nex; i++) {
        const nl_ex_report *r = &res->ex[i];
        nl_buf_printf(&out, "%s: %s, %g/%g points, %zu/%zu tests passed\n", r->m->id, r->status,
                      r->score, r->m->max_points, r->passed, r->m->ncases);
        if (r->notes) nl_buf_printf(&out, "note: %s\n", r->notes);
        if (r->diagnostics) nl_buf_printf(&out, "%s\n", r->diagnostics);
    }
    nl_buf_printf(&out, "sandbox: %s; network: %s\n", res->nex ? res->ex[0].sandbox.mode : "-",
                  res->nex ? res->ex[0].sandbox.network : "-");
    cJSON_AddStringToObject(o, "output", out.s);
    nl_buf_free(&out);
    cJSON_AddStringToObject(o, "output_format", "text");
    cJSON_AddStringToObject(o, "visibility", "visible");
    cJSON_AddStringToObject(o, "stdout_visibility", "hidden");
    cJSON *extra = cJSON_AddObjectToObject(o, "extra_data");
    cJSON_AddNumberToObject(extra, "max_score", res->max_score);
    cJSON *tests = cJSON_AddArrayToObject(o, "tests");
    for (size_t i = 0; i < res->nex; i++) {
        const nl_ex_report *r = &res->ex[i];
        for (size_t k = 0; k < r->m->ncases; k++) {
            const nl_test_report *t = &r->tests[k];
            cJSON *g = cJSON_CreateObject();
            char name[512], number[48];
            if (res->nex > 1) snprintf(name, sizeof name, "%s: %s", r->m->id, t->c->name);
            else snprintf(name, sizeof name, "%s", t->c->name);
            snprintf(number, sizeof number, "%zu.%zu", i + 1, k + 1);
            cJSON_AddStringToObject(g, "name", name);
            cJSON_AddStringToObject(g, "number", number);
            cJSON_AddNumberToObject(g, "score", t->points);
            cJSON_AddNumberToObject(g, "max_score", t->c->points);
            cJSON_AddStringToObject(g, "status", t->status == NL_ST_PASSED ? "passed" : "failed");
            char *details = nl_test_details(r, t, true);
            nl_buf text = { 0 };
            nl_buf_printf(&text, "%s%s%s", t->status, *details ? ": " : "", details);
            cJSON_AddStringToObject(g, "output", text.s);
            nl_buf_free(&text);
            free(details);
            cJSON_AddStringToObject(g, "output_format", "text");
            cJSON_AddStringToObject(g, "visibility", t->c->hidden ? "after_published" : "visible");
            cJSON *tags = cJSON_AddArrayToObject(g, "tags");
            cJSON_AddItemToArray(tags, cJSON_CreateString(r->m->id));
            cJSON_AddItemToArray(tests, g);
        }
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

char *nl_report_render(const nl_result *res, nl_format f, const nl_report_opts *o)
{
    switch (f) {
    case NL_FMT_TEXT: return nl_report_text(res, o);
    case NL_FMT_GRADESCOPE: return nl_report_gradescope(res);
    case NL_FMT_JUNIT: return nl_report_junit(res);
    case NL_FMT_TAP: return nl_report_tap(res);
    case NL_FMT_JSON: break;
    }
    cJSON *j = nl_result_json(res, o->student);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    nl_buf b = { 0 };
    nl_buf_printf(&b, "%s\n", text);
    free(text);
    return nl_buf_take(&b);
}
