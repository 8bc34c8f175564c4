/*
 * app.h — the lab as one program: a stack of screens on one event loop.
 *
 * The shape is tmux's: a model (model.h: what a demo is doing), input
 * (input.c: keys become actions through one table per screen), drawing
 * (screen_*.c, each a screen) and widgets (widget_*.c) the screens are
 * made of.  The loop is nodelab's own (lab/runtime/loop/loop.h): the keyboard,
 * a demo's telemetry pipe, signals and timers are all handles on it, so
 * the lab never blocks and never polls.
 *
 * Drawing is paced: anything that changes what is on screen calls
 * app_dirty(), and the frame timer redraws at most FRAME_MS later — many
 * events between two frames cost one frame.
 */
#ifndef NL_TUI_APP_H
#define NL_TUI_APP_H

#include "course/progress.h"
#include "loop.h"
#include "ui.h"

#include <stdbool.h>
#include <sys/types.h>

#define FRAME_MS 33                /* at most ~30 frames a second */
#define MIN_COLS 60                /* below this: "terminal too small" */
#define MIN_ROWS 18

/* A key and what it does on a screen.  The same table drives dispatch,
 * the footer and the `?` help, so they cannot disagree. */
typedef struct {
    int key, key2;             /* curses key codes; key2 is an alternative */
    const char *name;          /* the footer's label: "j/k", "Enter", "←/→" */
    const char *help;          /* what it does, a few words (the ? list) */
    int action;                /* the screen's own number for it */
    bool footer;               /* shown in the footer (? lists them all) */
    const char *footer_help;   /* the footer's words, when a label covers
                                  two keys ("j/k scroll"); NULL: help */
} binding;

/* Actions every screen has. */
enum { ACT_HELP = -1, ACT_BACK = -2, ACT_QUIT = -3 };

typedef struct screen screen;
struct screen {
    const char *name;
    /* Fills out[] with this screen's keys now (they may depend on state). */
    int (*bindings)(screen *s, binding *out, int max);
    void (*draw)(screen *s, int rows, int cols);
    void (*act)(screen *s, int action, int key);
    void (*tick)(screen *s);             /* optional, 4 times a second */
    void (*resized)(screen *s);          /* optional */
    void (*destroy)(screen *s);
    bool is_root;                        /* q quits instead of going back */
};

typedef void app_child_cb(pid_t pid, int status, void *arg);
typedef void app_prompt_cb(screen *s, const char *text);

typedef struct {
    lab_loop *loop;
    screen *stack[16];
    int depth;
    bool quit;
    nl_progress prog;          /* of the current workspace */
    char workspace[4096];      /* the current workspace (course/workspace.h), else ~/nodelab-work */
} app;

extern app APP;

/* tui.c calls these: set up the loop and signals, run until quit, stop
 * every screen (and so every demo) and free everything. */
void app_init(void);
void app_run(void);
void app_shutdown(void);

/* The screen stack. */
void app_push(screen *s);
void app_pop(void);                      /* back; the root screen stays */
void app_replace(screen *s);             /* pop, then push */
screen *app_top(void);

/* Records target ("chapter:2") as the student's last place, if it is not
 * already: screens call it from tick(), which runs only for the top one. */
void app_claim_last(const char *target);

/* Something on screen changed: a frame will follow. */
void app_dirty(void);
/* A one-line message in the footer for a few seconds. */
void app_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Asks for a line of text ("search: "); cb gets it on Enter (not on Esc). */
void app_prompt(screen *s, const char *label, app_prompt_cb *cb);

/* Calls cb once pid has been reaped (every child of the lab is reaped in
 * one SIGCHLD handler, which hands each status to its owner). */
void app_watch_child(pid_t pid, app_child_cb *cb, void *arg);
void app_unwatch_child(pid_t pid);

/* Suspends curses to run a program in the terminal (an editor), then
 * takes the screen back.  Returns the program's wait status or -1. */
int app_run_in_terminal(char *const argv[]);

/* input.c: keys. */
int input_bindings(screen *s, binding *out, int max);   /* screen's + global */
const binding *input_lookup(const binding *b, int n, int key);
void input_draw_footer(screen *s, int row, int cols, const char *status);
void input_draw_help(screen *s, int rows, int cols, int scroll);
const char *input_key_name(int key, char buf[16]);

/* The screens (screen_*.c).  Each returns a new screen, or NULL after
 * saying why with app_status(). */
screen *screen_home_new(void);
screen *screen_reader_new(const char *chapter);
screen *screen_demo_new(const char *name);
/* Parameters for the next dashboard of demo NAME (nodelab open NAME
 * --set KEY=VALUE...), checked already: applied over the lab's defaults.
 * sets must outlive that screen's start. */
void screen_demo_preset(const char *name, const char *const *sets, int n);
screen *screen_picker_new(int kind);     /* PICK_DEMOS or PICK_EXERCISES */
screen *screen_exercise_new(const char *id);
enum { PICK_DEMOS, PICK_EXERCISES };

/* Opens "chapter:2", "demo:NAME", "exercise:ID" (links in the chapters,
 * `nodelab open`, Continue).  Returns 0, or -1 (with a status) if none. */
int app_open_target(const char *target);

#endif
