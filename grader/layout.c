/* layout.c — where a submission keeps an exercise's files (see layout.h). */
#include "config.h"
#include "layout.h"
#include "sha256.h"
#include "suggest.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does dir hold file `name` of m (as a regular file or anything else)? */
static bool holds(const char *dir, const char *name)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return nl_is_file(path);
}

static size_t count_held(const nl_manifest *m, const char *dir)
{
    size_t n = 0;
    for (size_t i = 0; nl_is_dir(dir) && i < m->nfiles; i++) n += holds(dir, m->files[i]);
    return n;
}

const char *nl_find_files(const nl_manifest *m, const char *submission)
{
    static char dir[4400];
    snprintf(dir, sizeof dir, "%s/%s", submission, m->id);
    if (count_held(m, dir) == m->nfiles) return dir;
    snprintf(dir, sizeof dir, "%s", submission);
    if (count_held(m, dir) == m->nfiles) return dir;
    return NULL;
}

char *nl_layout_note(const nl_manifest *m, const char *submission, const char *dir)
{
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/%s", submission, m->id);
    bool in_sub = strcmp(dir, submission) != 0;
    const char *other = in_sub ? submission : sub;
    size_t n = count_held(m, other);
    if (!n) return NULL;
    nl_buf b = { 0 };
    nl_buf_printf(&b, "%s/ holds ", other);
    for (size_t i = 0, k = 0; i < m->nfiles; i++)
        if (holds(other, m->files[i])) nl_buf_printf(&b, "%s%s", k++ ? ", " : "", m->files[i]);
    nl_buf_printf(&b, " too: graded the files in %s/ (%s); remove the other %s so that "
                  "there is no doubt", dir, in_sub ? "the exercise's folder wins" : "it holds all of them",
                  n > 1 ? "copies" : "copy");
    return nl_buf_take(&b);
}

/* ---- did you mean ---- */

/* Would someone who meant `want` have typed `got`?  The same extension,
 * and the rest the same but for case, '_' for '-', or one slip (in names
 * long enough that one slip does not make another word). */
static bool near(const char *got, const char *want)
{
    char g[256], w[256];
    if (!strcmp(got, want)) return false;
    nl_fold_name(got, g, sizeof g);
    nl_fold_name(want, w, sizeof w);
    const char *gd = strrchr(g, '.'), *wd = strrchr(w, '.');
    if ((gd == NULL) != (wd == NULL) || (gd && strcmp(gd, wd))) return false;
    if (!strcmp(g, w)) return true;
    return strlen(w) >= 7 && nl_edit_distance(g, w) <= 1;
}

typedef struct {
    const nl_manifest *m;
    const char *submission;
    nl_buf *say;
    bool *told;                /* per m->files: a suggestion made */
} search;

static void suggest(search *s, size_t i, const char *rel, const char *folder, const char *name)
{
    const nl_manifest *m = s->m;
    char base[256];
    const char *slash = strrchr(folder, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : folder);
    nl_buf_printf(s->say, "%sdid you mean %s (", s->say->len ? "; " : "", rel);
    if (strcmp(name, m->files[i])) {
        char a[256], b[256];
        snprintf(a, sizeof a, "%s", name);
        snprintf(b, sizeof b, "%s", m->files[i]);
        for (char *p = a; *p; p++) *p = (char)tolower((unsigned char)*p);
        for (char *p = b; *p; p++) *p = (char)tolower((unsigned char)*p);
        nl_buf_printf(s->say, "the file must be named %s%s", m->files[i],
                      !strcmp(a, b) ? ": names are case-sensitive" : "");
    } else if (*folder && near(base, m->id)) {
        nl_buf_printf(s->say, "the folder must be named %s", m->id);
    } else {
        nl_buf_printf(s->say, "the grader looks only in %s and %s/%s", s->submission, s->submission, m->id);
    }
    nl_buf_puts(s->say, ")?");
    s->told[i] = true;
}

/* Looks at the submission two folders deep (no hidden ones). */
static void walk(search *s, const char *rel, int depth)
{
    char dir[4400];
    snprintf(dir, sizeof dir, "%s%s%s", s->submission, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    struct dirent *e;
    int seen = 0;
    bool expected = !*rel || !strcmp(rel, s->m->id);   /* where the grader looks */
    while (d && (e = readdir(d)) && seen++ < 1000) {
        if (e->d_name[0] == '.') continue;
        char path[4700], sub[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (nl_is_dir(path)) {
            if (depth < 2) walk(s, sub, depth + 1);
            continue;
        }
        for (size_t i = 0; i < s->m->nfiles; i++) {
            if (s->told[i]) continue;
            bool same = !strcmp(e->d_name, s->m->files[i]);
            if ((same && !expected) || near(e->d_name, s->m->files[i])) {
                char shown[4500];
                snprintf(shown, sizeof shown, "%s/%s", s->submission, sub);
                suggest(s, i, shown, rel, e->d_name);
            }
        }
    }
    if (d) closedir(d);
}

char *nl_near_miss(const nl_manifest *m, const char *submission)
{
    nl_buf say = { 0 };
    bool *told = calloc(m->nfiles + 1, sizeof *told);
    search s = { m, submission, &say, told };
    /* The files the expected folders do hold need no suggestion. */
    const char *where[] = { submission, NULL };
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/%s", submission, m->id);
    where[1] = sub;
    for (size_t i = 0; i < m->nfiles; i++)
        for (int k = 0; k < 2; k++) told[i] |= holds(where[k], m->files[i]);
    walk(&s, "", 0);
    free(told);
    return say.len ? nl_buf_take(&say) : (nl_buf_free(&say), NULL);
}

bool nl_attempted(const nl_manifest *m, const char *submission)
{
    if (nl_find_files(m, submission)) return true;
    char *hint = nl_near_miss(m, submission);
    free(hint);
    return hint != NULL;
}

char (*nl_hash_files(const nl_manifest *m, const char *dir))[65]
{
    char (*out)[65] = calloc(m->nfiles + 1, sizeof *out);
    for (size_t i = 0; i < m->nfiles; i++) {
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", dir, m->files[i]);
        if (nl_sha256_file(path, out[i]) < 0) out[i][0] = '\0';
    }
    return out;
}
