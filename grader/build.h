/*
 * build.h — from a submission's source files to a test program.
 *
 *   1. nl_prepare(): once per exercise (and per grader process), compile
 *      the exercise's tests and provided sources — the instructor's code,
 *      trusted — in a private folder no sandbox can see.
 *   2. nl_build(): per submission, compile the student's files *alone*,
 *      inside a sandbox (an `#include "/path/to/solutions/..."` or an
 *      `.incbin` finds nothing there), so a compile error quotes only the
 *      student's own lines; read the objects' symbols and refuse any that
 *      would replace ours; link with the tests' objects, the runner
 *      (lab/runtime/libnlrunner.a) and the runtime.
 */
#ifndef NL_BUILD_H
#define NL_BUILD_H

#include "manifest.h"

#include <stdbool.h>

typedef struct nl_symset nl_symset;   /* symbols.h */

typedef struct {
    const nl_manifest *m;
    char *dir;                 /* private: the tests' objects */
    char **objs;               /* tests + provided objects (NULL-ended) */
    size_t nobjs;
    nl_symset *syms;           /* the global symbols objs define */
    bool tests_per_submission; /* the student edits a header the tests include */
    double ms;
} nl_prepared;

/* Builds the exercise's side in a new folder under root.  Returns 0, or
 * -1 with a one-line reason (an exercise that does not build is the
 * instructor's problem, reported as such). */
int nl_prepare(const nl_manifest *m, const char *root, nl_prepared *p, char *err, size_t errlen);
void nl_prepared_free(nl_prepared *p);

typedef struct {
    const char *status;        /* NULL on success, else "compile error" or "refused" */
    char *diagnostics;         /* what to show the student for that status */
    char *warnings;            /* compiler warnings on success, or NULL */
    char *box;                 /* folder holding the program "tests" */
    char (*sha256)[65];        /* per m->files: the hash of the copy compiled */
    double compile_ms, link_ms;
} nl_built;

/* Builds the submission's files (found in `files_dir`, which holds every
 * one: see nl_find_files) into a program in a new folder under root.
 * `hide` lists extra host paths the compile sandbox must not see.  Returns 0 (see b->status), or -1 with err set
 * when the grader itself failed. */
int nl_build(const nl_prepared *p, const char *files_dir, const char *root,
             const char *const *hide, nl_built *b, char *err, size_t errlen);
void nl_built_free(nl_built *b);

/* The compile and link settings compiled in from configure, for exercise
 * m (NULL: the build's own) — an exercise's "sanitize" replaces the
 * build's sanitizer flags with its own. */
const char *nl_build_cc(void);
const char *nl_build_cflags(const nl_manifest *m);
const char *nl_build_libs(const nl_manifest *m);
/* Compiled with a sanitizer (its shadow memory cannot live under RLIMIT_AS). */
bool nl_build_sanitized(const nl_manifest *m);
/* ... and that sanitizer is ThreadSanitizer. */
bool nl_build_tsan(const nl_manifest *m);

/* Host paths the sandboxes hide: the data dir, the grader's work root. */
const char *const *nl_build_hidden(const char *root, const char *const *extra);

#endif
