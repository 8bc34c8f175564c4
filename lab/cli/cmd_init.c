/* cmd_init.c — `nodelab init DIR`: a workspace with every exercise's starter. */
#include "config.h"
#include "cli.h"
#include "manifest.h"
#include "util.h"
#include "workspace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help[] =
"usage: nodelab init DIR\n"
"\n"
"Creates a workspace: DIR/<exercise>/ for every exercise, with its starter\n"
"files (yours to edit), the headers and sources it gives you, and its\n"
"statement (README.md).  Run again on an existing workspace, it adds the\n"
"exercises that are new and never touches your files.\n"
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
    if (!existing) {
        char text[128];
        snprintf(text, sizeof text, "{ \"nodelab\": \"%s\", \"created\": %ld }\n", PACKAGE_VERSION, (long)time(NULL));
        if (nl_write_atomic(mark, text, strlen(text)) < 0)
            return nl_usage_error("init: cannot write %s: %s", mark, strerror(errno));
    }
    printf("%s %s: %d exercise%s, %d file%s added.\n", existing ? "Updated" : "Created", dir,
           exercises, exercises == 1 ? "" : "s", files, files == 1 ? "" : "s");
    printf("Next: cd %s/<exercise>, edit the starter, then `nodelab check` (or `nodelab watch`).\n", dir);
    return 0;
}
