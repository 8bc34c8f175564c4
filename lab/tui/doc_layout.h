/*
 * doc_layout.h — a parsed chapter (lab/doc/markdown.h) laid out for a
 * given width: a list of screen lines, each a run of styled pieces.
 *
 * Laying out is separate from drawing so that scrolling is only an offset
 * into the list, search is a scan of the lines' text, and a resize is one
 * new layout.  The reader and the exercise statement both use it.
 */
#ifndef NL_TUI_DOC_LAYOUT_H
#define NL_TUI_DOC_LAYOUT_H

#include "doc/markdown.h"
#include "ui.h"

typedef struct {
    int start, len;            /* bytes of the line's text */
    ui_style st;
} dl_seg;

typedef struct {
    char *text;                /* what the line shows, UTF-8 */
    dl_seg *segs;
    int nsegs;
    int indent;                /* columns before the text */
    int src_line;              /* Markdown source line of its block */
    int link;                  /* index into links, or -1 */
} dl_line;

typedef struct {
    char *target;              /* "demo:loop.blocking" */
    char *label;
    int line;                  /* the laid-out line it is on */
} dl_link;

typedef struct {
    char *title;
    int level;                 /* 1-3 */
    int line;
} dl_heading;

typedef struct {
    dl_line *lines;
    int n, cap;
    dl_link *links;
    int nlinks;
    dl_heading *toc;
    int ntoc;
    int width;
} dl_doc;

/* Lays doc out in width columns (the left margin included). */
dl_doc *dl_layout(const md_doc *doc, int width);
void dl_free(dl_doc *d);
/* The first laid-out line of the block at or after Markdown line src. */
int dl_line_of_source(const dl_doc *d, int src);
/* The heading a line falls under, or NULL. */
const dl_heading *dl_section_of(const dl_doc *d, int line);

#endif
