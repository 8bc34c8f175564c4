/* catalog.c — listing chapters and exercises (see catalog.h). */
#include "catalog.h"
#include "paths.h"
#include "manifest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *nl_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) { free(buf); buf = NULL; }
            else buf = bigger;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static void chapter_title(nl_chapter *c)
{
    FILE *f = fopen(c->path, "r");
    char line[512];
    snprintf(c->title, sizeof c->title, "%s", c->slug);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "# ", 2) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(c->title, sizeof c->title, "%s", line + 2);
            break;
        }
    }
    if (f) fclose(f);
}

static int by_number(const void *a, const void *b)
{
    return ((const nl_chapter *)a)->number - ((const nl_chapter *)b)->number;
}

size_t nl_chapters(nl_chapter **out)
{
    char dir[2048];
    nl_data_path(dir, sizeof dir, "chapters");
    DIR *d = opendir(dir);
    size_t n = 0, cap = 16;
    nl_chapter *list = calloc(cap, sizeof *list);
    struct dirent *ent;
    while (d && list && (ent = readdir(d))) {
        int num, used = 0;
        size_t len = strlen(ent->d_name);
        if (len < 4 || strcmp(ent->d_name + len - 3, ".md") != 0) continue;
        if (sscanf(ent->d_name, "%d-%n", &num, &used) != 1 || used == 0) continue;
        if (n == cap) list = realloc(list, (cap *= 2) * sizeof *list);
        nl_chapter *c = &list[n++];
        memset(c, 0, sizeof *c);
        c->number = num;
        snprintf(c->slug, sizeof c->slug, "%.*s", (int)(len - 3 - (size_t)used),
                 ent->d_name + used);
        snprintf(c->path, sizeof c->path, "%s/%s", dir, ent->d_name);
        chapter_title(c);
    }
    if (d) closedir(d);
    if (list) qsort(list, n, sizeof *list, by_number);
    *out = list;
    return n;
}

int nl_chapter_find(const char *key, nl_chapter *out)
{
    nl_chapter *list;
    size_t n = nl_chapters(&list);
    int found = -1;
    char *end;
    long num = strtol(key, &end, 10);
    for (size_t i = 0; i < n && found < 0; i++) {
        char file[128];
        snprintf(file, sizeof file, "%02d-%s", list[i].number, list[i].slug);
        size_t flen = strlen(file);
        if ((*key && *end == '\0' && num == list[i].number) ||
            strcmp(key, list[i].slug) == 0 || strcmp(key, file) == 0 ||
            (strncmp(key, file, flen) == 0 && strcmp(key + flen, ".md") == 0)) {
            *out = list[i];
            found = 0;
        }
    }
    free(list);
    return found;
}

static int by_chapter(const void *a, const void *b)
{
    const nl_exercise_entry *x = a, *y = b;
    if (x->chapter != y->chapter) return x->chapter - y->chapter;
    return strcmp(x->id, y->id);
}

/* Reads id, chapter and title from one manifest (through its owner,
 * grader/manifest.c); 0 on success. */
static int read_entry(const char *dir, const char *name, nl_exercise_entry *e)
{
    char folder[4200];
    snprintf(folder, sizeof folder, "%s/%s", dir, name);
    memset(e, 0, sizeof *e);
    if (nl_manifest_heading(folder, &e->chapter, e->title, sizeof e->title) < 0) return -1;
    snprintf(e->id, sizeof e->id, "%s", name);
    snprintf(e->dir, sizeof e->dir, "%s", folder);
    return 0;
}

size_t nl_exercises(nl_exercise_entry **out)
{
    char dir[2048];
    nl_data_path(dir, sizeof dir, "exercises");
    DIR *d = opendir(dir);
    size_t n = 0, cap = 16;
    nl_exercise_entry *list = calloc(cap, sizeof *list);
    struct dirent *ent;
    while (d && list && (ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;
        if (n == cap) list = realloc(list, (cap *= 2) * sizeof *list);
        if (read_entry(dir, ent->d_name, &list[n]) == 0) n++;
    }
    if (d) closedir(d);
    if (list) qsort(list, n, sizeof *list, by_chapter);
    *out = list;
    return n;
}

int nl_exercise_find(const char *id, nl_exercise_entry *out)
{
    nl_exercise_entry *list;
    size_t n = nl_exercises(&list);
    int found = -1;
    for (size_t i = 0; i < n && found < 0; i++)
        if (strcmp(list[i].id, id) == 0) { *out = list[i]; found = 0; }
    free(list);
    return found;
}
