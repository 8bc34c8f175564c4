/* cmd_init.c — `nodelab init DIR`: a workspace with every exercise's starter. */
#include "config.h"
#include "cli.h"
#include "manifest.h"
#include "util.h"
#include "student.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
"usage: nodelab init DIR\n"
"\n"
"Creates a workspace: DIR/<exercise>/ for every exercise, with its starter\n"
"files (yours to edit), the headers and sources it gives you, and its\n"
"statement (README.md).  Run again on an existing workspace, it adds the\n"
"exercises that are new and never touches your files.  DIR becomes the\n"
"current workspace: the lab and nodelab check use it from any folder\n"
"outside another workspace.\n"
"\n"
"Then: cd DIR/<exercise> && nodelab check   (or nodelab watch)\n";

/* Copies the exercise's files into dir, never over a file already there. */
static int copy_exercise(const nl_manifest *m, const char *dir, int *added)
{
    char *const *lists[] = { m->files, m->provided };
    if (nl_make_dirs(dir, 0755) < 0) return -1;
    for (int l = 0; l < 3; l++) {
        char *const statement[] = { m->statement, NULL };
        char *const *list = l < 2 ? lists[l] : statement;
        for (size_t i = 0; list[i]; i++) {
            char from[8800], to[8800];
            snprintf(from, sizeof from, "%s/%s", m->dir, list[i]);
            snprintf(to, sizeof to, "%s/%s", dir, list[i]);
            if (nl_is_file(to)) continue;
            if (nl_copy_file(from, to, 0644) < 0) return -1;
            (*added)++;
        }
    }
    return 0;
}

/* The next step as commands that work when pasted: the first exercise's
 * folder as an absolute path, and nodelab as the shell will find it. */
static void advise(const char *dir)
{
    char **ids = nl_exercise_ids(), path[8400], abs[PATH_MAX];
    if (ids[0] && realpath(dir, abs)) {
        snprintf(path, sizeof path, "%s/%s", abs, ids[0]);
        char *cd = nl_shell_word(path);
        const char *nodelab = nl_student_command();
        printf("Start with %s (its statement is README.md there):\n", ids[0]);
        printf("  cd %s\n  %s watch      (checks your file each time you save it; or: %s check)\n",
               cd, nodelab, nodelab);
        free(cd);
    }
    nl_free_list(ids);
}

int nl_cmd_init(int argc, char **argv)
{
    if (argc < 2) return nl_usage_error("init: which folder? (nodelab init DIR)");
    if (nl_is_help(argv[1])) { fputs(help, stdout); return 0; }
    if (argc > 2) return nl_usage_error("init: one folder only (got '%s' too)", argv[2]);
    const char *dir = argv[1];
    char mark[8400];
    snprintf(mark, sizeof mark, "%s/%s", dir, NL_WORKSPACE_MARK);
    bool existing = nl_is_file(mark);
    if (nl_is_dir(dir) && !existing) {
        char *root = nl_workspace_root(dir);
        free(root);
        if (root) return nl_usage_error("init: %s is inside a workspace already", dir);
    } else if (!nl_is_dir(dir) && nl_make_dirs(dir, 0755) < 0) {
        return nl_usage_error("init: cannot create %s: %s", dir, strerror(errno));
    }
    char **ids = nl_exercise_ids();
    int exercises = 0, files = 0, rc = 0;
    for (char **id = ids; *id && !rc; id++) {
        char err[1024], sub[8400];
        const char *edir = nl_exercise_dir(*id);
        nl_manifest *m = edir ? nl_manifest_load(edir, err, sizeof err) : NULL;
        if (!m) { fprintf(stderr, "nodelab: skipping %s: %s\n", *id, err); continue; }
        snprintf(sub, sizeof sub, "%s/%s", dir, *id);
        if (copy_exercise(m, sub, &files) < 0) rc = nl_usage_error("init: cannot write %s: %s", sub, strerror(errno));
        exercises++;
        nl_manifest_free(m);
    }
    nl_free_list(ids);
    if (rc) return rc;
    nl_progress p;
    char err[1200];
    nl_student_progress(&p, NULL);
    rc = nl_workspace_make(&p, dir, err, sizeof err);
    nl_progress_close(&p);
    if (rc < 0) return nl_usage_error("init: %s", err);
    printf("%s %s: %d exercise%s, %d file%s added.\n", existing ? "Updated" : "Created", dir,
           exercises, exercises == 1 ? "" : "s", files, files == 1 ? "" : "s");
    advise(dir);
    return 0;
}
