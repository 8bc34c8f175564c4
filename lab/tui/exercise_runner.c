/*
 * exercise_runner.c — running an exercise's tests (see exercise.h).
 *
 * Until nodelab-grader exists this does what tests/exercises.sh does: in a
 * fresh temporary folder, compile the student's files, the exercise's
 * provided sources and its Check tests with a small main() against
 * liblab.a, and run the result with Check's TAP log switched on.  The run
 * is one `sh -c` child in its own process group, so a test that hangs is
 * killed with everything it started.  Verdicts come from the TAP log (one
 * line per TCase), locations from Check's own output.
 */
#define _GNU_SOURCE
#include "exercise.h"
#include "app.h"
#include "course/paths.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NL_EXERCISE_CFLAGS
#define NL_EXERCISE_CFLAGS ""
#endif
#ifndef NL_EXERCISE_LIBS
#define NL_EXERCISE_LIBS "-lcjson -lz -lhttp_parser -lcheck_pic -lsubunit -lrt -lm"
#endif

#define COMPILE_FAILED 100

/* The main() every exercise's suite runs under. */
static const char main_c[] =
"#include <check.h>\n"
"Suite *exercise_suite(void);\n"
"int main(void)\n"
"{\n"
"    SRunner *sr = srunner_create(exercise_suite());\n"
"    srunner_set_fork_status(sr, CK_FORK);\n"
"    srunner_run_all(sr, CK_NORMAL);\n"
"    int failed = srunner_ntests_failed(sr);\n"
"    srunner_free(sr);\n"
"    return failed ? 1 : 0;\n"
"}\n";

/* Appends s to buf in single quotes, safe for sh. */
static void quote(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < size) buf[n++] = '\'';
    for (; *s && n + 5 < size; s++) {
        if (*s == '\'') { memcpy(buf + n, "'\\''", 4); n += 4; }
        else buf[n++] = *s;
    }
    if (n + 1 < size) buf[n++] = '\'';
    buf[n] = '\0';
}

static void add(char *buf, size_t size, const char *text)
{
    strncat(buf, text, size - strlen(buf) - 1);
}

static void add_path(char *buf, size_t size, const char *dir, const char *file)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    add(buf, size, " ");
    quote(buf, size, path);
}

static size_t build_script(const ex_runner *r, const exercise *e, char *s, size_t size)
{
    char ws[4096];
    exercise_workspace(e, ws, sizeof ws);
    const char *cc = getenv("CC");
    s[0] = '\0';
    add(s, size, "cd ");
    quote(s, size, r->tmp);
    add(s, size, " || exit 99\n");
    add(s, size, cc && *cc ? cc : "cc");
    add(s, size, " -std=gnu11 -pthread " NL_EXERCISE_CFLAGS " -I");
    quote(s, size, ws);
    add(s, size, " -I");
    quote(s, size, e->dir);
    add(s, size, " -I");
    quote(s, size, nl_include_dir());
    add(s, size, " -o tests");
    for (int i = 0; i < e->nfiles; i++) add_path(s, size, ws, e->files[i]);
    for (int i = 0; i < e->nprovided; i++) {
        size_t n = strlen(e->provided[i]);
        if (n > 2 && !strcmp(e->provided[i] + n - 2, ".c")) add_path(s, size, e->dir, e->provided[i]);
    }
    for (int i = 0; i < e->ntests; i++) add_path(s, size, e->dir, e->tests[i]);
    add(s, size, " main.c");
    add_path(s, size, nl_lib_dir(), "liblab.a");
    add(s, size, " " NL_EXERCISE_LIBS " >compile.log 2>&1 || exit 100\n");
    add(s, size, "CK_TAP_LOG_FILE_NAME=results.tap exec ./tests >run.log 2>&1 </dev/null\n");
    return strlen(s);
}

/* ---- reading the results ----------------------------------------------- */

static void read_into(const char *dir, const char *name, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f) fclose(f);
}

static int case_index(const exercise *e, const char *tcase, size_t len)
{
    for (int i = 0; i < e->ncases; i++)
        if (strlen(e->cases[i].tcase) == len && !strncmp(e->cases[i].tcase, tcase, len)) return i;
    return -1;
}

/* TAP: "ok 1 - file.c:tcase:fn: Passed" / "not ok 2 - file.c:tcase:fn: why". */
static void parse_tap(ex_runner *r, const exercise *e)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/results.tap", r->tmp);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        bool ok = !strncmp(line, "ok ", 3);
        char *dash = strstr(line, " - ");
        if (!dash || (!ok && strncmp(line, "not ok ", 7))) continue;
        char *tcase = strchr(dash + 3, ':');
        char *fn = tcase ? strchr(tcase + 1, ':') : NULL;
        char *msg = fn ? strchr(fn + 1, ':') : NULL;
        if (!msg) continue;
        int k = case_index(e, tcase + 1, (size_t)(fn - tcase - 1));
        if (k < 0) continue;
        case_result *c = &r->cases[k];
        c->status = ok ? CASE_PASS : strstr(msg, "signal") || strstr(msg, "timeout")
                                     ? CASE_ERROR : CASE_FAIL;
        msg += strspn(msg + 1, " ") + 1;
        msg[strcspn(msg, "\n")] = '\0';
        if (!ok) snprintf(c->message, sizeof c->message, "%s", msg);
    }
    if (f) fclose(f);
}

/* Check's own lines "file.c:88:F:tcase:fn:0: message" give the place. */
static void parse_locations(ex_runner *r, const exercise *e)
{
    char out[16384];
    read_into(r->tmp, "run.log", out, sizeof out);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char file[100], kind;
        int lineno, used = 0;
        if (sscanf(line, "%99[^:]:%d:%c:%n", file, &lineno, &kind, &used) != 3 || !used) continue;
        char *tcase = line + used, *end = strchr(tcase, ':');
        int k = end ? case_index(e, tcase, (size_t)(end - tcase)) : -1;
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        if (k >= 0) snprintf(r->cases[k].where, sizeof r->cases[k].where, "%s:%d", base, lineno);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void cleanup(ex_runner *r)
{
    if (r->tmp[0]) nftw(r->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    r->tmp[0] = '\0';
}

static void on_exit_status(pid_t pid, int status, void *arg)
{
    ex_runner *r = arg;
    const exercise *e = r->ex;
    lab_timer_stop(&r->timeout);
    r->pid = 0;
    r->running = false;
    r->done = true;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->compiled = code != COMPILE_FAILED && code != 99;
    if (!r->compiled) {
        read_into(r->tmp, "compile.log", r->log, sizeof r->log);
    } else {
        parse_tap(r, e);
        parse_locations(r, e);
        if (WIFSIGNALED(status))
            snprintf(r->log, sizeof r->log, "the tests were stopped (%s): over %d s?",
                     strsignal(WTERMSIG(status)), e->time_s * 3);
    }
    for (int i = 0; i < e->ncases; i++) {
        r->total++;
        r->max_points += e->cases[i].points;
        if (r->cases[i].status == CASE_PASS) { r->passed++; r->points += e->cases[i].points; }
    }
    cleanup(r);
    if (r->on_done) r->on_done(r);
}

static void on_timeout(lab_timer *t)
{
    ex_runner *r = t->data;
    if (r->pid > 0) kill(-r->pid, SIGKILL);
}

int ex_runner_start(ex_runner *r, lab_loop *loop, const exercise *e)
{
    ex_runner_cancel(r);
    void (*done)(ex_runner *) = r->on_done;
    void *data = r->data;
    memset(r->cases, 0, sizeof r->cases);
    r->passed = r->total = r->points = r->max_points = 0;
    r->log[0] = '\0';
    r->ex = e;
    r->on_done = done;
    r->data = data;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(r->tmp, sizeof r->tmp, "%s/nodelab-ex.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(r->tmp)) { r->tmp[0] = '\0'; return -1; }
    char path[512];
    snprintf(path, sizeof path, "%s/main.c", r->tmp);
    FILE *f = fopen(path, "w");
    if (!f || fputs(main_c, f) < 0 || fclose(f) != 0) { cleanup(r); return -1; }
    static char script[32768];
    build_script(r, e, script, sizeof script);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) { cleanup(r); return -1; }
    setpgid(pid, pid);
    r->pid = pid;
    r->running = true;
    r->done = false;
    app_watch_child(pid, on_exit_status, r);
    lab_timer_init(loop, &r->timeout);
    r->timeout.data = r;
    lab_timer_start(&r->timeout, on_timeout, (uint64_t)(e->time_s * 3 + 60) * 1000, 0);
    lab_timer_unref(&r->timeout);
    return 0;
}

void ex_runner_cancel(ex_runner *r)
{
    if (r->pid > 0) {
        app_unwatch_child(r->pid);
        kill(-r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        lab_timer_stop(&r->timeout);
        r->pid = 0;
    }
    r->running = false;
    cleanup(r);
}
