/*
 * exercise_runner.c — running an exercise's tests (see exercise.h).
 *
 * When this nodelab has `nodelab check` (the grader: sandboxed, with
 * limits), the run is `nodelab check ID --format json` in the student's
 * folder, and its report gives the verdicts.  Until then it does what
 * tests/exercises.sh does: in a fresh temporary folder, compile the
 * student's files, the exercise's provided sources and its Check tests with
 * a small main() against liblab.a, and run the result with Check's TAP log
 * on.  Either way the run is one `sh -c` child in its own process group, so
 * a test that hangs is killed with everything it started; the results are
 * read by exercise_report.c.
 */
#define _GNU_SOURCE
#include "exercise.h"
#include "app.h"
#include "course/paths.h"

#include <errno.h>
#include <fcntl.h>
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

/* Is `nodelab check` there?  Asked once, by running `nodelab check --help`. */
static bool have_grader(void)
{
    static int known = -1;
    const char *force = getenv("NODELAB_LAB_RUNNER");
    if (force && !strcmp(force, "direct")) return false;
    if (known >= 0) return known;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0); dup2(null, 1); dup2(null, 2);
        execl(nl_self_exe(), "nodelab", "check", "--help", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    /* SIGCHLD goes to the lab's signalfd, so this wait is ours alone. */
    known = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0;
    return known;
}

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
    add(s, size, " --format json >");
    quote(s, size, r->tmp);
    add(s, size, "/report.json 2>");
    quote(s, size, r->tmp);
    add(s, size, "/compile.log </dev/null\n");
    return strlen(s);
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

/* What the run wrote into its folder, into r. */
static void read_results(ex_runner *r, const exercise *e, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    static char text[65536];
    if (r->graded && code == 99) {
        r->compiled = false;
        snprintf(r->log, sizeof r->log, "cannot enter your folder (c copies the starter)");
    } else if (r->graded) {
        read_into(r->tmp, "report.json", text, sizeof text);
        if (ex_read_grade_report(r, e, text) < 0) {
            r->compiled = false;
            read_into(r->tmp, "compile.log", r->log, sizeof r->log);
        }
    } else if (code == COMPILE_FAILED || code == 99) {
        r->compiled = false;
        read_into(r->tmp, "compile.log", r->log, sizeof r->log);
    } else {
        r->compiled = true;
        read_into(r->tmp, "results.tap", text, sizeof text);
        ex_read_tap(r, e, text);
        read_into(r->tmp, "run.log", text, sizeof text);
        ex_read_check_output(r, e, text);
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
    char path[512];
    snprintf(path, sizeof path, "%s/main.c", r->tmp);
    FILE *f = fopen(path, "w");
    if (!f || fputs(main_c, f) < 0 || fclose(f) != 0) { cleanup(r); return -1; }
    static char script[32768];
    r->graded = have_grader();
    if (r->graded) grader_script(r, e, script, sizeof script);
    else build_script(r, e, script, sizeof script);
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
