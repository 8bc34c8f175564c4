/* student.c — what the student's commands share: the workspace they mean,
 * the progress they record, what they say after a check (see student.h). */
#include "config.h"
#include "student.h"
#include "cli.h"
#include "course/paths.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void nl_student_progress(nl_progress *p, const char *workspace)
{
    nl_progress_open(p, workspace);
    if (p->notice[0]) fprintf(stderr, "%s\n", p->notice);
}

static void add(char ***list, const char *s)
{
    size_t n = 0;
    while (*list && (*list)[n]) n++;
    char **bigger = realloc(*list, (n + 2) * sizeof **list);
    char *copy = strdup(s);
    if (!bigger || !copy) { perror("nodelab"); exit(1); }   /* out of memory: stop here */
    *list = bigger;
    (*list)[n] = copy;
    (*list)[n + 1] = NULL;
}

/* The exercise folder of workspace root that cwd is in, if any. */
static char *exercise_here(const char *root, const char *cwd)
{
    size_t n = strlen(root);
    if (strncmp(cwd, root, n) || cwd[n] != '/') return NULL;
    const char *rest = cwd + n + 1;
    char id[256];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(rest, "/"), rest);
    return nl_exercise_dir(id) ? strdup(id) : NULL;
}

/* The folder holding exercise id's files under dir (dir/id or dir), or NULL. */
static char *files_in(const char *id, const char *dir)
{
    char err[512];
    nl_manifest *m = nl_manifest_load(nl_exercise_dir(id), err, sizeof err);
    const char *found = m ? nl_find_files(m, dir) : NULL;
    char *copy = found ? strdup(found) : NULL;
    nl_manifest_free(m);
    return copy;
}

/* One exercise: in the workspace, or in a loose folder. */
static void target_one(nl_target *t, const char *id, const char *ws, const char *cwd)
{
    char *loose = NULL;
    if (t->how == NL_WS_NONE || t->how == NL_WS_RECORDED) loose = files_in(id, cwd);
    if (loose || t->how == NL_WS_NONE) {
        t->how = NL_WS_NONE;
        t->submission = strdup(cwd);
        add(&t->dirs, loose ? loose : cwd);
    } else {
        char dir[PATH_MAX + 300];
        snprintf(dir, sizeof dir, "%s/%s", ws, id);
        t->submission = strdup(ws);
        add(&t->dirs, dir);
    }
    add(&t->ids, id);
    free(loose);
}

int nl_workspace_target(const char *cmd, const char *exercise, nl_target *t)
{
    memset(t, 0, sizeof *t);
    char cwd[PATH_MAX], ws[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return nl_usage_error("%s: cannot read the current folder", cmd);
    if (exercise && !nl_exercise_dir(exercise))
        return nl_usage_error("%s: no exercise '%s'%s (see nodelab list exercises)", cmd, exercise,
                              nl_exercise_hint(exercise));
    nl_progress p;
    nl_student_progress(&p, NULL);
    t->how = nl_workspace_find(&p, ws, sizeof ws);
    nl_progress_close(&p);
    if (t->how == NL_WS_EXPLICIT && !nl_is_dir(ws))
        return nl_usage_error("%s: no workspace folder %s (from --workspace or NODELAB_WORKSPACE)", cmd, ws);
    char *here = t->how == NL_WS_EXPLICIT || t->how == NL_WS_HERE ? exercise_here(ws, cwd) : NULL;
    if (exercise || here) {
        target_one(t, exercise ? exercise : here, ws, cwd);
    } else if (t->how != NL_WS_NONE) {
        char **ids = nl_exercise_ids();
        for (char **id = ids; *id; id++) {
            char dir[PATH_MAX + 300];
            snprintf(dir, sizeof dir, "%s/%s", ws, *id);
            if (nl_is_dir(dir)) { add(&t->ids, *id); add(&t->dirs, dir); }
        }
        nl_free_list(ids);
        t->submission = strdup(ws);
    }
    free(here);
    if (!t->ids) {
        nl_target_free(t);
        return nl_usage_error("%s: not in a nodelab workspace and no exercise named "
                              "(make one with: nodelab init DIR)", cmd);
    }
    t->workspace = strdup(t->submission);
    /* Not where the student stands: say which, so nothing is a surprise. */
    if (t->how == NL_WS_RECORDED)
        fprintf(stderr, "nodelab: in the workspace %s (%s)\n", ws, nl_workspace_how(t->how));
    return 0;
}

void nl_target_free(nl_target *t)
{
    free(t->submission);
    free(t->workspace);
    nl_free_list(t->ids);
    nl_free_list(t->dirs);
    memset(t, 0, sizeof *t);
}

void nl_student_record(nl_progress *p, const nl_ex_report *r)
{
    nl_progress_ex e = { .passed = (int)r->passed, .total = (int)r->m->ncases,
                         .score = r->score, .max_score = r->m->max_points };
    snprintf(e.status, sizeof e.status, "%s", r->status == NL_EX_PASSED ? "passed" : "failing");
    snprintf(e.detail, sizeof e.detail, "%s", r->status);
    if (nl_progress_record(p, r->m->id, &e) < 0) fprintf(stderr, "nodelab: %s\n", p->error);
}

char *nl_student_advice(nl_progress *p, const nl_ex_report *r)
{
    nl_buf b = { 0 };
    const char *id = r->m->id, *cmd = nl_student_command();
    if (r->status == NL_EX_COMPILE) {
        /* A content hint cannot help code that does not build yet. */
        nl_buf_printf(&b, "It does not compile yet. Read the compiler's first error above (the "
                      "later ones often follow from it), fix that line, save, and check again. "
                      "No hint was used; `%s hint %s` shows one.", cmd, id);
    } else if (r->status == NL_EX_MISSING) {
        nl_buf_printf(&b, "Your file for %s is not there: `%s init DIR` makes a workspace with "
                      "every starter file.", id, cmd);
    } else if (r->status == NL_EX_FAILING) {
        int n = nl_progress_hint(p, id, (int)r->m->nhints, false, NULL);
        if (n > 0) {
            nl_buf_printf(&b, "Hint %d/%zu: %s", n, r->m->nhints, r->m->hints[n - 1]);
            if ((size_t)n < r->m->nhints) nl_buf_printf(&b, "\n(next hint: %s hint %s)", cmd, id);
        } else if (p->error[0]) {
            fprintf(stderr, "nodelab: %s\n", p->error);
        }
    }
    if (b.len) return nl_buf_take(&b);
    nl_buf_free(&b);
    return NULL;
}

const char *nl_student_command(void)
{
    static char cmd[PATH_MAX];
    if (cmd[0]) return cmd;
    char self[PATH_MAX], found[PATH_MAX];
    char *word = nl_shell_word(nl_self_exe());
    snprintf(cmd, sizeof cmd, "%s", word);
    free(word);
    if (!realpath(nl_self_exe(), self)) return cmd;
    const char *path = getenv("PATH");
    /* The first nodelab on PATH is the one the shell runs: is it us? */
    for (const char *d = path ? path : ""; *d; d += strcspn(d, ":") + (d[strcspn(d, ":")] == ':')) {
        char exe[PATH_MAX + 16];
        int n = (int)strcspn(d, ":");
        snprintf(exe, sizeof exe, "%.*s/nodelab", n, n ? d : ".");
        if (access(exe, X_OK) != 0) continue;
        if (realpath(exe, found) && strcmp(found, self) == 0) snprintf(cmd, sizeof cmd, "nodelab");
        break;
    }
    return cmd;
}

char *nl_shell_word(const char *s)
{
    nl_buf b = { 0 };
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+,:@%") == strlen(s))
        nl_buf_puts(&b, s);
    else {
        nl_buf_puts(&b, "'");
        for (; *s; s++) nl_buf_puts(&b, *s == '\'' ? "'\\''" : (char[2]){ *s, 0 });
        nl_buf_puts(&b, "'");
    }
    return nl_buf_take(&b);
}
