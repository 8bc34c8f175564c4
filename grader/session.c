/* session.c — shared set-up of the grading commands (see session.h). */
#include "config.h"
#include "session.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* The janitor: a child that outlives nothing.  It blocks on a pipe
 * whose only writer is the grader, and learns through it, one
 * NUL-ended path at a time, each folder the grader made.  When that pipe
 * closes — normal exit, crash, Ctrl-C, SIGKILL — it removes them all
 * and what the sandboxes left.  It starts before the grader makes any
 * folder or runs any sandbox (even the probe), so that nothing is left
 * whenever the grader dies. */
static int janitor_fd = -1;

static void janitor_main(int in, pid_t owner)
{
    char paths[8192];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(in, paths + len, sizeof paths - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len == sizeof paths - 1) break;    /* never: a session makes 2 */
    }
    paths[len] = '\0';
    nl_box_cleanup(owner);
    /* A sandboxed process on its way out may still add a file while the
     * tree is removed: look again, a few times. */
    for (int round = 0; round < 5; round++) {
        bool left = false;
        for (size_t i = 0; i < len; i += strlen(paths + i) + 1)
            if (paths[i] && nl_remove_tree(paths + i) < 0) left = true;
        if (!left) break;
        usleep(100 * 1000);
    }
    _exit(0);
}

static void start_janitor(void)
{
    int p[2];
    pid_t owner = getpid();
    nl_box_cgroup_owner(owner);        /* the folder the janitor removes */
    if (pipe2(p, O_CLOEXEC) < 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        close(p[1]);
        close_range(3, (unsigned)p[0] - 1, 0);
        close_range((unsigned)p[0] + 1, ~0u, 0);
        janitor_main(p[0], owner);
    }
    close(p[0]);
    /* On success the write end stays open, close-on-exec, until we exit. */
    if (pid < 0) close(p[1]);
    else janitor_fd = p[1];
}

/* Tells the janitor about a folder (one write of under PIPE_BUF bytes:
 * it arrives whole or not at all). */
static void janitor_watch(const char *dir)
{
    if (janitor_fd >= 0 && strlen(dir) < 1024 && write(janitor_fd, dir, strlen(dir) + 1) < 0) {}
}

/* A folder the janitor knows of before it exists: its name is sent
 * first, then it is made — a SIGKILL between mkdtemp() and the message
 * left one behind (1 in 10 kills in the first 90 ms, on a busy machine).
 * The name holds this process's id, which no other living process has,
 * and 64 random bits, which nobody can guess to make it first: a folder
 * already there under it could only be a dead grader's with our id and
 * the same bits.  Then we give up, and the janitor removes it with ours. */
static char *make_watched_dir(const char *base, const char *prefix)
{
    if (!base) base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint64_t)nl_now_ms() ^ (uint64_t)getpid() << 32;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%d.%016llx", base, prefix, (int)getpid(), (unsigned long long)r);
    janitor_watch(path);
    if (mkdir(path, 0700) < 0) return NULL;
    return strdup(path);
}

int nl_session_open(nl_session *s, const char *prog)
{
    memset(s, 0, sizeof *s);
    signal(SIGPIPE, SIG_IGN);
    start_janitor();
    /* The sandbox probes once what it can do, with a run of its own: in
     * a first folder in $TMPDIR, already known to the janitor. */
    s->root = make_watched_dir(NULL, "nodelab-grader");
    if (s->root) {
        chmod(s->root, 0711);      /* as below: the probe runs as the graded code does */
        nl_box_probe_in(s->root);
        /* In basic mode the sandbox writes in /tmp only if nothing it must
         * not see lives there (Landlock can grant a folder, not a folder
         * but one of its children): our folder goes to /var/tmp, unless
         * TMPDIR says. */
        if (!nl_box_is_namespaced() && !getenv("TMPDIR") && nl_is_dir("/var/tmp")) {
            char *moved = make_watched_dir("/var/tmp", "nodelab-grader");
            nl_remove_tree(s->root);
            free(s->root);
            s->root = moved;
        }
        nl_box_probe_in(NULL);
    }
    if (!s->root) {
        fprintf(stderr, "%s: cannot make a temporary folder: %s\n", prog, strerror(errno));
        return -1;
    }
    /* Sandboxes in basic mode run as other uids and must pass through
     * to their own folders inside; they cannot list it. */
    chmod(s->root, 0711);
    s->course = nl_course_open(s->root);
    s->opts.time_scale = 1;
    s->opts.root = s->root;
    return 0;
}

void nl_session_close(nl_session *s)
{
    nl_course_close(s->course);
    if (s->root) nl_remove_tree(s->root);
    free(s->root);
    memset(s, 0, sizeof *s);
}

int nl_session_grade(nl_session *s, const char *prog, const char *submission,
                     char *const *ids, nl_result *res)
{
    memset(res, 0, sizeof *res);
    res->submission = nl_utf8_clean(submission, strlen(submission));
    double t0 = nl_now_ms();
    char **all = NULL;
    if (!nl_is_dir(submission)) {
        fprintf(stderr, "%s: %s: not a folder\n", prog, submission);
        return 2;
    }
    if (!ids) {
        all = nl_exercise_ids();
        ids = all;
    }
    char err[1024];
    size_t n = 0, found = 0;
    nl_buf hints = { 0 };
    for (char *const *id = ids; *id; id++) n++;
    const nl_prepared **todo = calloc(n + 1, sizeof *todo);
    n = 0;
    for (char *const *id = ids; *id; id++) {
        const nl_prepared *p = nl_course_get(s->course, *id, err, sizeof err);
        if (!p) {
            fprintf(stderr, "%s: %s\n", prog, err);
            nl_free_list(all);
            nl_buf_free(&hints);
            free(todo);
            return 2;
        }
        /* Every exercise found, and those nearly found (Parallel.c): they
         * are reported missing, with a "did you mean".  When none is found
         * there is nothing to grade, and the "did you mean"s say why. */
        if (!all || nl_find_files(p->m, submission)) { todo[n++] = p; found++; continue; }
        char *hint = nl_near_miss(p->m, submission);
        if (hint) { todo[n++] = p; nl_buf_printf(&hints, "; %s", hint); }
        free(hint);
    }
    nl_free_list(all);
    if (!found) {
        fprintf(stderr, "%s: %s: no exercise's files found (name them as the exercise's "
                "starter does, in the folder or in a subfolder named after the exercise)%s\n",
                prog, submission, hints.s ? hints.s : "");
        nl_buf_free(&hints);
        free(todo);
        return 2;
    }
    nl_buf_free(&hints);
    /* The submission's time cap counts from here: the tests' own
     * compiles are the course's, not the submission's. */
    nl_grade_opts o = s->opts;
    if (o.cap_s > 0) o.deadline_ms = nl_now_ms() + o.cap_s * 1e3;
    for (size_t i = 0; i < n; i++) {
        nl_ex_report r;
        nl_grade(todo[i], submission, &o, &r);
        nl_result_add(res, &r);
    }
    free(todo);
    res->ms = nl_now_ms() - t0;
    return 0;
}

int nl_emit(const char *prog, const char *path, const char *text)
{
    if (!path || !strcmp(path, "-")) {
        fputs(text, stdout);
        fflush(stdout);
        return 0;
    }
    if (nl_write_atomic(path, text, strlen(text)) < 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        return 2;
    }
    return 0;
}

bool nl_want_color(int fd)
{
    const char *no = getenv("NO_COLOR");
    if (no && *no) return false;
    const char *term = getenv("TERM");
    return isatty(fd) && !(term && !strcmp(term, "dumb"));
}
