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
"usage: nodelab-grader verify [EXERCISE...] [--jobs N] [--repeat N] [--time-scale X]\n"
"\n"
"Checks every exercise (or those named): its manifest is valid, its\n"
"reference solution (solutions/ID/) scores full marks, and its untouched\n"
"starter (exercises/ID/) scores less.  One line per exercise; exit status\n"
"0 if all hold, 1 if one does not, 2 on bad input.\n"
"\n"
"  --jobs N         check N exercises at once (default 2)\n"
"  --repeat N       check everything N times; a test whose verdict changed\n"
"                   between runs (passed in one, not in another) is\n"
"                   reported as flaky, and fails the check\n"
"  --time-scale X   multiply every time limit by X\n";

/* One test's verdicts over the runs: for the solution and the starter. */
typedef struct {
    int sol_passed, start_passed, runs;
    char sol_failure[300];     /* the last time the solution did not pass it */
} verdicts;

typedef struct {
    nl_session *s;
    char **ids;
    size_t count;              /* exercises */
    int repeat;
    int failures;
    int *run_failures;         /* [repeat]: exercises that failed in each run */
    verdicts **v;              /* [count][ncases] */
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

/* The verdicts of one run, for the parent to tally: "=\tCASE\tSOL\tSTART\tWHY"
 * per test (SOL and START: 1 passed, 0 not), after the human line. */
static void print_verdicts(const nl_ex_report *sol, const nl_ex_report *start)
{
    for (size_t k = 0; k < sol->m->ncases; k++) {
        const nl_test_report *t = &sol->tests[k];
        char why[300];
        snprintf(why, sizeof why, "%s%s%s", t->status, t->message ? ": " : "", t->message ? t->message : "");
        for (char *c = why; *c; c++)
            if (*c == '\n' || *c == '\t') *c = ' ';
        printf("=\t%zu\t%d\t%d\t%s\n", k, t->status == NL_ST_PASSED,
               start->tests[k].status == NL_ST_PASSED, why);
    }
}

static int verify_one(size_t job, void *arg)
{
    verify_ctx *v = arg;
    size_t i = job % v->count;
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
    if (v->repeat > 1) printf("[run %zu/%d] ", job / v->count + 1, v->repeat);
    printf("%s\n", line.s);
    if (sol.tests && start.tests) print_verdicts(&sol, &start);
    nl_buf_free(&line);
    nl_ex_report_free(&sol);
    nl_ex_report_free(&start);
    return ok ? 0 : 1;
}

/* Tallies one verdict line of a child's output. */
static void tally(verify_ctx *v, size_t i, const char *line)
{
    size_t k;
    int sol, start, used = 0;
    if (sscanf(line, "=\t%zu\t%d\t%d\t%n", &k, &sol, &start, &used) != 3 || !used || !v->v[i]) return;
    const nl_prepared *p = nl_course_get(v->s->course, v->ids[i], (char[8]){ 0 }, 8);
    if (!p || k >= p->m->ncases) return;
    verdicts *t = &v->v[i][k];
    t->runs++;
    t->sol_passed += sol;
    t->start_passed += start;
    if (!sol) snprintf(t->sol_failure, sizeof t->sol_failure, "%.*s", (int)strcspn(line + used, "\n"), line + used);
}

static void verify_done(size_t job, int status, const char *output, void *arg)
{
    verify_ctx *v = arg;
    size_t i = job % v->count;
    for (const char *line = output; *line;) {
        size_t len = strcspn(line, "\n");
        if (line[0] == '=' && line[1] == '\t') tally(v, i, line);
        else printf("%.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
    fflush(stdout);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        v->failures++;
        v->run_failures[job / v->count]++;
        if (!*output) printf("FAIL %s: the check itself ended abnormally (status %d)\n", v->ids[i], status);
    }
}

/* A test whose verdict changed between runs; returns how many. */
static int report_flaky(verify_ctx *v)
{
    int flaky = 0;
    for (size_t i = 0; i < v->count; i++) {
        const nl_prepared *p = nl_course_get(v->s->course, v->ids[i], (char[8]){ 0 }, 8);
        for (size_t k = 0; p && v->v[i] && k < p->m->ncases; k++) {
            const verdicts *t = &v->v[i][k];
            if (t->sol_passed > 0 && t->sol_passed < t->runs) {
                printf("flaky %s %s: the reference solution passed it in %d of %d runs (otherwise: %s)\n",
                       v->ids[i], p->m->cases[k].tcase, t->sol_passed, t->runs, t->sol_failure);
                flaky++;
            }
            if (t->start_passed > 0 && t->start_passed < t->runs) {
                printf("flaky %s %s: the untouched starter passed it in %d of %d runs\n",
                       v->ids[i], p->m->cases[k].tcase, t->start_passed, t->runs);
                flaky++;
            }
        }
    }
    return flaky;
}

static int parse_repeat(const char *arg, int *repeat)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*end || n < 1 || n > 1000) return nl_grader_error("--repeat %s: a number from 1 to 1000", arg);
    *repeat = (int)n;
    return 0;
}

int nl_cmd_verify(int argc, char **argv)
{
    int jobs = 2, repeat = 1, rc = 0;
    double scale = 1;
    char **named = calloc((size_t)argc + 1, sizeof *named);
    size_t n = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (nl_grader_is_help(argv[i])) { fputs(help, stdout); free(named); return 0; }
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc) rc = nl_parse_jobs(argv[++i], &jobs);
        else if (!strcmp(argv[i], "--time-scale") && i + 1 < argc) rc = nl_parse_scale(argv[++i], &scale);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) rc = parse_repeat(argv[++i], &repeat);
        else if (argv[i][0] == '-') rc = nl_bad_option("verify", argv[i], help);
        else named[n++] = strdup(argv[i]);
    }
    nl_session s;
    if (!rc && nl_session_open(&s, "nodelab-grader") < 0) rc = 3;
    if (rc) { nl_free_list(named); return rc; }
    s.opts.time_scale = scale;
    verify_ctx v = { .s = &s, .ids = n ? named : nl_exercise_ids(), .repeat = repeat };
    if (n == 0) nl_free_list(named);
    while (v.ids[v.count]) v.count++;
    if (v.count == 0) {
        rc = nl_grader_error("verify: no exercises in %s/exercises", nl_data_dir());
    } else {
        /* Probe the sandbox and build every exercise's tests once, here,
         * so the children share them. */
        printf("sandbox: %s; network: %s\n", nl_box_mode(), nl_box_network());
        nl_symbols_prepare();
        char err[1024];
        v.v = calloc(v.count, sizeof *v.v);
        v.run_failures = calloc((size_t)repeat, sizeof *v.run_failures);
        for (size_t i = 0; i < v.count; i++) {
            const nl_prepared *p = nl_course_get(s.course, v.ids[i], err, sizeof err);
            if (p) v.v[i] = calloc(p->m->ncases, sizeof **v.v);
        }
        fflush(stdout);
        nl_jobs_run(v.count * (size_t)repeat, jobs, verify_one, verify_done, &v);
        int flaky = repeat > 1 ? report_flaky(&v) : 0;
        if (repeat > 1) {
            int clean = 0;
            for (int r = 0; r < repeat; r++) clean += v.run_failures[r] == 0;
            printf("%d of %d runs passed; %d flaky test%s\n", clean, repeat, flaky, flaky == 1 ? "" : "s");
        }
        if (repeat > 1) printf("%zu exercise%s × %d runs, %d failing\n", v.count, v.count == 1 ? "" : "s", repeat, v.failures);
        else printf("%zu exercise%s, %d failing\n", v.count, v.count == 1 ? "" : "s", v.failures);
        rc = v.failures || flaky ? 1 : 0;
        for (size_t i = 0; i < v.count; i++) free(v.v[i]);
        free(v.v);
        free(v.run_failures);
    }
    nl_free_list(v.ids);
    nl_session_close(&s);
    return rc;
}
