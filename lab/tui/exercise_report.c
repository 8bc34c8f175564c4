/*
 * exercise_report.c — reading what a test run said (see exercise.h).
 *
 * Two sources, one result: the grader's JSON report (`nodelab check
 * --format json`, schema nodelab-grade/1 in docs/grader.md), or, before
 * the grader exists, Check's own TAP log and output.  Pure functions over
 * text, so tests/test_tui_exercise.c can feed them recorded reports.
 */
#include "exercise.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int case_index(const exercise *e, const char *tcase, size_t len)
{
    for (int i = 0; i < e->ncases; i++)
        if (strlen(e->cases[i].tcase) == len && !strncmp(e->cases[i].tcase, tcase, len)) return i;
    return -1;
}

/* TAP: "ok 1 - file.c:tcase:fn: Passed" / "not ok 2 - file.c:tcase:fn: why". */
void ex_read_tap(ex_runner *r, const exercise *e, const char *tap)
{
    char *copy = strdup(tap), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bool ok = !strncmp(line, "ok ", 3);
        char *dash = strstr(line, " - ");
        if (!dash || (!ok && strncmp(line, "not ok ", 7))) continue;
        char *tcase = strchr(dash + 3, ':');
        char *fn = tcase ? strchr(tcase + 1, ':') : NULL;
        char *msg = fn ? strchr(fn + 1, ':') : NULL;
        if (!msg) continue;
        int k = case_index(e, tcase + 1, (size_t)(fn - tcase - 1));
        if (k < 0) continue;
        case_result *c = &r->cases[k];
        c->status = ok ? CASE_PASS : strstr(msg, "signal") || strstr(msg, "timeout")
                                     ? CASE_ERROR : CASE_FAIL;
        msg += strspn(msg + 1, " ") + 1;
        if (!ok) snprintf(c->message, sizeof c->message, "%s", msg);
    }
    free(copy);
}

/* Check's own lines "file.c:88:F:tcase:fn:0: message" give the place. */
void ex_read_check_output(ex_runner *r, const exercise *e, const char *out)
{
    char *copy = strdup(out), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char file[100], kind;
        int lineno, used = 0;
        if (sscanf(line, "%99[^:]:%d:%c:%n", file, &lineno, &kind, &used) != 3 || !used) continue;
        char *tcase = line + used, *end = strchr(tcase, ':');
        int k = end ? case_index(e, tcase, (size_t)(end - tcase)) : -1;
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        if (k >= 0) snprintf(r->cases[k].where, sizeof r->cases[k].where, "%s:%d", base, lineno);
    }
    free(copy);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The grader's report.  Returns 0, or -1 if it is not one (r->log says). */
int ex_read_grade_report(ex_runner *r, const exercise *e, const char *json)
{
    cJSON *root = cJSON_Parse(json);
    const cJSON *x, *exercises = cJSON_GetObjectItemCaseSensitive(root, "exercises");
    const cJSON *mine = NULL;
    cJSON_ArrayForEach(x, exercises)
        if (jstr(x, "id") && !strcmp(jstr(x, "id"), e->id)) mine = x;
    if (!mine) {
        snprintf(r->log, sizeof r->log, "the grader's report has no result for %s", e->id);
        cJSON_Delete(root);
        return -1;
    }
    const char *status = jstr(mine, "status"), *diag = jstr(mine, "diagnostics");
    /* Not built (compile error, refused), or not graded (missing, grader
     * error): no test ran; the diagnostics say why. */
    r->compiled = status && (!strcmp(status, "passed") || !strcmp(status, "failing"));
    if (!r->compiled)
        snprintf(r->log, sizeof r->log, "%s%s%s", status ? status : "no status",
                 diag ? ":\n" : "", diag ? diag : "");
    const cJSON *t, *tests = cJSON_GetObjectItemCaseSensitive(mine, "tests");
    int position = -1;
    cJSON_ArrayForEach(t, tests) {
        const char *tcase = jstr(t, "tcase"), *ts = jstr(t, "status"), *msg = jstr(t, "message");
        const char *file = jstr(t, "file");
        position++;
        /* A hidden test's name and tcase are withheld from students; the
         * grader reports tests in manifest order, so its place says which. */
        int k = tcase ? case_index(e, tcase, strlen(tcase))
              : position < e->ncases ? position : -1;
        if (k < 0 || !ts) continue;
        case_result *c = &r->cases[k];
        c->status = !strcmp(ts, "passed") ? CASE_PASS : !strcmp(ts, "failed") ? CASE_FAIL
                  : !strcmp(ts, "not run") ? CASE_NOT_RUN : CASE_ERROR;
        if (c->status != CASE_PASS && msg)
            snprintf(c->message, sizeof c->message, "%s%s%s", c->status == CASE_ERROR ? ts : "",
                     c->status == CASE_ERROR ? ": " : "", msg);
        const cJSON *line = cJSON_GetObjectItemCaseSensitive(t, "line");
        if (file) {
            const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
            if (cJSON_IsNumber(line)) snprintf(c->where, sizeof c->where, "%s:%d", base, line->valueint);
            else snprintf(c->where, sizeof c->where, "%s", base);
        }
    }
    cJSON_Delete(root);
    return 0;
}
