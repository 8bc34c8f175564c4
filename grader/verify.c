/*
 * verify.c — `nodelab-grader verify`: the course checks itself.  Every
 * exercise's manifest must be valid, its reference solution must score
 * full marks and its untouched starter must score less.  CI (make check)
 * runs it, so an exercise whose tests cannot fail, or whose solution no
 * longer passes, does not get merged.
 */
#include "config.h"
#include "commands.h"
#include "course/paths.h"
#include "jobs.h"
#include "sandbox.h"
#include "session.h"
#include "symbols.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char help[] =
"usage: nodelab-grader verify [EXERCISE...] [--jobs N] [--time-scale X]\n"
"\n"
"Checks every exercise (or those named): its manifest is valid, its\n"
"reference solution (solutions/ID/) scores full marks, and its untouched\n"
"starter (exercises/ID/) scores less.  One line per exercise; exit status\n"
"0 if all hold, 1 if one does not, 2 on bad input.\n"
"\n"
"  --jobs N         check N exercises at once (default 2)\n"
"  --time-scale X   multiply every time limit by X\n";

typedef struct {
    nl_session *s;
    char **ids;
    int failures;
} verify_ctx;

/* The first test that did not pass, for the failure line. */
static void why_not(nl_buf *b, const nl_ex_report *r)
{
    if (r->diagnostics) {
        size_t len = strcspn(r->diagnostics, "\n");
        nl_buf_printf(b, ": %s: %.*s", r->status, (int)len, r->diagnostics);
        return;
    }
    for (size_t i = 0; i < r->m->ncases; i++) {
        const nl_test_report *t = &r->tests[i];
        if (t->status == NL_ST_PASSED) continue;
        nl_buf_printf(b, ": %s %s%s%s", t->c->tcase, t->status, t->message ? ": " : "",
                      t->message ? t->message : "");
        return;
    }
}

static int verify_one(size_t i, void *arg)
{
    verify_ctx *v = arg;
    const char *id = v->ids[i];
    char err[1024];
    const nl_prepared *p = nl_course_get(v->s->course, id, err, sizeof err);
    if (!p) { printf("FAIL %s: %s\n", id, err); return 1; }
    char solution[4400];
    snprintf(solution, sizeof solution, "%s/solutions/%s", nl_data_dir(), id);
    nl_ex_report sol, start;
    nl_grade(p, solution, &v->s->opts, &sol);
    nl_grade(p, p->m->dir, &v->s->opts, &start);
    nl_buf line = { 0 };
    bool ok = true;
    if (sol.status != NL_EX_PASSED) {
        ok = false;
        nl_buf_printf(&line, "FAIL %s: the reference solution scores %g/%g", id, sol.score, p->m->max_points);
        why_not(&line, &sol);
    } else if (start.status == NL_EX_ERROR || start.score >= p->m->max_points) {
        ok = false;
        nl_buf_printf(&line, "FAIL %s: the untouched starter scores %g/%g (%s): its tests cannot fail",
                      id, start.score, p->m->max_points, start.status);
        if (start.status == NL_EX_ERROR) why_not(&line, &start);
    } else {
        nl_buf_printf(&line, "ok   %s: solution %g/%g, starter %g/%g (%s)", id, sol.score,
                      p->m->max_points, start.score, p->m->max_points, start.status);
    }
    printf("%s\n", line.s);
    nl_buf_free(&line);
    nl_ex_report_free(&sol);
    nl_ex_report_free(&start);
    return ok ? 0 : 1;
}

static void verify_done(size_t i, int status, const char *output, void *arg)
{
    verify_ctx *v = arg;
    fputs(output, stdout);
    fflush(stdout);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        v->failures++;
        if (!*output) printf("FAIL %s: the check itself ended abnormally (status %d)\n", v->ids[i], status);
    }
}

int nl_cmd_verify(int argc, char **argv)
{
    int jobs = 2, rc = 0;
    double scale = 1;
    char **named = calloc((size_t)argc + 1, sizeof *named);
    size_t n = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (nl_grader_is_help(argv[i])) { fputs(help, stdout); free(named); return 0; }
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc) rc = nl_parse_jobs(argv[++i], &jobs);
        else if (!strcmp(argv[i], "--time-scale") && i + 1 < argc) rc = nl_parse_scale(argv[++i], &scale);
        else if (argv[i][0] == '-') rc = nl_grader_error("verify: unknown option or missing value: %s", argv[i]);
        else named[n++] = strdup(argv[i]);
    }
    nl_session s;
    if (!rc && nl_session_open(&s, "nodelab-grader") < 0) rc = 3;
    if (rc) { nl_free_list(named); return rc; }
    s.opts.time_scale = scale;
    verify_ctx v = { &s, n ? named : nl_exercise_ids(), 0 };
    if (n == 0) nl_free_list(named);
    size_t count = 0;
    while (v.ids[count]) count++;
    if (count == 0) {
        rc = nl_grader_error("verify: no exercises in %s/exercises", nl_data_dir());
    } else {
        /* Probe the sandbox and build every exercise's tests once, here,
         * so the children share them. */
        printf("sandbox: %s; network: %s\n", nl_box_mode(), nl_box_network());
        nl_symbols_prepare();
        char err[1024];
        for (size_t i = 0; i < count; i++) nl_course_get(s.course, v.ids[i], err, sizeof err);
        fflush(stdout);
        nl_jobs_run(count, jobs, verify_one, verify_done, &v);
        printf("%zu exercise%s, %d failing\n", count, count == 1 ? "" : "s", v.failures);
        rc = v.failures ? 1 : 0;
    }
    nl_free_list(v.ids);
    nl_session_close(&s);
    return rc;
}
