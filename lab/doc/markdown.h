/*
 * markdown.h — the small Markdown dialect the chapters are written in.
 *
 * Blocks: "#"..."###" headings, paragraphs, "-" bullets, "1." numbered
 * items, fenced code with a language (and, for "```c doc:NAME", the name
 * of the runtime region it quotes: see doctag.h), pipe tables, "> " quotes, "---"
 * rules, and link lines: a paragraph that is only [text](demo:NAME) or
 * [text](exercise:ID) becomes an MD_LINK block, which the reader can follow.
 * Inline: *em*, **strong**, `code`, [text](target).
 *
 * The parser is shared by `nodelab read` (plain text) and the TUI reader
 * (which draws the same blocks with attributes).
 */
#ifndef NL_MARKDOWN_H
#define NL_MARKDOWN_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    MD_HEADING, MD_PARA, MD_BULLET, MD_NUMBERED, MD_CODE,
    MD_TABLE, MD_QUOTE, MD_RULE, MD_LINK
} md_kind;

typedef struct {
    md_kind kind;
    int level;                 /* heading level 1-3; item number; */
    char *text;                /* inline text (raw markers), or code */
    char *lang;                /* MD_CODE: "c", "js", "sh" or "" */
    char *tag;                 /* MD_CODE: NAME of a "```c doc:NAME" fence, or NULL */
    char *source;              /* MD_CODE with a tag: "lab/runtime/loop/loop.c:96-110"
                                  once doctag.c has put the current lines in */
    char *target;              /* MD_LINK: "demo:loop.blocking" */
    char **cells;              /* MD_TABLE: rows*cols inline texts */
    int rows, cols;            /* MD_TABLE: row 0 is the header */
    int line;                  /* source line where the block starts */
} md_block;

typedef struct {
    md_block *blocks;
    size_t n;
} md_doc;

md_doc *md_parse(const char *text);
void md_free(md_doc *doc);

/* Inline spans, for a renderer that styles them. */
typedef enum { MD_SPAN_TEXT, MD_SPAN_EM, MD_SPAN_STRONG, MD_SPAN_CODE, MD_SPAN_LINK } md_span_kind;
typedef void md_span_cb(md_span_kind kind, const char *text, size_t len, void *arg);
/* Calls cb for each span of s in order; link spans carry the link text. */
void md_spans(const char *s, md_span_cb *cb, void *arg);
/* s without markup, in a malloc'd string. */
char *md_plain(const char *s);

/* Display width of a UTF-8 string (one column per code point). */
size_t md_width(const char *s, size_t len);

/* Writes the document as plain text wrapped to width columns. */
void md_render_plain(FILE *out, const md_doc *doc, int width);

#endif
