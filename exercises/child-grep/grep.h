/*
 * grep.h — exercise child-grep: the API you implement.
 *
 * Search a file with the system's grep, running as a child process, and
 * hand over each matching line as soon as grep prints it — not when grep
 * has finished.
 */
#ifndef GREP_H
#define GREP_H

#include "process.h"

/* One matching line, without its newline, in grep's order. */
typedef void grep_match_cb(const char *line, void *arg);

/* How the search ended (status), and why it failed (message: NULL on
 * success, otherwise one line of text saying what went wrong). */
enum {
    GREP_MATCHED = 0,      /* grep found at least one line (exit 0) */
    GREP_NO_MATCH = 1,     /* grep found nothing (exit 1) */
    GREP_FAILED = 2,       /* grep ran and failed, e.g. the file does not
                              exist (exit 2): message is grep's stderr */
    GREP_NOT_FOUND = 3,    /* grep itself could not be started (not on
                              PATH): message says so, e.g. "spawn grep ENOENT" */
};
typedef void grep_done_cb(int status, const char *message, void *arg);

/* Runs `grep -e PATTERN -- PATH`, found through PATH — the PATH of env
 * when env is not NULL (a "K=V" list for the child, as lab_spawn takes).
 * Calls on_match for each line as it arrives, then on_done exactly once,
 * after the last on_match.  Returns 0, or -1 if the arguments are wrong. */
int grep_file(lab_loop *loop, const char *pattern, const char *path, char *const env[],
              grep_match_cb *on_match, grep_done_cb *on_done, void *arg);

#endif
