/* progress.c — the student's progress file (see progress.h). */
#include "config.h"
#include "progress.h"
#include "course/catalog.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const char *nl_progress_path(void)
{
    static char path[4200];
    const char *file = getenv("NODELAB_STATE_FILE");
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (file && *file) snprintf(path, sizeof path, "%s", file);
    else if (state && *state == '/') snprintf(path, sizeof path, "%s/nodelab/progress.json", state);
    else snprintf(path, sizeof path, "%s/.local/state/nodelab/progress.json", home && *home ? home : "/tmp");
    return path;
}

static cJSON *read_root(const char *path)
{
    char *text = nl_read_file(path, NULL);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!cJSON_IsObject(root)) {       /* missing or damaged: start afresh */
        cJSON_Delete(root);
        root = cJSON_CreateObject();
    }
    return root;
}

cJSON *nl_progress_read(void) { return read_root(nl_progress_path()); }

int nl_progress_update(void (*edit)(cJSON *root, void *arg), void *arg)
{
    const char *path = nl_progress_path();
    char dir[4200], lock[4300];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) { *slash = '\0'; if (nl_make_dirs(dir, 0700) < 0) return -1; }
    snprintf(lock, sizeof lock, "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) < 0 && errno == EINTR) {}
    cJSON *root = read_root(path);
    edit(root, arg);
    char *text = cJSON_Print(root);
    int rc = nl_write_atomic(path, text, strlen(text));
    int saved = errno;
    free(text);
    cJSON_Delete(root);
    close(fd);                         /* releases the lock */
    errno = saved;
    return rc;
}

static cJSON *object_in(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!cJSON_IsObject(o)) {
        if (o) cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
        o = cJSON_AddObjectToObject(parent, key);
    }
    return o;
}

cJSON *nl_progress_exercise(cJSON *root, const char *id)
{
    return object_in(object_in(root, "exercises"), id);
}

int nl_progress_int(const cJSON *obj, const char *key, int def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valueint : def;
}

void nl_progress_set_number(cJSON *obj, const char *key, double value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddNumberToObject(obj, key, value);
}

void nl_progress_set_string(cJSON *obj, const char *key, const char *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddStringToObject(obj, key, value);
}
