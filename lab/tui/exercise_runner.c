/*
 * exercise_runner.c — running an exercise's tests (see exercise.h).
 *
 * The run is `nodelab check ID --format json` in the student's folder: the
 * same grader, sandbox and limits as `nodelab check` in a shell, so the lab
 * never judges differently from the command line.  It is one `sh -c` child
 * in its own process group, so a test that hangs is killed with everything
 * it started; the report is read by exercise_report.c.
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

/* cd FOLDER && exec nodelab check ID --workspace WS --format json >TMP/report.json
 * (the lab's workspace, named: the check records the result there). */
static size_t grader_script(const ex_runner *r, const exercise *e, char *s, size_t size)
{
    char ws[4096];
    exercise_workspace(e, ws, sizeof ws);
    s[0] = '\0';
    add(s, size, "cd ");
    quote(s, size, ws);
    add(s, size, " || exit 99\nexec ");
    quote(s, size, nl_self_exe());
    add(s, size, " check ");
    quote(s, size, e->id);
    add(s, size, " --workspace ");
    quote(s, size, APP.workspace);
    add(s, size, " --format json >");
    quote(s, size, r->tmp);
    add(s, size, "/report.json 2>");
    quote(s, size, r->tmp);
    add(s, size, "/compile.log </dev/null\n");
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

/* What the run wrote into its folder, into r. */
static void read_results(ex_runner *r, const exercise *e, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    static char text[65536];
    if (code == 99) {
        r->compiled = false;
        snprintf(r->log, sizeof r->log, "cannot enter your folder (c copies the starter)");
    } else {
        read_into(r->tmp, "report.json", text, sizeof text);
        if (ex_read_grade_report(r, e, text) < 0) {
            r->compiled = false;
            read_into(r->tmp, "compile.log", r->log, sizeof r->log);
        }
    }
    if (WIFSIGNALED(status))
        snprintf(r->log, sizeof r->log, "the tests were stopped (%s): over %d s?",
                 strsignal(WTERMSIG(status)), e->time_s * 3);
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
    read_results(r, e, status);
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
    static char script[8192];
    grader_script(r, e, script, sizeof script);
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
