/*
 * model_result.c — what a demo found: its summary, its result rows, its
 * sweep points; and numbers worded in full for people.
 *
 * Some demos exist for one answer: readFile against a stream (136 MB
 * against 2.4 MB), pipe() against pipeline(), a chart of throughput by
 * highWaterMark.  The answer must be on screen whole, not cut off at the
 * end of a log line, so it is kept here field by field, and the result
 * panel (demo_panels.c) lays it out.  Nothing here knows a demo: any
 * `result` event is a row, any `sweep` event a bar, any `summary` a grid.
 */
#include "model_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- numbers for people ------------------------------------------------ */

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* Keys whose numbers are bytes (docs/telemetry.md names them so). */
static bool is_bytes_key(const char *key)
{
    return strstr(key, "bytes") || strstr(key, "rss") || !strcmp(key, "size") ||
           !strcmp(key, "len") || !strcmp(key, "hwm") || ends_with(key, "_hwm") ||
           ends_with(key, "_len") || ends_with(key, "_size");
}

/* 130.0 MiB: binary units, one decimal below 1000 of a unit. */
static void human_bytes(char *buf, size_t size, double v, const char *suffix)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    int u = 0;
    while (fabs(v) >= 1024 && u < 5) { v /= 1024; u++; }
    if (u == 0) snprintf(buf, size, "%.0f %s%s", v, units[u], suffix);
    else snprintf(buf, size, "%.1f %s%s", v, units[u], suffix);
}

/* A plain number: every digit of an integer; a fraction with as many
 * decimals as its size needs, never an exponent. */
static void plain_number(char *buf, size_t size, double v)
{
    double a = fabs(v);
    int decimals = a >= 100 ? 0 : a >= 1 ? 1 : a >= 0.001 ? 3 : 6;
    if (!isfinite(v)) { snprintf(buf, size, "?"); return; }
    if (v == floor(v) && a < 9e15) decimals = 0;
    snprintf(buf, size, "%.*f", decimals, v);
    if (decimals && strchr(buf, '.')) {              /* 0.250 → 0.25 */
        size_t n = strlen(buf);
        while (n > 1 && buf[n - 1] == '0') buf[--n] = '\0';
        if (buf[n - 1] == '.') buf[n - 1] = '\0';
    }
}

/* A text on one line: a newline reads ↵ (a program's output, "a\nb\n"). */
static void text_on_one_line(char *buf, size_t size, const char *s)
{
    size_t n = 0;
    for (; *s && n + 4 < size; s++) {
        if (*s == '\n') { memcpy(buf + n, "↵", 3); n += 3; }
        else buf[n++] = *s == '\t' || *s == '\r' ? ' ' : *s;
    }
    buf[n] = '\0';
}

void model_fmt_value(char *buf, size_t size, const char *key, const cJSON *v, bool units)
{
    if (!key) key = "";
    if (cJSON_IsString(v)) { text_on_one_line(buf, size, v->valuestring); return; }
    if (cJSON_IsBool(v)) { snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false"); return; }
    if (cJSON_IsNull(v) || !v) { snprintf(buf, size, "null"); return; }
    if (cJSON_IsNumber(v)) {
        double n = v->valuedouble;
        /* A rate is unreadable in bytes (149320611.978): always in units. */
        if (ends_with(key, "_per_s") && strstr(key, "bytes") && isfinite(n))
            human_bytes(buf, size, n, "/s");
        else if (units && is_bytes_key(key) && isfinite(n) && fabs(n) >= 1024)
            human_bytes(buf, size, n, "");
        else
            plain_number(buf, size, n);
        return;
    }
    char *text = cJSON_PrintUnformatted(v);             /* arrays, objects */
    snprintf(buf, size, "%s", text ? text : "?");
    cJSON_free(text);
}

/* ---- the summary ------------------------------------------------------- */

static bool is_header(const char *k)
{
    return !strcmp(k, "ts") || !strcmp(k, "ev") || !strcmp(k, "pid");
}

void model_on_summary(event *e)
{
    model *m = e->m;
    size_t n = 0;
    const cJSON *f;
    m->summary[0] = '\0';
    m->nsummary = 0;
    cJSON_ArrayForEach(f, e->ev) {
        if (!f->string || is_header(f->string)) continue;
        if (m->nsummary < MODEL_MAX_FIELDS) {
            model_field *x = &m->summary_fields[m->nsummary++];
            model_copy(x->key, sizeof x->key, f->string);
            model_fmt_value(x->text, sizeof x->text, f->string, f, true);
        }
        if (n < sizeof m->summary) {
            char v[64];
            model_fmt_value(v, sizeof v, f->string, f, false);
            n += (size_t)snprintf(m->summary + n, sizeof m->summary - n, "%s%s=%s",
                                  n ? "  " : "", f->string, v);
        }
    }
}

/* ---- result rows ------------------------------------------------------- */

/* The row named label, reused when a demo reports it again. */
static model_row *row_for(model *m, const char *label)
{
    for (int i = 0; i < m->nresults; i++)
        if (!strcmp(m->results[i].label, label)) return &m->results[i];
    if (m->nresults == MODEL_MAX_RESULTS) return NULL;
    model_row *r = &m->results[m->nresults++];
    memset(r, 0, sizeof *r);
    model_copy(r->label, sizeof r->label, label);
    return r;
}

void model_on_result(event *e)
{
    const cJSON *f, *name = NULL;
    cJSON_ArrayForEach(f, e->ev)                    /* its first text field */
        if (f->string && !is_header(f->string) && cJSON_IsString(f)) { name = f; break; }
    char label[32];
    if (name) snprintf(label, sizeof label, "%s", name->valuestring);
    else snprintf(label, sizeof label, "pid %d", e->pid);
    model_row *r = row_for(e->m, label);
    if (!r) return;
    r->nf = 0;
    cJSON_ArrayForEach(f, e->ev) {
        if (!f->string || is_header(f->string) || f == name || cJSON_IsNull(f)) continue;
        if (r->nf == MODEL_ROW_FIELDS) break;
        model_field *x = &r->f[r->nf++];
        model_copy(x->key, sizeof x->key, f->string);
        model_fmt_value(x->text, sizeof x->text, f->string, f, true);
    }
}

/* ---- sweep points ------------------------------------------------------ */

/* A bar per point: its first field names it (a mark, a size), its
 * bytes_per_s is the bar. */
void model_on_sweep(event *e)
{
    model *m = e->m;
    const cJSON *f, *x = NULL;
    cJSON_ArrayForEach(f, e->ev)
        if (f->string && !is_header(f->string)) { x = f; break; }
    if (!x) return;
    char label[24];
    model_fmt_value(label, sizeof label, x->string, x, true);
    int64_t v = to_size(ev_num(e->ev, "bytes_per_s", 0));
    for (int i = 0; i < m->nsweep; i++)
        if (!strcmp(m->sweep[i].label, label)) { m->sweep[i].count = v; return; }
    if (m->nsweep == MODEL_MAX_BARS) return;
    model_copy(m->sweep[m->nsweep].label, sizeof m->sweep[0].label, label);
    m->sweep[m->nsweep++].count = v;
}
