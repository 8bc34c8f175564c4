/* doctag.c — regions of the runtime that the chapters quote (see doctag.h). */
#define _GNU_SOURCE
#include "doctag.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The marker a line holds, if it holds only one: "doc:NAME" or
 * "end doc:NAME" between comment delimiters.  Returns 1 for a start, 2
 * for an end, 0 for anything else; *name and *len say which region. */
static int marker(const char *line, const char **name, size_t *len)
{
    const char *p = line + strspn(line, " \t");
    if (strncmp(p, "/* ", 3) != 0) return 0;
    p += 3;
    int kind = 1;
    if (strncmp(p, "end ", 4) == 0) { kind = 2; p += 4; }
    if (strncmp(p, "doc:", 4) != 0) return 0;
    p += 4;
    size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-_");
    if (n == 0 || strncmp(p + n, " */", 3) != 0) return 0;
    const char *rest = p + n + 3;
    if (rest[strspn(rest, " \t\r\n")] != '\0') return 0;
    *name = p;
    *len = n;
    return kind;
}

static int is_marker_line(const char *line)
{
    const char *name;
    size_t len;
    return marker(line, &name, &len) != 0;
}

/* Leading blanks of a line (a tab counts as one: the runtime uses spaces). */
static size_t indent_of(const char *line)
{
    return strspn(line, " \t");
}

/* The region's lines, without marker lines, less their common indent. */
static char *dedent(char **lines, int n)
{
    size_t common = (size_t)-1, total = 1;
    for (int i = 0; i < n; i++) {
        if (is_marker_line(lines[i])) continue;
        const char *l = lines[i];
        if (l[strspn(l, " \t\r\n")] == '\0') continue;      /* blank: no say */
        if (indent_of(l) < common) common = indent_of(l);
        total += strlen(l) + 1;
    }
    if (common == (size_t)-1) return NULL;                  /* nothing in it */
    char *out = malloc(total + (size_t)n), *o = out;
    for (int i = 0; i < n; i++) {
        if (is_marker_line(lines[i])) continue;
        const char *l = lines[i];
        size_t len = strcspn(l, "\r\n");
        size_t skip = len < common ? len : common;
        memcpy(o, l + skip, len - skip);
        o += len - skip;
        *o++ = '\n';
    }
    while (o > out && o[-1] == '\n') o--;                   /* no blank tail */
    *o = '\0';
    return out;
}

/* Looks for region name in one file; fills out and returns 0 if found. */
static int find_in_file(const char *path, const char *rel, const char *name, nl_doc_region *out)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0, want = strlen(name);
    char **lines = NULL;
    int n = 0, alloc = 0, lineno = 0, first = 0, rc = -1;
    bool inside = false;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        const char *m;
        size_t mlen;
        int kind = marker(line, &m, &mlen);
        bool ours = kind && mlen == want && strncmp(m, name, want) == 0;
        if (!inside) {
            if (ours && kind == 1) { inside = true; first = lineno + 1; }
            continue;
        }
        if (ours && kind == 2) {
            char *text = dedent(lines, n);
            if (text) {
                out->file = strdup(rel);
                out->first = first;
                out->last = lineno - 1;
                out->text = text;
                rc = 0;
            }
            break;
        }
        if (n == alloc) lines = realloc(lines, (size_t)(alloc = alloc ? 2 * alloc : 64) * sizeof *lines);
        lines[n++] = strdup(line);
    }
    for (int i = 0; i < n; i++) free(lines[i]);
    free(lines);
    free(line);
    fclose(f);
    return rc;
}

/* Walks dir (rel: its path from the data root) for .c and .h files. */
static int walk(const char *dir, const char *rel, const char *name, nl_doc_region *out)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort), rc = -1;
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        const char *e = list[i]->d_name;
        if (rc != 0 && e[0] != '.') {
            char *path, *sub;
            if (asprintf(&path, "%s/%s", dir, e) >= 0 && asprintf(&sub, "%s/%s", rel, e) >= 0) {
                struct stat st;
                size_t len = strlen(e);
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && strcmp(e, "include") != 0)
                    rc = walk(path, sub, name, out);      /* include/: copies of headers */
                else if (len > 2 && e[len - 2] == '.' && (e[len - 1] == 'c' || e[len - 1] == 'h'))
                    rc = find_in_file(path, sub, name, out);
                free(sub);
            }
            free(path);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int nl_doctag_find(const char *root, const char *name, nl_doc_region *out)
{
    memset(out, 0, sizeof *out);
    char *dir;
    if (asprintf(&dir, "%s/lab/runtime", root) < 0) return -1;
    int rc = walk(dir, "lab/runtime", name, out);
    free(dir);
    return rc;
}

void nl_doctag_free(nl_doc_region *r)
{
    free(r->file);
    free(r->text);
    memset(r, 0, sizeof *r);
}

void nl_doctag_resolve(md_doc *doc, const char *root)
{
    for (size_t i = 0; doc && i < doc->n; i++) {
        md_block *b = &doc->blocks[i];
        if (b->kind != MD_CODE || !b->tag) continue;
        nl_doc_region r;
        free(b->source);
        if (nl_doctag_find(root, b->tag, &r) == 0) {
            free(b->text);
            b->text = r.text;
            r.text = NULL;
            if (asprintf(&b->source, "%s:%d-%d", r.file, r.first, r.last) < 0) b->source = NULL;
            nl_doctag_free(&r);
        } else if (asprintf(&b->source, "doc:%s: not in this runtime (the chapter's copy)",
                            b->tag) < 0) {
            b->source = NULL;
        }
    }
}
