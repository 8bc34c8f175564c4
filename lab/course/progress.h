/*
 * progress.h — what the student has done, kept between sessions: the one
 * module that reads and writes progress.json.  The lab (lab/tui), `nodelab
 * check`, `watch`, `hint`, `init` and `list` all go through it.
 *
 * Where: $NODELAB_STATE_FILE, else $XDG_STATE_HOME/nodelab/progress.json,
 * else ~/.local/state/nodelab/progress.json.  A relative path in
 * NODELAB_STATE_FILE is taken from the current folder; a relative
 * XDG_STATE_HOME is ignored, as the XDG spec says.
 *
 *   {"version": 2,
 *    "last": "chapter:2" | "demo:NAME" | "exercise:ID",
 *    "workspace": "/home/ada/work",       the one `nodelab init` made last
 *    "chapters": {"2": {"position": 120}},
 *    "workspaces": {"/home/ada/work": {"exercises": {"loop-offload":
 *        {"status": "failing", "detail": "failing", "passed": 2, "total": 5,
 *         "score": 4, "max_score": 12, "hints_used": 1,
 *         "checked_at": "2024-05-01T10:00:00Z"}}}}}
 *
 * Exercise progress belongs to a workspace (docs/grader.md, "The current
 * workspace"): the same exercise done in two folders is two records, and
 * a folder's record never shows beside another folder's files.  Reading
 * positions, "last" and the recorded workspace belong to the student.
 * (Version 1 kept one "exercises" object for all folders; it is left in
 * the file as it was, and no longer read.)
 *
 * Every change takes an exclusive flock on progress.json.lock, reads the
 * file again (another program may have written it), changes its own keys
 * only, keeps every key it does not know, and replaces the file atomically
 * (a temporary file, fsync, rename): two programs never lose each other's
 * change and a crash never leaves half a file.
 *
 * A damaged file (not JSON, or a part this module uses of the wrong type)
 * is copied to progress.json.damaged-TIME first; then only the unreadable
 * part starts afresh — everything else, other exercises' records included,
 * is kept.  `notice` says so in one line; the caller shows it.
 */
#ifndef NL_PROGRESS_H
#define NL_PROGRESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct cJSON;

typedef struct {
    char path[4096];
    char workspace[4096];      /* whose exercises the calls below mean */
    struct cJSON *root;        /* the state last read or written */
    char error[4400];          /* why the last change failed, or "" */
    char notice[8400];         /* one line about a damaged file, or "" */
    /* The file as last read, to notice another program's write. */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} nl_progress;

/* Finds the file and reads it (a missing file reads as empty).  workspace
 * may be NULL or "" (then every exercise reads as not started). */
void nl_progress_open(nl_progress *p, const char *workspace);
void nl_progress_close(nl_progress *p);
/* Says whose exercises the calls below mean (an absolute folder). */
void nl_progress_use_workspace(nl_progress *p, const char *workspace);
/* Reads the file again if another program wrote it since; true if so. */
bool nl_progress_refresh(nl_progress *p);

/* ---- reading ------------------------------------------------------------ */

const char *nl_progress_last(const nl_progress *p);              /* "" if none */
int nl_progress_position(const nl_progress *p, int chapter);     /* 0 if none */
/* The workspace `nodelab init` made or updated last, or "". */
const char *nl_progress_recorded_workspace(const nl_progress *p);

typedef struct {
    char status[16];           /* "passed", "failing", "not started" */
    char detail[32];           /* the last check's verdict: "compile error"... */
    int passed, total;         /* tests */
    double score, max_score;
    int hints_used;
    char checked_at[32];
} nl_progress_ex;

/* exercise id in the current workspace ("not started" if never checked). */
nl_progress_ex nl_progress_exercise(const nl_progress *p, const char *id);

/* ---- changing: each saves at once; 0, or -1 with p->error set ---------- */

int nl_progress_set_last(nl_progress *p, const char *target);
int nl_progress_set_position(nl_progress *p, int chapter, int position);
int nl_progress_set_workspace(nl_progress *p, const char *dir);
/* A check's result: status, detail, passed, total, score and max_score of
 * r; the time is stamped here; hints_used is kept. */
int nl_progress_record(nl_progress *p, const char *id, const nl_progress_ex *r);
/* Reveals a hint and returns which one to show (1..nhints), or 0 if there
 * are none (or on error).  advance: the next one (`nodelab hint`, the lab's
 * h); else the latest already revealed, the first if none (the hint a
 * failed check ends with).  *before gets hints_used as it was. */
int nl_progress_hint(nl_progress *p, const char *id, int nhints, bool advance, int *before);

#endif
