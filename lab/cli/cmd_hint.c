/* cmd_hint.c — `nodelab hint [EXERCISE]`: the next hint, counted in the
 * progress file (hints_used) so the lab and the grader's reports agree. */
#include "config.h"
#include "cli.h"
#include "manifest.h"
#include "student.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
"usage: nodelab hint [EXERCISE] [--workspace DIR]\n"
"\n"
"Shows the exercise's next hint (in a workspace, the exercise whose folder\n"
"you are in).  Each hint shown is counted, per workspace; once all are\n"
"used, shows them all again.\n";

int nl_cmd_hint(int argc, char **argv)
{
    const char *exercise = NULL;
    for (int i = 1; i < argc; i++) {
        if (nl_is_help(argv[i])) { fputs(help, stdout); return 0; }
        if (argv[i][0] == '-') return nl_usage_error("hint: unknown option %s", argv[i]);
        if (exercise) return nl_usage_error("hint: one exercise at a time");
        exercise = argv[i];
    }
    nl_target t;
    int rc = nl_workspace_target("hint", exercise, &t);
    if (rc) return rc;
    if (t.ids[1]) {
        nl_target_free(&t);
        return nl_usage_error("hint: which exercise? (nodelab hint EXERCISE, or run it in the exercise's folder)");
    }
    char err[1024];
    nl_manifest *m = nl_manifest_load(nl_exercise_dir(t.ids[0]), err, sizeof err);
    if (!m) { nl_target_free(&t); return nl_usage_error("hint: %s", err); }
    if (m->nhints == 0) {
        printf("%s has no hints.\n", m->id);
        nl_manifest_free(m);
        nl_target_free(&t);
        return 0;
    }
    nl_progress p;
    nl_student_progress(&p, t.workspace);
    int before = 0, shown = nl_progress_hint(&p, m->id, (int)m->nhints, true, &before);
    if (shown == 0) {                       /* not saved; show it all the same */
        fprintf(stderr, "nodelab: %s\n", p.error);
        shown = before < (int)m->nhints ? before + 1 : (int)m->nhints;
    }
    char last[128];
    snprintf(last, sizeof last, "exercise:%s", m->id);
    nl_progress_set_last(&p, last);
    bool all_again = before >= (int)m->nhints;
    for (int k = all_again ? 1 : shown; k <= shown; k++)
        printf("Hint %d/%zu: %s\n", k, m->nhints, m->hints[k - 1]);
    if (shown == (int)m->nhints) printf("(%s)\n", all_again ? "all the hints there are" : "that was the last hint");
    nl_progress_close(&p);
    nl_manifest_free(m);
    nl_target_free(&t);
    return 0;
}
