/* cmd_hint.c — `nodelab hint [EXERCISE]`: the next hint, counted in the
 * progress file (hints_used) so the lab and the grader's reports agree. */
#include "config.h"
#include "cli.h"
#include "manifest.h"
#include "progress.h"
#include "workspace.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
"usage: nodelab hint [EXERCISE]\n"
"\n"
"Shows the exercise's next hint (in a workspace, the exercise whose folder\n"
"you are in).  Each hint shown is counted; once all are used, shows them\n"
"all again.\n";

typedef struct {
    const char *id;
    size_t nhints;
    int before, shown;     /* out: hints used before and after this call */
} hint_ctx;

static void take_hint(cJSON *root, void *arg)
{
    hint_ctx *h = arg;
    cJSON *ex = nl_progress_exercise(root, h->id);
    int used = nl_progress_int(ex, "hints_used", 0);
    h->before = used;
    if ((size_t)used < h->nhints) used++;
    h->shown = used;
    nl_progress_set_number(ex, "hints_used", used);
    if (!cJSON_GetObjectItemCaseSensitive(ex, "status")) nl_progress_set_string(ex, "status", "not started");
    nl_progress_set_string(root, "last", h->id);
}

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
    nl_target_free(&t);
    if (!m) return nl_usage_error("hint: %s", err);
    if (m->nhints == 0) {
        printf("%s has no hints.\n", m->id);
        nl_manifest_free(m);
        return 0;
    }
    hint_ctx h = { m->id, m->nhints, 0, 0 };
    if (nl_progress_update(take_hint, &h) < 0)
        fprintf(stderr, "nodelab: cannot save progress in %s\n", nl_progress_path());
    if (h.shown == 0) h.shown = 1;
    bool all_again = h.before >= (int)m->nhints;
    for (int k = all_again ? 1 : h.shown; k <= h.shown; k++)
        printf("Hint %d/%zu: %s\n", k, m->nhints, m->hints[k - 1]);
    if (h.shown == (int)m->nhints) printf("(%s)\n", all_again ? "all the hints there are" : "that was the last hint");
    nl_manifest_free(m);
    return 0;
}
