/*
 * cmd_check.c — `nodelab check [EXERCISE]` and `nodelab watch [EXERCISE]`:
 * the student's loop.  Both grade with the same engine as nodelab-grader
 * (sandbox included), show hidden tests as "hidden test N" without their
 * details, and record the result in the progress file of the workspace.
 * One exercise that fails ends with a hint (or, when it does not compile,
 * with a word on compiling); several end with a summary line instead.
 * watch keeps the exercises' tests built and re-runs on every save
 * (inotify), so the second run costs a compile and the tests only; once
 * the exercise passes it offers the next one, as rustlings does.
 */
#include "config.h"
#include "cli.h"
#include "course/catalog.h"
#include "session.h"
#include "student.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static const char check_help[] =
"usage: nodelab check [EXERCISE] [--format text|json|junit|tap] [--workspace DIR]\n"
"\n"
"Builds your files for the exercise with its tests and runs them, as the\n"
"grader will, then says per test what happened.  In a workspace (see\n"
"nodelab init) it checks the exercise whose folder you are in, or every\n"
"exercise when you are at the top (then it ends with a summary line).\n"
"Elsewhere it uses the workspace nodelab init made last, or, for a named\n"
"exercise whose files are in the current folder, that folder.\n"
"--workspace DIR (or NODELAB_WORKSPACE) names the workspace.  One failing\n"
"exercise ends with a hint.\n"
"Exit status: 0 every test passes, 1 not yet, 2 bad input.\n";

static const char watch_help[] =
"usage: nodelab watch [EXERCISE] [--max-runs N] [--workspace DIR]\n"
"\n"
"Checks as nodelab check does, then again each time you save a .c or .h\n"
"file of the exercise, on a clear screen.  Once the exercise passes it\n"
"names the next one not passed yet: Enter moves on to it, q and Enter\n"
"stop.  Ctrl-C stops.  --max-runs N stops after N checks.\n";

typedef struct {
    const char *exercise;
    nl_format format;
    int max_runs;
} options;

static int parse(int argc, char **argv, const char *cmd, const char *help, options *o)
{
    const char *format = "text";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nl_is_help(a)) { fputs(help, stdout); return -1; }
        if (!strcmp(a, "--format") && i + 1 < argc) format = argv[++i];
        else if (!strcmp(a, "--max-runs") && i + 1 < argc && !strcmp(cmd, "watch")) {
            char *end;
            o->max_runs = (int)strtol(argv[++i], &end, 10);
            if (*end || o->max_runs < 1) return nl_usage_error("watch: --max-runs wants a number >= 1");
        } else if (a[0] == '-') return nl_usage_error("%s: unknown option or missing value: %s", cmd, a);
        else if (o->exercise) return nl_usage_error("%s: one exercise at a time (got %s and %s)", cmd, o->exercise, a);
        else o->exercise = a;
    }
    if (nl_format_parse(format, &o->format) < 0 || o->format == NL_FMT_GRADESCOPE)
        return nl_usage_error("%s: unknown format '%s' (text, json, junit, tap)", cmd, format);
    return 0;
}

/* The folder of exercise id in t (for "cd DIR"), or the submission. */
static const char *dir_of(const nl_target *t, const char *id)
{
    for (size_t i = 0; t->ids[i]; i++)
        if (!strcmp(t->ids[i], id)) return t->dirs[i];
    return t->submission;
}

/* After several exercises: totals in one line and where to go next — no
 * hints: a hint is for the exercise you are working on. */
static void summary(const nl_result *res, const nl_target *t)
{
    int pass = 0, broken = 0, failing = 0;
    const nl_ex_report *next = NULL;
    for (size_t i = 0; i < res->nex; i++) {
        const nl_ex_report *r = &res->ex[i];
        if (r->status == NL_EX_PASSED) { pass++; continue; }
        if (r->status == NL_EX_COMPILE) broken++;
        else failing++;
        if (!next) next = r;
    }
    printf("\nSummary: %d of %zu exercises pass", pass, res->nex);
    if (failing) printf(", %d failing", failing);
    if (broken) printf(", %d not compiling", broken);
    if (!next) { printf(": all done.\n"); return; }
    char *dir = nl_shell_word(dir_of(t, next->m->id));
    printf(". Next: cd %s && %s check\n", dir, nl_student_command());
    free(dir);
}

/* One round: grade, print, record, then a hint or a summary.  Returns 0
 * all passed, 1 not, 2 could not grade. */
static int check_once(nl_session *s, nl_progress *p, const nl_target *t, const options *o)
{
    nl_result res;
    int rc = nl_session_grade(s, "nodelab", t->submission, t->ids, &res);
    if (rc) return rc;
    nl_report_opts ro = { true, o->format == NL_FMT_TEXT && nl_want_color(1), nl_output_width(stdout) };
    char *text = nl_report_render(&res, o->format, &ro);
    fputs(text, stdout);
    free(text);
    bool all = true, talk = o->format == NL_FMT_TEXT;
    for (size_t i = 0; i < res.nex; i++) {
        nl_student_record(p, &res.ex[i]);
        all &= res.ex[i].status == NL_EX_PASSED;
    }
    if (res.nex == 1) {
        char *advice = talk && !all ? nl_student_advice(p, &res.ex[0]) : NULL;
        if (advice) printf("\n%s: %s\n", res.ex[0].m->id, advice);
        free(advice);
        char last[128];
        snprintf(last, sizeof last, "exercise:%s", res.ex[0].m->id);
        if (nl_progress_set_last(p, last) < 0) fprintf(stderr, "nodelab: %s\n", p->error);
        if (all && talk) printf("\nEvery test passes.\n");
    } else if (talk) {
        summary(&res, t);
    }
    fflush(stdout);
    nl_result_free(&res);
    return all ? 0 : 1;
}

int nl_cmd_check(int argc, char **argv)
{
    options o = { 0 };
    int rc = parse(argc, argv, "check", check_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    nl_target t;
    if ((rc = nl_workspace_target("check", o.exercise, &t))) return rc;
    nl_session s;
    if (nl_session_open(&s, "nodelab") < 0) { nl_target_free(&t); return 2; }
    nl_progress p;
    nl_student_progress(&p, t.workspace);
    rc = check_once(&s, &p, &t, &o);
    nl_progress_close(&p);
    nl_session_close(&s);
    nl_target_free(&t);
    return rc;
}

static bool source_name(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[0] != '.' && (!strcmp(name + n - 2, ".c") || !strcmp(name + n - 2, ".h"));
}

/* A new inotify descriptor on t's folders, or -1 after saying why. */
static int watch_dirs(const nl_target *t)
{
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0) { nl_usage_error("watch: inotify: %s", strerror(errno)); return -1; }
    for (char **d = t->dirs; *d; d++)
        if (inotify_add_watch(fd, *d, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
            nl_usage_error("watch: cannot watch %s: %s", *d, strerror(errno));
            close(fd);
            return -1;
        }
    return fd;
}

enum { W_SAVED, W_ENTER, W_QUIT, W_LOST };

/* Waits for a save of a .c or .h file, then for the editor to finish (a
 * quiet 200 ms: editors write, rename and chmod in bursts) — or, while
 * *keys, for a line on stdin: "q" stops, any other moves on.  At the end
 * of stdin *keys turns false and only saves count. */
static int wait_for_save(int fd, bool *keys)
{
    bool changed = false;
    for (;;) {
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
        int r = poll(p, *keys ? 2 : 1, changed ? 200 : -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return W_LOST;
        if (r == 0) return W_SAVED;
        if (*keys && p[1].revents) {
            char line[256];
            ssize_t n = read(STDIN_FILENO, line, sizeof line);
            if (n <= 0) *keys = false;
            else return line[0] == 'q' ? W_QUIT : W_ENTER;
        }
        if (!p[0].revents) continue;
        char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) return W_LOST;
        for (char *e = buf; e < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)e;
            if (ev->len && source_name(ev->name)) changed = true;
            e += sizeof *ev + ev->len;
        }
    }
}

/* After exercise t->ids[0] passed: the next one in the course's order
 * (wrapping round) that has a folder in the workspace and has not passed
 * there, or NULL.  malloc'd. */
static char *next_exercise(nl_progress *p, const nl_target *t)
{
    if (t->how == NL_WS_NONE || t->ids[1]) return NULL;      /* a loose folder, or all of them */
    char **ids = nl_exercise_ids();
    size_t n = 0, at = 0;
    for (; ids[n]; n++)
        if (!strcmp(ids[n], t->ids[0])) at = n;
    nl_progress_refresh(p);
    char *next = NULL;
    for (size_t k = 1; k < n && !next; k++) {
        const char *id = ids[(at + k) % n];
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/%s", t->workspace, id);
        if (nl_is_dir(dir) && strcmp(nl_progress_exercise(p, id).status, "passed") != 0) next = strdup(id);
    }
    nl_free_list(ids);
    return next;
}

/* Says what comes after a pass: the next exercise, or that all pass. */
static void offer(const nl_target *t, const char *next)
{
    nl_exercise_entry e;
    if (!next) {
        if (t->how != NL_WS_NONE && !t->ids[1]) printf("\nEvery exercise in %s passes.\n", t->workspace);
        return;
    }
    printf("\nNext: %s", next);
    if (nl_exercise_find(next, &e) == 0) printf(" (chapter %d) — %s", e.chapter, e.title);
    printf(".\nPress Enter to move on to it (q and Enter stop; saving again re-checks %s).\n", t->ids[0]);
}

/* Points t at exercise id of the same workspace. */
static void move_on(nl_target *t, const char *id)
{
    free(t->ids[0]);
    free(t->dirs[0]);
    t->ids[0] = strdup(id);
    size_t size = strlen(t->workspace) + strlen(id) + 2;
    t->dirs[0] = malloc(size);
    if (!t->ids[0] || !t->dirs[0]) { perror("nodelab"); exit(1); }
    snprintf(t->dirs[0], size, "%s/%s", t->workspace, id);
}

int nl_cmd_watch(int argc, char **argv)
{
    options o = { 0 };
    int rc = parse(argc, argv, "watch", watch_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    nl_target t;
    if ((rc = nl_workspace_target("watch", o.exercise, &t))) return rc;
    int fd = watch_dirs(&t);
    nl_session s;
    if (fd >= 0 && nl_session_open(&s, "nodelab") < 0) { close(fd); fd = -1; }
    if (fd < 0) { nl_target_free(&t); return 2; }
    nl_progress p;
    nl_student_progress(&p, t.workspace);
    bool tty = isatty(STDOUT_FILENO), keys = true;
    char *next = NULL;
    for (int run = 1;; run++) {
        if (tty && run > 1) fputs("\033[H\033[2J", stdout);   /* each run on a clear screen */
        rc = check_once(&s, &p, &t, &o);
        if (rc == 2 || (o.max_runs && run >= o.max_runs)) break;
        free(next);
        next = rc == 0 ? next_exercise(&p, &t) : NULL;
        if (rc == 0 && o.format == NL_FMT_TEXT) offer(&t, next);
        printf("\nwatching %s for saves (Ctrl-C to stop)\n", t.dirs[1] ? t.submission : t.dirs[0]);
        fflush(stdout);
        int w = wait_for_save(fd, &keys);
        if (w == W_QUIT) break;
        if (w == W_LOST) { rc = nl_usage_error("watch: lost the watch: %s", strerror(errno)); break; }
        if (w == W_ENTER && next) {
            move_on(&t, next);
            close(fd);
            if ((fd = watch_dirs(&t)) < 0) { rc = 2; break; }
        }
    }
    free(next);
    if (fd >= 0) close(fd);
    nl_progress_close(&p);
    nl_session_close(&s);
    nl_target_free(&t);
    return rc;
}
