/*
 * input.c — keys (see app.h).  Every screen describes its keys as a table
 * of bindings; this file adds the keys every screen has, finds the binding
 * for a key, and draws the same table as the footer and as the ? help, so
 * a key that works is always a key that is shown.
 */
#include "app.h"
#include "widget.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

int input_bindings(screen *s, binding *out, int max)
{
    int n = s->bindings ? s->bindings(s, out, max - 2) : 0;
    out[n++] = (binding){ 'q', 27, "q", s->is_root ? "quit" : "back", ACT_BACK, true, NULL };
    out[n++] = (binding){ '?', 0, "?", "help", ACT_HELP, true, NULL };
    return n;
}

const binding *input_lookup(const binding *b, int n, int key)
{
    for (int i = 0; i < n; i++)
        if (b[i].key == key || (b[i].key2 && b[i].key2 == key)) return &b[i];
    return NULL;
}

const char *input_key_name(int key, char buf[16])
{
    switch (key) {
    case '\r': case '\n': case KEY_ENTER: return "Enter";
    case '\t': return "Tab";
    case ' ': return "space";
    case 27: return "Esc";
    case KEY_UP: return "↑";
    case KEY_DOWN: return "↓";
    case KEY_LEFT: return "←";
    case KEY_RIGHT: return "→";
    case KEY_PPAGE: return "PgUp";
    case KEY_NPAGE: return "PgDn";
    case KEY_BTAB: return "S-Tab";
    case KEY_HOME: return "Home";
    case KEY_END: return "End";
    }
    if (key > 32 && key < 127) { buf[0] = (char)key; buf[1] = '\0'; return buf; }
    snprintf(buf, 16, "#%d", key);
    return buf;
}

static const char *footer_words(const binding *b) { return b->footer_help ? b->footer_help : b->help; }

/* "j ↓": a binding's own keys, for the ? list (the footer's label may
 * stand for two bindings, "j/k", and would list k twice). */
static void key_names(const binding *b, char *buf, size_t size)
{
    char k1[16], k2[16];
    const char *a = input_key_name(b->key, k1), *c = b->key2 ? input_key_name(b->key2, k2) : NULL;
    if (c && strcmp(a, c)) snprintf(buf, size, "%s %s", a, c);
    else snprintf(buf, size, "%s", a);            /* ('\r' and KEY_ENTER: Enter) */
}

/* "key help · key help": the footer, always ending in "q … · ? help". */
void input_draw_footer(screen *s, int row, int cols, const char *status)
{
    binding b[64];
    int n = input_bindings(s, b, 64);
    if (status) {                           /* a message, above the keys */
        move(row - 1, 0);
        clrtoeol();
        ui_text(row - 1, 1, cols - 2, status, S_WARN);
    }
    /* The last two (q and ?) are always shown: leave room for them. */
    int reserve = 0;
    for (int i = n - 2; i < n; i++) reserve += ui_width(b[i].name) + ui_width(footer_words(&b[i])) + 4;
    int x = 1;
    for (int i = 0; i < n; i++) {
        if (!b[i].footer) continue;
        int need = ui_width(b[i].name) + 1 + ui_width(footer_words(&b[i])) + 3;
        if (i < n - 2 && x + need + reserve > cols) continue;
        if (x > 1) x += ui_text(row, x, cols - x, " · ", S_DIM);
        x += ui_text(row, x, cols - x, b[i].name, S_KEY);
        x += ui_text(row, x, cols - x, " ", S_NORMAL);
        x += ui_text(row, x, cols - x, footer_words(&b[i]), S_NORMAL);
    }
}

/* A box over the screen listing every key, each once with its own keys;
 * j/k scroll, any other key closes. */
void input_draw_help(screen *s, int rows, int cols, int scroll)
{
    binding b[64];
    int n = input_bindings(s, b, 64);
    int w = cols - 6 < 72 ? cols - 6 : 72, lines = n + 2;   /* + Ctrl-C, Ctrl-Z */
    int h = rows - 2 < lines + 4 ? rows - 2 : lines + 4;
    int y = (rows - h) / 2, x = (cols - w) / 2;
    int body = h - 4;
    if (scroll > lines - body) scroll = lines - body > 0 ? lines - body : 0;
    w_box(y, x, h, w, "keys", lines > body ? "j/k scroll · any other key closes" : "any key closes");
    char title[96];
    snprintf(title, sizeof title, "on the %s screen", s->name);
    ui_text(y + 1, x + 2, w - 4, title, S_BOLD);
    for (int i = 0; i < body && scroll + i < lines; i++) {
        int k = scroll + i, row = y + 2 + i;
        if (k >= n) {                          /* the keys of every screen */
            ui_text(row, x + 2, 12, k == n ? "Ctrl-C" : "Ctrl-Z", S_KEY);
            ui_text(row, x + 15, w - 17, k == n ? "quit the lab from anywhere"
                    : "suspend the lab (fg resumes it; a demo goes on running)", S_NORMAL);
            continue;
        }
        char keys[40];
        key_names(&b[k], keys, sizeof keys);
        ui_text(row, x + 2, 12, keys, S_KEY);
        ui_text(row, x + 15, w - 17, b[k].help, S_NORMAL);
    }
}
