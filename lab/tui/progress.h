/*
 * progress.h — what the student has done, kept between sessions.
 *
 * $XDG_STATE_HOME/nodelab/progress.json (default ~/.local/state/nodelab;
 * $NODELAB_STATE_FILE overrides), shared with `nodelab check` and `hint`:
 *
 *   {"version": 1,
 *    "last": "chapter:2" | "demo:NAME" | "exercise:ID",
 *    "chapters": {"2": {"position": 120}},
 *    "exercises": {"ID": {"status": "passed|failing|not started",
 *                         "passed": 3, "total": 5, "hints_used": 1}}}
 *
 * position is the Markdown source line at the top of the reader.  "last"
 * may also be a bare exercise id (nodelab check writes those).  Every
 * change takes an exclusive flock on progress.json.lock, re-reads the file
 * (another program may have written it), then writes a temporary file and
 * renames it over the old one, so a crash never leaves half a file.  Keys
 * this code does not know are kept.
 */
#ifndef NL_TUI_PROGRESS_H
#define NL_TUI_PROGRESS_H

#include <stdbool.h>

struct cJSON;

typedef struct {
    char path[4096];
    struct cJSON *root;        /* the last state read or written */
    char error[4400];          /* why the last save failed, or "" */
} progress;

/* Finds the file and reads it (a missing or broken file reads as empty;
 * a broken one is kept aside as progress.json.bad, not overwritten). */
void progress_open(progress *p);
void progress_close(progress *p);

const char *progress_last(progress *p);                 /* "" if none */
int progress_position(progress *p, int chapter);        /* 0 if none */

typedef struct {
    char status[16];           /* "passed", "failing", "not started" */
    int passed, total, hints_used;
} progress_exercise;
progress_exercise progress_get_exercise(progress *p, const char *id);

/* Each saves at once; returns 0 or -1 (p->error says why). */
int progress_set_last(progress *p, const char *target);
int progress_set_position(progress *p, int chapter, int position);
int progress_set_result(progress *p, const char *id, int passed, int total);
int progress_set_hints(progress *p, const char *id, int hints_used);

#endif
