/*
 * session.h — what every grading command sets up once: a private
 * temporary folder (removed even if the grader is killed), the course's
 * prepared exercises, and the output of a report to stdout or to a file.
 */
#ifndef NL_SESSION_H
#define NL_SESSION_H

#include "grade.h"
#include "report.h"

typedef struct {
    char *root;                /* private temp folder */
    nl_course *course;
    nl_grade_opts opts;
} nl_session;

/* Makes the temp folder and starts the janitor that removes it when this
 * process ends, however it ends.  Returns 0, or -1 (message printed). */
int nl_session_open(nl_session *s, const char *prog);
void nl_session_close(nl_session *s);

/* Grades the exercises `ids` (NULL: every exercise the submission has
 * files for) into res.  Returns 0, or 2 after printing why (prog: msg). */
int nl_session_grade(nl_session *s, const char *prog, const char *submission,
                     char *const *ids, nl_result *res);

/* Writes text to path atomically, or to stdout when path is NULL.
 * Returns 0, or 2 after printing why. */
int nl_emit(const char *prog, const char *path, const char *text);

/* Colour on a terminal unless NO_COLOR is set (https://no-color.org). */
bool nl_want_color(int fd);

#endif
