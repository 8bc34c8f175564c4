/*
 * together_analytics.c — demo `together.analytics`: CSV rows streamed into
 * a Python child that keeps running aggregates and streams JSON back.
 *
 *   producer ──A──▶ python3 analytics.py ──B──▶ results
 *   (CSV rows)      (count, sum, mean,          (one JSON object per line:
 *                    min, max per group)         an `aggregate` event each)
 *
 * The script is ours, installed beside the chapters (data/analytics.py),
 * short, and meant to be read.  It knows nothing of backpressure: it reads
 * a row when it is ready for one.  When it is slower than the producer
 * (`work_us`), pipe A fills, python.stdin's write() says false and the
 * producer pauses; the `hop` events show it, as in together.pipeline.
 *
 * The check: while it sends the rows, this process computes the same
 * aggregates in C from the very bytes it sends, and at the end compares
 * them with the script's last (final) line.  Two languages, one answer.
 *
 * The C side reads simple CSV: one row per line, fields split at commas,
 * a field may be in double quotes (with "" for a quote) but not span
 * lines.  A row whose value is not a number counts as `bad` on both sides.
 */
#include "child_demo.h"
#include "course/paths.h"
#include "demo.h"
#include "events.h"
#include "grow.h"
#include "mem.h"
#include "stream.h"
#include "streamkit.h"
#include "telemetry.h"
#include "together_demo.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 8192
#define TICK_MS 10
#define MAX_FIELDS 64

enum { PRODUCER, PY_IN, PY_OUT, RESULTS };

/* ---- the C side of the check: the same aggregates, from the same bytes -- */

typedef struct {
    char *name;
    int64_t count;
    double sum, min, max;
} agg;

typedef struct {
    char *line;                  /* the row being assembled */
    size_t len, cap;
    const char *group_name, *value_name;
    int group_col, value_col;    /* -1 until the header names them */
    bool header_done;
    int64_t rows, bad;
    agg *groups;
    size_t ngroups, gcap;
} cside;

/* Splits a line at commas into fields (in place); "..." quoting, "" for
 * a quote.  Returns how many fields. */
static int split(char *s, char **field, int max)
{
    int n = 0;
    for (;;) {
        char *out = s;
        if (n < max) field[n] = out;
        if (*s == '"') {
            for (s++; *s; s++) {
                if (*s == '"' && s[1] == '"') { *out++ = '"'; s++; }
                else if (*s == '"') { s++; break; }
                else *out++ = *s;
            }
            while (*s && *s != ',') s++;
        } else {
            while (*s && *s != ',') *out++ = *s++;
        }
        bool more = *s == ',';
        *out = '\0';          /* after the copy: out never passes s */
        n++;
        if (!more) return n < max ? n : max;
        s++;
    }
}

static void c_row(cside *c, char *line)
{
    char *f[MAX_FIELDS];
    int n = split(line, f, MAX_FIELDS);
    if (!c->header_done) {               /* the first line names the columns */
        c->header_done = true;
        for (int i = n - 1; i >= 0; i--) {   /* the first of equal names wins */
            if (strcmp(f[i], c->group_name) == 0) c->group_col = i;
            if (strcmp(f[i], c->value_name) == 0) c->value_col = i;
        }
        return;
    }
    c->rows++;
    char *end;
    if (c->group_col < 0 || c->value_col < 0 || n <= c->group_col || n <= c->value_col ||
        !*f[c->value_col]) { c->bad++; return; }
    double x = strtod(f[c->value_col], &end);
    while (*end == ' ') end++;
    if (*end || !isfinite(x)) { c->bad++; return; }
    agg *g = NULL;
    for (size_t i = 0; i < c->ngroups && !g; i++)
        if (strcmp(c->groups[i].name, f[c->group_col]) == 0) g = &c->groups[i];
    if (!g) {
        c->groups = lab_grow_or_die(c->groups, &c->gcap, c->ngroups + 1, sizeof *c->groups, 16);
        g = &c->groups[c->ngroups++];
        *g = (agg){ .name = lab_xstrdup(f[c->group_col]), .min = x, .max = x };
    }
    g->count++;
    g->sum += x;
    if (x < g->min) g->min = x;
    if (x > g->max) g->max = x;
}

/* Feeds bytes as they are sent; a row is handled when its newline comes. */
static void c_feed(cside *c, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            c->line = lab_grow_or_die(c->line, &c->cap, c->len + 2, 1, 256);
            c->line[c->len++] = buf[i];
            continue;
        }
        if (c->len && c->line[c->len - 1] == '\r') c->len--;
        c->line = lab_grow_or_die(c->line, &c->cap, c->len + 1, 1, 256);
        c->line[c->len] = '\0';
        c_row(c, c->line);
        c->len = 0;
    }
}

static void c_free(cside *c)
{
    for (size_t i = 0; i < c->ngroups; i++) free(c->groups[i].name);
    free(c->groups);
    free(c->line);
}

/* ---- the demo's state ---------------------------------------------------- */

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    tg_chain chain;
    cside c;

    int in_fd, out_fd;
    uint64_t made_rows, line, budget, last_tick_us, sent;
    bool wants, eof, stopping;
    lab_timer tick, sampler;

    lab_process *py;
    pid_t py_pid;
    int py_error, py_code;
    char *results;               /* a line of output being assembled */
    size_t rlen, rcap;
    int64_t reports;
    cJSON *final;                /* the script's last line, if final */
    bool got_final;
    uint64_t start_us;
} an;

#define P(a, key) lab_demo_int((a)->demo, key)

/* ---- the producer: CSV rows, at `rate` rows per second ------------------ */

static const char *const regions[] = { "north", "south", "east", "west", "central", "islands" };

/* One generated row into out; returns its length.  The values are what a
 * till might record: a region and an amount with cents. */
static size_t gen_row(an *a, char *out, size_t size)
{
    uint64_t i = a->line++, h = i * 0x9E3779B97F4A7C15ULL;
    if (i == 0) return (size_t)snprintf(out, size, "id,%s,%s\n", lab_demo_str(a->demo, "group"),
                                        lab_demo_str(a->demo, "value"));
    return (size_t)snprintf(out, size, "%llu,%s,%llu.%02llu\n", (unsigned long long)i,
                            regions[(h >> 33) % 6], (unsigned long long)((h >> 7) % 5000),
                            (unsigned long long)((h >> 20) % 100));
}

static void send_bytes(an *a, const char *buf, size_t n)
{
    c_feed(&a->c, buf, n);
    a->sent += n;
    a->wants = lab_readable_push(a->chain.st[PRODUCER].s, lab_chunk_copy(buf, n));
}

static void produce(an *a)
{
    uint64_t rows = (uint64_t)P(a, "rows");
    while (a->wants && !a->eof) {
        char buf[CHUNK];
        size_t n = 0;
        if (a->stopping) {
            /* the end, below */
        } else if (a->in_fd >= 0) {
            ssize_t got = read(a->in_fd, buf, sizeof buf);
            if (got < 0) {
                lab_err e = lab_err_sys(errno, "read");
                lab_stream_destroy(a->chain.st[PRODUCER].s, &e);
                return;
            }
            n = (size_t)got;
        } else {
            /* Whole rows only, as many as the budget allows (the header
             * does not count against `rows`). */
            while (a->made_rows < rows && n + 128 < sizeof buf &&
                   (P(a, "rate") == 0 || a->budget > 0)) {
                if (a->line > 0) { a->made_rows++; if (a->budget) a->budget--; }
                n += gen_row(a, buf + n, sizeof buf - n);
            }
            if (n == 0 && a->made_rows < rows) return;     /* next tick */
        }
        if (n == 0) {
            a->eof = true;
            if (a->c.len) c_feed(&a->c, "\n", 1);           /* a last row without \n */
            lab_readable_push_eof(a->chain.st[PRODUCER].s);
            return;
        }
        send_bytes(a, buf, n);
    }
}

static void producer_read(lab_stream *s, size_t n)
{
    an *a = lab_stream_data(s);
    a->wants = true;
    produce(a);
}

static const lab_stream_ops producer_ops = { .read = producer_read };

static void on_tick(lab_timer *t)
{
    an *a = t->data;
    uint64_t now = lab_clock_us(), rate = (uint64_t)P(a, "rate");
    a->budget += rate * (now - a->last_tick_us) / 1000000;
    if (a->budget > rate / 10 + 1) a->budget = rate / 10 + 1;   /* no burst after a pause */
    a->last_tick_us = now;
    produce(a);
}

/* ---- the results: one JSON object per line ------------------------------- */

static void result_line(an *a, char *line, size_t len)
{
    if (a->out_fd >= 0) {
        line[len] = '\n';
        for (size_t off = 0; off < len + 1;) {
            ssize_t w = write(a->out_fd, line + off, len + 1 - off);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) break;                       /* reported at the end by the count */
            off += (size_t)w;
        }
    }
    cJSON *j = cJSON_ParseWithLength(line, len);
    if (!j) return;
    a->reports++;
    lab_ev *e = lab_ev_new(LAB_EV(AGGREGATE));
    lab_ev_int(e, "rows", (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "rows")));
    lab_ev_int(e, "bad", (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "bad")));
    lab_ev_bool(e, "final", cJSON_IsTrue(cJSON_GetObjectItem(j, "final")));
    lab_ev_int(e, "sent_rows", a->c.rows);       /* how far the producer is ahead */
    lab_ev_json(e, "groups", cJSON_Duplicate(cJSON_GetObjectItem(j, "groups"), true));
    lab_ev_emit(e);
    if (cJSON_IsTrue(cJSON_GetObjectItem(j, "final"))) {
        cJSON_Delete(a->final);
        a->final = j;
        a->got_final = true;
    } else {
        cJSON_Delete(j);
    }
}

static void results_write(lab_stream *s, const lab_chunk *c)
{
    an *a = lab_stream_data(s);
    const char *data = c->data;
    for (size_t i = 0; i < c->len; i++) {
        if (data[i] != '\n') {
            a->results = lab_grow_or_die(a->results, &a->rcap, a->rlen + 2, 1, 1024);
            a->results[a->rlen++] = data[i];
            continue;
        }
        a->results = lab_grow_or_die(a->results, &a->rcap, a->rlen + 2, 1, 1024);
        result_line(a, a->results, a->rlen);
        a->rlen = 0;
    }
    lab_write_done(s, NULL);
}

static const lab_stream_ops results_ops = { .write = results_write };

/* ---- the comparison ------------------------------------------------------ */

static bool same(double x, double y) { return fabs(x - y) <= 1e-9 * fmax(1.0, fmax(fabs(x), fabs(y))); }

/* Compares the C aggregates with the script's final line: NULL if they
 * agree, else what differs first (into buf). */
static const char *compare(an *a, char *buf, size_t size)
{
    if (!a->got_final) return "no final line from the script";
    cJSON *f = a->final, *groups = cJSON_GetObjectItem(f, "groups");
    if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "rows")) != a->c.rows ||
        (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "bad")) != a->c.bad) {
        snprintf(buf, size, "rows/bad: python %g/%g, C %lld/%lld",
                 cJSON_GetNumberValue(cJSON_GetObjectItem(f, "rows")),
                 cJSON_GetNumberValue(cJSON_GetObjectItem(f, "bad")),
                 (long long)a->c.rows, (long long)a->c.bad);
        return buf;
    }
    if ((size_t)cJSON_GetArraySize(groups) != a->c.ngroups) {
        snprintf(buf, size, "groups: python %d, C %zu", cJSON_GetArraySize(groups), a->c.ngroups);
        return buf;
    }
    for (size_t i = 0; i < a->c.ngroups; i++) {
        const agg *g = &a->c.groups[i];
        cJSON *p = cJSON_GetObjectItemCaseSensitive(groups, g->name);
#define NUM(k) cJSON_GetNumberValue(cJSON_GetObjectItem(p, k))
        if (!p || NUM("count") != (double)g->count || !same(NUM("sum"), g->sum) ||
            !same(NUM("min"), g->min) || !same(NUM("max"), g->max) ||
            !same(NUM("mean"), g->sum / (double)g->count)) {
            snprintf(buf, size, "group %s differs", g->name);
            return buf;
        }
#undef NUM
    }
    return NULL;
}

static void summary(an *a)
{
    char why[160];
    const char *diff = compare(a, why, sizeof why);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    if (!e) return;
    lab_ev_int(e, "rows", a->c.rows);
    lab_ev_int(e, "bad", a->c.bad);
    lab_ev_int(e, "bytes", (int64_t)a->sent);
    lab_ev_int(e, "python_in", (int64_t)lab_writable_total(a->chain.st[PY_IN].s));
    lab_ev_int(e, "reports", a->reports);
    lab_ev_bool(e, "final", a->got_final);
    lab_ev_bool(e, "match", diff == NULL);
    lab_ev_str(e, "mismatch", diff);
    cJSON *groups = cJSON_CreateObject();
    for (size_t i = 0; i < a->c.ngroups; i++) {
        const agg *g = &a->c.groups[i];
        cJSON *o = cJSON_AddObjectToObject(groups, g->name);
        cJSON_AddNumberToObject(o, "count", (double)g->count);
        cJSON_AddNumberToObject(o, "sum", g->sum);
        cJSON_AddNumberToObject(o, "mean", g->sum / (double)g->count);
        cJSON_AddNumberToObject(o, "min", g->min);
        cJSON_AddNumberToObject(o, "max", g->max);
    }
    lab_ev_json(e, "c_groups", groups);
    for (int i = 0; i < a->chain.n; i++) tg_stage_fields(e, &a->chain.st[i]);
    lab_ev_int(e, "python_pid", a->py_pid);
    lab_ev_int(e, "python_code", a->py_code);
    lab_ev_bool(e, "stopped_at_duration", a->stopping);
    lab_ev_num(e, "elapsed_ms", child_demo_ms_since(a->start_us));
    lab_ev_emit(e);
}

/* ---- the child ----------------------------------------------------------- */

static void on_py_error(lab_process *p, int err, const char *message)
{
    ((an *)p->data)->py_error = err;
}

static void on_py_close(lab_process *p, int code, int sig)
{
    an *a = p->data;
    a->py_code = sig ? -sig : code;
    a->py = NULL;
}

static void on_sample(lab_timer *t) { tg_sample(&((an *)t->data)->chain); }

static void on_deadline(lab_demo *d)
{
    an *a = d->data;
    a->stopping = true;          /* the producer ends; what was sent is checked */
    a->wants = true;
    produce(a);
}

static int run(lab_demo *d)
{
    an a = { .demo = d, .in_fd = -1, .out_fd = -1, .c = { .group_col = -1, .value_col = -1 } };
    d->data = &a;
    const char *in = lab_demo_str(d, "in"), *out = lab_demo_str(d, "out");
    char script[4200];
    nl_data_path(script, sizeof script, "data/analytics.py");
    if (access(script, R_OK) < 0) {
        fprintf(stderr, "nodelab: together.analytics: cannot read the script %s: %s\n", script, strerror(errno));
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    if (*in && (a.in_fd = open(in, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "nodelab: together.analytics: cannot read %s: %s\n", in, strerror(errno));
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    if (*out && (a.out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "nodelab: together.analytics: cannot write %s: %s\n", out, strerror(errno));
        if (a.in_fd >= 0) close(a.in_fd);
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    a.c.group_name = lab_demo_str(d, "group");
    a.c.value_name = lab_demo_str(d, "value");
    a.loop = lab_loop_new();
    a.start_us = a.last_tick_us = lab_clock_us();
    lab_demo_announce(d);

    char report[24], work[24];
    snprintf(report, sizeof report, "%lld", (long long)P(&a, "report"));
    snprintf(work, sizeof work, "%lld", (long long)P(&a, "work_us"));
    char *argv[] = { "python3", script, (char *)lab_demo_str(d, "group"), (char *)lab_demo_str(d, "value"),
                     "--report", report, "--work-us", work, NULL };
    lab_spawn_options o = { .file = "python3", .argv = argv, .on_error = on_py_error,
                            .on_close = on_py_close, .data = &a };
    child_demo_options(&o, CHILD_DEMO_PIPES, false);
    o.stdio[2].kind = LAB_STDIO_INHERIT;         /* the script's own complaints */
    a.py = lab_spawn(a.loop, &o);
    if (!a.py || a.py->spawn_error) {
        lab_loop_run(a.loop);                    /* delivers on_error, on_close */
        if (a.py_error == ENOENT || (!a.py && errno == ENOENT))
            fprintf(stderr, "nodelab: together.analytics: python3 is not installed "
                            "(not found in PATH); the demo needs it\n");
        else
            fprintf(stderr, "nodelab: together.analytics: cannot start python3: %s\n",
                    strerror(a.py_error ? a.py_error : errno));
        lab_loop_free(a.loop);
        if (a.in_fd >= 0) close(a.in_fd);
        if (a.out_fd >= 0) { close(a.out_fd); unlink(out); }
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    a.py_pid = a.py->pid;

    lab_stream_opts po = { .name = "producer", .hwm = 4 * CHUNK };
    lab_stream *producer = lab_readable_new(a.loop, &producer_ops, &po, &a);
    lab_stream_opts ro = { .name = "results" };
    lab_stream *results = lab_writable_new(a.loop, &results_ops, &ro, &a);
    tg_watch(&a.chain, producer, "producer", false, false);          /* PRODUCER */
    tg_watch(&a.chain, a.py->stdio[0], "python.stdin", true, true);  /* PY_IN */
    tg_watch(&a.chain, a.py->stdio[1], "python.stdout", false, true);
    tg_watch(&a.chain, results, "results", true, false);
    lab_stream_unref(producer);
    lab_stream_unref(results);
    lab_pipe(producer, a.py->stdio[0], true);
    lab_pipe(a.py->stdio[1], results, true);

    lab_demo_deadline(d, a.loop, on_deadline);
    kit_every(a.loop, &a.tick, TICK_MS, on_tick, &a);
    kit_every(a.loop, &a.sampler, (uint64_t)P(&a, "sample_ms"), on_sample, &a);
    lab_loop_run(a.loop);
    lab_demo_deadline_cancel(d);

    tg_sample(&a.chain);
    summary(&a);
    lab_timer_stop(&a.tick);
    lab_timer_stop(&a.sampler);
    char why[160];
    bool ok = compare(&a, why, sizeof why) == NULL;
    tg_chain_release(&a.chain);
    lab_loop_free(a.loop);
    cJSON_Delete(a.final);
    c_free(&a.c);
    free(a.results);
    if (a.in_fd >= 0) close(a.in_fd);
    if (a.out_fd >= 0) close(a.out_fd);
    if (a.py_code == 2) return LAB_DEMO_EXIT_UNAVAILABLE;   /* the script said why */
    return ok ? 0 : 1;
}

const lab_demo_def lab_demo_together_analytics = {
    .name = "together.analytics",
    .chapter = 6,
    .summary = "CSV rows into a python3 child; running aggregates stream back as JSON lines",
    .shows = "`aggregate` events as the script reports (count, sum, mean, min, max per group); "
             "`hop` on python.stdin fills and the producer pauses when the script is slower "
             "(work_us); the summary compares the script's totals with the same sums done in C",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path", "a CSV file with a header (default: generated rows)",
          false, lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path", "where the script's JSON lines also go", false,
          lab_param_output_file },
        { "rows", LAB_PARAM_INT, 200000, 1, 100000000, NULL, "rows",
          "how many rows to generate (without in=)", false },
        { "rate", LAB_PARAM_INT, 0, 0, 10000000, NULL, "rows/s",
          "the producer's pace (0: as fast as the script takes them)", true },
        { "group", LAB_PARAM_STR, 0, 0, 0, "region", "column", "the column to group by", false },
        { "value", LAB_PARAM_STR, 0, 0, 0, "amount", "column", "the numeric column to aggregate", false },
        { "report", LAB_PARAM_INT, 20000, 1, 100000000, NULL, "rows",
          "rows between two result lines from the script", false },
        { "work_us", LAB_PARAM_INT, 0, 0, 100000, NULL, "us",
          "extra time the script spends per row: make it slower than the producer", false },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms", "how often `hop` is reported", false },
    },
    .run = run,
    .lab_sets = { "rate=20000", "work_us=100", "report=5000", NULL },   /* the script is the slow one */
};
