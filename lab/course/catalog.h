/*
 * catalog.h — what the course contains: chapters and exercises.
 *
 * Chapters are chapters/NN-slug.md; their title is the first "# " line.
 * Exercises are exercises/<id>/exercise.json (see docs/grader.md for the
 * manifest); the catalog takes only chapter and title, through the
 * format's one owner (grader/manifest.c: nl_manifest_heading), which also
 * loads and validates the whole manifest for the lab and the grader.
 */
#ifndef NL_CATALOG_H
#define NL_CATALOG_H

#include <stddef.h>

typedef struct {
    int number;                /* NN from the file name */
    char slug[64];             /* "streams" from 02-streams.md */
    char title[128];
    char path[4096];
} nl_chapter;

typedef struct {
    char id[64];
    int chapter;
    char title[160];
    char dir[4096];
} nl_exercise_entry;

/* Sorted by number / by chapter then id.  Free with free(). */
size_t nl_chapters(nl_chapter **out);
size_t nl_exercises(nl_exercise_entry **out);

/* Finds a chapter by number ("2"), slug ("streams") or file name
 * ("02-streams", "02-streams.md").  Returns 0, or -1 if there is none. */
int nl_chapter_find(const char *key, nl_chapter *out);
int nl_exercise_find(const char *id, nl_exercise_entry *out);

/* Reads a whole file into a NUL-terminated malloc'd buffer, or NULL. */
char *nl_read_file(const char *path, size_t *len);

#endif
