/*
 * progress.h — what the student has done: $XDG_STATE_HOME/nodelab/progress.json
 * (~/.local/state/nodelab/progress.json by default).
 *
 * Shared with the lab's TUI, which keeps reading positions in the same
 * file; so every change is a locked read-modify-write (flock on
 * progress.json.lock) that keeps keys it does not know, written
 * atomically.  The schema is in docs/grader.md:
 *
 *   { "chapters":  { "2": { "position": 40 } },
 *     "exercises": { "loop-offload": { "status": "passed|failing|not started",
 *                    "passed": 4, "total": 5, "score": 9, "max_score": 12,
 *                    "hints_used": 1, "checked_at": "2024-05-01T10:00:00Z" } },
 *     "last": "loop-offload" }
 */
#ifndef NL_PROGRESS_H
#define NL_PROGRESS_H

struct cJSON;

/* The file's path (static buffer); NODELAB_STATE_FILE overrides it. */
const char *nl_progress_path(void);

/* Calls edit(root, arg) on the file's contents under the lock, then saves
 * the result.  root is always an object.  Returns 0, or -1 (errno). */
int nl_progress_update(void (*edit)(struct cJSON *root, void *arg), void *arg);

/* Reads the file (an empty object if there is none); caller deletes. */
struct cJSON *nl_progress_read(void);

/* exercises.<id> in root, created if missing. */
struct cJSON *nl_progress_exercise(struct cJSON *root, const char *id);

/* An integer field of an object, or def. */
int nl_progress_int(const struct cJSON *obj, const char *key, int def);
/* Sets a number / string field, replacing what was there. */
void nl_progress_set_number(struct cJSON *obj, const char *key, double value);
void nl_progress_set_string(struct cJSON *obj, const char *key, const char *value);

#endif
