/* ui.c — terminal setup, styles, glyphs and UTF-8 text (see ui.h). */
#define _XOPEN_SOURCE_EXTENDED 1
#include "ui.h"

#include <curses.h>
#include <term.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

static const ui_glyphs utf8_glyphs = {
    .full = "█", .empty = "░", .over = "▓",
    .eighths = { "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█" },
    .spark = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" },
    .hline = "─", .vline = "│", .cross = "┼",
    .tl = "┌", .tr = "┐", .bl = "└", .br = "┘",
    .ok = "✔", .fail = "✘", .notrun = "●", .link = "▶", .exercise = "✎",
    .bullet = "•", .sep = "·", .more = "…", .sel = "▸",
};

static const ui_glyphs ascii_glyphs = {
    .full = "#", .empty = ".", .over = "!",
    .eighths = { " ", " ", " ", ":", ":", ":", ":", "#" },
    .spark = { "_", "_", ".", "-", "-", "=", "*", "#" },
    .hline = "-", .vline = "|", .cross = "+",
    .tl = "+", .tr = "+", .bl = "+", .br = "+",
    .ok = "+", .fail = "x", .notrun = "o", .link = ">", .exercise = "*",
    .bullet = "*", .sep = "|", .more = "~", .sel = ">",
};

ui_state UI = { .g = &ascii_glyphs, .rows = 24, .cols = 80 };
static bool opened;

/* ---- locale ------------------------------------------------------------ */

static bool codeset_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0;
}

void ui_setup_locale(void)
{
    setlocale(LC_ALL, "");
    /* A bare Debian has no LANG: the C locale cannot draw "█".  C.UTF-8 is
     * always there, and the terminal almost always speaks UTF-8. */
    if (!codeset_is_utf8()) setlocale(LC_CTYPE, "C.UTF-8");
    /* NODELAB_ASCII=1: for a terminal whose font lacks the block glyphs. */
    const char *ascii = getenv("NODELAB_ASCII");
    UI.utf8 = codeset_is_utf8() && !(ascii && !strcmp(ascii, "1"));
    UI.g = UI.utf8 ? &utf8_glyphs : &ascii_glyphs;
}

/* ---- styles ------------------------------------------------------------ */

/* Each style: a colour (or -1 for the terminal's own), the attributes it
 * has with colour, and the attributes it has without.  The mono column is
 * what keeps every screen readable under NO_COLOR. */
static const struct { short fg; int attr_color, attr_mono; } theme[S_COUNT] = {
    [S_NORMAL]      = { -1, 0, 0 },
    [S_DIM]         = { -1, A_DIM, A_DIM },
    [S_BOLD]        = { -1, A_BOLD, A_BOLD },
    [S_TITLE]       = { COLOR_CYAN, A_BOLD, A_BOLD },
    [S_RULE]        = { COLOR_BLUE, 0, A_DIM },
    [S_KEY]         = { COLOR_YELLOW, A_BOLD, A_BOLD },
    [S_SELECTED]    = { -1, A_REVERSE, A_REVERSE },
    [S_MATCH]       = { COLOR_YELLOW, A_REVERSE, A_REVERSE | A_UNDERLINE },
    [S_H1]          = { COLOR_CYAN, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
    [S_H2]          = { COLOR_CYAN, A_BOLD, A_BOLD },
    [S_H3]          = { COLOR_BLUE, A_BOLD, A_BOLD | A_UNDERLINE },
    [S_EM]          = { -1, A_ITALIC, A_UNDERLINE },
    [S_STRONG]      = { -1, A_BOLD, A_BOLD },
    [S_CODE]        = { COLOR_GREEN, 0, A_BOLD },
    [S_LINK]        = { COLOR_MAGENTA, A_BOLD, A_BOLD | A_UNDERLINE },
    [S_QUOTE]       = { COLOR_BLUE, 0, A_DIM },
    [S_TABLE_HEAD]  = { -1, A_BOLD, A_BOLD },
    [S_GOOD]        = { COLOR_GREEN, 0, 0 },
    [S_WARN]        = { COLOR_YELLOW, A_BOLD, A_BOLD },
    [S_BAD]         = { COLOR_RED, A_BOLD, A_BOLD },
    [S_ACCENT]      = { COLOR_CYAN, 0, 0 },
    [S_SYN_KEYWORD] = { COLOR_MAGENTA, A_BOLD, A_BOLD },
    [S_SYN_TYPE]    = { COLOR_CYAN, 0, 0 },
    [S_SYN_STRING]  = { COLOR_GREEN, 0, 0 },
    [S_SYN_COMMENT] = { COLOR_BLUE, 0, A_DIM },
    [S_SYN_NUMBER]  = { COLOR_YELLOW, 0, 0 },
    [S_SYN_PREPROC] = { COLOR_MAGENTA, 0, 0 },
};

int ui_attr(ui_style s)
{
    if (s < 0 || s >= S_COUNT) s = S_NORMAL;
    if (!UI.color) return theme[s].attr_mono;
    int pair = theme[s].fg >= 0 ? (int)s + 1 : 0;
    return theme[s].attr_color | (pair ? COLOR_PAIR(pair) : 0);
}

static void setup_colors(void)
{
    const char *no = getenv("NO_COLOR");
    UI.color = !(no && *no) && has_colors();
    if (!UI.color) return;
    start_color();
    use_default_colors();
    for (int s = 0; s < S_COUNT; s++)
        if (theme[s].fg >= 0) init_pair((short)(s + 1), theme[s].fg, -1);
}

/* ---- opening and closing ----------------------------------------------- */

const char *ui_terminal_problem(void)
{
    static char why[200];
    int err = 0;
    const char *term = getenv("TERM");
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(why, sizeof why, "the terminal type TERM=%s is unknown here", term ? term : "(unset)");
        return why;
    }
    /* Without cursor addressing (TERM=dumb, a printer) nothing but a
     * scrolling stream of lines can be drawn. */
    const char *cup = tigetstr("cup");
    bool ok = cup && cup != (char *)-1 && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    if (ok) return NULL;
    snprintf(why, sizeof why, "the lab draws a full screen, which TERM=%s cannot do",
             term ? term : "(unset)");
    return why;
}

void ui_open(void)
{
    /* Short escape delay: Esc is "back", and 1 s (the default) feels broken. */
    if (!getenv("ESCDELAY")) set_escdelay(25);
    initscr();
    opened = true;
    raw();                      /* Ctrl-C is a key: the lab decides what it does */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    setup_colors();
    getmaxyx(stdscr, UI.rows, UI.cols);
}

void ui_close(void)
{
    if (!opened) return;
    opened = false;
    curs_set(1);
    endwin();
    fflush(stdout);
}

void ui_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        resizeterm(ws.ws_row, ws.ws_col);
    getmaxyx(stdscr, UI.rows, UI.cols);
    clearok(curscr, TRUE);      /* repaint everything: the old picture is gone */
}

/* ---- text -------------------------------------------------------------- */

/* The few non-ASCII characters the course text uses, for ASCII terminals. */
static const char *ascii_for(wchar_t c)
{
    switch (c) {
    case L'—': case L'–': case L'─': return "-";
    case L'→': return "->";
    case L'←': return "<-";
    case L'‘': case L'’': return "'";
    case L'“': case L'”': return "\"";
    case L'…': return "...";
    case L'·': case L'•': return "*";
    case L'×': return "x";
    case L'│': return "|";
    case L'≤': return "<=";
    case L'≥': return ">=";
    case L'↵': return "\\n";
    default: return "?";
    }
}

/* Decodes one UTF-8 character; returns its length in bytes (>= 1).  By
 * hand, not with mbrtowc(): the text is UTF-8 whatever the locale says, and
 * an ASCII terminal still needs to know where each character ends. */
static size_t decode(const char *s, size_t len, wchar_t *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80 ? 1 : (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3
             : (u[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > len) { *out = L'?'; return 1; }
    wchar_t c = n == 1 ? u[0] : u[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) { *out = L'?'; return i; }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *out = c;
    return n;
}

static int char_width(wchar_t c)
{
    if (c < 0x80) return c >= 0x20 ? 1 : 0;
    if (!UI.utf8) return (int)strlen(ascii_for(c));
    int w = wcwidth(c);
    return w < 0 ? 1 : w;
}

int ui_textn(int y, int x, int maxw, const char *s, size_t len, ui_style st)
{
    if (y < 0 || y >= UI.rows || x >= UI.cols || maxw <= 0) return 0;
    if (x + maxw > UI.cols) maxw = UI.cols - x;
    attr_t a = (attr_t)ui_attr(st);
    int used = 0;
    size_t i = 0;
    while (i < len && s[i]) {
        wchar_t c;
        size_t n = decode(s + i, len - i, &c);
        i += n;
        if (c == L'\t') c = L' ';
        int w = char_width(c);
        if (w == 0) continue;
        if (used + w > maxw) break;
        if (c < 0x80) {
            mvaddch(y, x + used, (chtype)c | a);
        } else if (UI.utf8) {
            cchar_t cc;
            wchar_t wc[2] = { c, 0 };
            setcchar(&cc, wc, a, 0, NULL);
            mvadd_wch(y, x + used, &cc);
        } else {
            attron(a);
            mvaddstr(y, x + used, ascii_for(c));
            attroff(a);
        }
        used += w;
    }
    return used;
}

int ui_text(int y, int x, int maxw, const char *s, ui_style st)
{
    return ui_textn(y, x, maxw, s, strlen(s), st);
}

int ui_printf(int y, int x, int maxw, ui_style st, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ui_text(y, x, maxw, buf, st);
}

int ui_text_right(int y, int xend, int maxw, const char *s, ui_style st)
{
    int w = ui_width(s);
    if (w > maxw) w = maxw;
    return ui_text(y, xend - w, w, s, st);
}

void ui_fill(int y, int x, int n, const char *glyph, ui_style st)
{
    for (int i = 0; i < n; i++) ui_text(y, x + i, 1, glyph, st);
}

void ui_rule(int y, int x, int w, const char *title)
{
    ui_fill(y, x, w, UI.g->hline, S_RULE);
    if (title && *title) {
        ui_text(y, x + 1, 1, " ", S_NORMAL);
        int n = ui_text(y, x + 2, w - 4, title, S_TITLE);
        ui_text(y, x + 2 + n, 1, " ", S_NORMAL);
    }
}

int ui_widthn(const char *s, size_t len)
{
    int w = 0;
    size_t i = 0;
    while (i < len && s[i]) {
        wchar_t c;
        i += decode(s + i, len - i, &c);
        w += char_width(c == L'\t' ? L' ' : c);
    }
    return w;
}

int ui_width(const char *s) { return ui_widthn(s, strlen(s)); }

size_t ui_fit(const char *s, int w)
{
    size_t i = 0, len = strlen(s);
    int used = 0;
    while (i < len) {
        wchar_t c;
        size_t n = decode(s + i, len - i, &c);
        int cw = char_width(c);
        if (used + cw > w) break;
        used += cw;
        i += n;
    }
    return i;
}

void ui_human(char *buf, size_t size, double v)
{
    static const char units[] = " KMGT";
    int u = 0;
    double a = v < 0 ? -v : v;
    while (a >= 1024 && u < 4) { a /= 1024; v /= 1024; u++; }
    if (u == 0) snprintf(buf, size, "%.0f", v);
    else if (a < 10) snprintf(buf, size, "%.1f%c", v, units[u]);
    else snprintf(buf, size, "%.0f%c", v, units[u]);
}
