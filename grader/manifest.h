/*
 * manifest.h — an exercise as data: exercises/<id>/exercise.json.
 *
 * The whole schema is in docs/grader.md.  Loading validates every field
 * and turns the first problem into one line naming the file and the field
 * ("exercises/x/exercise.json: cases[2].points: must be a number >= 0"),
 * so an instructor fixes a typo without reading a stack trace.
 */
#ifndef NL_MANIFEST_H
#define NL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

/* Checks an exercise may ask for, beyond its assertions (manifest "checks"). */
enum {
    NL_CHECK_CHILDREN = 1 << 0,   /* a test left a child process running */
    NL_CHECK_ZOMBIES = 1 << 1,    /* ... or a child it never waited for */
    NL_CHECK_FDS = 1 << 2,        /* ... or a descriptor open */
};

/* A sanitizer the exercise's tests run under (manifest "sanitize"). */
typedef enum {
    NL_SANITIZE_NONE,             /* the build's own flags (none, or ASan+UBSan) */
    NL_SANITIZE_THREAD,           /* ThreadSanitizer: a data race fails the test */
} nl_sanitize;

typedef struct {
    char *name;        /* what the student reads */
    char *tcase;       /* the Check TCase that is this test */
    double points;
    bool hidden;       /* students see that it passed or failed, not why */
} nl_case;

typedef struct {
    char *id, *title, *statement;
    int chapter;
    char *dir;                 /* the exercise folder */
    char **files;              /* the student's files (NULL-terminated) */
    char **provided;           /* given headers and sources */
    char **tests;              /* Check sources (instructor's, never shown) */
    char **api;                /* symbols the student may define; NULL = derive */
    char **hints;
    size_t nfiles, nprovided, ntests, napi, nhints;
    nl_case *cases;
    size_t ncases;
    double max_points;
    int checks;                /* NL_CHECK_* */
    nl_sanitize sanitize;      /* compile student code and tests with it */
    struct {
        double time_s;         /* wall clock per test */
        long memory_mb;        /* address space per test process */
        int processes;         /* processes at once */
        long output_kb;        /* output per test */
        double total_s;        /* wall clock for all the tests of one submission
                                  together; 0: ncases * (time_s + 3) + 10 */
    } limits;
} nl_manifest;

/* Loads and validates <dir>/exercise.json.  On failure returns NULL and
 * writes the one-line reason to err. */
nl_manifest *nl_manifest_load(const char *dir, char *err, size_t errlen);
void nl_manifest_free(nl_manifest *m);

/* The catalog's view of <dir>/exercise.json: chapter and title only, read
 * without validating the rest, so that a broken manifest is still listed
 * (and its problem reported when it is loaded).  0, or -1. */
int nl_manifest_heading(const char *dir, int *chapter, char *title, size_t len);

/* The folder of exercise `id` under the data dir, or NULL (static buffer). */
const char *nl_exercise_dir(const char *id);
/* Every exercise id in the data dir, sorted by chapter then id; a
 * NULL-terminated malloc'd array (nl_free_list). */
char **nl_exercise_ids(void);
/* For an id that names no exercise: " (did you mean 'loop-offload'?)"
 * when one is a slip away, else "" (static buffer). */
const char *nl_exercise_hint(const char *id);
void nl_free_list(char **list);

#endif
