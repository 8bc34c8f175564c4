/* demo.c — parameters, live control and deadlines shared by every demo. */
#include "demo.h"
#include "events.h"
#include "mem.h"
#include "pool.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lab_demo_init(lab_demo *d, const lab_demo_def *def)
{
    memset(d, 0, sizeof *d);
    d->def = def;
    d->control_fd = -1;
    d->duration_ms = (uint64_t)def->duration_s * 1000u;
    for (int i = 0; i < LAB_DEMO_MAX_PARAMS && def->params[i].key; i++) {
        d->ival[i] = def->params[i].def;
        d->sval[i] = def->params[i].def_str ? def->params[i].def_str : "";
    }
}

void lab_demo_free(lab_demo *d)
{
    for (int i = 0; i < LAB_DEMO_MAX_PARAMS; i++) {
        free(d->sval_owned[i]);
        d->sval_owned[i] = NULL;
    }
}

const lab_param *lab_demo_param(const lab_demo_def *def, const char *key, int *index)
{
    for (int i = 0; i < LAB_DEMO_MAX_PARAMS && def->params[i].key; i++)
        if (strcmp(def->params[i].key, key) == 0) {
            if (index) *index = i;
            return &def->params[i];
        }
    return NULL;
}

/* A string value is copied: the caller's text may be a control line whose
 * buffer the next line overwrites (on_control below). */
static void set_string(lab_demo *d, int i, const char *value)
{
    char *copy = lab_xstrdup(value);
    free(d->sval_owned[i]);
    d->sval_owned[i] = copy;
    d->sval[i] = copy;
}

/* Parses "4096", "64k", "16M", "1G" (powers of 1024). */
static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno) return false;
    int64_t mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024; end++; break;
    case 'm': case 'M': mult = 1024 * 1024; end++; break;
    case 'g': case 'G': mult = 1024LL * 1024 * 1024; end++; break;
    }
    if (*end != '\0') return false;
    if (v > INT64_MAX / mult || v < INT64_MIN / mult) return false;
    *out = v * mult;
    return true;
}

const char *lab_demo_set(lab_demo *d, const char *key, const char *value)
{
    static __thread char msg[256];
    int i;
    const lab_param *p = lab_demo_param(d->def, key, &i);
    if (!p) {
        int n = snprintf(msg, sizeof msg, "demo %s has no parameter '%s' (it has:",
                         d->def->name, key);
        for (int j = 0; d->def->params[j].key && n < (int)sizeof msg - 32; j++)
            n += snprintf(msg + n, sizeof msg - (size_t)n, " %s", d->def->params[j].key);
        if (!d->def->params[0].key) n += snprintf(msg + n, sizeof msg - (size_t)n, " none");
        snprintf(msg + n, sizeof msg - (size_t)n, ")");
        return msg;
    }
    if (p->type == LAB_PARAM_STR) {
        const char *why = p->check ? p->check(value) : NULL;
        if (why) {
            snprintf(msg, sizeof msg, "parameter %s: '%s': %s", key, value, why);
            return msg;
        }
        set_string(d, i, value);
        return NULL;
    }
    int64_t v;
    if (!parse_int(value, &v)) {
        snprintf(msg, sizeof msg, "parameter %s: '%s' is not a whole number (allowed: %lld..%lld %s)",
                 key, value, (long long)p->min, (long long)p->max, p->unit);
        return msg;
    }
    if (v < p->min || v > p->max) {
        snprintf(msg, sizeof msg, "parameter %s: %lld is out of range (allowed: %lld..%lld %s)",
                 key, (long long)v, (long long)p->min, (long long)p->max, p->unit);
        return msg;
    }
    d->ival[i] = v;
    return NULL;
}

const char *lab_demo_set_kv(lab_demo *d, const char *kv)
{
    static __thread char msg[256];
    char key[64];
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) {
        snprintf(msg, sizeof msg, "--set wants KEY=VALUE, got '%s'", kv);
        return msg;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    return lab_demo_set(d, key, eq + 1);
}

int64_t lab_demo_int(const lab_demo *d, const char *key)
{
    int i;
    if (!lab_demo_param(d->def, key, &i)) {
        fprintf(stderr, "nodelab: internal: demo %s reads unknown parameter %s\n",
                d->def->name, key);
        abort();
    }
    return d->ival[i];
}

const char *lab_demo_str(const lab_demo *d, const char *key)
{
    int i;
    if (!lab_demo_param(d->def, key, &i)) abort();
    return d->sval[i];
}

void lab_demo_announce(const lab_demo *d)
{
    lab_ev *e = lab_ev_new(LAB_EV(DEMO));
    lab_ev_str(e, "name", d->def->name);
    lab_ev_int(e, "chapter", d->def->chapter);
    lab_ev_int(e, "duration_ms", (int64_t)d->duration_ms);
    lab_ev_int(e, "ppid", getppid());
    cJSON *params = cJSON_CreateObject();
    for (int i = 0; d->def->params[i].key; i++) {
        if (d->def->params[i].type == LAB_PARAM_INT)
            cJSON_AddNumberToObject(params, d->def->params[i].key, (double)d->ival[i]);
        else
            cJSON_AddStringToObject(params, d->def->params[i].key, d->sval[i]);
    }
    lab_ev_json(e, "params", params);
    lab_ev_emit(e);
}

const char *lab_param_input_file(const char *value)
{
    struct stat st;
    if (!*value) return NULL;
    if (stat(value, &st) < 0) return strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file (allowed: a readable file)";
    if (access(value, R_OK) < 0) return strerror(errno);
    return NULL;
}

const char *lab_param_output_file(const char *value)
{
    static __thread char why[160];
    struct stat st;
    if (!*value) return NULL;
    if (stat(value, &st) == 0 && S_ISDIR(st.st_mode)) return "is a folder (allowed: a file path)";
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", value);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    if (access(dir, W_OK) < 0) {
        snprintf(why, sizeof why, "cannot create a file in %s: %s", dir, strerror(errno));
        return why;
    }
    return NULL;
}

/* ---- live control ------------------------------------------------------ */

static void control_line(lab_demo *d, char *line)
{
    char *arg = strchr(line, ' ');
    if (arg) *arg++ = '\0'; else arg = "";
    if (strcmp(line, "set") == 0) {
        char *eq = strchr(arg, '=');
        if (!eq) return;
        *eq = '\0';
        int i;
        const lab_param *p = lab_demo_param(d->def, arg, &i);
        const char *err = (p && p->live) ? lab_demo_set(d, arg, eq + 1)
                                         : "not a live parameter";
        lab_ev *e = lab_ev_new(LAB_EV(PARAM));
        lab_ev_str(e, "key", arg);
        if (err) lab_ev_str(e, "rejected", err);
        else if (p->type == LAB_PARAM_INT) lab_ev_int(e, "value", d->ival[i]);
        lab_ev_emit(e);
        if (!err && d->on_set) d->on_set(d, arg);
    } else if (d->on_command) {
        d->on_command(d, line, arg);
    }
}

static void on_control(lab_io *io, int events)
{
    lab_demo *d = io->data;
    ssize_t n = read(io->fd, d->control_buf + d->control_len,
                     sizeof d->control_buf - 1 - d->control_len);
    if (n <= 0) {                      /* EOF: the controller went away */
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) lab_io_close(io);
        return;
    }
    d->control_len += (size_t)n;
    char *start = d->control_buf, *nl;
    while ((nl = memchr(start, '\n', d->control_len - (size_t)(start - d->control_buf)))) {
        *nl = '\0';
        control_line(d, start);
        start = nl + 1;
    }
    d->control_len -= (size_t)(start - d->control_buf);
    memmove(d->control_buf, start, d->control_len);
    if (d->control_len == sizeof d->control_buf - 1) d->control_len = 0; /* junk */
}

void lab_demo_listen(lab_demo *d, lab_loop *loop,
                     void (*on_set)(lab_demo *d, const char *key),
                     void (*on_command)(lab_demo *d, const char *cmd, const char *arg))
{
    d->on_set = on_set;
    d->on_command = on_command;
    if (d->control_fd < 0) return;
    lab_io_init(loop, &d->control_io, d->control_fd);
    d->control_io.data = d;
    lab_io_unref(&d->control_io);
    lab_io_start(&d->control_io, LAB_READABLE, on_control);
}

/* ---- the deadline ------------------------------------------------------ */

static void on_deadline(lab_timer *t)
{
    lab_demo *d = t->data;
    d->expired = true;
    if (d->control_fd >= 0) lab_io_close(&d->control_io);
    if (d->on_deadline) d->on_deadline(d);
    else lab_loop_stop(t->loop);
}

void lab_demo_deadline(lab_demo *d, lab_loop *loop, void (*cb)(lab_demo *d))
{
    d->loop = loop;
    d->on_deadline = cb;
    lab_timer_init(loop, &d->deadline);
    d->deadline.data = d;
    lab_timer_start(&d->deadline, on_deadline, d->duration_ms, 0);
    lab_timer_unref(&d->deadline);
}

void lab_demo_deadline_cancel(lab_demo *d) { lab_timer_stop(&d->deadline); }

/* ---- helpers for demos ------------------------------------------------- */

uint64_t lab_demo_burn_cpu(uint64_t ms)
{
    uint64_t until = lab_clock_us() + ms * 1000u, found = 0, n = 2;
    for (;; n++) {
        bool prime = true;
        for (uint64_t k = 2; k * k <= n; k++)
            if (n % k == 0) { prime = false; break; }
        found += prime;
        if ((n & 255) == 0 && lab_clock_us() >= until) break;
    }
    return found;
}

const char *lab_demo_thread_name(char buf[16])
{
    int n = lab_pool_thread_number();
    if (n == 0) return "loop";
    snprintf(buf, 16, "pool-%d", n);
    return buf;
}

int lab_demo_parse_sizes(const char *text, int64_t *out, int max)
{
    int n = 0;
    for (const char *p = text; *p; ) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 1 || n == max) return -1;
        if (*end == 'k' || *end == 'K') { v *= 1024; end++; }
        else if (*end == 'm' || *end == 'M') { v *= 1024 * 1024; end++; }
        if (v > 64LL * 1024 * 1024) return -1;
        out[n++] = v;
        if (*end == ',') end++;
        else if (*end) return -1;
        p = end;
    }
    return n;
}
