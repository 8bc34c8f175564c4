/*
 * workspace.h — the student's workspace: the folder that holds their
 * copy of every exercise (one subfolder each, the layout `nodelab init DIR`
 * makes), marked by a `.nodelab-workspace` file at its top.
 *
 * "The current workspace" means the same thing to the lab and to every
 * command; the first of these wins:
 *   1. the folder named by --workspace DIR or $NODELAB_WORKSPACE;
 *   2. the workspace the current folder is in (the nearest folder above
 *      holding .nodelab-workspace, as git finds .git);
 *   3. the workspace `nodelab init` made or updated last (recorded in
 *      progress.json), if it is still there;
 *   4. none: the lab then uses ~/nodelab-work, made a workspace when it
 *      first copies a starter there; the commands say how to make one.
 * Exercise progress is kept per workspace (progress.h).
 */
#ifndef NL_WORKSPACE_H
#define NL_WORKSPACE_H

#include "progress.h"

#include <stddef.h>

#define NL_WORKSPACE_MARK ".nodelab-workspace"

/* The workspace folder that holds dir (walking up), or NULL; malloc'd. */
char *nl_workspace_root(const char *dir);

typedef enum {
    NL_WS_NONE,                /* out is "" */
    NL_WS_EXPLICIT,            /* --workspace, $NODELAB_WORKSPACE */
    NL_WS_HERE,                /* the current folder is in it */
    NL_WS_RECORDED,            /* nodelab init made it last */
} nl_ws_how;

/* The current workspace, as an absolute path in out; says which rule
 * found it.  p is the open progress file (for rule 3). */
nl_ws_how nl_workspace_find(const nl_progress *p, char *out, size_t size);

/* A few words on how it was found, for messages ("the one you are in"). */
const char *nl_workspace_how(nl_ws_how how);

/* ~/nodelab-work, the lab's workspace when there is none. */
void nl_workspace_default(char *out, size_t size);

/* Makes dir a workspace (mkdir -p, the mark) and records it in p as the
 * one made last.  Returns 1 if it was not one before, 0 if it was, -1
 * with a reason in err. */
int nl_workspace_make(nl_progress *p, const char *dir, char *err, size_t size);

#endif
