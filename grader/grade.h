/*
 * grade.h — grading one submission: the engine behind nodelab-grader and
 * nodelab check.
 *
 * A grade is a list of exercise reports.  Each says what happened to
 * every test in words a student understands — the status is one of the
 * NL_ST_* strings below — and how many points that is worth.  The report
 * formats (report.h) only present this data.
 */
#ifndef NL_GRADE_H
#define NL_GRADE_H

#include "build.h"
#include "layout.h"
#include "manifest.h"

#include <stdbool.h>
#include <sys/types.h>

/* Test statuses.  Each is one string object, so a status can be
 * compared by address (t->status == NL_ST_PASSED) and printed as is. */
extern const char nl_st_passed[], nl_st_failed[], nl_st_crashed[], nl_st_timeout[],
    nl_st_oom[], nl_st_output[], nl_st_leaked[], nl_st_exited[], nl_st_tampered[],
    nl_st_not_run[];
#define NL_ST_PASSED nl_st_passed          /* "passed" */
#define NL_ST_FAILED nl_st_failed          /* "failed": an assertion, with message and line */
#define NL_ST_CRASHED nl_st_crashed        /* "crashed": a signal */
#define NL_ST_TIMEOUT nl_st_timeout        /* "timed out" */
#define NL_ST_OOM nl_st_oom                /* "out of memory" */
#define NL_ST_OUTPUT nl_st_output          /* "output limit exceeded" */
#define NL_ST_LEAKED nl_st_leaked          /* "leaked": children, zombies, descriptors */
#define NL_ST_EXITED nl_st_exited          /* "exited early": exit() inside a test */
#define NL_ST_TAMPERED nl_st_tampered      /* "tampered": forged result channel */
#define NL_ST_NOT_RUN nl_st_not_run        /* "not run" */

/* Exercise statuses, likewise. */
extern const char nl_ex_passed[], nl_ex_failing[], nl_ex_compile[], nl_ex_refused[],
    nl_ex_missing[], nl_ex_error[];
#define NL_EX_PASSED nl_ex_passed          /* "passed": every test */
#define NL_EX_FAILING nl_ex_failing        /* "failing": built and ran, not every test passed */
#define NL_EX_COMPILE nl_ex_compile        /* "compile error" (or link error) */
#define NL_EX_REFUSED nl_ex_refused        /* "refused": defines what it must not */
#define NL_EX_MISSING nl_ex_missing        /* "missing": no files for it */
#define NL_EX_ERROR nl_ex_error            /* "grader error": ours, not the student's */

typedef struct {
    const nl_case *c;
    const char *status;        /* NL_ST_* */
    double points;
    char *message;             /* assertion message or what went wrong */
    char *file;                /* where (failed assertions) */
    int line;
    char *signal;              /* "SIGSEGV" (crashed) */
    char *output;              /* what the test printed (head and tail) */
    unsigned long long output_bytes;
    double ms;
    char *flaky;               /* set when a rerun flipped the verdict: what the first run said */
} nl_test_report;

typedef struct {
    const nl_manifest *m;
    char *files_dir;           /* where the student's files were taken from */
    char (*sha256)[65];        /* per m->files: the hash of the bytes graded ("" if not a
                                  regular file); NULL when none were found */
    char *notes;               /* for the student: which layout was used, "did you mean" */
    const char *status;        /* NL_EX_* */
    char *diagnostics;         /* compile errors, refusal, grader error */
    char *warnings;            /* compiler warnings when it built */
    double score;
    size_t passed;
    nl_test_report *tests;     /* m->ncases of them */
    struct {
        const char *mode, *network, *pids, *files;
        pid_t pgid;
        char marker[64];
        int escaped;
    } sandbox;
    struct {
        double prepare_ms, compile_ms, link_ms, setup_ms, run_ms, total_ms;
    } timing;
} nl_ex_report;

typedef struct {
    char *submission;
    char *student;             /* batch only */
    nl_ex_report *ex;
    size_t nex;
    double score, max_score;
    double ms;
} nl_result;

typedef struct {
    double time_scale;                 /* multiplies the manifest's time limits */
    const char *const *hide;           /* more host paths the sandbox must hide */
    const char *root;                  /* grader's private temp folder */
    const char *const *only;           /* run only these TCases (NULL: all) */
    double deadline_ms;                /* nl_now_ms() past which nothing more runs (0: none) */
    double cap_s;                      /* the cap that deadline stands for, for messages */
} nl_grade_opts;

/* Grades one exercise.  Never fails: a problem of the grader's own shows
 * as status NL_EX_ERROR with the reason in diagnostics. */
void nl_grade(const nl_prepared *p, const char *submission, const nl_grade_opts *o, nl_ex_report *r);
void nl_ex_report_free(nl_ex_report *r);
/* Runs the tests of r that did not pass once more (r built and ran).  A
 * test that passes then keeps the pass, and its `flaky` says what the
 * first run gave, so the instructor sees the flip.  Returns the flips. */
int nl_grade_rerun(const nl_prepared *p, const char *submission, const nl_grade_opts *o, nl_ex_report *r);

/* Appends a report to a result, summing the scores. */
void nl_result_add(nl_result *res, nl_ex_report *r);
void nl_result_free(nl_result *res);

/* A cache of prepared exercises for one grader process. */
typedef struct nl_course nl_course;
nl_course *nl_course_open(const char *root);
/* Loads, validates and prepares an exercise (once); NULL with err. */
const nl_prepared *nl_course_get(nl_course *c, const char *id, char *err, size_t errlen);
void nl_course_close(nl_course *c);

#endif
