/* exercise.c — manifests and the student's workspace (see exercise.h). */
#include "exercise.h"
#include "app.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "course/workspace.h"
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The manifest is read by its one owner (grader/manifest.c), which
 * validates it whole; the lab keeps the fields its screens show. */
static void copy_list(char *const *from, size_t n, char out[][128], int *count)
{
    *count = 0;
    for (size_t i = 0; i < n && *count < EX_MAX_FILES; i++) snprintf(out[(*count)++], 128, "%s", from[i]);
}

int exercise_load(const char *id, exercise *e, char *err, size_t size)
{
    nl_exercise_entry entry;
    memset(e, 0, sizeof *e);
    if (nl_exercise_find(id, &entry) < 0) {
        snprintf(err, size, "no exercise '%s' (nodelab list exercises)", id);
        return -1;
    }
    nl_manifest *m = nl_manifest_load(entry.dir, err, size);
    if (!m) return -1;
    snprintf(e->id, sizeof e->id, "%s", m->id);
    snprintf(e->title, sizeof e->title, "%s", m->title);
    snprintf(e->dir, sizeof e->dir, "%s", entry.dir);
    snprintf(e->statement, sizeof e->statement, "%s", m->statement ? m->statement : "README.md");
    e->chapter = m->chapter;
    e->time_s = (int)m->limits.time_s;
    copy_list(m->files, m->nfiles, e->files, &e->nfiles);
    copy_list(m->provided, m->nprovided, e->provided, &e->nprovided);
    copy_list(m->tests, m->ntests, e->tests, &e->ntests);
    for (size_t i = 0; i < m->ncases && e->ncases < EX_MAX_CASES; i++) {
        ex_case *k = &e->cases[e->ncases++];
        snprintf(k->name, sizeof k->name, "%s", m->cases[i].name);
        snprintf(k->tcase, sizeof k->tcase, "%s", m->cases[i].tcase);
        k->points = (int)m->cases[i].points;
        k->hidden = m->cases[i].hidden;
    }
    for (size_t i = 0; i < m->nhints && e->nhints < EX_MAX_HINTS; i++)
        e->hints[e->nhints++] = strdup(m->hints[i]);
    nl_manifest_free(m);
    return 0;
}

void exercise_free(exercise *e)
{
    for (int i = 0; i < e->nhints; i++) free(e->hints[i]);
    e->nhints = 0;
}

/* <the current workspace>/<id>: the lab and the commands agree on which
 * folder that is (course/workspace.h); app_init found it. */
void exercise_workspace(const exercise *e, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", APP.workspace, e->id);
}

int exercise_files_present(const exercise *e)
{
    char ws[4096], path[4300];
    int n = 0;
    exercise_workspace(e, ws, sizeof ws);
    for (int i = 0; i < e->nfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", ws, e->files[i]);
        n += access(path, R_OK) == 0;
    }
    return n;
}

static int mkdirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
            if (!(*p = c)) break;
        }
    }
    return 0;
}

/* Copies src to dst; O_EXCL: a file that exists is the student's. */
static int copy_file(const char *src, const char *dst)
{
    size_t len;
    char *text = nl_read_file(src, &len);
    if (!text) return -1;
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (!ok && fd >= 0) unlink(dst);
    free(text);
    return ok ? 0 : -1;
}

int exercise_copy_starter(const exercise *e, char *err, size_t size)
{
    char ws[4096], src[4300], dst[4300], real[PATH_MAX];
    /* The first starter copied makes the folder a workspace, recorded as
     * the current one: nodelab check then finds it from anywhere. */
    if (nl_workspace_make(&APP.prog, APP.workspace, err, size) < 0) return -1;
    if (realpath(APP.workspace, real) && strcmp(real, APP.workspace) != 0) {
        snprintf(APP.workspace, sizeof APP.workspace, "%s", real);
        nl_progress_use_workspace(&APP.prog, APP.workspace);
    }
    exercise_workspace(e, ws, sizeof ws);
    if (mkdirs(ws) < 0) {
        snprintf(err, size, "cannot create %s: %s", ws, strerror(errno));
        return -1;
    }
    int copied = 0;
    for (int i = 0; i < e->nfiles; i++) {
        snprintf(src, sizeof src, "%s/%s", e->dir, e->files[i]);
        snprintf(dst, sizeof dst, "%s/%s", ws, e->files[i]);
        if (access(dst, F_OK) == 0) continue;
        if (copy_file(src, dst) < 0) {
            snprintf(err, size, "cannot copy %s to %s: %s", src, dst, strerror(errno));
            return -1;
        }
        copied++;
    }
    return copied;
}

bool exercise_solutions_allowed(void)
{
    const char *env = getenv("NODELAB_SOLUTIONS");
    if (env && (!strcmp(env, "never") || !strcmp(env, "off") || !strcmp(env, "0"))) return false;
    char conf[4200], line[256];
    nl_data_path(conf, sizeof conf, "lab.conf");
    FILE *f = fopen(conf, "r");
    bool allowed = true;
    while (f && fgets(line, sizeof line, f)) {
        char key[64], value[64];
        if (sscanf(line, " %63[a-z_] = %63s", key, value) == 2 && !strcmp(key, "solutions"))
            allowed = strcmp(value, "never") != 0;
    }
    if (f) fclose(f);
    return allowed;
}
