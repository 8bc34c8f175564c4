/*
 * shutdown.c — graceful shutdown (see shutdown.h).
 *
 * A small state machine driven by the loop:
 *
 *   running --signal--> draining --in flight 0--> closing --last closer--> done
 *                          |                         |
 *                          +--deadline / 2nd signal--+--> forced
 *
 * Entering `draining` runs step 1 (every listener's stop) at once; the
 * deadline timer runs from the first signal to the end.  From the first
 * signal on the helper holds the loop, so the process cannot end halfway
 * because its last handle closed.
 */
#define _GNU_SOURCE
#include "shutdown.h"
#include "grow.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RUNNING, DRAINING, CLOSING, DONE, FORCED };
static const char *const phase_names[] = { "running", "draining", "closing", "done", "forced" };

typedef struct {
    char name[32];
    void *fn;                  /* lab_shutdown_stop_fn or lab_shutdown_close_fn */
    void *arg;
    uint64_t started_ms;
} entry;

typedef struct {
    entry *items;
    size_t len, cap;
} entries;

struct lab_shutdown {
    lab_loop *loop;
    lab_shutdown_options opts;
    int phase;
    entries listeners, closers;
    size_t next_closer;        /* closers run from the last down: how many are left */
    bool closer_pending;
    int closers_failed;
    size_t in_flight;
    uint64_t started_ms;       /* loop time of the first signal */
    char reason[32];
    lab_signal sigterm, sigint;
    lab_timer deadline;
};

static uint64_t elapsed(const lab_shutdown *sd)
{
    return lab_loop_now(sd->loop) - sd->started_ms;
}

static lab_ev *event(const lab_shutdown *sd, const char *phase)
{
    lab_ev *e = lab_ev_new(LAB_EV(SHUTDOWN));
    lab_ev_str(e, "phase", phase);
    if (sd->phase != RUNNING) lab_ev_int(e, "ms", (int64_t)elapsed(sd));
    return e;
}

/* ---- the end ----------------------------------------------------------------------- */

static void stop_watching(lab_shutdown *sd)
{
    lab_signal_stop(&sd->sigterm);
    lab_signal_stop(&sd->sigint);
    lab_timer_stop(&sd->deadline);
}

static void done(lab_shutdown *sd, int code, bool forced)
{
    stop_watching(sd);
    lab_loop_release(sd->loop);               /* held since the first signal */
    if (sd->opts.on_done) {
        sd->opts.on_done(sd, code);
        return;
    }
    fflush(NULL);
    lab_tel_close(1000);
    if (forced) _exit(code);
    exit(code);
}

/* Names the closers that never ran (and the one still running), for the
 * forced exit's report. */
static void not_closed(const lab_shutdown *sd, char *out, size_t size, cJSON **list)
{
    out[0] = 0;
    *list = cJSON_CreateArray();
    size_t left = sd->phase == CLOSING ? sd->next_closer + (sd->closer_pending ? 1 : 0)
                                       : sd->closers.len;
    for (size_t i = left; i-- > 0;) {
        const char *name = sd->closers.items[i].name;
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", n ? ", " : "", name);
        cJSON_AddItemToArray(*list, cJSON_CreateString(name));
    }
}

static void force(lab_shutdown *sd, const char *why)
{
    char open[256];
    cJSON *list;
    not_closed(sd, open, sizeof open, &list);
    lab_ev *e = event(sd, "forced");
    lab_ev_str(e, "reason", why);
    lab_ev_int(e, "in_flight", (int64_t)sd->in_flight);
    lab_ev_json(e, "not_closed", list);
    lab_ev_emit(e);
    /* The one line an operator reads in the logs. */
    fprintf(stderr, "shutdown: forced exit (%s) after %llu ms: %zu request%s still in flight; "
            "not closed: %s\n", why, (unsigned long long)elapsed(sd), sd->in_flight,
            sd->in_flight == 1 ? "" : "s", open[0] ? open : "nothing");
    sd->phase = FORCED;
    done(sd, sd->opts.forced_code, true);
}

static void on_deadline(lab_timer *t)
{
    lab_shutdown *sd = t->data;
    char why[64];
    snprintf(why, sizeof why, "deadline of %llu ms passed",
             (unsigned long long)sd->opts.deadline_ms);
    force(sd, why);
}

/* ---- step 3: the closers, last registered first -------------------------------------------- */

static void run_closers(lab_shutdown *sd);

static void closer_finished(lab_shutdown *sd, int status)
{
    entry *c = &sd->closers.items[sd->next_closer];
    lab_ev *e = event(sd, "closed");
    lab_ev_str(e, "closer", c->name);
    lab_ev_int(e, "took_ms", (int64_t)(lab_loop_now(sd->loop) - c->started_ms));
    if (status < 0) {
        lab_ev_str(e, "error", strerror(-status));
        sd->closers_failed++;
        fprintf(stderr, "shutdown: closing %s failed: %s\n", c->name, strerror(-status));
    }
    lab_ev_emit(e);
}

static void run_closers(lab_shutdown *sd)
{
    while (sd->phase == CLOSING && !sd->closer_pending && sd->next_closer > 0) {
        entry *c = &sd->closers.items[--sd->next_closer];
        c->started_ms = lab_loop_now(sd->loop);
        lab_ev *e = event(sd, "closing");
        lab_ev_str(e, "closer", c->name);
        lab_ev_emit(e);
        int rc = ((lab_shutdown_close_fn *)c->fn)(sd, c->arg);
        if (rc == LAB_SHUTDOWN_PENDING) {
            sd->closer_pending = true;
            return;
        }
        closer_finished(sd, rc);
    }
    if (sd->phase == CLOSING && !sd->closer_pending) {
        int code = sd->closers_failed ? 1 : 0;
        sd->phase = DONE;
        lab_ev *e = event(sd, "done");
        lab_ev_int(e, "code", code);
        lab_ev_emit(e);
        done(sd, code, false);
    }
}

void lab_shutdown_closer_done(lab_shutdown *sd, int status)
{
    if (!sd->closer_pending) return;
    sd->closer_pending = false;
    if (sd->phase != CLOSING) return;          /* forced meanwhile */
    closer_finished(sd, status);
    run_closers(sd);
}

/* ---- step 2: the drain ------------------------------------------------------------------ */

/* doc:check-drained */
static void check_drained(lab_shutdown *sd)
{
    if (sd->phase != DRAINING || sd->in_flight > 0) return;
    lab_ev_emit(event(sd, "drained"));
    sd->phase = CLOSING;
    sd->next_closer = sd->closers.len;
    run_closers(sd);
}
/* end doc:check-drained */

void lab_shutdown_request_begin(lab_shutdown *sd) { sd->in_flight++; }

void lab_shutdown_request_end(lab_shutdown *sd)
{
    if (sd->in_flight > 0) sd->in_flight--;
    check_drained(sd);
}

size_t lab_shutdown_in_flight(const lab_shutdown *sd) { return sd->in_flight; }

/* ---- step 1, and the start ---------------------------------------------------------------- */

void lab_shutdown_start(lab_shutdown *sd, const char *reason)
{
    if (sd->phase == DONE || sd->phase == FORCED) return;
    if (sd->phase != RUNNING) {                /* the operator insists */
        char why[64];
        snprintf(why, sizeof why, "second signal %s", reason);
        force(sd, why);
        return;
    }
    sd->phase = DRAINING;
    sd->started_ms = lab_loop_now(sd->loop);
    snprintf(sd->reason, sizeof sd->reason, "%s", reason);
    lab_loop_hold(sd->loop);
    lab_ev *e = event(sd, "signal");
    lab_ev_str(e, "signal", reason);
    lab_ev_int(e, "in_flight", (int64_t)sd->in_flight);
    lab_ev_int(e, "deadline_ms", (int64_t)sd->opts.deadline_ms);
    lab_ev_emit(e);
    lab_timer_start(&sd->deadline, on_deadline, sd->opts.deadline_ms, 0);
    for (size_t i = 0; i < sd->listeners.len; i++) {
        entry *l = &sd->listeners.items[i];
        ((lab_shutdown_stop_fn *)l->fn)(l->arg);
        e = event(sd, "stop-accepting");
        lab_ev_str(e, "listener", l->name);
        lab_ev_emit(e);
    }
    e = event(sd, "draining");
    lab_ev_int(e, "in_flight", (int64_t)sd->in_flight);
    lab_ev_emit(e);
    check_drained(sd);
}

static void on_signal(lab_signal *s, int signum)
{
    lab_shutdown_start(s->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- setting up ------------------------------------------------------------------------------ */

static int add(entries *list, const char *name, void *fn, void *arg)
{
    list->items = lab_grow_or_die(list->items, &list->cap, list->len + 1,
                                  sizeof *list->items, 4);
    entry *e = &list->items[list->len++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->fn = fn;
    e->arg = arg;
    return 0;
}

int lab_shutdown_add_listener(lab_shutdown *sd, const char *name,
                              lab_shutdown_stop_fn *stop, void *arg)
{
    return add(&sd->listeners, name, (void *)stop, arg);
}

int lab_shutdown_add_closer(lab_shutdown *sd, const char *name,
                            lab_shutdown_close_fn *close, void *arg)
{
    return add(&sd->closers, name, (void *)close, arg);
}

lab_shutdown *lab_shutdown_new(lab_loop *loop, const lab_shutdown_options *opts)
{
    lab_shutdown *sd = lab_xcalloc(1, sizeof *sd);
    sd->loop = loop;
    if (opts) sd->opts = *opts;
    if (!sd->opts.deadline_ms) sd->opts.deadline_ms = 10000;
    if (!sd->opts.forced_code) sd->opts.forced_code = 1;
    lab_timer_init(loop, &sd->deadline);
    sd->deadline.data = sd;
    lab_signal_init(loop, &sd->sigterm);
    lab_signal_init(loop, &sd->sigint);
    sd->sigterm.data = sd->sigint.data = sd;
    if (!sd->opts.no_signals) {
        lab_signal_unref(&sd->sigterm);
        lab_signal_unref(&sd->sigint);
        lab_signal_start(&sd->sigterm, on_signal, SIGTERM);
        lab_signal_start(&sd->sigint, on_signal, SIGINT);
    }
    return sd;
}

void lab_shutdown_free(lab_shutdown *sd)
{
    if (!sd) return;
    if (sd->phase == DRAINING || sd->phase == CLOSING) lab_loop_release(sd->loop);
    stop_watching(sd);
    free(sd->listeners.items);
    free(sd->closers.items);
    free(sd);
}

const char *lab_shutdown_phase(const lab_shutdown *sd) { return phase_names[sd->phase]; }
bool lab_shutdown_stopping(const lab_shutdown *sd) { return sd->phase != RUNNING; }
void *lab_shutdown_data(const lab_shutdown *sd) { return sd->opts.data; }
