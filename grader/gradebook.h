/*
 * gradebook.h — OUT/gradebook.csv and OUT/summary.txt, rebuilt from every
 * student's report in OUT (so an interrupted batch loses nothing already
 * written).
 *
 * The CSV is made for a gradebook's import: UTF-8 only, a header row, a
 * "Points Possible" row, one row per student.  A cell never starts a
 * formula (a student folder named "=cmd|' /C calc'!A0").  A cell left
 * empty means "no grade": the student's report says why, and so does
 * summary.txt.
 */
#ifndef NL_GRADEBOOK_H
#define NL_GRADEBOOK_H

#include <stddef.h>

typedef struct {
    const char *out;               /* the folder of reports */
    char *const *students;         /* folder names, sorted */
    size_t nstudents;
    char *const *ids;              /* the exercise columns */
    const double *max_points;      /* per column */
    size_t nids;
} nl_gradebook;

/* The report of a student, parsed (cJSON *, or NULL if there is none). */
struct cJSON *nl_gradebook_report(const char *out, const char *student);
void nl_gradebook_report_path(const char *out, const char *student, char *path, size_t len);

/* Writes both files (and prints the summary).  0, or 2 after saying why. */
int nl_gradebook_write(const nl_gradebook *g);

#endif
