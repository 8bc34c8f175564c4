/*
 * exercise.h — one exercise as the lab needs it: its manifest
 * (exercises/<id>/exercise.json), where the student's copy lives, and
 * running its tests (exercise_runner.c).
 *
 * The student's files live in the current workspace, one folder per
 * exercise (the layout `nodelab init DIR` makes): the same workspace
 * `nodelab check` means (lab/course/workspace.h), else ~/nodelab-work.
 * The lab copies the starter there on request and never overwrites a
 * student's file.
 */
#ifndef NL_TUI_EXERCISE_H
#define NL_TUI_EXERCISE_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EX_MAX_CASES 32
#define EX_MAX_FILES 8
#define EX_MAX_HINTS 8

typedef struct {
    char name[160];
    char tcase[64];
    int points;
    bool hidden;
} ex_case;

typedef struct {
    char id[64], title[160], statement[128];
    int chapter, time_s;
    char dir[4096];                          /* exercises/<id> */
    char files[EX_MAX_FILES][128];           /* what the student edits */
    char provided[EX_MAX_FILES][128];        /* given sources and headers */
    char tests[EX_MAX_FILES][128];           /* the Check suite */
    int nfiles, nprovided, ntests;
    ex_case cases[EX_MAX_CASES];
    int ncases;
    char *hints[EX_MAX_HINTS];
    int nhints;
} exercise;

/* Returns 0, or -1 with a one-line reason in err. */
int exercise_load(const char *id, exercise *e, char *err, size_t size);
void exercise_free(exercise *e);

/* The student's folder for this exercise. */
void exercise_workspace(const exercise *e, char *buf, size_t size);
/* How many of the student's files exist there. */
int exercise_files_present(const exercise *e);
/* Copies starter files that are missing (never overwrites); returns how
 * many were copied, or -1 with a reason in err. */
int exercise_copy_starter(const exercise *e, char *err, size_t size);
/* May the reference solution be shown after passing?  An instructor says
 * no with NODELAB_SOLUTIONS=never, or "solutions = never" in lab.conf in
 * the data folder. */
bool exercise_solutions_allowed(void);

/* ---- running the tests (exercise_runner.c) ----------------------------
 *
 * The one interface the lab uses to grade.  Through the grader when it is
 * there; until then it compiles the student's files with the exercise's
 * tests against liblab.a in a temporary folder and runs them, as
 * tests/exercises.sh does. */

typedef enum { CASE_NOT_RUN, CASE_PASS, CASE_FAIL, CASE_ERROR } case_status;

typedef struct {
    case_status status;
    char message[512];
    char where[128];           /* "test_offload.c:88" */
} case_result;

typedef struct ex_runner ex_runner;
struct ex_runner {
    /* Results of the last run. */
    bool running, done, compiled;
    char log[4096];            /* compiler output, or why the run failed */
    case_result cases[EX_MAX_CASES];
    int passed, total, points, max_points;
    /* Private. */
    pid_t pid;
    char tmp[256];
    const exercise *ex;
    lab_timer timeout;
    void (*on_done)(ex_runner *r);
    void *data;
};

/* exercise_report.c: filling r->cases from what a run wrote. */
int ex_read_grade_report(ex_runner *r, const exercise *e, const char *json);

/* Starts a run of e's tests on the files in the workspace, through the
 * grader (`nodelab check EXERCISE --format json`). */
int ex_runner_start(ex_runner *r, lab_loop *loop, const exercise *e);
/* Stops a run (killing its processes) and removes its temporary folder. */
void ex_runner_cancel(ex_runner *r);

#endif
