/*
 * model_shutdown.c — the graceful-shutdown view's model (model_shutdown.h).
 *
 * The phase strip only moves forward: each `shutdown` phase marks the step
 * it belongs to, and a later step marks the ones before it as passed (a
 * SIGKILL jumps from serving to exit: the steps between never happen, and
 * the strip shows that).  The deadline gauge is demo time since the
 * signal, from the events' own clock.
 */
#include "model_impl.h"

#include <stdio.h>
#include <string.h>

const char *const model_shutdown_phase_names[SD_NPHASES] = {
    [SD_SERVING] = "serving", [SD_SIGNAL] = "signal", [SD_STOP_ACCEPTING] = "stop accepting",
    [SD_DRAINING] = "draining", [SD_CLOSE_DB] = "close db", [SD_EXIT] = "exit",
};

void model_shutdown_init(model_shutdown *s)
{
    memset(s, 0, sizeof *s);
    s->reached = -1;
    s->signal_ts = s->end_ts = -1;
    s->exit_code = -1;
}

static void reach(model_shutdown *s, sd_phase p)
{
    s->phase_seen[p] = true;
    if ((int)p > s->reached) s->reached = (int)p;
}

static model_cevent *line(model_shutdown *s, int64_t ts, const char *what)
{
    return model_timeline_add(&s->tl, ts, what, false);
}

/* `serving` with a `db`: the server is up (a cluster's has none). */
void model_shutdown_on_serving(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    const char *db = ev_str(e->ev, "db");
    if (!db) return;
    s->active = true;
    s->server_pid = e->pid;
    s->port = to_int(ev_num(e->ev, "port", 0));
    s->deadline_ms = to_i64(ev_num(e->ev, "deadline_ms", 0));
    const char *slash = strrchr(db, '/');
    model_copy(s->db, sizeof s->db, slash ? slash + 1 : db);
    reach(s, SD_SERVING);
    snprintf(line(s, e->ts, "server")->text, sizeof s->tl.tl[0].text, "serving on 127.0.0.1:%d, db %s",
             s->port, s->db);
}

void model_shutdown_on_request_start(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    if (s->active) s->in_flight = to_i64(ev_num(e->ev, "in_flight", (double)s->in_flight));
}

void model_shutdown_on_db(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    const char *phase = e->phase;
    if (!phase) return;
    if (!strcmp(phase, "open")) {
        model_copy(s->journal, sizeof s->journal, ev_str(e->ev, "journal"));
    } else if (!strcmp(phase, "closed")) {
        s->commits = to_i64(ev_num(e->ev, "commits", 0));
        snprintf(line(s, e->ts, "db")->text, sizeof s->tl.tl[0].text, "closed after %lld commits",
                 (long long)s->commits);
    }
}

/* `shutdown`: lab_shutdown's steps. */
void model_shutdown_on_shutdown(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    const char *phase = e->phase;
    if (!phase) return;
    s->active = true;
    char *text = NULL;
    size_t size = sizeof s->tl.tl[0].text;
    if (!strcmp(phase, "signal")) {
        reach(s, SD_SIGNAL);
        s->signal_ts = e->ts;
        model_copy(s->signal, sizeof s->signal, ev_str(e->ev, "signal"));
        s->in_flight = s->in_flight_at_signal = to_i64(ev_num(e->ev, "in_flight", 0));
        s->deadline_ms = to_i64(ev_num(e->ev, "deadline_ms", (double)s->deadline_ms));
        s->refused_at_signal = s->refused;
        snprintf(text = line(s, e->ts, "signal")->text, size, "%s: %lld in flight, deadline %lld ms",
                 s->signal, (long long)s->in_flight, (long long)s->deadline_ms);
    } else if (!strcmp(phase, "stop-accepting")) {
        reach(s, SD_STOP_ACCEPTING);
        snprintf(text = line(s, e->ts, "server")->text, size, "close %s: no new connections",
                 ev_str(e->ev, "listener") ? ev_str(e->ev, "listener") : "listener");
    } else if (!strcmp(phase, "draining")) {
        reach(s, SD_DRAINING);
        s->in_flight = to_i64(ev_num(e->ev, "in_flight", 0));
        snprintf(text = line(s, e->ts, "draining")->text, size, "%lld requests in flight",
                 (long long)s->in_flight);
    } else if (!strcmp(phase, "drained")) {
        s->in_flight = 0;
        snprintf(text = line(s, e->ts, "drained")->text, size, "none left in flight");
    } else if (!strcmp(phase, "closing")) {
        reach(s, SD_CLOSE_DB);
        snprintf(text = line(s, e->ts, "closing")->text, size, "%s",
                 ev_str(e->ev, "closer") ? ev_str(e->ev, "closer") : "?");
    } else if (!strcmp(phase, "closed")) {
        const char *err = ev_str(e->ev, "error");
        snprintf(text = line(s, e->ts, "closed")->text, size, "%s in %lld ms%s%s",
                 ev_str(e->ev, "closer") ? ev_str(e->ev, "closer") : "?",
                 (long long)to_i64(ev_num(e->ev, "took_ms", 0)), err ? ": " : "", err ? err : "");
    } else if (!strcmp(phase, "done")) {
        reach(s, SD_EXIT);
        s->end_ts = e->ts;
        snprintf(text = line(s, e->ts, "done")->text, size, "exit %d", to_int(ev_num(e->ev, "code", 0)));
    } else if (!strcmp(phase, "forced")) {
        s->forced = true;
        s->end_ts = e->ts;
        model_copy(s->forced_reason, sizeof s->forced_reason, ev_str(e->ev, "reason"));
        reach(s, SD_EXIT);
        snprintf(text = line(s, e->ts, "forced")->text, size, "%s, %lld still in flight",
                 s->forced_reason, (long long)to_i64(ev_num(e->ev, "in_flight", 0)));
    }
    (void)text;
}

/* The demo's clients: `load` (their totals) and `stop` (the signal sent). */
void model_shutdown_on_load(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    if (!s->active) return;                 /* a cluster's load generator */
    s->requests = to_i64(ev_num(e->ev, "requests", 0));
    s->acknowledged = to_i64(ev_num(e->ev, "acknowledged", 0));
    s->refused = to_i64(ev_num(e->ev, "refused", 0));
    s->cut_off = to_i64(ev_num(e->ev, "cut_off", 0));
    if (s->signal_ts < 0) s->in_flight = to_i64(ev_num(e->ev, "in_flight", 0));
}

void model_shutdown_on_stop(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    const char *sig = ev_str(e->ev, "signal");
    if (!s->active || !sig) return;
    if (!strcmp(sig, "SIGKILL")) {          /* lab_shutdown never hears of it */
        reach(s, SD_SIGNAL);
        s->signal_ts = e->ts;
        model_copy(s->signal, sizeof s->signal, sig);
        s->in_flight_at_signal = to_i64(ev_num(e->ev, "in_flight", 0));
        s->refused_at_signal = s->refused;
    }
    snprintf(line(s, e->ts, "stop")->text, sizeof s->tl.tl[0].text, "%s sent to the server, pid %d",
             sig, to_int(ev_num(e->ev, "server", 0)));
}

/* The server's exit (reported by the demo that forked it), or the demo's
 * own when it was the server. */
void model_shutdown_on_exit(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    if (!s->active || e->subject != s->server_pid) return;
    const char *sig = ev_str(e->ev, "signal");
    s->exited = true;
    s->exit_code = sig ? -1 : to_int(ev_num(e->ev, "code", -1));
    s->killed = sig && !strcmp(sig, "SIGKILL");
    reach(s, SD_EXIT);
    if (s->end_ts < 0) s->end_ts = e->ts;
    if (s->killed) s->in_flight = 0;        /* cut off, not finished */
    model_cevent *t = line(s, e->ts, "exit");
    if (sig) snprintf(t->text, sizeof t->text, "server killed by %s: nothing closed", sig);
    else snprintf(t->text, sizeof t->text, "server exit %d", s->exit_code);
}

void model_shutdown_on_summary(event *e)
{
    model_shutdown *s = &e->m->shutdown;
    const char *role = e->role;
    if (!s->active || !role) return;
    if (!strcmp(role, "server")) {
        s->acknowledged = to_i64(ev_num(e->ev, "acknowledged", (double)s->acknowledged));
    } else if (!strcmp(role, "audit")) {
        s->audited = true;
        s->acknowledged = to_i64(ev_num(e->ev, "acknowledged", (double)s->acknowledged));
        s->rows = to_i64(ev_num(e->ev, "rows", 0));
        s->present = to_i64(ev_num(e->ev, "acknowledged_present", 0));
        s->missing = to_i64(ev_num(e->ev, "acknowledged_missing", 0));
        s->unacked_rows = to_i64(ev_num(e->ev, "unacknowledged_rows", 0));
        s->cut_off = to_i64(ev_num(e->ev, "cut_off", (double)s->cut_off));
        s->refused = to_i64(ev_num(e->ev, "refused", (double)s->refused));
        snprintf(line(s, e->ts, "audit")->text, sizeof s->tl.tl[0].text,
                 "%lld acknowledged, %lld of them in the db, %lld missing",
                 (long long)s->acknowledged, (long long)s->present, (long long)s->missing);
    }
}

int64_t model_shutdown_refused_since(const model *m)
{
    const model_shutdown *s = &m->shutdown;
    return s->signal_ts >= 0 && s->refused > s->refused_at_signal ? s->refused - s->refused_at_signal : 0;
}

int64_t model_shutdown_deadline_used(const model *m, int64_t now_us)
{
    const model_shutdown *s = &m->shutdown;
    if (s->signal_ts < 0) return 0;
    int64_t end = s->end_ts >= 0 ? s->end_ts : now_us;
    return end > s->signal_ts ? (end - s->signal_ts) / 1000 : 0;
}
