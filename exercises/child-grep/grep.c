/*
 * grep.c — exercise child-grep.  Your file: make the tests pass.
 *
 * Right now grep_file() uses exec-style buffering: lab_exec_file() collects
 * everything grep prints and hands it over when grep has exited; only then
 * are the lines passed on.  The matches are right, but none arrives while
 * grep is still running, and failures are not told apart.
 *
 * TODO:
 *   1. use lab_spawn() with an on_data callback (or a 'data' listener on
 *      p->stdio[1]) so each chunk of grep's stdout is handled as it comes;
 *   2. a chunk can end in the middle of a line: keep the unfinished part
 *      until the rest arrives, and pass on whole lines only;
 *   3. finish with on_done: GREP_MATCHED / GREP_NO_MATCH / GREP_FAILED from
 *      grep's exit code (with its stderr as the message), GREP_NOT_FOUND
 *      when the process could not be started (on_error) — once, at 'close'.
 */
#include "grep.h"
#include "exec.h"

#include <stdlib.h>
#include <string.h>

typedef struct { grep_match_cb *on_match; grep_done_cb *on_done; void *arg; } search;

static void finished(const lab_exec_result *r, void *arg)
{
    search *s = arg;
    /* TODO: too late — these lines should have been passed on as they came. */
    char *text = strdup(r->out);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) s->on_match(line, s->arg);
    free(text);
    s->on_done(r->exit_code == 0 ? GREP_MATCHED : GREP_NO_MATCH, NULL, s->arg);   /* TODO: errors */
    free(s);
}

int grep_file(lab_loop *loop, const char *pattern, const char *path, char *const env[],
              grep_match_cb *on_match, grep_done_cb *on_done, void *arg)
{
    search *s = malloc(sizeof *s);
    if (!s) return -1;
    *s = (search){ on_match, on_done, arg };
    char *argv[] = { "grep", "-e", (char *)pattern, "--", (char *)path, NULL };
    lab_exec_options o = { .env = env };
    return lab_exec_file(loop, "grep", argv, &o, finished, s) ? 0 : -1;
}
