/*
 * layout.h — where a submission keeps an exercise's files, and what they
 * hold.
 *
 * A submission holds the files directly (PATH/offload.c) or in a folder
 * named after the exercise (PATH/loop-offload/offload.c); the folder wins
 * when both do, and the report says so.  When neither does, a name that
 * nearly matches (Parallel.c, child_parallel/) or the right name in some
 * other folder gets a "did you mean".  The bytes graded are named by
 * their SHA-256, which is how batch knows a student's files changed.
 */
#ifndef NL_LAYOUT_H
#define NL_LAYOUT_H

#include "manifest.h"

#include <stdbool.h>

/* <sub>/<id>/ if that holds every file, else <sub>/ itself if it does,
 * else NULL (static buffer). */
const char *nl_find_files(const nl_manifest *m, const char *submission);

/* When the other layout holds some of the files too: a note naming the
 * one used (malloc'd), else NULL.  dir is what nl_find_files returned. */
char *nl_layout_note(const nl_manifest *m, const char *submission, const char *dir);

/* Where the files for m are not: "did you mean ..." for names that nearly
 * match or for the right names in a folder the grader does not look in.
 * malloc'd, or NULL. */
char *nl_near_miss(const nl_manifest *m, const char *submission);

/* Does the submission hold m's files, or nearly (a "did you mean")?
 * Such an exercise is graded, as missing in the second case. */
bool nl_attempted(const nl_manifest *m, const char *submission);

/* The SHA-256 of each of m->files in dir, "" for one that is not a
 * regular file (malloc'd, m->nfiles entries). */
char (*nl_hash_files(const nl_manifest *m, const char *dir))[65];

#endif
