/*
 * cmd_check.c — `nodelab check [EXERCISE]` and `nodelab watch [EXERCISE]`:
 * the student's loop.  Both grade with the same engine as nodelab-grader
 * (sandbox included), show hidden tests as "hidden test N" without their
 * details, record the result in the progress file and end a failure with
 * a hint.  watch keeps the exercises' tests built and re-runs on every
 * save (inotify), so the second run costs a compile and the tests only.
 */
#include "config.h"
#include "cli.h"
#include "session.h"
#include "util.h"
#include "workspace.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static const char check_help[] =
"usage: nodelab check [EXERCISE] [--format text|json|junit|tap]\n"
"\n"
"Builds your files for the exercise with its tests and runs them, as the\n"
"grader will, then says per test what happened.  In a workspace (see\n"
"nodelab init) it checks the exercise whose folder you are in, or every\n"
"exercise when you are at the top; elsewhere, name the exercise and keep\n"
"its files in the current folder.  A failure ends with a hint.\n"
"Exit status: 0 every test passes, 1 not yet, 2 bad input.\n";

static const char watch_help[] =
"usage: nodelab watch [EXERCISE] [--max-runs N]\n"
"\n"
"Checks as nodelab check does, then again each time you save a .c or .h\n"
"file of the exercise.  Ctrl-C stops.  --max-runs N stops after N checks.\n";

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

/* One round: grade, print, record, hint.  Returns 0 all passed, 1 not. */
static int check_once(nl_session *s, const nl_target *t, const options *o)
{
    nl_result res;
    int rc = nl_session_grade(s, "nodelab", t->submission, t->ids, &res);
    if (rc) return rc;
    nl_report_opts ro = { true, o->format == NL_FMT_TEXT && nl_want_color(1), nl_output_width(stdout) };
    char *text = nl_report_render(&res, o->format, &ro);
    fputs(text, stdout);
    free(text);
    bool all = true;
    for (size_t i = 0; i < res.nex; i++) {
        char *hint = nl_workspace_record(&res.ex[i]);
        all &= res.ex[i].status == NL_EX_PASSED;
        if (hint && o->format == NL_FMT_TEXT) printf("\n%s: %s\n", res.ex[i].m->id, hint);
        free(hint);
    }
    if (all && o->format == NL_FMT_TEXT) printf("\nEvery test passes.\n");
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
    rc = check_once(&s, &t, &o);
    nl_session_close(&s);
    nl_target_free(&t);
    return rc;
}

static bool source_name(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[0] != '.' && (!strcmp(name + n - 2, ".c") || !strcmp(name + n - 2, ".h"));
}

/* Waits for a save of a .c or .h file, then for the editor to finish
 * (a quiet 200 ms: editors write, rename and chmod in bursts).  Returns
 * false if the watch itself failed. */
static bool wait_for_save(int fd)
{
    bool changed = false;
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int r = poll(&p, 1, changed ? 200 : -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) return true;
        char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->len && source_name(e->name)) changed = true;
            p += sizeof *e + e->len;
        }
    }
}

int nl_cmd_watch(int argc, char **argv)
{
    options o = { 0 };
    int rc = parse(argc, argv, "watch", watch_help, &o);
    if (rc) return rc < 0 ? 0 : rc;
    nl_target t;
    if ((rc = nl_workspace_target("watch", o.exercise, &t))) return rc;
    int fd = inotify_init1(IN_CLOEXEC);
    for (char **d = t.dirs; fd >= 0 && *d; d++)
        if (inotify_add_watch(fd, *d, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
            rc = nl_usage_error("watch: cannot watch %s: %s", *d, strerror(errno));
            break;
        }
    if (fd < 0) rc = nl_usage_error("watch: inotify: %s", strerror(errno));
    nl_session s;
    if (!rc && nl_session_open(&s, "nodelab") < 0) rc = 2;
    if (rc) { if (fd >= 0) close(fd); nl_target_free(&t); return rc; }
    bool tty = isatty(1);
    for (int run = 1;; run++) {
        if (tty && run > 1) fputs("\033[H\033[2J", stdout);
        rc = check_once(&s, &t, &o);
        if (rc == 2 || (o.max_runs && run >= o.max_runs)) break;
        printf("\nwatching %s for saves (Ctrl-C to stop)\n", t.dirs[1] ? t.submission : t.dirs[0]);
        fflush(stdout);
        if (!wait_for_save(fd)) { rc = nl_usage_error("watch: lost the watch: %s", strerror(errno)); break; }
    }
    close(fd);
    nl_session_close(&s);
    nl_target_free(&t);
    return rc;
}
