/* workspace.c — which folder is the student's workspace (see workspace.h). */
#include "config.h"
#include "workspace.h"
#include "paths.h"
#include "progress.h"
#include "util.h"

#include <errno.h>
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
        if (!slash) return NULL;
        if (slash == path) {               /* the root folder itself, last */
            if (path[1] == '\0') return NULL;
            path[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
}

/* dir made absolute (without needing it to exist yet). */
static void absolute(const char *dir, char *out, size_t size)
{
    char cwd[PATH_MAX];
    if (realpath(dir, out) && strlen(out) < size) return;
    if (dir[0] == '/' || !getcwd(cwd, sizeof cwd)) snprintf(out, size, "%s", dir);
    else snprintf(out, size, "%s/%s", cwd, dir);
}

nl_ws_how nl_workspace_find(const nl_progress *p, char *out, size_t size)
{
    const char *env = getenv("NODELAB_WORKSPACE");
    out[0] = '\0';
    if (env && *env) {
        absolute(env, out, size);
        return NL_WS_EXPLICIT;
    }
    char *here = nl_workspace_root(".");
    if (here) {
        snprintf(out, size, "%s", here);
        free(here);
        return NL_WS_HERE;
    }
    const char *recorded = nl_progress_recorded_workspace(p);
    char mark[PATH_MAX + 32];
    snprintf(mark, sizeof mark, "%s/%s", recorded, NL_WORKSPACE_MARK);
    if (!*recorded || !nl_is_file(mark)) return NL_WS_NONE;
    snprintf(out, size, "%s", recorded);
    return NL_WS_RECORDED;
}

const char *nl_workspace_how(nl_ws_how how)
{
    switch (how) {
    case NL_WS_EXPLICIT: return "the one --workspace or NODELAB_WORKSPACE names";
    case NL_WS_HERE: return "the one you are in";
    case NL_WS_RECORDED: return "the one nodelab init made last";
    default: return "none";
    }
}

void nl_workspace_default(char *out, size_t size)
{
    snprintf(out, size, "%s/nodelab-work", nl_home_dir());
}

int nl_workspace_make(nl_progress *p, const char *dir, char *err, size_t size)
{
    char mark[PATH_MAX + 32], path[PATH_MAX];
    if (nl_make_dirs(dir, 0755) < 0 || !realpath(dir, path)) {
        snprintf(err, size, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(mark, sizeof mark, "%s/%s", path, NL_WORKSPACE_MARK);
    int made = !nl_is_file(mark);
    if (made) {
        char text[128];
        snprintf(text, sizeof text, "{ \"nodelab\": \"%s\", \"created\": %ld }\n", PACKAGE_VERSION,
                 (long)time(NULL));
        if (nl_write_atomic(mark, text, strlen(text)) < 0) {
            snprintf(err, size, "cannot write %s: %s", mark, strerror(errno));
            return -1;
        }
    }
    /* Recorded even if it was one: `init` on an old workspace makes it the current one. */
    if (strcmp(nl_progress_recorded_workspace(p), path) != 0 && nl_progress_set_workspace(p, path) < 0) {
        snprintf(err, size, "%s", p->error);
        return -1;
    }
    return made;
}
