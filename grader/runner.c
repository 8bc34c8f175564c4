/*
 * runner.c — main() of every test program the grader links (it ends up in
 * lab/runtime/libnlrunner.a and is linked after the student's objects).
 *
 * It runs inside the sandbox, next to code that may be hostile, so it
 * trusts nothing that process can touch:
 *
 *  - Each test runs in a child of its own (its own process group), in
 *    Check's no-fork mode.  The parent — this main(), which runs no
 *    student code: the grader refuses student objects that define
 *    symbols of ours, of Check or of libc, or constructors — watches it.
 *  - A test counts only if its child, after srunner_run() returns, sends
 *    a verdict on a pipe of its own carrying a random token drawn for that
 *    test, and then exits with status 0.  exit(0) in the middle of a test
 *    (which Check's fork mode would call a pass), a crash, a forged line
 *    printed anywhere, all leave no valid verdict.
 *  - The parent reports to the grader on fd 3, which it closes in every
 *    test child; it makes itself non-dumpable, so a test cannot reach
 *    that descriptor through /proc either.  stdout and stderr are only
 *    ever shown to people, never parsed.
 *  - Time, output and memory limits are the parent's: it kills the
 *    test's process group on a deadline, an output flood or (with
 *    --watch-rss, for ThreadSanitizer, which cannot live under an
 *    address-space limit) too much resident memory, and as pid 1
 *    of the sandbox's PID namespace it kills every process a test leaves
 *    behind, setsid() daemons included.
 */
#include "config.h"
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

Suite *exercise_suite(void);

#define REPORT_FD 3
#define TOKEN_LEN 32

static struct {
    long time_ms, output_bytes, mem_kb;
    bool pid_ns, check_children, check_zombies, check_fds, watch_rss;
} opt = { 10000, 65536, 0, false, false, false, false, false };

/* ---- in the test child ---- */

typedef struct {
    int fds[256];
    int nfds;
} fd_set_snapshot;

static void snapshot_fds(fd_set_snapshot *s)
{
    s->nfds = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) && s->nfds < 256) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd != dirfd(d)) s->fds[s->nfds++] = fd;
    }
    if (d) closedir(d);
}

/* Calls fn for every child of this process (of any of its threads). */
static int for_each_child(void (*fn)(int pid, void *arg), void *arg)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        int pid;
        while (f && fscanf(f, "%d", &pid) == 1) { fn(pid, arg); n++; }
        if (f) fclose(f);
    }
    if (d) closedir(d);
    return n;
}

static void count_child(int pid, void *arg)
{
    int *counts = arg;                 /* [live, zombies] */
    char stat[64], state = '?';
    snprintf(stat, sizeof stat, "/proc/%d/stat", pid);
    FILE *s = fopen(stat, "r");
    if (s && fscanf(s, "%*d (%*[^)]) %c", &state) == 1 && state == 'Z') counts[1]++;
    else counts[0]++;
    if (s) fclose(s);
}

/* Children of this process still alive, and those that ended unwaited. */
static void count_children(int *live, int *zombies)
{
    int counts[2] = { 0, 0 };
    for_each_child(count_child, counts);
    *live = counts[0];
    *zombies = counts[1];
}

static void describe_leaks(const fd_set_snapshot *before, nl_buf *out, int verdict_fd)
{
    if (opt.check_children || opt.check_zombies) {
        int live, zombies;
        count_children(&live, &zombies);
        if (opt.check_children && live)
            nl_buf_printf(out, "left %d child process%s running; ", live, live == 1 ? "" : "es");
        if (opt.check_zombies && zombies)
            nl_buf_printf(out, "left %d zombie%s (children never waited for); ", zombies,
                          zombies == 1 ? "" : "s");
    }
    if (opt.check_fds) {
        fd_set_snapshot after;
        snapshot_fds(&after);
        nl_buf fds = { 0 };
        int n = 0;
        for (int i = 0; i < after.nfds; i++) {
            bool old = after.fds[i] == verdict_fd;
            for (int j = 0; j < before->nfds && !old; j++) old = before->fds[j] == after.fds[i];
            if (!old) nl_buf_printf(&fds, "%s%d", n++ ? ", " : "", after.fds[i]);
        }
        if (n) nl_buf_printf(out, "left descriptor%s %s open; ", n == 1 ? "" : "s", fds.s);
        nl_buf_free(&fds);
    }
}

static void run_test_child(const char *tcase, const char *token, int verdict_fd)
{
    fd_set_snapshot before;
    snapshot_fds(&before);
    SRunner *sr = srunner_create(exercise_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    fflush(NULL);
    srunner_run(sr, NULL, tcase, CK_SILENT);
    fflush(NULL);
    int ran = srunner_ntests_run(sr);
    TestResult **results = srunner_results(sr);
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "token", token);
    cJSON_AddNumberToObject(v, "ran", ran);
    if (ran >= 1) {
        TestResult *r = results[ran - 1];
        int type = tr_rtype(r);
        cJSON_AddStringToObject(v, "result", type == CK_PASS ? "pass" : type == CK_FAILURE ? "failure" : "error");
        cJSON_AddStringToObject(v, "message", tr_msg(r) ? tr_msg(r) : "");
        cJSON_AddStringToObject(v, "file", tr_lfile(r) ? tr_lfile(r) : "");
        cJSON_AddNumberToObject(v, "line", tr_lno(r));
        cJSON_AddStringToObject(v, "where", tr_ctx(r) == CK_CTX_TEST ? "test" : "fixture");
    }
    free(results);
    srunner_free(sr);
    nl_buf leaks = { 0 };
    describe_leaks(&before, &leaks, verdict_fd);
    if (leaks.len) cJSON_AddStringToObject(v, "leaks", leaks.s);
    nl_buf_free(&leaks);
    char *text = cJSON_PrintUnformatted(v);
    size_t len = strlen(text);
    if (write(verdict_fd, text, len) != (ssize_t)len) _exit(121);
    _exit(0);
}

/* ---- in the parent ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void random_token(char *out)
{
    unsigned char r[TOKEN_LEN / 2];
    if (getrandom(r, sizeof r, 0) != sizeof r) abort();
    for (size_t i = 0; i < sizeof r; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Kills and reaps every child we still have.  As a subreaper (or pid 1
 * of the namespace) we inherit everything a test leaves behind, a
 * setsid() daemon included, once its parent is gone.  Returns how many
 * there were. */
static void kill_child(int pid, void *arg)
{
    kill(pid, SIGKILL);
}

static int kill_children(void)
{
    int found = 0;
    for (int round = 0; round < 50; round++) {
        int here = for_each_child(kill_child, NULL);
        if (opt.pid_ns && getpid() == 1) kill(-1, SIGKILL);   /* all others in the namespace */
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (round == 0) found = here;
        if (!here) break;
        usleep(2000);
    }
    return found;
}

/* What the test left behind: its process group, and then any process
 * that is now ours. */
static int kill_leftovers(pid_t group)
{
    int left = kill(-group, 0) == 0;
    kill(-group, SIGKILL);
    usleep(1000);
    return left + kill_children();
}

typedef struct {
    bool timed_out, flooded, too_big;
    int status;
    struct rusage ru;
    double ms;
    nl_cap out;
    nl_buf verdict;
} outcome;

/* The test process's resident memory, in KB (0 if it cannot be read). */
static long resident_kb(pid_t pid)
{
    char path[64];
    long size, pages = 0;
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%ld %ld", &size, &pages) != 2) pages = 0;
    if (f) fclose(f);
    return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static void watch_child(pid_t pid, int out_fd, int verdict_fd, outcome *o)
{
    int pidfd = pidfd_open(pid, 0);    /* -1 on kernels before 5.3: poll instead */
    double t0 = now_ms(), deadline = t0 + opt.time_ms;
    bool killed = false, reaped = false;
    for (;;) {
        struct pollfd p[3] = { { pidfd, POLLIN, 0 }, { out_fd, POLLIN, 0 }, { verdict_fd, POLLIN, 0 } };
        double left = deadline - now_ms();
        if (left <= 0 && !killed) { o->timed_out = true; kill(-pid, SIGKILL); killed = true; }
        int wait_ms = killed ? 100 : (int)left + 1;
        if (pidfd < 0 && wait_ms > 20) wait_ms = 20;
        if (opt.watch_rss && wait_ms > 20) wait_ms = 20;   /* a look every 20 ms */
        int r = poll(p, 3, wait_ms);
        if (r < 0 && errno != EINTR) break;
        char buf[16384];
        if (p[1].revents) {
            ssize_t n = read(out_fd, buf, sizeof buf);
            if (n > 0) nl_cap_add(&o->out, buf, (size_t)n);
            if (n == 0) out_fd = -1;
            if ((long)o->out.total > opt.output_bytes && !killed) {
                o->flooded = true;
                kill(-pid, SIGKILL);
                killed = true;
            }
        }
        if (p[2].revents) {
            ssize_t n = read(verdict_fd, buf, sizeof buf);
            if (n > 0 && o->verdict.len < 65536) nl_buf_add(&o->verdict, buf, (size_t)n);
            if (n == 0) verdict_fd = -1;
        }
        if (opt.watch_rss && !killed && resident_kb(pid) > opt.mem_kb) {
            o->too_big = true;
            kill(-pid, SIGKILL);
            killed = true;
        }
        if (p[0].revents) break;
        if (pidfd < 0 && wait4(pid, &o->status, WNOHANG, &o->ru) == pid) { reaped = true; break; }
    }
    while (!reaped && wait4(pid, &o->status, 0, &o->ru) < 0 && errno == EINTR) {}
    o->ms = now_ms() - t0;
    if (pidfd >= 0) close(pidfd);
}

static void drain_nonblocking(int fd, nl_cap *cap, nl_buf *buf)
{
    char tmp[16384];
    ssize_t n;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while ((n = read(fd, tmp, sizeof tmp)) > 0) {
        if (cap) nl_cap_add(cap, tmp, (size_t)n);
        if (buf && buf->len < 65536) nl_buf_add(buf, tmp, (size_t)n);
    }
}

/* Turns what happened into one record for the grader. */
static cJSON *classify(const char *tcase, const char *token, outcome *o, int leftovers)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "tcase", tcase);
    cJSON_AddNumberToObject(rec, "ms", (int)o->ms);
    cJSON_AddNumberToObject(rec, "maxrss_kb", (double)o->ru.ru_maxrss);
    char *text = nl_cap_text(&o->out);
    cJSON_AddStringToObject(rec, "output", text);
    cJSON_AddNumberToObject(rec, "output_bytes", (double)o->out.total);
    free(text);
    cJSON *v = o->verdict.len ? cJSON_ParseWithLength(o->verdict.s, o->verdict.len) : NULL;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(v, "token");
    bool genuine = cJSON_IsString(tok) && strcmp(tok->valuestring, token) == 0;
    bool clean_exit = WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0;
    /* A test that died near its memory limit most likely hit it. */
    bool big = opt.mem_kb > 0 && o->ru.ru_maxrss >= opt.mem_kb * 6 / 10;
    const char *status;
    if (o->flooded) {
        status = "output limit exceeded";
    } else if (o->too_big) {
        status = "out of memory";
    } else if (o->timed_out) {
        status = "timed out";
    } else if (o->verdict.len && !genuine) {
        status = "tampered";
        cJSON_AddStringToObject(rec, "detail", "something other than the test runner wrote on its result channel");
    } else if (WIFSIGNALED(o->status)) {
        int sig = WTERMSIG(o->status);
        status = sig == SIGXCPU ? "timed out" : sig == SIGXFSZ ? "output limit exceeded"
               : big ? "out of memory" : "crashed";
        cJSON_AddStringToObject(rec, "signal", nl_signal_name(sig));
    } else if (!genuine || !clean_exit) {
        status = big ? "out of memory" : "exited early";
        cJSON_AddNumberToObject(rec, "exit_code", WIFEXITED(o->status) ? WEXITSTATUS(o->status) : -1);
    } else {
        const cJSON *ran = cJSON_GetObjectItemCaseSensitive(v, "ran");
        const cJSON *result = cJSON_GetObjectItemCaseSensitive(v, "result");
        const cJSON *leaks = cJSON_GetObjectItemCaseSensitive(v, "leaks");
        if (!cJSON_IsNumber(ran) || ran->valueint != 1 || !cJSON_IsString(result)) {
            status = "not run";
            cJSON_AddStringToObject(rec, "detail", "the test suite has no test case of this name");
        } else if (strcmp(result->valuestring, "pass") != 0) {
            status = "failed";
        } else if (cJSON_IsString(leaks) || (leftovers && opt.check_children)) {
            status = "leaked";
        } else {
            status = "passed";
        }
        static const char *const copy[] = { "message", "file", "line", "where", "leaks", "result" };
        for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) {
            cJSON *item = cJSON_GetObjectItemCaseSensitive(v, copy[i]);
            if (item) cJSON_AddItemToObject(rec, copy[i], cJSON_Duplicate(item, 1));
        }
    }
    if (leftovers && opt.check_children) {
        cJSON *l = cJSON_GetObjectItemCaseSensitive(rec, "leaks");
        nl_buf b = { 0 };
        nl_buf_printf(&b, "%sleft processes running after it ended",
                      cJSON_IsString(l) ? l->valuestring : "");
        if (l) cJSON_DeleteItemFromObjectCaseSensitive(rec, "leaks");
        cJSON_AddStringToObject(rec, "leaks", b.s);
        nl_buf_free(&b);
    }
    cJSON_AddStringToObject(rec, "status", status);
    cJSON_Delete(v);
    return rec;
}

static void run_one(const char *tcase)
{
    int out[2], verdict[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(verdict, O_CLOEXEC) < 0) { perror("pipe"); exit(1); }
    char token[TOKEN_LEN + 1];
    random_token(token);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(1); }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);   /* the runner killed: so is the test */
        close(REPORT_FD);
        close(out[0]);
        close(verdict[0]);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(out[1]);
        signal(SIGPIPE, SIG_DFL);
        struct rlimit cpu = { (rlim_t)(opt.time_ms / 1000 + 1), (rlim_t)(opt.time_ms / 1000 + 1) };
        setrlimit(RLIMIT_CPU, &cpu);
        run_test_child(tcase, token, verdict[1]);
    }
    setpgid(pid, pid);
    close(out[1]);
    close(verdict[1]);
    outcome o = { 0 };
    nl_cap_init(&o.out, 4096);
    watch_child(pid, out[0], verdict[0], &o);
    int leftovers = kill_leftovers(pid);
    drain_nonblocking(out[0], &o.out, NULL);
    drain_nonblocking(verdict[0], NULL, &o.verdict);
    close(out[0]);
    close(verdict[0]);
    cJSON *rec = classify(tcase, token, &o, leftovers);
    char *line = cJSON_PrintUnformatted(rec);
    dprintf(REPORT_FD, "%s\n", line);
    free(line);
    cJSON_Delete(rec);
    nl_cap_free(&o.out);
    nl_buf_free(&o.verdict);
}

static void usage(void)
{
    fputs("usage: tests [--pid-ns] [--time-ms N] [--output-bytes N] [--mem-kb N]\n"
          "             [--watch-rss] [--checks children,zombies,fds] (TCASE... | -)\n"
          "Runs the named test cases one at a time and reports each, as a JSON\n"
          "line, on descriptor 3; '-' reads the names from stdin, one a line.\n"
          "Built and run by nodelab-grader.\n", stderr);
    exit(2);
}

/* The names of the cases to run, from stdin, which is /dev/null again
 * afterwards.  The grader sends them there rather than in argv: every
 * process in the sandbox may read /proc/1/cmdline, and a hidden test's
 * name is not the student's to read. */
static char **names_from_stdin(void)
{
    nl_buf in = { 0 };
    char chunk[4096];
    ssize_t n;
    while ((n = read(0, chunk, sizeof chunk)) > 0) nl_buf_add(&in, chunk, (size_t)n);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) { dup2(null, 0); close(null); }
    char **names = NULL;
    size_t count = 0;
    for (char *line = in.s ? strtok(in.s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        names = realloc(names, (count + 2) * sizeof *names);
        names[count++] = strdup(line);
        names[count] = NULL;
    }
    nl_buf_free(&in);
    return names;
}

int main(int argc, char **argv)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    if (fcntl(REPORT_FD, F_GETFD) < 0) usage();
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (!strcmp(a, "--pid-ns")) { opt.pid_ns = true; continue; }
        if (!strcmp(a, "--watch-rss")) { opt.watch_rss = true; continue; }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--time-ms")) opt.time_ms = atol(v);
        else if (!strcmp(a, "--output-bytes")) opt.output_bytes = atol(v);
        else if (!strcmp(a, "--mem-kb")) opt.mem_kb = atol(v);
        else if (!strcmp(a, "--checks")) {
            opt.check_children = strstr(v, "children") != NULL;
            opt.check_zombies = strstr(v, "zombies") != NULL;
            opt.check_fds = strstr(v, "fds") != NULL;
        } else usage();
    }
    if (i >= argc || opt.time_ms <= 0) usage();
    if (!strcmp(argv[i], "-")) {
        char **names = names_from_stdin();
        for (char **name = names; name && *name; name++) run_one(*name);
        return 0;
    }
    for (; i < argc; i++) run_one(argv[i]);
    return 0;
}
