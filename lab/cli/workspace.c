/* workspace.c — finding what the student means, recording what they did
 * (see workspace.h). */
#include "config.h"
#include "workspace.h"
#include "cli.h"
#include "progress.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *nl_workspace_root(const char *dir)
{
    char path[PATH_MAX];
    if (!realpath(dir, path)) return NULL;
    for (;;) {
        char mark[PATH_MAX + 32];
        snprintf(mark, sizeof mark, "%s/%s", path, NL_WORKSPACE_MARK);
        if (nl_is_file(mark)) return strdup(path);
        char *slash = strrchr(path, '/');
        if (!slash || slash == path) return NULL;
        *slash = '\0';
    }
}

static void add(char ***list, const char *s)
{
    size_t n = 0;
    while (*list && (*list)[n]) n++;
    *list = realloc(*list, (n + 2) * sizeof **list);
    (*list)[n] = strdup(s);
    (*list)[n + 1] = NULL;
}

/* The exercise folder of the workspace that cwd is in, if any. */
static char *exercise_here(const char *root, const char *cwd)
{
    size_t n = strlen(root);
    if (strncmp(cwd, root, n) || cwd[n] != '/') return NULL;
    const char *rest = cwd + n + 1;
    char id[256];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(rest, "/"), rest);
    return nl_exercise_dir(id) ? strdup(id) : NULL;
}

int nl_workspace_target(const char *cmd, const char *exercise, nl_target *t)
{
    memset(t, 0, sizeof *t);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return nl_usage_error("%s: cannot read the current folder", cmd);
    char *root = nl_workspace_root(cwd);
    if (exercise && !nl_exercise_dir(exercise)) {
        free(root);
        return nl_usage_error("%s: no exercise '%s'%s (see nodelab list exercises)", cmd, exercise,
                              nl_exercise_hint(exercise));
    }
    char *here = root ? exercise_here(root, cwd) : NULL;
    if (exercise || here) {
        const char *id = exercise ? exercise : here;
        add(&t->ids, id);
        /* In a workspace the exercise's folder; elsewhere, right here. */
        char dir[PATH_MAX + 300];
        if (root) snprintf(dir, sizeof dir, "%s/%s", root, id);
        else snprintf(dir, sizeof dir, "%s", cwd);
        add(&t->dirs, dir);
        t->submission = strdup(root ? root : cwd);
    } else if (root) {
        char **ids = nl_exercise_ids();
        for (char **id = ids; *id; id++) {
            char dir[PATH_MAX + 300];
            snprintf(dir, sizeof dir, "%s/%s", root, *id);
            if (nl_is_dir(dir)) { add(&t->ids, *id); add(&t->dirs, dir); }
        }
        nl_free_list(ids);
        t->submission = strdup(root);
    }
    free(here);
    free(root);
    if (!t->ids) {
        nl_target_free(t);
        return nl_usage_error("%s: not in a nodelab workspace and no exercise named "
                              "(make one with: nodelab init DIR)", cmd);
    }
    return 0;
}

void nl_target_free(nl_target *t)
{
    free(t->submission);
    nl_free_list(t->ids);
    nl_free_list(t->dirs);
    memset(t, 0, sizeof *t);
}

typedef struct {
    const nl_ex_report *r;
    int hint;              /* out: which hint to show (1-based), 0 none */
} record_ctx;

static void record(cJSON *root, void *arg)
{
    record_ctx *c = arg;
    const nl_ex_report *r = c->r;
    cJSON *ex = nl_progress_exercise(root, r->m->id);
    bool passed = r->status == NL_EX_PASSED;
    nl_progress_set_string(ex, "status", passed ? "passed" : "failing");
    nl_progress_set_string(ex, "detail", r->status);
    nl_progress_set_number(ex, "passed", (double)r->passed);
    nl_progress_set_number(ex, "total", (double)r->m->ncases);
    nl_progress_set_number(ex, "score", r->score);
    nl_progress_set_number(ex, "max_score", r->m->max_points);
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    nl_progress_set_string(ex, "checked_at", stamp);
    int used = nl_progress_int(ex, "hints_used", 0);
    if (!passed && r->m->nhints > 0) {
        if (used == 0) used = 1;
        c->hint = used;
    }
    nl_progress_set_number(ex, "hints_used", used);
    nl_progress_set_string(root, "last", r->m->id);
}

char *nl_workspace_record(const nl_ex_report *r)
{
    record_ctx c = { r, 0 };
    if (nl_progress_update(record, &c) < 0)
        fprintf(stderr, "nodelab: cannot save progress in %s\n", nl_progress_path());
    if (!c.hint) return NULL;
    int n = c.hint > (int)r->m->nhints ? (int)r->m->nhints : c.hint;
    nl_buf b = { 0 };
    nl_buf_printf(&b, "Hint %d/%zu: %s", n, r->m->nhints, r->m->hints[n - 1]);
    if ((size_t)n < r->m->nhints) nl_buf_printf(&b, "\n(next hint: nodelab hint %s)", r->m->id);
    return nl_buf_take(&b);
}
