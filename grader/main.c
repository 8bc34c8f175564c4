/*
 * main.c — nodelab-grader: grade submissions, a class, or the course's
 * own reference solutions.  Each command lives in its own file:
 * run (here), verify.c, batch.c, bundle.c.
 */
#include "config.h"
#include "commands.h"
#include "session.h"
#include "suggest.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: nodelab-grader COMMAND [ARGS]\n"
"\n"
"Builds students' C files against an exercise's Check tests and runs them\n"
"in a sandbox, then reports per test what happened and what it is worth.\n"
"\n"
"Commands:\n"
"  run [EXERCISE...] --submission PATH [--format F] [--out FILE]\n"
"                      grade one submission (all exercises found if none named)\n"
"  batch DIR [--jobs N] [--out OUT] [--force] [--only NAMES]\n"
"                      grade a class: one folder per student; CSV gradebook\n"
"  verify [EXERCISE...] [--jobs N]\n"
"                      every reference solution gets full marks, every starter less\n"
"  bundle gradescope --out autograder.zip [--exercise ID]... [--source PATH]\n"
"                      a Gradescope autograder package\n"
"\n"
"Formats: text (default), json, gradescope, junit, tap.  Every command takes\n"
"--help.  Exit status: 0 ok (full marks), 1 not full marks, 2 bad input,\n"
"3 the grader itself failed.  Guide: docs/grader.md.\n";

static const char run_help[] =
"usage: nodelab-grader run [EXERCISE...] --submission PATH [options]\n"
"\n"
"Compiles the submission's files for each EXERCISE (every exercise whose\n"
"files PATH holds, if none is named) with the exercise's tests, runs the\n"
"tests in a sandbox and prints the report.  PATH holds the files directly\n"
"or in a subfolder named after the exercise.\n"
"\n"
"Options:\n"
"  --format F       text (default), json, gradescope, junit or tap\n"
"  --out FILE       write the report to FILE (atomically) instead of stdout\n"
"  --student        hide the names and details of hidden tests\n"
"  --time-scale X   multiply every time limit by X (a slow machine: 2)\n"
"  --submission-time S\n"
"                   wall clock the whole submission may take, every\n"
"                   exercise together; what is left when it runs out is\n"
"                   not run\n"
"\n"
"Exit status: 0 full marks, 1 less, 2 bad input, 3 grader error.\n";

int nl_grader_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nl_verror("nodelab-grader", fmt, ap);
    va_end(ap);
    return 2;
}

bool nl_grader_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int nl_parse_jobs(const char *arg, int *jobs)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*end || n < 1 || n > 64) return nl_grader_error("--jobs %s: a number from 1 to 64", arg);
    *jobs = (int)n;
    return 0;
}

int nl_parse_scale(const char *arg, double *scale)
{
    char *end;
    double x = strtod(arg, &end);
    if (*end || !(x >= 0.05 && x <= 100)) return nl_grader_error("--time-scale %s: a number from 0.05 to 100", arg);
    *scale = x;
    return 0;
}

int nl_parse_cap(const char *arg, double *cap)
{
    char *end;
    double x = strtod(arg, &end);
    if (*end || !(x >= 1 && x <= 864000))
        return nl_grader_error("--submission-time %s: a number of seconds from 1 to 864000", arg);
    *cap = x;
    return 0;
}

int nl_bad_option(const char *cmd, const char *arg, const char *help)
{
    if (arg[0] != '-')
        return nl_grader_error("%s: unexpected argument '%s' (see %s --help)", cmd, arg, cmd);
    /* The options are the --words of the help text. */
    const char *opts[64];
    char words[64][40];
    size_t n = 0;
    for (const char *p = help; (p = strstr(p, "--")) && n < 64; ) {
        size_t len = 2;
        while (isalnum((unsigned char)p[len]) || p[len] == '-') len++;
        snprintf(words[n], sizeof words[n], "%.*s", (int)len, p);
        if (!strcmp(words[n], arg))
            return nl_grader_error("%s: %s needs a value (see %s --help)", cmd, arg, cmd);
        if (len > 2) { opts[n] = words[n]; n++; }
        p += len;
    }
    const char *meant = nl_closest(arg, opts, n);
    if (meant) return nl_grader_error("%s: unknown option %s (did you mean %s?)", cmd, arg, meant);
    return nl_grader_error("%s: unknown option %s (see %s --help)", cmd, arg, cmd);
}

/* Status of a finished grade: 0 full marks, 1 less, 3 grader error. */
int nl_result_status(const nl_result *res)
{
    for (size_t i = 0; i < res->nex; i++)
        if (res->ex[i].status == NL_EX_ERROR) return 3;
    return res->score >= res->max_score ? 0 : 1;
}

static int cmd_run(int argc, char **argv)
{
    const char *submission = NULL, *out = NULL, *format = "text";
    bool student = false;
    double scale = 1, cap = 0;
    char **ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t nids = 0;
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (nl_grader_is_help(a)) { fputs(run_help, stdout); free(ids); return 0; }
        if (!strcmp(a, "--student")) student = true;
        else if (!strcmp(a, "--submission") && has_value) submission = argv[++i];
        else if (!strcmp(a, "--format") && has_value) format = argv[++i];
        else if (!strcmp(a, "--out") && has_value) out = argv[++i];
        else if (!strcmp(a, "--time-scale") && has_value) rc = nl_parse_scale(argv[++i], &scale);
        else if (!strcmp(a, "--submission-time") && has_value) rc = nl_parse_cap(argv[++i], &cap);
        else if (a[0] == '-') rc = nl_bad_option("run", a, run_help);
        else ids[nids++] = (char *)a;
    }
    nl_format f;
    if (!rc && !submission) rc = nl_grader_error("run: --submission PATH is required (see run --help)");
    if (!rc && nl_format_parse(format, &f) < 0)
        rc = nl_grader_error("run: unknown format '%s' (text, json, gradescope, junit, tap)", format);
    nl_session s;
    if (!rc && nl_session_open(&s, "nodelab-grader") < 0) rc = 3;
    if (rc) { free(ids); return rc; }
    s.opts.time_scale = scale;
    s.opts.cap_s = cap;
    nl_result res;
    rc = nl_session_grade(&s, "nodelab-grader", submission, nids ? ids : NULL, &res);
    if (!rc) {
        nl_report_opts o = { student, !out && f == NL_FMT_TEXT && nl_want_color(1), 80 };
        char *text = nl_report_render(&res, f, &o);
        rc = nl_emit("nodelab-grader", out, text);
        free(text);
        if (!rc) rc = nl_result_status(&res);
    }
    nl_result_free(&res);
    nl_session_close(&s);
    free(ids);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || nl_grader_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version")) { puts("nodelab-grader " PACKAGE_VERSION); return 0; }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify")) return nl_cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "batch")) return nl_cmd_batch(argc - 1, argv + 1);
    if (!strcmp(cmd, "bundle")) return nl_cmd_bundle(argc - 1, argv + 1);
    return nl_grader_error("unknown command '%s' (run, batch, verify, bundle; see --help)", cmd);
}
