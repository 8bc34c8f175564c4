/* progress.c — the student's progress file (see progress.h). */
#include "progress.h"
#include "course/catalog.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p for the folders of path. */
static void make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(buf, 0700);
        *p = '/';
    }
}

static cJSON *empty_state(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "last", "");
    cJSON_AddObjectToObject(root, "chapters");
    cJSON_AddObjectToObject(root, "exercises");
    return root;
}

/* The object at root[key], created if missing or not an object. */
static cJSON *object_at(cJSON *root, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
    if (cJSON_IsObject(o)) return o;
    cJSON_DeleteItemFromObjectCaseSensitive(root, key);
    return cJSON_AddObjectToObject(root, key);
}

static void set_number(cJSON *o, const char *key, double v)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(o, key);
    if (old) cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_CreateNumber(v));
    else cJSON_AddNumberToObject(o, key, v);
}

static void set_string(cJSON *o, const char *key, const char *v)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(o, key);
    if (old) cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_CreateString(v));
    else cJSON_AddStringToObject(o, key, v);
}

/* Reads the file again: another program (nodelab check) may have written. */
static void reload(progress *p)
{
    cJSON_Delete(p->root);
    p->root = NULL;
    char *text = nl_read_file(p->path, NULL);
    if (text) {
        p->root = cJSON_Parse(text);
        if (!cJSON_IsObject(p->root)) {
            /* Keep what we cannot read for a human to look at. */
            char bad[4200];
            snprintf(bad, sizeof bad, "%s.bad", p->path);
            rename(p->path, bad);
            cJSON_Delete(p->root);
            p->root = NULL;
        }
        free(text);
    }
    if (!p->root) p->root = empty_state();
}

void progress_open(progress *p)
{
    const char *file = getenv("NODELAB_STATE_FILE");
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    memset(p, 0, sizeof *p);
    if (file && *file)
        snprintf(p->path, sizeof p->path, "%s", file);
    else if (state && *state)
        snprintf(p->path, sizeof p->path, "%s/nodelab/progress.json", state);
    else
        snprintf(p->path, sizeof p->path, "%s/.local/state/nodelab/progress.json",
                 home && *home ? home : "/tmp");
    reload(p);
}

void progress_close(progress *p)
{
    cJSON_Delete(p->root);
    p->root = NULL;
}

/* Writes a temporary file beside the real one, then renames it over. */
static int save(progress *p)
{
    p->error[0] = '\0';
    make_parents(p->path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", p->path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(p->error, sizeof p->error, "cannot save progress to %s: %s", p->path,
                 strerror(errno));
        return -1;
    }
    char *text = cJSON_Print(p->root);
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
              fsync(fd) == 0;
    free(text);
    if (close(fd) != 0) ok = false;
    if (!ok || rename(tmp, p->path) != 0) {
        snprintf(p->error, sizeof p->error, "cannot save %s: %s", p->path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

const char *progress_last(progress *p)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->root, "last");
    return cJSON_IsString(v) ? v->valuestring : "";
}

int progress_position(progress *p, int chapter)
{
    char key[16];
    snprintf(key, sizeof key, "%d", chapter);
    const cJSON *chapters = cJSON_GetObjectItemCaseSensitive(p->root, "chapters");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(chapters, key);
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(c, "position");
    return cJSON_IsNumber(pos) ? pos->valueint : 0;
}

progress_exercise progress_get_exercise(progress *p, const char *id)
{
    progress_exercise e = { .status = "not started" };
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(p->root, "exercises");
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(all, id);
    const cJSON *f;
    if ((f = cJSON_GetObjectItemCaseSensitive(x, "status")) && cJSON_IsString(f))
        snprintf(e.status, sizeof e.status, "%s", f->valuestring);
    if ((f = cJSON_GetObjectItemCaseSensitive(x, "passed")) && cJSON_IsNumber(f))
        e.passed = f->valueint;
    if ((f = cJSON_GetObjectItemCaseSensitive(x, "total")) && cJSON_IsNumber(f))
        e.total = f->valueint;
    if ((f = cJSON_GetObjectItemCaseSensitive(x, "hints_used")) && cJSON_IsNumber(f))
        e.hints_used = f->valueint;
    return e;
}

/* Every writer (the lab, nodelab check, nodelab hint) holds an exclusive
 * lock on progress.json.lock from reading to renaming, so two of them
 * never lose each other's change.  Returns the lock's descriptor, or -1
 * (then the change is made unlocked: better than not at all). */
static int lock(progress *p)
{
    char path[4200];
    make_parents(p->path);
    snprintf(path, sizeof path, "%s.lock", p->path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) < 0) { close(fd); fd = -1; }
    reload(p);
    return fd;
}

static int unlock_after(int fd, int rc)
{
    if (fd >= 0) close(fd);               /* closing releases the lock */
    return rc;
}

int progress_set_last(progress *p, const char *target)
{
    int fd = lock(p);
    set_string(p->root, "last", target);
    return unlock_after(fd, save(p));
}

int progress_set_position(progress *p, int chapter, int position)
{
    char key[16];
    snprintf(key, sizeof key, "%d", chapter);
    int fd = lock(p);
    cJSON *c = object_at(object_at(p->root, "chapters"), key);
    set_number(c, "position", position);
    return unlock_after(fd, save(p));
}

static cJSON *exercise_obj(progress *p, const char *id)
{
    cJSON *x = object_at(object_at(p->root, "exercises"), id);
    if (!cJSON_GetObjectItemCaseSensitive(x, "status")) {
        cJSON_AddStringToObject(x, "status", "not started");
        cJSON_AddNumberToObject(x, "passed", 0);
        cJSON_AddNumberToObject(x, "total", 0);
        cJSON_AddNumberToObject(x, "hints_used", 0);
    }
    return x;
}

int progress_set_result(progress *p, const char *id, int passed, int total)
{
    int fd = lock(p);
    cJSON *x = exercise_obj(p, id);
    set_string(x, "status", total > 0 && passed == total ? "passed" : "failing");
    set_number(x, "passed", passed);
    set_number(x, "total", total);
    return unlock_after(fd, save(p));
}

int progress_set_hints(progress *p, const char *id, int hints_used)
{
    int fd = lock(p);
    set_number(exercise_obj(p, id), "hints_used", hints_used);
    return unlock_after(fd, save(p));
}
