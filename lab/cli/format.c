/*
 * format.c — one telemetry event as one readable line:
 *
 *    1.204s  write     sink  4096 B → buffered=16384/16384  returned false
 *    1.207s  lag       212.4 ms
 *    1.300s  push      ×1520  source  99614720 B in all  | the last:  len=65536 ...
 *
 * Core events get a tailored sentence; any other event prints its fields
 * as key=value, so a new demo is readable before anyone writes a case here.
 */
#include "cli.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *str(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool truthy(const cJSON *ev, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, key));
}

/* key=value for every field not already shown. */
static void rest(FILE *out, const cJSON *ev, const char *const *skip)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, ev) {
        bool skipped = strcmp(f->string, "ts") == 0 || strcmp(f->string, "ev") == 0 ||
                       strcmp(f->string, "pid") == 0;
        for (const char *const *s = skip; s && *s && !skipped; s++)
            skipped = strcmp(f->string, *s) == 0;
        if (skipped) continue;
        if (cJSON_IsString(f)) fprintf(out, "  %s=%s", f->string, f->valuestring);
        else if (cJSON_IsNumber(f)) {
            double v = f->valuedouble;
            if (v == (double)(long long)v) fprintf(out, "  %s=%lld", f->string, (long long)v);
            else fprintf(out, "  %s=%.3f", f->string, v);
        } else {
            char *s = cJSON_PrintUnformatted(f);
            fprintf(out, "  %s=%s", f->string, s);
            cJSON_free(s);
        }
    }
}

/* A `coalesced` line (frame mode): the events of one kind that one line
 * stands for, what they add up to, then the last one's state. */
static void format_coalesced(FILE *out, const cJSON *ev)
{
    static const char *const skip[] = { "of", "events", "size_sum", "false_count", "stream", NULL };
    const char *stream = str(ev, "stream");
    fprintf(out, " ×%.0f", num(ev, "events"));
    if (stream) fprintf(out, "  %s", stream);
    if (num(ev, "size_sum") > 0) fprintf(out, "  %.0f B in all", num(ev, "size_sum"));
    if (num(ev, "false_count") > 0) fprintf(out, "  %.0f returned false", num(ev, "false_count"));
    fputs("  | the last:", out);
    rest(out, ev, skip);
}

void nl_format_event(FILE *out, const cJSON *ev, int main_pid)
{
    const char *name = str(ev, "ev");
    if (!name) return;
    bool folded = strcmp(name, "coalesced") == 0 && str(ev, "of");
    fprintf(out, "%8.3fs  %-9s", num(ev, "ts") / 1e6, folded ? str(ev, "of") : name);
    int pid = (int)num(ev, "pid");
    if (pid != main_pid) fprintf(out, " [pid %d]", pid);
    if (folded) {
        format_coalesced(out, ev);
        fputc('\n', out);
        return;
    }

    if (strcmp(name, "write") == 0 || strcmp(name, "push") == 0) {
        static const char *const skip[] = { "stream", "size", "len", "hwm", "ret", NULL };
        fprintf(out, " %s  %.0f B → buffered=%.0f/%.0f  returned %s",
                str(ev, "stream") ? str(ev, "stream") : "?", num(ev, "size"),
                num(ev, "len"), num(ev, "hwm"), truthy(ev, "ret") ? "true" : "false");
        rest(out, ev, skip);
    } else if (strcmp(name, "lag") == 0) {
        fprintf(out, " %.1f ms", num(ev, "ms"));
    } else if (strcmp(name, "pool") == 0) {
        fprintf(out, " busy=%.0f/%.0f  queued=%.0f", num(ev, "busy"), num(ev, "size"),
                num(ev, "queued"));
    } else if (strcmp(name, "exit") == 0) {
        static const char *const skip[] = { "code", "signal", NULL };
        const char *sig = str(ev, "signal");
        if (sig) fprintf(out, " pid %d killed by %s", pid, sig);
        else fprintf(out, " pid %d exited with code %.0f", pid, num(ev, "code"));
        rest(out, ev, skip);
    } else if (strcmp(name, "dropped") == 0) {
        fprintf(out, " %.0f events dropped (the reader was too slow)", num(ev, "count"));
    } else {
        static const char *const skip[] = { "stream", NULL };
        if (str(ev, "stream")) fprintf(out, " %s", str(ev, "stream"));
        rest(out, ev, skip);
    }
    fputc('\n', out);
}
