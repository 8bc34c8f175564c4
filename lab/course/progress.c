/* progress.c — progress.json, read and written here only (see progress.h). */
#include "config.h"
#include "progress.h"
#include "catalog.h"
#include "paths.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_VERSION 2         /* of progress.json */

/* ---- where ---------------------------------------------------------------- */

static void find_path(char *out, size_t size)
{
    const char *file = getenv("NODELAB_STATE_FILE"), *state = getenv("XDG_STATE_HOME");
    char cwd[2048];
    if (file && *file == '/') snprintf(out, size, "%s", file);
    else if (file && *file) snprintf(out, size, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", file);
    else if (state && *state == '/') snprintf(out, size, "%s/nodelab/progress.json", state);
    else snprintf(out, size, "%s/.local/state/nodelab/progress.json", nl_home_dir());
}

/* ---- checking what was read ------------------------------------------------ */

typedef cJSON_bool kind_fn(const cJSON *);

typedef struct {
    char first[300];           /* the first part that was wrong */
    int count;
} damage;

/* Drops obj[key] if it is there with another type than wanted, noting it
 * in d.  Returns true if the value is there and of the right type. */
static bool keep_if(cJSON *obj, const char *key, kind_fn *is, damage *d, const char *where)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return false;
    if (is(v)) return true;
    if (d->count++ == 0) snprintf(d->first, sizeof d->first, "%s%s%s", where, *where ? "." : "", key);
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    return false;
}

/* The same for every member of obj that should be an object. */
static void keep_objects(cJSON *obj, damage *d, const char *where, void (*inner)(cJSON *, damage *, const char *))
{
    cJSON *c = obj ? obj->child : NULL;
    while (c) {
        cJSON *next = c->next;
        char here[300];
        snprintf(here, sizeof here, "%s[\"%s\"]", where, c->string ? c->string : "");
        if (!cJSON_IsObject(c)) {
            if (d->count++ == 0) snprintf(d->first, sizeof d->first, "%s", here);
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
        } else if (inner) {
            inner(c, d, here);
        }
        c = next;
    }
}

static void check_exercise(cJSON *x, damage *d, const char *where)
{
    static const char *const strings[] = { "status", "detail", "checked_at" };
    static const char *const numbers[] = { "passed", "total", "score", "max_score", "hints_used" };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) keep_if(x, strings[i], cJSON_IsString, d, where);
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) keep_if(x, numbers[i], cJSON_IsNumber, d, where);
}

static void check_workspace(cJSON *w, damage *d, const char *where)
{
    char here[300];
    snprintf(here, sizeof here, "%s.exercises", where);
    if (keep_if(w, "exercises", cJSON_IsObject, d, where))
        keep_objects(cJSON_GetObjectItemCaseSensitive(w, "exercises"), d, here, check_exercise);
}

static void check_chapter(cJSON *c, damage *d, const char *where)
{
    keep_if(c, "position", cJSON_IsNumber, d, where);
}

/* Removes every part this module reads that has the wrong type (so no
 * write replaces it later without a copy kept). */
static void check_root(cJSON *root, damage *d)
{
    keep_if(root, "version", cJSON_IsNumber, d, "");
    keep_if(root, "last", cJSON_IsString, d, "");
    keep_if(root, "workspace", cJSON_IsString, d, "");
    if (keep_if(root, "chapters", cJSON_IsObject, d, ""))
        keep_objects(cJSON_GetObjectItemCaseSensitive(root, "chapters"), d, "chapters", check_chapter);
    if (keep_if(root, "workspaces", cJSON_IsObject, d, ""))
        keep_objects(cJSON_GetObjectItemCaseSensitive(root, "workspaces"), d, "workspaces", check_workspace);
}

/* ---- reading ----------------------------------------------------------------- */

enum { READ_OK, READ_PART_DAMAGED, READ_DAMAGED, READ_FAILED };

static void remember_identity(nl_progress *p)
{
    struct stat st;
    if (stat(p->path, &st) < 0) memset(&st, 0, sizeof st);
    p->dev = st.st_dev;
    p->ino = st.st_ino;
    p->size = st.st_size;
    p->mtime = st.st_mtim;
}

/* Reads the file into p->root (what could be kept, when damaged).  why
 * gets what was wrong. */
static int read_file(nl_progress *p, char *why, size_t size)
{
    cJSON_Delete(p->root);
    p->root = NULL;
    remember_identity(p);
    size_t len = 0;
    errno = 0;
    char *text = nl_read_file(p->path, &len);
    if (!text) {
        int err = errno;
        p->root = cJSON_CreateObject();
        if (err == ENOENT) return READ_OK;
        snprintf(p->error, sizeof p->error, "cannot read %s: %s", p->path, strerror(err));
        return READ_FAILED;            /* never written over: it may be fine */
    }
    p->root = cJSON_ParseWithOpts(text, NULL, 1);
    free(text);
    if (!cJSON_IsObject(p->root)) {
        snprintf(why, size, "%s", len == 0 ? "empty" : p->root ? "not a JSON object" : "not JSON");
        cJSON_Delete(p->root);
        p->root = cJSON_CreateObject();
        return READ_DAMAGED;
    }
    damage d = { "", 0 };
    check_root(p->root, &d);
    if (d.count == 0) return READ_OK;
    if (d.count == 1) snprintf(why, size, "%s had the wrong type", d.first);
    else snprintf(why, size, "%s and %d more had the wrong type", d.first, d.count - 1);
    return READ_PART_DAMAGED;
}

/* The damaged file goes to PATH.damaged-TIME (never over an earlier one),
 * and the notice says so. */
static void keep_aside(nl_progress *p, int how, const char *why)
{
    char stamp[32], aside[4200];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", localtime(&now));
    snprintf(aside, sizeof aside, "%s.damaged-%s", p->path, stamp);
    for (int n = 2; access(aside, F_OK) == 0 && n < 100; n++)
        snprintf(aside, sizeof aside, "%s.damaged-%s-%d", p->path, stamp, n);
    int rc = how == READ_DAMAGED ? rename(p->path, aside) : nl_copy_file(p->path, aside, 0600);
    if (rc < 0)
        snprintf(p->notice, sizeof p->notice, "nodelab: %s was damaged (%s) and could not be "
                 "copied aside (%s): %s", p->path, why, strerror(errno),
                 how == READ_DAMAGED ? "starting afresh" : "the rest is kept");
    else if (how == READ_DAMAGED)
        snprintf(p->notice, sizeof p->notice, "nodelab: %s was damaged (%s); kept it as %s "
                 "and started afresh", p->path, why, aside);
    else
        snprintf(p->notice, sizeof p->notice, "nodelab: %s was damaged (%s); kept a copy as %s; "
                 "that part starts afresh, the rest is kept", p->path, why, aside);
}

/* ---- the lock, and saving ------------------------------------------------------ */

/* Takes the lock every writer holds from reading to renaming, and reads
 * the file again under it.  Returns the lock's descriptor, or -1 with
 * p->error set. */
static int begin(nl_progress *p)
{
    char dir[4096], lock[4200];
    p->error[0] = '\0';
    snprintf(dir, sizeof dir, "%s", p->path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (nl_make_dirs(dir, 0700) < 0) {
            snprintf(p->error, sizeof p->error, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
    }
    snprintf(lock, sizeof lock, "%s.lock", p->path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(p->error, sizeof p->error, "cannot lock %s: %s", lock, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) < 0 && errno == EINTR) {}
    char why[400];
    int how = read_file(p, why, sizeof why);
    if (how == READ_FAILED) { close(fd); return -1; }
    if (how != READ_OK) keep_aside(p, how, why);
    return fd;
}

/* Saves p->root and lets the lock go.  Returns 0, or -1 (p->error). */
static int end(nl_progress *p, int fd)
{
    if (fd < 0) return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->root, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble < FORMAT_VERSION) {
        cJSON_DeleteItemFromObjectCaseSensitive(p->root, "version");
        cJSON_AddNumberToObject(p->root, "version", FORMAT_VERSION);
    }
    char *json = cJSON_Print(p->root);
    size_t len = json ? strlen(json) : 0;
    char *text = json ? realloc(json, len + 2) : NULL;
    int rc = -1;
    if (text) {
        memcpy(text + len, "\n", 2);
        rc = nl_write_atomic(p->path, text, len + 1);
    } else {
        free(json);
        errno = ENOMEM;
    }
    if (rc < 0) snprintf(p->error, sizeof p->error, "cannot save progress to %s: %s", p->path, strerror(errno));
    free(text);
    remember_identity(p);
    close(fd);                                /* releases the lock */
    return rc;
}

/* ---- opening ------------------------------------------------------------------- */

/* Reads the file; a damaged one is set aside and rewritten under the lock
 * at once, so the notice is given once, by whoever finds the damage. */
static void load(nl_progress *p)
{
    char why[400];
    int how = read_file(p, why, sizeof why);
    if (how == READ_DAMAGED || how == READ_PART_DAMAGED) end(p, begin(p));
}

void nl_progress_open(nl_progress *p, const char *workspace)
{
    memset(p, 0, sizeof *p);
    find_path(p->path, sizeof p->path);
    nl_progress_use_workspace(p, workspace);
    load(p);
}

void nl_progress_close(nl_progress *p)
{
    cJSON_Delete(p->root);
    p->root = NULL;
}

void nl_progress_use_workspace(nl_progress *p, const char *workspace)
{
    snprintf(p->workspace, sizeof p->workspace, "%s", workspace ? workspace : "");
}

bool nl_progress_refresh(nl_progress *p)
{
    struct stat st;
    if (stat(p->path, &st) < 0) memset(&st, 0, sizeof st);
    if (st.st_dev == p->dev && st.st_ino == p->ino && st.st_size == p->size &&
        st.st_mtim.tv_sec == p->mtime.tv_sec && st.st_mtim.tv_nsec == p->mtime.tv_nsec)
        return false;
    load(p);
    return true;
}

/* ---- reading ------------------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *string_or(const cJSON *v, const char *def)
{
    return cJSON_IsString(v) ? v->valuestring : def;
}

const char *nl_progress_last(const nl_progress *p) { return string_or(get(p->root, "last"), ""); }

const char *nl_progress_recorded_workspace(const nl_progress *p)
{
    return string_or(get(p->root, "workspace"), "");
}

int nl_progress_position(const nl_progress *p, int chapter)
{
    char key[16];
    snprintf(key, sizeof key, "%d", chapter);
    const cJSON *pos = get(get(get(p->root, "chapters"), key), "position");
    return cJSON_IsNumber(pos) ? pos->valueint : 0;
}

nl_progress_ex nl_progress_exercise(const nl_progress *p, const char *id)
{
    nl_progress_ex e = { .status = "not started" };
    const cJSON *x = p->workspace[0] ? get(get(get(get(p->root, "workspaces"), p->workspace), "exercises"), id) : NULL;
    const cJSON *v;
    snprintf(e.status, sizeof e.status, "%s", string_or(get(x, "status"), "not started"));
    snprintf(e.detail, sizeof e.detail, "%s", string_or(get(x, "detail"), ""));
    snprintf(e.checked_at, sizeof e.checked_at, "%s", string_or(get(x, "checked_at"), ""));
    if (cJSON_IsNumber(v = get(x, "passed"))) e.passed = v->valueint;
    if (cJSON_IsNumber(v = get(x, "total"))) e.total = v->valueint;
    if (cJSON_IsNumber(v = get(x, "score"))) e.score = v->valuedouble;
    if (cJSON_IsNumber(v = get(x, "max_score"))) e.max_score = v->valuedouble;
    if (cJSON_IsNumber(v = get(x, "hints_used"))) e.hints_used = v->valueint;
    return e;
}

/* ---- changing ------------------------------------------------------------------ */

/* root[key] as an object, created if missing (check_root dropped any
 * value of another type, after keeping a copy). */
static cJSON *object_at(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsObject(v) ? v : cJSON_AddObjectToObject(o, key);
}

static void set_number(cJSON *o, const char *key, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    cJSON_AddNumberToObject(o, key, v);
}

static void set_string(cJSON *o, const char *key, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    cJSON_AddStringToObject(o, key, v);
}

int nl_progress_set_last(nl_progress *p, const char *target)
{
    int fd = begin(p);
    if (fd >= 0) set_string(p->root, "last", target);
    return end(p, fd);
}

int nl_progress_set_position(nl_progress *p, int chapter, int position)
{
    char key[16];
    snprintf(key, sizeof key, "%d", chapter);
    int fd = begin(p);
    if (fd >= 0) set_number(object_at(object_at(p->root, "chapters"), key), "position", position);
    return end(p, fd);
}

int nl_progress_set_workspace(nl_progress *p, const char *dir)
{
    int fd = begin(p);
    if (fd >= 0) set_string(p->root, "workspace", dir);
    return end(p, fd);
}

/* The current workspace's record of exercise id, created if missing. */
static cJSON *exercise_at(nl_progress *p, const char *id)
{
    cJSON *ws = object_at(object_at(p->root, "workspaces"), p->workspace);
    return object_at(object_at(ws, "exercises"), id);
}

static int no_workspace(nl_progress *p)
{
    snprintf(p->error, sizeof p->error, "no workspace to record progress in");
    return -1;
}

int nl_progress_record(nl_progress *p, const char *id, const nl_progress_ex *r)
{
    if (!p->workspace[0]) return no_workspace(p);
    int fd = begin(p);
    if (fd < 0) return -1;
    cJSON *x = exercise_at(p, id);
    set_string(x, "status", r->status);
    set_string(x, "detail", r->detail);
    set_number(x, "passed", r->passed);
    set_number(x, "total", r->total);
    set_number(x, "score", r->score);
    set_number(x, "max_score", r->max_score);
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    set_string(x, "checked_at", stamp);
    const cJSON *h = get(x, "hints_used");
    if (!cJSON_IsNumber(h)) set_number(x, "hints_used", 0);
    return end(p, fd);
}

int nl_progress_hint(nl_progress *p, const char *id, int nhints, bool advance, int *before)
{
    if (before) *before = 0;
    if (nhints <= 0) return 0;
    if (!p->workspace[0]) { no_workspace(p); return 0; }
    int fd = begin(p);
    if (fd < 0) return 0;
    cJSON *x = exercise_at(p, id);
    const cJSON *h = get(x, "hints_used");
    int used = cJSON_IsNumber(h) ? h->valueint : 0;
    if (used < 0) used = 0;
    if (before) *before = used;
    int shown = advance ? used + 1 : used > 0 ? used : 1;
    if (shown > nhints) shown = nhints;
    if (shown > used) used = shown;
    set_number(x, "hints_used", used);
    if (!get(x, "status")) set_string(x, "status", "not started");
    return end(p, fd) < 0 ? 0 : shown;
}
