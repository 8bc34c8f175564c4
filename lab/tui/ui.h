/*
 * ui.h — the terminal: ncurses setup, the style table, glyphs and text.
 *
 * Every screen and widget draws through these few calls, so three decisions
 * are made once, here:
 *   - colour or not (NO_COLOR, a monochrome terminal): a style is a meaning
 *     ("bad", "heading", "keyword"), and the table below maps each to colour
 *     plus an attribute, or to an attribute alone;
 *   - block characters or ASCII (a terminal whose locale cannot be UTF-8);
 *   - text is UTF-8 and is measured in columns, never in bytes.
 */
#ifndef NL_TUI_UI_H
#define NL_TUI_UI_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    S_NORMAL, S_DIM, S_BOLD, S_TITLE, S_RULE, S_KEY, S_SELECTED, S_MATCH,
    S_H1, S_H2, S_H3, S_EM, S_STRONG, S_CODE, S_LINK, S_QUOTE, S_TABLE_HEAD,
    S_GOOD, S_WARN, S_BAD, S_ACCENT,
    S_SYN_KEYWORD, S_SYN_TYPE, S_SYN_STRING, S_SYN_COMMENT, S_SYN_NUMBER,
    S_SYN_PREPROC,
    S_COUNT
} ui_style;

/* What a bar, a sparkline and a few marks are drawn with. */
typedef struct {
    const char *full, *empty, *over;         /* bar cells */
    const char *eighths[8];                   /* partial cell: 1/8 .. 8/8 */
    const char *spark[8];                     /* sparkline levels */
    const char *hline, *vline, *cross;        /* rules and table lines */
    const char *tl, *tr, *bl, *br;            /* box corners */
    const char *ok, *fail, *notrun, *link, *exercise, *bullet, *sep, *more;
    const char *sel;                          /* "this row is selected" */
} ui_glyphs;

typedef struct {
    bool color;                /* colours in use (not NO_COLOR, terminal can) */
    bool utf8;                 /* block characters and marks available */
    int rows, cols;
    const ui_glyphs *g;
} ui_state;

extern ui_state UI;

/* Picks UTF-8 if the locale can do it (trying C.UTF-8 when it cannot);
 * call before ui_open(). */
void ui_setup_locale(void);
/* NULL if the terminal can show the lab (it can move the cursor), else
 * why not, in a few words.  Call before ui_open(). */
const char *ui_terminal_problem(void);
/* Starts curses on the terminal; ui_close() gives the terminal back
 * exactly as it was (safe to call twice). */
void ui_open(void);
void ui_close(void);
/* Re-reads the terminal size after SIGWINCH. */
void ui_resize(void);

int ui_attr(ui_style s);

/* Draws UTF-8 text at (y, x), at most maxw columns, clipped at the screen
 * edge; returns the columns used.  Characters the terminal cannot show in
 * ASCII mode are replaced by a near equivalent or '?'. */
int ui_text(int y, int x, int maxw, const char *s, ui_style st);
int ui_textn(int y, int x, int maxw, const char *s, size_t len, ui_style st);
/* Like ui_text, formatted. */
int ui_printf(int y, int x, int maxw, ui_style st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Text right-aligned so that it ends at column xend (exclusive). */
int ui_text_right(int y, int xend, int maxw, const char *s, ui_style st);
/* Fills n columns with a glyph. */
void ui_fill(int y, int x, int n, const char *glyph, ui_style st);
/* A horizontal rule with an optional title: "── title ─────". */
void ui_rule(int y, int x, int w, const char *title);

/* Display columns of UTF-8 text (as ui_text would draw it). */
int ui_width(const char *s);
int ui_widthn(const char *s, size_t len);
/* Bytes of s that fit in w columns. */
size_t ui_fit(const char *s, int w);

/* "16.0K", "3.1M", "812": bytes (or any count) in 5 columns or fewer. */
void ui_human(char *buf, size_t size, double v);

#endif
