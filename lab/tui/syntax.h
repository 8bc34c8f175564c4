/*
 * syntax.h — colouring code blocks, one line at a time.
 *
 * A small tokenizer, not a parser: comments, strings and characters,
 * numbers, preprocessor lines, keywords and type names.  C is what the
 * chapters show most; js and sh get the same treatment with their own
 * words.  `state` carries an unfinished block comment to the next line.
 */
#ifndef NL_TUI_SYNTAX_H
#define NL_TUI_SYNTAX_H

#include "ui.h"

#include <stddef.h>

typedef void syn_emit_fn(const char *s, size_t n, ui_style st, void *arg);

/* Calls emit for consecutive pieces of line (covering all of it). */
void syn_line(const char *lang, const char *line, size_t len, int *state,
              syn_emit_fn *emit, void *arg);

#endif
