/*
 * screen_demo.h — the demo dashboard's state, shared by screen_demo.c
 * (running the demo, keys, parameters) and demo_panels.c (drawing).
 */
#ifndef NL_TUI_SCREEN_DEMO_H
#define NL_TUI_SCREEN_DEMO_H

#include "app.h"
#include "demo_proc.h"
#include "demos/demo.h"
#include "model.h"

#define LAB_DEMO_MIN_S 300         /* a demo in the lab runs at least this long */

typedef struct {
    screen base;
    const lab_demo_def *def;
    demo_proc proc;
    model m;
    /* Parameters as the student has set them (sent live, or kept for the
     * next start when the demo cannot change them while running). */
    int64_t ival[LAB_DEMO_MAX_PARAMS];
    char sval[LAB_DEMO_MAX_PARAMS][64];
    bool pending[LAB_DEMO_MAX_PARAMS];   /* changed; applies on restart */
    char hotkey[LAB_DEMO_MAX_PARAMS];    /* a letter toggling a 0/1 param */
    int nparams, sel_param, sel_proc;
    int log_filter;                      /* index into the filters table */
    bool restart_pending;
    uint64_t last_event_ms;              /* loop time of the newest event */
    uint64_t last_proc_sample_ms;
    int64_t paused_at_us;                /* demo time the lab paused it (p) */
} demo_screen;

/* demo_panels.c */
void demo_draw(demo_screen *d, int rows, int cols);
int64_t demo_now_us(const demo_screen *d);   /* demo time, for the clock */
extern const struct log_filter { const char *name; int mask; } demo_log_filters[];
extern const int demo_log_nfilters;

#endif
