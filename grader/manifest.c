/* manifest.c — loading and validating exercise.json (see manifest.h). */
#include "config.h"
#include "manifest.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "suggest.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validation state: the first error wins and names file and field. */
typedef struct {
    const char *file;
    char *err;
    size_t errlen;
    bool failed;
} checker;

static bool bad(checker *c, const char *field, const char *fmt, ...)
{
    if (c->failed) return false;
    c->failed = true;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s: %s", c->file, field, why);
    return false;
}

/* Only the keys in `allowed` may appear: a typo ("hiden") is an error,
 * not a silently visible hidden test. */
static bool only_keys(checker *c, const cJSON *obj, const char *where,
                      const char *const allowed[])
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, it->string) == 0;
        if (!ok) {
            char field[160];
            snprintf(field, sizeof field, "%s%s%s", where, *where ? "." : "", it->string);
            return bad(c, field, "unknown field (see docs/grader.md for the schema)");
        }
    }
    return true;
}

static char *string_field(checker *c, const cJSON *obj, const char *key, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required) bad(c, key, "missing");
        return NULL;
    }
    if (!cJSON_IsString(v) || !*v->valuestring) { bad(c, key, "must be a non-empty string"); return NULL; }
    return strdup(v->valuestring);
}

/* A file name inside the exercise folder: no folders, no way out. */
static bool plain_name(const char *s)
{
    return *s && *s != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

/* Reads an array of strings; names=true demands plain file names. */
static char **string_list(checker *c, const cJSON *obj, const char *key, bool required,
                          bool names, size_t *count)
{
    *count = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required) bad(c, key, "missing");
        return calloc(1, sizeof(char *));
    }
    if (!cJSON_IsArray(v)) { bad(c, key, "must be an array of strings"); return calloc(1, sizeof(char *)); }
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    char **list = calloc(n + 1, sizeof *list);
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        char field[96];
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        if (!cJSON_IsString(it) || !*it->valuestring) { bad(c, field, "must be a non-empty string"); break; }
        if (names && !plain_name(it->valuestring)) {
            bad(c, field, "'%s' must be a file name in the exercise folder", it->valuestring);
            break;
        }
        list[i++] = strdup(it->valuestring);
    }
    *count = i;
    if (required && n == 0) bad(c, key, "must list at least one entry");
    return list;
}

static double number_field(checker *c, const cJSON *obj, const char *where, const char *key,
                           double def, double min, double max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char field[96];
    snprintf(field, sizeof field, "%s%s%s", where, *where ? "." : "", key);
    if (!v) return def;
    if (!cJSON_IsNumber(v) || isnan(v->valuedouble) || v->valuedouble < min || v->valuedouble > max) {
        bad(c, field, "must be a number from %g to %g", min, max);
        return def;
    }
    return v->valuedouble;
}

static void load_limits(checker *c, const cJSON *root, nl_manifest *m)
{
    static const char *const keys[] = { "time_s", "memory_mb", "processes", "output_kb", "total_s", NULL };
    m->limits.time_s = 10;
    m->limits.memory_mb = 256;
    m->limits.processes = 32;
    m->limits.output_kb = 64;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "limits");
    if (!l) return;
    if (!cJSON_IsObject(l)) { bad(c, "limits", "must be an object"); return; }
    if (!only_keys(c, l, "limits", keys)) return;
    m->limits.time_s = number_field(c, l, "limits", "time_s", 10, 0.5, 600);
    m->limits.memory_mb = (long)number_field(c, l, "limits", "memory_mb", 256, 16, 16384);
    m->limits.processes = (int)number_field(c, l, "limits", "processes", 32, 1, 4096);
    m->limits.output_kb = (long)number_field(c, l, "limits", "output_kb", 64, 1, 65536);
    m->limits.total_s = number_field(c, l, "limits", "total_s", 0, 1, 36000);
    if (m->limits.total_s && m->limits.total_s < m->limits.time_s)
        bad(c, "limits.total_s", "must be at least limits.time_s (%g)", m->limits.time_s);
}

static void load_cases(checker *c, const cJSON *root, nl_manifest *m)
{
    static const char *const keys[] = { "name", "tcase", "points", "hidden", NULL };
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "cases");
    if (!arr) { bad(c, "cases", "missing"); return; }
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
        bad(c, "cases", "must be a non-empty array of {name, tcase, points}");
        return;
    }
    m->cases = calloc((size_t)cJSON_GetArraySize(arr), sizeof *m->cases);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        char where[48];
        snprintf(where, sizeof where, "cases[%zu]", m->ncases);
        if (!cJSON_IsObject(it)) { bad(c, where, "must be an object"); return; }
        if (!only_keys(c, it, where, keys)) return;
        nl_case *k = &m->cases[m->ncases++];
        char field[96];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *tcase = cJSON_GetObjectItemCaseSensitive(it, "tcase");
        const cJSON *points = cJSON_GetObjectItemCaseSensitive(it, "points");
        const cJSON *hidden = cJSON_GetObjectItemCaseSensitive(it, "hidden");
        snprintf(field, sizeof field, "%s.name", where);
        if (!cJSON_IsString(name) || !*name->valuestring) { bad(c, field, "must be a non-empty string"); return; }
        snprintf(field, sizeof field, "%s.tcase", where);
        if (!cJSON_IsString(tcase) || !*tcase->valuestring) { bad(c, field, "must be the name of a TCase"); return; }
        if (strspn(tcase->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
            != strlen(tcase->valuestring)) {
            bad(c, field, "'%s': letters, digits, '_', '-' and '.' only", tcase->valuestring);
            return;
        }
        k->name = strdup(name->valuestring);
        k->tcase = strdup(tcase->valuestring);
        k->points = number_field(c, it, where, "points", -1, 0, 1e6);
        snprintf(field, sizeof field, "%s.points", where);
        if (!points) { bad(c, field, "missing"); return; }
        snprintf(field, sizeof field, "%s.hidden", where);
        if (hidden && !cJSON_IsBool(hidden)) { bad(c, field, "must be true or false"); return; }
        k->hidden = cJSON_IsTrue(hidden);
        for (size_t j = 0; j + 1 < m->ncases; j++)
            if (strcmp(m->cases[j].tcase, k->tcase) == 0) {
                snprintf(field, sizeof field, "%s.tcase", where);
                bad(c, field, "'%s' is already cases[%zu]", k->tcase, j);
                return;
            }
        m->max_points += k->points;
    }
    if (!c->failed && m->max_points <= 0) bad(c, "cases", "the points add up to 0");
}

static void load_checks(checker *c, const cJSON *root, nl_manifest *m)
{
    size_t n;
    char **list = string_list(c, root, "checks", false, false, &n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(list[i], "children")) m->checks |= NL_CHECK_CHILDREN;
        else if (!strcmp(list[i], "zombies")) m->checks |= NL_CHECK_ZOMBIES;
        else if (!strcmp(list[i], "fds")) m->checks |= NL_CHECK_FDS;
        else {
            char field[48];
            snprintf(field, sizeof field, "checks[%zu]", i);
            bad(c, field, "'%s' is not one of children, zombies, fds", list[i]);
        }
    }
    nl_free_list(list);
}

/* Every file the manifest names must be there. */
static void check_files_exist(checker *c, nl_manifest *m)
{
    char *const *lists[] = { m->files, m->provided, m->tests };
    const char *keys[] = { "files", "provided", "tests" };
    for (int l = 0; l < 3 && !c->failed; l++)
        for (size_t i = 0; lists[l][i] && !c->failed; i++) {
            char path[4400], field[48];
            snprintf(path, sizeof path, "%s/%s", m->dir, lists[l][i]);
            snprintf(field, sizeof field, "%s[%zu]", keys[l], i);
            if (!nl_is_file(path)) bad(c, field, "'%s' is not in %s", lists[l][i], m->dir);
        }
    if (!c->failed && m->statement) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", m->dir, m->statement);
        if (!nl_is_file(path)) bad(c, "statement", "'%s' is not in %s", m->statement, m->dir);
    }
}

/* "sanitize": "thread" — the tests run under ThreadSanitizer. */
static void load_sanitize(checker *c, const cJSON *root, nl_manifest *m)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "sanitize");
    m->sanitize = NL_SANITIZE_NONE;
    if (!v) return;
    if (!cJSON_IsString(v)) { bad(c, "sanitize", "must be a string: \"thread\""); return; }
    if (!strcmp(v->valuestring, "thread")) m->sanitize = NL_SANITIZE_THREAD;
    else bad(c, "sanitize", "'%s' is not a sanitizer the grader runs tests under (only \"thread\")",
             v->valuestring);
}

static void validate(checker *c, const cJSON *root, nl_manifest *m)
{
    static const char *const keys[] = { "id", "chapter", "title", "statement", "files",
        "provided", "tests", "limits", "cases", "hints", "checks", "api", "sanitize", NULL };
    if (!cJSON_IsObject(root)) { bad(c, "(top)", "must be a JSON object"); return; }
    if (!only_keys(c, root, "", keys)) return;
    m->id = string_field(c, root, "id", true);
    const char *base = strrchr(m->dir, '/');
    base = base ? base + 1 : m->dir;
    if (m->id && strcmp(m->id, base) != 0)
        bad(c, "id", "'%s' differs from the folder name '%s'", m->id, base);
    const cJSON *chapter = cJSON_GetObjectItemCaseSensitive(root, "chapter");
    if (!cJSON_IsNumber(chapter) || chapter->valuedouble < 0 || chapter->valuedouble != floor(chapter->valuedouble))
        bad(c, "chapter", "must be a chapter number");
    else m->chapter = chapter->valueint;
    m->title = string_field(c, root, "title", true);
    m->statement = string_field(c, root, "statement", false);
    m->files = string_list(c, root, "files", true, true, &m->nfiles);
    m->provided = string_list(c, root, "provided", false, true, &m->nprovided);
    m->tests = string_list(c, root, "tests", true, true, &m->ntests);
    m->hints = string_list(c, root, "hints", false, false, &m->nhints);
    m->api = NULL;
    if (cJSON_GetObjectItemCaseSensitive(root, "api"))
        m->api = string_list(c, root, "api", true, false, &m->napi);
    for (size_t i = 0; i < m->nfiles && !c->failed; i++) {
        const char *dot = strrchr(m->files[i], '.');
        if (!dot || (strcmp(dot, ".c") && strcmp(dot, ".h"))) {
            char field[48];
            snprintf(field, sizeof field, "files[%zu]", i);
            bad(c, field, "'%s' must be a .c or .h file", m->files[i]);
        }
    }
    load_limits(c, root, m);
    load_cases(c, root, m);
    load_checks(c, root, m);
    load_sanitize(c, root, m);
    if (!c->failed) check_files_exist(c, m);
}

nl_manifest *nl_manifest_load(const char *dir, char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/exercise.json", dir);
    size_t len;
    char *text = nl_read_file(path, &len);
    if (!text) { snprintf(err, errlen, "%s: cannot read it", path); return NULL; }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;
        for (const char *p = text; at && p < at && *p; p++) line += *p == '\n';
        snprintf(err, errlen, "%s: line %d: not valid JSON", path, line);
        free(text);
        return NULL;
    }
    free(text);
    nl_manifest *m = calloc(1, sizeof *m);
    m->dir = strdup(dir);
    checker c = { path, err, errlen, false };
    validate(&c, root, m);
    cJSON_Delete(root);
    if (c.failed) { nl_manifest_free(m); return NULL; }
    return m;
}

int nl_manifest_heading(const char *dir, int *chapter, char *title, size_t len)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/exercise.json", dir);
    size_t n;
    char *text = nl_read_file(path, &n);
    cJSON *root = text ? cJSON_ParseWithLength(text, n) : NULL;
    free(text);
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(root, "chapter");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "title");
    int ok = cJSON_IsNumber(ch) && cJSON_IsString(t);
    if (ok) {
        *chapter = ch->valueint;
        snprintf(title, len, "%s", t->valuestring);
    }
    cJSON_Delete(root);
    return ok ? 0 : -1;
}

const char *nl_exercise_hint(const char *id)
{
    static char hint[200];
    char **ids = nl_exercise_ids();
    size_t n = 0;
    while (ids[n]) n++;
    const char *meant = nl_closest(id, (const char *const *)ids, n);
    if (meant) snprintf(hint, sizeof hint, " (did you mean '%s'?)", meant);
    else hint[0] = '\0';
    nl_free_list(ids);
    return hint;
}

void nl_free_list(char **list)
{
    for (char **p = list; p && *p; p++) free(*p);
    free(list);
}

void nl_manifest_free(nl_manifest *m)
{
    if (!m) return;
    free(m->id); free(m->title); free(m->statement); free(m->dir);
    nl_free_list(m->files); nl_free_list(m->provided); nl_free_list(m->tests);
    nl_free_list(m->api); nl_free_list(m->hints);
    for (size_t i = 0; i < m->ncases; i++) { free(m->cases[i].name); free(m->cases[i].tcase); }
    free(m->cases);
    free(m);
}

const char *nl_exercise_dir(const char *id)
{
    static char path[4400];
    if (!plain_name(id)) return NULL;
    snprintf(path, sizeof path, "%s/exercises/%s", nl_data_dir(), id);
    char manifest[4500];
    snprintf(manifest, sizeof manifest, "%s/exercise.json", path);
    return nl_is_file(manifest) ? path : NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **nl_exercise_ids(void)
{
    /* The catalog's order (chapter, then id) for the manifests it can
     * read; then any folder whose manifest it could not, so that verify
     * reports a broken manifest instead of skipping it. */
    nl_exercise_entry *list;
    size_t n = nl_exercises(&list), count = n;
    char **ids = calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) ids[i] = strdup(list[i].id);
    free(list);
    char dir[4200];
    nl_data_path(dir, sizeof dir, "exercises");
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t first_extra = count;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !nl_exercise_dir(e->d_name)) continue;
        bool known = false;
        for (size_t i = 0; i < n && !known; i++) known = strcmp(ids[i], e->d_name) == 0;
        if (known) continue;
        ids = realloc(ids, (count + 2) * sizeof *ids);
        ids[count++] = strdup(e->d_name);
        ids[count] = NULL;
    }
    if (d) closedir(d);
    qsort(ids + first_extra, count - first_extra, sizeof *ids, by_name);
    return ids;
}
