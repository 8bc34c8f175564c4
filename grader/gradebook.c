/* gradebook.c — the class's gradebook and summary (see gradebook.h). */
#include "config.h"
#include "gradebook.h"
#include "session.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nl_gradebook_report_path(const char *out, const char *student, char *path, size_t len)
{
    snprintf(path, len, "%s/%s.json", out, student);
}

cJSON *nl_gradebook_report(const char *out, const char *student)
{
    char path[4400];
    nl_gradebook_report_path(out, student, path, sizeof path);
    FILE *f = fopen(path, "r");
    nl_buf text = { 0 };
    char chunk[8192];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0) nl_buf_add(&text, chunk, got);
    if (f) fclose(f);
    cJSON *r = text.s ? cJSON_Parse(text.s) : NULL;
    nl_buf_free(&text);
    return r;
}

/* One CSV cell of text: valid UTF-8, quoted when it must be, and never
 * read as a formula by a spreadsheet: a cell starting with = + - @ (or a
 * tab or CR) gets a ' in front. */
static void csv_field(nl_buf *out, const char *raw)
{
    char *s = nl_utf8_clean(raw, strlen(raw));
    bool formula = strchr("=+-@\t\r", s[0]) && s[0];
    if (!formula && !strpbrk(s, ",\"\n\r")) {
        nl_buf_puts(out, s);
    } else {
        nl_buf_puts(out, formula ? "\"'" : "\"");
        for (const char *c = s; *c; c++) nl_buf_add(out, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
        nl_buf_puts(out, "\"");
    }
    free(s);
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *find_exercise(const cJSON *report, const char *id)
{
    const cJSON *ex;
    cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(report, "exercises")) {
        const char *eid = str(ex, "id");
        if (eid && !strcmp(eid, id)) return ex;
    }
    return NULL;
}

/* Failures per test across the class, for the summary. */
typedef struct {
    char key[400];
    int failed, total;
    char last_status[40];
} tally;

typedef struct {
    const nl_gradebook *g;
    nl_buf csv, flaky, empty;
    tally *tallies;
    size_t ntallies, graded;
    size_t *missing;           /* per column: students who never submitted it */
    nl_buf *missing_names;     /* per column */
} book;

/* Tests whose verdict flipped on a rerun. */
static void list_flaky(book *k, const char *student, const cJSON *ex)
{
    const cJSON *test;
    cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(ex, "tests")) {
        const char *id = str(ex, "id"), *name = str(test, "name"), *why = str(test, "flaky");
        if (id && name && why) nl_buf_printf(&k->flaky, "  %s: %s: %s (%s)\n", student, id, name, why);
    }
}

/* Only exercises the student submitted count: a test of an exercise never
 * handed in was not failed, it is missing (counted apart). */
static void count_tests(book *k, const cJSON *ex)
{
    const char *id = str(ex, "id");
    const cJSON *test;
    cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(ex, "tests")) {
        const char *name = str(test, "name"), *status = str(test, "status");
        if (!id || !name || !status) continue;
        char key[400];
        snprintf(key, sizeof key, "%s: %s", id, name);
        size_t i = 0;
        while (i < k->ntallies && strcmp(k->tallies[i].key, key)) i++;
        if (i == k->ntallies) {
            k->tallies = realloc(k->tallies, (k->ntallies + 1) * sizeof *k->tallies);
            memset(&k->tallies[i], 0, sizeof *k->tallies);
            snprintf(k->tallies[i].key, sizeof k->tallies[i].key, "%s", key);
            k->ntallies++;
        }
        k->tallies[i].total++;
        if (strcmp(status, "passed")) {
            k->tallies[i].failed++;
            snprintf(k->tallies[i].last_status, sizeof k->tallies[i].last_status, "%s", status);
        }
    }
}

/* Why a cell has no grade, from the student's report. */
static void why_empty(book *k, const char *student, const char *id, const cJSON *r, const cJSON *ex)
{
    const char *why = !r ? "no report (not graded yet: run the batch again)"
        : str(r, "error") ? str(r, "error")
        : !ex ? "not in the report (graded before this exercise was a column: grade the student again)"
        : str(ex, "diagnostics") ? str(ex, "diagnostics") : str(ex, "status");
    nl_buf_printf(&k->empty, "  %s: %s: %.*s\n", student, id ? id : "(all)", (int)strcspn(why ? why : "", "\n"), why ? why : "");
}

static void student_row(book *k, size_t i)
{
    const nl_gradebook *g = k->g;
    cJSON *r = nl_gradebook_report(g->out, g->students[i]);
    char *name = nl_utf8_clean(g->students[i], strlen(g->students[i]));
    bool graded = r && !str(r, "error");
    csv_field(&k->csv, name);
    double total = 0;
    bool whole = graded;
    if (!graded) why_empty(k, name, NULL, r, NULL);
    for (size_t c = 0; c < g->nids; c++) {
        const cJSON *ex = graded ? find_exercise(r, g->ids[c]) : NULL;
        const cJSON *score = cJSON_GetObjectItemCaseSensitive(ex, "score");
        const char *status = str(ex, "status");
        /* A grader error is ours, not a 0 of the student's. */
        if (cJSON_IsNumber(score) && status && strcmp(status, "grader error")) {
            nl_buf_printf(&k->csv, ",%g", score->valuedouble);
            total += score->valuedouble;
        } else {
            nl_buf_puts(&k->csv, ",");
            if (graded) why_empty(k, name, g->ids[c], r, ex);
            whole = false;
        }
        if (status && !strcmp(status, "missing")) {
            nl_buf_printf(&k->missing_names[c], "%s%s", k->missing[c] ? ", " : "", name);
            k->missing[c]++;
        } else if (ex) {
            count_tests(k, ex);
        }
        if (ex) list_flaky(k, name, ex);
    }
    /* A total that would leave out an empty cell is no total. */
    if (whole) nl_buf_printf(&k->csv, ",%g\n", total);
    else nl_buf_puts(&k->csv, ",\n");
    k->graded += graded;
    cJSON_Delete(r);
    free(name);
}

static int by_failures(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    return y->failed - x->failed;
}

static char *summary(book *k)
{
    const nl_gradebook *g = k->g;
    nl_buf sum = { 0 };
    nl_buf_printf(&sum, "%zu of %zu students graded; exercises: ", k->graded, g->nstudents);
    for (size_t c = 0; c < g->nids; c++) nl_buf_printf(&sum, "%s%s", c ? ", " : "", g->ids[c]);
    nl_buf_puts(&sum, "\nTests failed most (of the students who handed the exercise in):\n");
    qsort(k->tallies, k->ntallies, sizeof *k->tallies, by_failures);
    size_t shown = 0;
    for (size_t i = 0; i < k->ntallies && shown < 10 && k->tallies[i].failed; i++, shown++)
        nl_buf_printf(&sum, "  %3d/%-3d %s (last: %s)\n", k->tallies[i].failed, k->tallies[i].total,
                      k->tallies[i].key, k->tallies[i].last_status);
    if (!shown) nl_buf_puts(&sum, "  (none: every test passed for every student)\n");
    bool any = false;
    for (size_t c = 0; c < g->nids; c++) {
        if (!k->missing[c]) continue;
        if (!any) nl_buf_puts(&sum, "Missing (never handed in; 0 points, not failed tests):\n");
        any = true;
        nl_buf_printf(&sum, "  %3zu/%-3zu %s: %s\n", k->missing[c], k->graded, g->ids[c], k->missing_names[c].s);
    }
    if (k->empty.len)
        nl_buf_printf(&sum, "Empty cells in gradebook.csv (no grade; the student's report says why):\n%s",
                      k->empty.s);
    if (k->flaky.len)
        nl_buf_printf(&sum, "Verdicts that flipped when run again (flaky: look at these tests):\n%s", k->flaky.s);
    return nl_buf_take(&sum);
}

int nl_gradebook_write(const nl_gradebook *g)
{
    book k = { .g = g };
    k.missing = calloc(g->nids + 1, sizeof *k.missing);
    k.missing_names = calloc(g->nids + 1, sizeof *k.missing_names);
    nl_buf_puts(&k.csv, "student");
    for (size_t c = 0; c < g->nids; c++) { nl_buf_puts(&k.csv, ","); csv_field(&k.csv, g->ids[c]); }
    nl_buf_puts(&k.csv, ",total\nPoints Possible");
    double max = 0;
    for (size_t c = 0; c < g->nids; c++) { nl_buf_printf(&k.csv, ",%g", g->max_points[c]); max += g->max_points[c]; }
    nl_buf_printf(&k.csv, ",%g\n", max);
    for (size_t i = 0; i < g->nstudents; i++) student_row(&k, i);
    char *sum = summary(&k);
    char path[4400];
    int rc = 0;
    snprintf(path, sizeof path, "%s/gradebook.csv", g->out);
    rc |= nl_emit("nodelab-grader", path, k.csv.s);
    snprintf(path, sizeof path, "%s/summary.txt", g->out);
    rc |= nl_emit("nodelab-grader", path, sum);
    fputs(sum, stdout);
    printf("gradebook: %s/gradebook.csv\n", g->out);
    free(sum);
    for (size_t c = 0; c < g->nids; c++) nl_buf_free(&k.missing_names[c]);
    free(k.missing_names);
    free(k.missing);
    free(k.tallies);
    nl_buf_free(&k.csv);
    nl_buf_free(&k.flaky);
    nl_buf_free(&k.empty);
    return rc ? 2 : 0;
}
