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

/* Step mode's queue (demo_step.c): telemetry lines received, not yet fed. */
typedef struct {
    char *buf;                 /* lines, each ending in '\n' */
    size_t head, len, cap;     /* the oldest waiting line starts at head */
    size_t lines;
    int owed;                  /* n pressed before its event arrived: shown when it does */
    bool stopped;              /* the lab stopped the demo: too far ahead */
    int64_t stopped_at;
} demo_step;

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
    int sel_worker;                      /* the cluster view: a live worker's row */
    bool all_events;                     /* the cluster view: f shows the log,
                                            not the lifecycle timeline */
    int log_filter;                      /* index into the filters table */
    bool log_wrap;                       /* w: long log lines wrap */
    int log_hscroll;                     /* </>: columns scrolled right */
    bool stepping;                       /* s: one event at a time */
    demo_step step;
    int64_t recv_ts;                     /* ts of the newest line received */
    bool restart_pending;
    bool end_pending;                    /* ended; its last events still queued */
    uint64_t last_event_ms;              /* loop time of the newest event */
    uint64_t last_proc_sample_ms;
    int64_t paused_at_us;                /* demo time the lab paused it (p) */
    struct demo_source *source;          /* v: the code beside it (demo_source.c) */
} demo_screen;

/* demo_source.c: v shows the runtime code the demo's chapter section
 * quotes, beside the dashboard ([ and ] scroll it). */
typedef struct demo_source demo_source;
void demo_source_toggle(demo_screen *d);
bool demo_source_shown(const demo_screen *d);
void demo_source_scroll(demo_screen *d, int by);
/* Columns left to the dashboard (0: the code takes the whole screen). */
int demo_source_split(const demo_screen *d, int cols);
void demo_source_draw(demo_screen *d, int rows, int cols);
void demo_source_free(demo_screen *d);

/* demo_step.c: step mode. */
void demo_step_hold(demo_screen *d, const char *line, size_t n);
bool demo_step_next(demo_screen *d);          /* false: nothing waits */
void demo_step_set(demo_screen *d, bool on);  /* off feeds all that waits */
void demo_step_reset(demo_screen *d);
/* screen_demo.c: how the demo ended, once its events are all shown. */
void demo_end_settle(demo_screen *d);

/* demo_result.c: the result panel; its rows wanted (and at least *min). */
int demo_result_rows(const demo_screen *d, int cols, int *min);
void demo_result_draw(demo_screen *d, int y, int h, int cols);

/* demo_cluster.c: the cluster view (when the model has a cluster). */
void demo_cluster_head(demo_screen *d, int y, int cols);
int demo_cluster_selected(const demo_screen *d);     /* the live worker's index */
void demo_cluster_table(demo_screen *d, int y, int h, int cols);
int demo_cluster_dist_rows(const demo_screen *d, int cols);
void demo_cluster_dist(demo_screen *d, int y, int h, int cols);
void demo_timeline_draw(const model_timeline *tl, const char *title, int y, int h, int cols);
/* demo_shutdown.c: the graceful-shutdown view (when the model has one). */
int demo_shutdown_rows(void);
void demo_shutdown_draw(demo_screen *d, int y, int h, int cols);
/* demo_threads.c: the shared-counter rows, the actors' mailboxes. */
bool demo_counts_shown(const model *m);
int demo_counts_rows(const model *m);
void demo_counts_draw(demo_screen *d, int y, int h, int cols);
bool demo_actors_shown(const model *m);
int demo_actors_rows(const model *m);
void demo_actors_draw(demo_screen *d, int y, int h, int cols);
/* demo_jobs.c: a job pool's rows (when the model has one). */
int demo_jobs_rows(const model *m);
void demo_jobs_draw(demo_screen *d, int y, int h, int cols);
/* demo_system.c: an upload system's overview (when the model has one). */
int demo_system_rows(const model *m);
void demo_system_draw(demo_screen *d, int y, int h, int cols);
/* The view's own timeline, if it has one (cluster, shutdown), else NULL. */
model_timeline *demo_timeline(demo_screen *d);

/* demo_panels.c */
void demo_draw(demo_screen *d, int rows, int cols);
int64_t demo_now_us(const demo_screen *d);   /* demo time, for the clock */
int64_t demo_real_us(const demo_screen *d);  /* the demo's own time now, even
                                                while stepping or paused */
extern const struct log_filter { const char *name; int mask; } demo_log_filters[];
extern const int demo_log_nfilters;

#endif
