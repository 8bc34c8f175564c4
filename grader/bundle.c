/*
 * bundle.c — `nodelab-grader bundle gradescope`: a Gradescope autograder
 * package.  The zip holds, at its root, setup.sh and run_autograder (from
 * grader/gradescope/ in the data dir), nodelab.tar.gz (the source that
 * setup.sh builds on Gradescope's image) and exercises.txt (which
 * exercises run_autograder grades).
 */
#include "config.h"
#include "commands.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "manifest.h"
#include "session.h"
#include "util.h"
#include "zip.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
"usage: nodelab-grader bundle gradescope --out autograder.zip\n"
"                             [--exercise ID]... [--source PATH]\n"
"\n"
"Writes a Gradescope autograder package: setup.sh (installs the packages\n"
"and builds nodelab), run_autograder (grades /autograder/submission into\n"
"/autograder/results/results.json), the nodelab source and the list of\n"
"exercises to grade (default: every exercise the submission has files for).\n"
"\n"
"  --source PATH   the source to ship: a `make dist` tarball (.tar.gz) or a\n"
"                  source folder (default: the tree this nodelab was built\n"
"                  from, when it runs from its build tree)\n";

/* Packs a source folder with tar: the files git knows (tracked or not
 * ignored) when it is a git checkout, else everything but .git. */
static int pack_folder(const char *src, const char *tarball, char *err, size_t errlen)
{
    char list[4500], gitdir[4500];
    snprintf(gitdir, sizeof gitdir, "%s/.git", src);
    snprintf(list, sizeof list, "%s.files", tarball);
    char *out = NULL;
    int st = -1;
    if (access(gitdir, F_OK) == 0) {
        char *git[] = { "git", "-C", (char *)src, "ls-files", "--cached", "--others",
                        "--exclude-standard", NULL };
        st = nl_run_tool(git, NULL, 120, &out);
    }
    if (st == 0) {
        /* Keep the names that exist (a deleted, uncommitted file is listed). */
        nl_buf names = { 0 };
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            char path[8400];
            snprintf(path, sizeof path, "%s/%s", src, line);
            if (nl_is_file(path)) nl_buf_printf(&names, "%s\n", line);
        }
        free(out);
        int rc = nl_write_atomic(list, names.s ? names.s : "", names.len);
        nl_buf_free(&names);
        if (rc < 0) { snprintf(err, errlen, "%.900s: %s", list, strerror(errno)); return -1; }
        char *tar[] = { "tar", "-czf", (char *)tarball, "-C", (char *)src, "-T", list, NULL };
        st = nl_run_tool(tar, NULL, 300, &out);
        unlink(list);
    } else {
        free(out);
        char *tar[] = { "tar", "-czf", (char *)tarball, "-C", (char *)src, "--exclude=.git",
                        "--exclude=autom4te.cache", ".", NULL };
        st = nl_run_tool(tar, NULL, 300, &out);
    }
    if (st != 0) snprintf(err, errlen, "tar failed: %.300s", out ? out : "");
    free(out);
    return st == 0 ? 0 : -1;
}

/* The files of exercise `id` that `make install` must put in place: its
 * manifest, statement, starter, given and test files, and its solution. */
static char **install_needs(const char *src, const char *id, char *err, size_t errlen)
{
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/exercises/%s", src, id);
    nl_manifest *m = nl_manifest_load(dir, err, errlen);
    if (!m) return NULL;
    char **need = calloc(m->nfiles * 2 + m->nprovided + m->ntests + 3, sizeof *need);
    size_t n = 0;
    char path[4400];
#define NEED(...) (snprintf(path, sizeof path, __VA_ARGS__), need[n++] = strdup(path))
    NEED("exercises/%s/exercise.json", id);
    if (m->statement) NEED("exercises/%s/%s", id, m->statement);
    for (size_t i = 0; i < m->nfiles; i++) {
        NEED("exercises/%s/%s", id, m->files[i]);
        NEED("solutions/%s/%s", id, m->files[i]);
    }
    for (size_t i = 0; i < m->nprovided; i++) NEED("exercises/%s/%s", id, m->provided[i]);
    for (size_t i = 0; i < m->ntests; i++) NEED("exercises/%s/%s", id, m->tests[i]);
#undef NEED
    nl_manifest_free(m);
    return need;
}

/* Is `path` a word of the install list (exercises/local.mk)? */
static bool listed(const char *list, const char *path)
{
    size_t len = strlen(path);
    for (const char *p = list; (p = strstr(p, path)); p += len)
        if ((p == list || strchr(" \t\n\\", p[-1])) && strchr(" \t\n\\", p[len])) return true;
    return false;
}

/* Every exercise to grade must be installed by the source's `make install`
 * (exercises/local.mk lists its files), or Gradescope would tell every
 * student "no exercise".  A `make dist` tarball holds only what is listed:
 * setup.sh checks, after installing, that every exercise it is to grade
 * is there, and fails the image's build otherwise. */
static int check_installed(const char *source, bool tarball, char *const *ids, char *err, size_t errlen)
{
    char path[4400];
    char *list = NULL;
    if (tarball) return 0;          /* what dist left out setup.sh finds missing, loudly */
    snprintf(path, sizeof path, "%s/exercises/local.mk", source);
    size_t len;
    if (!(list = nl_read_file(path, &len))) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    int rc = 0;
    for (char *const *id = ids; *id && !rc; id++) {
        char **need = install_needs(source, *id, err, errlen);
        if (!need) { rc = -1; break; }
        for (char **f = need; *f && !rc; f++)
            if (!listed(list, *f)) {
                snprintf(err, errlen, "exercise '%s' would not be installed on Gradescope: %s is not listed in "
                         "%s (see \"Adding an exercise\" in docs/grader.md)", *id, *f, path);
                rc = -1;
            }
        nl_free_list(need);
    }
    free(list);
    return rc;
}

/* Every exercise folder of a source tree (those with a manifest). */
static char **source_ids(const char *source)
{
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/exercises", source);
    char **ids = calloc(1, sizeof *ids);
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char manifest[8600];
        snprintf(manifest, sizeof manifest, "%s/%s/exercise.json", dir, e->d_name);
        if (e->d_name[0] == '.' || !nl_is_file(manifest)) continue;
        ids = realloc(ids, (n + 2) * sizeof *ids);
        ids[n++] = strdup(e->d_name);
        ids[n] = NULL;
    }
    if (d) closedir(d);
    return ids;
}

static int add_file(nl_zip *z, const char *path, const char *name, unsigned mode, char *err, size_t errlen)
{
    size_t len;
    char *data = nl_read_file(path, &len);
    if (!data) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    int rc = nl_zip_add(z, name, data, len, mode);
    free(data);
    if (rc < 0) snprintf(err, errlen, "%s: cannot compress it", path);
    return rc;
}

static int build_zip(const char *source, char *const *ids, const char *out, const char *tmp,
                     char *err, size_t errlen)
{
    char tarball[4400], script[4400];
    snprintf(tarball, sizeof tarball, "%s/nodelab.tar.gz", tmp);
    size_t slen = strlen(source);
    if (slen > 7 && !strcmp(source + slen - 7, ".tar.gz") && nl_is_file(source))
        snprintf(tarball, sizeof tarball, "%s", source);
    else if (!nl_is_dir(source)) { snprintf(err, errlen, "%s: neither a .tar.gz nor a folder", source); return -1; }
    bool is_tarball = !strcmp(tarball, source);
    char **all = *ids || is_tarball ? NULL : source_ids(source);
    int checked = check_installed(source, is_tarball, all ? all : ids, err, errlen);
    nl_free_list(all);
    if (checked < 0) return -1;
    if (!is_tarball && pack_folder(source, tarball, err, errlen) < 0) return -1;
    nl_zip *z = nl_zip_new();
    int rc = 0;
    static const char *const scripts[] = { "setup.sh", "run_autograder" };
    for (int i = 0; i < 2 && !rc; i++) {
        snprintf(script, sizeof script, "%s/grader/gradescope/%s", nl_data_dir(), scripts[i]);
        rc = add_file(z, script, scripts[i], 0755, err, errlen);
    }
    if (!rc) rc = add_file(z, tarball, "nodelab.tar.gz", 0644, err, errlen);
    nl_buf list = { 0 };
    for (char *const *id = ids; *id; id++) nl_buf_printf(&list, "%s\n", *id);
    if (!rc) rc = nl_zip_add(z, "exercises.txt", list.s ? list.s : "", list.len, 0644);
    nl_buf_free(&list);
    size_t len;
    char *zip = nl_zip_finish(z, &len);
    if (!rc && nl_write_atomic(out, zip, len) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
        rc = -1;
    }
    free(zip);
    return rc;
}

int nl_cmd_bundle(int argc, char **argv)
{
    const char *out = NULL, *source = NULL;
    char **ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t n = 0;
    int rc = 0;
    if (argc < 2 || nl_grader_is_help(argv[1])) {
        fputs(help, argc < 2 ? stderr : stdout);
        free(ids);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "gradescope"))
        rc = nl_grader_error("bundle: unknown target '%s' (only gradescope)", argv[1]);
    for (int i = 2; i < argc && !rc; i++) {
        bool v = i + 1 < argc;
        if (nl_grader_is_help(argv[i])) { fputs(help, stdout); free(ids); return 0; }
        if (!strcmp(argv[i], "--out") && v) out = argv[++i];
        else if (!strcmp(argv[i], "--source") && v) source = argv[++i];
        else if (!strcmp(argv[i], "--exercise") && v) ids[n++] = argv[++i];
        else rc = nl_bad_option("bundle", argv[i], help);
    }
    char guess[4400];
    snprintf(guess, sizeof guess, "%s/configure.ac", nl_data_dir());
    if (!rc && !out) rc = nl_grader_error("bundle: --out FILE is required");
    if (!rc && !source && !nl_is_file(guess))
        rc = nl_grader_error("bundle: no source tree here: pass --source with a `make dist` tarball or a source folder");
    if (!rc && !source) source = nl_data_dir();
    /* An exercise named must exist in the source being shipped (a folder);
     * a tarball's list is checked against its exercises/local.mk later. */
    for (size_t k = 0; k < n && !rc && nl_is_dir(source); k++) {
        char folder[4400], manifest[4500], why[1024];
        snprintf(folder, sizeof folder, "%s/exercises/%s", source, ids[k]);
        snprintf(manifest, sizeof manifest, "%s/exercise.json", folder);
        nl_manifest *m = NULL;
        if (!nl_is_file(manifest)) rc = nl_grader_error("bundle: no exercise '%s' in %s", ids[k], source);
        else if (!(m = nl_manifest_load(folder, why, sizeof why))) rc = nl_grader_error("bundle: %s", why);
        nl_manifest_free(m);
    }
    char *tmp = rc ? NULL : nl_make_temp_dir(NULL, "nodelab-bundle");
    if (!rc && !tmp) rc = nl_grader_error("bundle: cannot make a temporary folder: %s", strerror(errno));
    char err[1024];
    if (!rc && build_zip(source, ids, out, tmp, err, sizeof err) < 0) rc = nl_grader_error("bundle: %s", err);
    if (!rc) printf("wrote %s (source: %s; exercises: %s)\n", out, source, n ? "as listed" : "every one found");
    if (tmp) { nl_remove_tree(tmp); free(tmp); }
    free(ids);
    return rc;
}
