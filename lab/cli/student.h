/*
 * student.h — what the student's commands (init, check, watch, hint,
 * list) share: the progress file of the current workspace
 * (lab/course/workspace.h says which that is), which exercises a command
 * means from where it runs, and what a check records and says after.
 */
#ifndef NL_STUDENT_H
#define NL_STUDENT_H

#include "course/progress.h"
#include "course/workspace.h"
#include "grade.h"

#include <stdbool.h>

/* Opens progress.json for workspace (NULL: none yet); a notice about a
 * damaged file goes to stderr. */
void nl_student_progress(nl_progress *p, const char *workspace);

typedef struct {
    char *submission;      /* the folder to grade */
    char *workspace;       /* whose progress: the workspace, or a loose folder */
    nl_ws_how how;         /* how the workspace was found (NONE: a loose folder) */
    char **ids;            /* the exercises (NULL-terminated, at least one) */
    char **dirs;           /* the folder of each one's files, for watch */
} nl_target;

/* What `nodelab CMD [EXERCISE]` means here: the named exercise, else the
 * exercise folder we are in, else every exercise of the current
 * workspace.  Outside any workspace, a named exercise whose files are in
 * the current folder is graded there (a loose folder).  Returns 0, or 2
 * after printing why. */
int nl_workspace_target(const char *cmd, const char *exercise, nl_target *t);
void nl_target_free(nl_target *t);

/* Records a grade in the progress file (no hint is spent). */
void nl_student_record(nl_progress *p, const nl_ex_report *r);

/* What to say after checking one exercise that does not pass: after a
 * compile error, how to read one; after failing tests, the hint ("Hint
 * 1/3: ..."; the first failure reveals hint 1, later ones repeat the
 * latest revealed); else NULL.  malloc'd. */
char *nl_student_advice(nl_progress *p, const nl_ex_report *r);

/* How to run nodelab in a shell: "nodelab" if that name finds this
 * program on PATH, else its full path (quoted if it must be). */
const char *nl_student_command(void);
/* s as one shell word: as it is when it is plain, else in single quotes.
 * malloc'd. */
char *nl_shell_word(const char *s);

#endif
