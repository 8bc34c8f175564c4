/*
 * grep.c — exercise child-grep, reference solution.
 *
 * spawn() instead of exec(): every chunk of grep's stdout is cut into
 * lines right away.  The bytes after the last newline of a chunk are the
 * start of a line whose end has not arrived yet: they wait in the buffer.
 * The end is reported at 'close', which comes after the last chunk of
 * both pipes — so no match can follow on_done.
 */
#include "grep.h"
#include "process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *data; size_t len, cap; } text;

typedef struct {
    grep_match_cb *on_match;
    grep_done_cb *on_done;
    void *arg;
    text out, err;
    char spawn_error[160];     /* set if grep could not be started */
} search;

static void append(text *t, const char *data, size_t n)
{
    if (n == 0) return;
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->cap);
        if (!t->data) abort();
    }
    memcpy(t->data + t->len, data, n);
    t->len += n;
    t->data[t->len] = '\0';
}

/* Hands over every complete line; keeps the unfinished one. */
static void emit_lines(search *s)
{
    char *start = s->out.data, *nl;
    while ((nl = memchr(start, '\n', s->out.len - (size_t)(start - s->out.data)))) {
        *nl = '\0';
        s->on_match(start, s->arg);
        start = nl + 1;
    }
    s->out.len -= (size_t)(start - s->out.data);
    memmove(s->out.data, start, s->out.len + 1);
}

static void on_data(lab_process *p, int fd, const char *buf, size_t len)
{
    search *s = p->data;
    if (fd == 2) { append(&s->err, buf, len); return; }
    if (len > 0) {
        append(&s->out, buf, len);
        emit_lines(s);
    } else if (s->out.len > 0) {        /* a last line without its newline */
        s->on_match(s->out.data, s->arg);
        s->out.len = 0;
    }
}

static void on_error(lab_process *p, int err, const char *message)
{
    search *s = p->data;
    snprintf(s->spawn_error, sizeof s->spawn_error, "%s", message);
}

static void on_close(lab_process *p, int code, int sig)
{
    search *s = p->data;
    if (s->spawn_error[0]) {
        s->on_done(GREP_NOT_FOUND, s->spawn_error, s->arg);
    } else if (code == 0 || code == 1) {
        s->on_done(code == 0 ? GREP_MATCHED : GREP_NO_MATCH, NULL, s->arg);
    } else {
        char message[512];
        if (s->err.len) {
            snprintf(message, sizeof message, "%s", s->err.data);
            message[strcspn(message, "\n")] = '\0';
        } else if (sig) {
            snprintf(message, sizeof message, "grep was killed by %s", lab_signal_name(sig));
        } else {
            snprintf(message, sizeof message, "grep failed with exit status %d", code);
        }
        s->on_done(GREP_FAILED, message, s->arg);
    }
    free(s->out.data);
    free(s->err.data);
    free(s);
}

int grep_file(lab_loop *loop, const char *pattern, const char *path, char *const env[],
              grep_match_cb *on_match, grep_done_cb *on_done, void *arg)
{
    if (!pattern || !path || !on_match || !on_done) return -1;
    search *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->on_match = on_match;
    s->on_done = on_done;
    s->arg = arg;
    char *argv[] = { "grep", "-e", (char *)pattern, "--", (char *)path, NULL };
    lab_spawn_options o = { .file = "grep", .argv = argv, .env = env, .on_data = on_data,
                            .on_error = on_error, .on_close = on_close, .data = s };
    if (!lab_spawn(loop, &o)) { free(s); return -1; }
    return 0;
}
