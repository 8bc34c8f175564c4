/*
 * workspace.h — the student's side of the grader: a workspace folder made
 * by `nodelab init`, which exercise a command means from where it runs,
 * and the progress and hints each check records.
 *
 * A workspace is a folder with a `.nodelab-workspace` file and one
 * subfolder per exercise holding its starter files.
 */
#ifndef NL_WORKSPACE_H
#define NL_WORKSPACE_H

#include "grade.h"

#include <stdbool.h>

#define NL_WORKSPACE_MARK ".nodelab-workspace"

/* The workspace folder that holds dir (walking up), or NULL; malloc'd. */
char *nl_workspace_root(const char *dir);

typedef struct {
    char *submission;      /* the folder to grade */
    char **ids;            /* the exercises (NULL-terminated, at least one) */
    char **dirs;           /* the folder of each one's files, for watch */
} nl_target;

/* What `nodelab CMD [EXERCISE]` means in the current folder: the named
 * exercise, else the exercise folder we are in, else every exercise of
 * the workspace.  Returns 0, or 2 after printing why. */
int nl_workspace_target(const char *cmd, const char *exercise, nl_target *t);
void nl_target_free(nl_target *t);

/* Records a grade in the progress file.  After a failure returns the hint
 * to show, as "Hint 1/3: ..." (malloc'd; the first failure reveals hint
 * 1, later ones repeat the latest revealed), else NULL. */
char *nl_workspace_record(const nl_ex_report *r);

#endif
