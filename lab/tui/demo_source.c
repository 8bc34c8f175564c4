/*
 * demo_source.c — `v` on a demo's dashboard: the runtime code that the
 * demo's section of its chapter quotes, beside the live view.
 *
 * The chapter says which code a demo exercises: the "```c doc:NAME"
 * blocks of the section (a "##" heading and what follows it) that links
 * to the demo.  Their regions are read from the runtime as it is now
 * (lab/doc/doctag.c), so the student watches the events of the very
 * lines on the right.
 */
#define _GNU_SOURCE
#include "screen_demo.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "doc/doctag.h"
#include "doc_layout.h"
#include "widget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct demo_source {
    bool shown;
    char *markdown;            /* the panel, as a small Markdown document */
    md_doc *doc;
    dl_doc *lay;
    int width;                 /* the width lay was made for */
    int top;                   /* first line shown */
};

/* The tagged code blocks of doc[from, to) as Markdown. */
static void add_blocks(FILE *f, const md_doc *doc, size_t from, size_t to, int *count)
{
    for (size_t i = from; i < to; i++) {
        const md_block *b = &doc->blocks[i];
        if (b->kind != MD_CODE || !b->tag) continue;
        fprintf(f, "```c doc:%s\n%s\n```\n\n", b->tag, b->text);
        (*count)++;
    }
}

/* Finds the demo's section and writes the panel's Markdown. */
static char *panel_markdown(const lab_demo_def *def)
{
    char key[16], target[128];
    snprintf(key, sizeof key, "%d", def->chapter);
    snprintf(target, sizeof target, "demo:%s", def->name);
    nl_chapter ch;
    char *text = nl_chapter_find(key, &ch) == 0 ? nl_read_file(ch.path, NULL) : NULL;
    md_doc *doc = text ? md_parse(text) : NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    size_t start = 0, end = doc ? doc->n : 0, at = (size_t)-1;
    for (size_t i = 0; doc && i < doc->n && at == (size_t)-1; i++) {
        const md_block *b = &doc->blocks[i];
        if (b->kind == MD_HEADING && b->level <= 2) start = i;
        if (b->kind == MD_LINK && b->target && strcmp(b->target, target) == 0) at = i;
    }
    for (size_t i = start + 1; doc && at != (size_t)-1 && i < doc->n; i++)
        if (doc->blocks[i].kind == MD_HEADING && doc->blocks[i].level <= 2) { end = i; break; }
    int count = 0;
    if (at != (size_t)-1) {
        char *title = md_plain(doc->blocks[start].text);
        fprintf(f, "### The code behind it\n\nChapter %d, \"%s\", quotes these lines of "
                "the runtime; they are what this demo runs.\n\n", def->chapter, title);
        free(title);
        add_blocks(f, doc, start, end, &count);
    }
    if (!count) {
        fprintf(f, "### The code behind it\n\nThis demo's section quotes no runtime code%s.\n\n",
                doc ? "; here is what its chapter quotes" : " (its chapter is not installed)");
        if (doc) add_blocks(f, doc, 0, doc->n, &count);
    }
    fclose(f);
    md_free(doc);
    free(text);
    return out;
}

void demo_source_toggle(demo_screen *d)
{
    if (!d->source) {
        d->source = calloc(1, sizeof *d->source);
        d->source->markdown = panel_markdown(d->def);
        d->source->doc = md_parse(d->source->markdown);
        nl_doctag_resolve(d->source->doc, nl_data_dir());
    }
    d->source->shown = !d->source->shown;
}

bool demo_source_shown(const demo_screen *d)
{
    return d->source && d->source->shown;
}

void demo_source_scroll(demo_screen *d, int by)
{
    if (!demo_source_shown(d)) return;
    d->source->top += by;
    if (d->source->lay && d->source->top > d->source->lay->n - 1) d->source->top = d->source->lay->n - 1;
    if (d->source->top < 0) d->source->top = 0;
}

/* Columns the dashboard keeps when the code is shown beside it: the
 * code takes the right part when there is room for both (100 columns),
 * else the whole screen. */
int demo_source_split(const demo_screen *d, int cols)
{
    if (!demo_source_shown(d)) return cols;
    return cols >= 100 ? cols - cols * 45 / 100 : 0;
}

void demo_source_draw(demo_screen *d, int rows, int cols)
{
    if (!demo_source_shown(d)) return;
    demo_source *s = d->source;
    int left = demo_source_split(d, cols), x = left ? left + 1 : 0, w = cols - x;
    if (!s->lay || s->width != w) {
        dl_free(s->lay);
        s->lay = dl_layout(s->doc, w - 1);
        s->width = w;
    }
    for (int y = 0; y < rows; y++) {
        ui_fill(y, left, cols - left, " ", S_NORMAL);
        if (left) ui_text(y, left, 1, UI.g->vline, S_RULE);
    }
    w_doc(0, x, w, rows, s->lay, s->top, -1, NULL);
}

void demo_source_free(demo_screen *d)
{
    if (!d->source) return;
    dl_free(d->source->lay);
    md_free(d->source->doc);
    free(d->source->markdown);
    free(d->source);
    d->source = NULL;
}
