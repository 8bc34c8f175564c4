/*
 * doctag.h — regions of the runtime that the chapters quote by name.
 *
 * The runtime is the textbook, so the chapters must never drift from it.
 * A region of a runtime file is marked with two comment lines (the idea
 * of xv6's "// DOC:" markers): a line that is only the comment
 * "doc:loop-run" starts it, a line that is only the comment
 * "end doc:loop-run" ends it (see lab_loop_run in loop/loop.c),
 * and a chapter quotes it with a fence "```c doc:loop-run".  The chapter
 * keeps a copy of the lines for readers of the Markdown file (tests/
 * chapter_code.py checks that the copy still matches the region, and
 * that every tag exists and is not empty); `nodelab read` and the lab's
 * reader show the current lines instead, with their file and line
 * numbers.
 */
#ifndef NL_DOCTAG_H
#define NL_DOCTAG_H

#include "doc/markdown.h"

typedef struct {
    char *file;                /* "lab/runtime/loop/loop.c" */
    int first, last;           /* line numbers of the region's lines */
    char *text;                /* those lines, dedented, marker lines left out */
} nl_doc_region;

/* Finds region NAME in the .c and .h files under ROOT/lab/runtime.
 * Returns 0, or -1 when there is no such region (or it is empty). */
int nl_doctag_find(const char *root, const char *name, nl_doc_region *out);
void nl_doctag_free(nl_doc_region *r);

/* Puts the current lines of the runtime into every tagged code block of
 * doc, and its source in b->source.  A tag not found keeps the chapter's
 * copy, and says so in b->source. */
void nl_doctag_resolve(md_doc *doc, const char *root);

#endif
