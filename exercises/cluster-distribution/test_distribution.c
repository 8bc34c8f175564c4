/* test_distribution.c — exercise cluster-distribution: the tests (one
 * TCase per test).  A real cluster: this process is the primary, the
 * workers run the student's handler, the runtime's load generator is the
 * client, and what the clients saw is compared with the workers' log.
 *
 * bench/mutants.py: 52 of 61 killed.  The 9 survivors are equivalent:
 * worker_for() reading one past the last entry (never the same pid) and
 * sizeof workers[1] for [0]; parse_line()'s length guard (an empty or
 * one-byte line fails the parse anyway, no log line is 640 bytes) and
 * `pid < 0` (0 is already "no pid"); finish()'s loop from 0 and its
 * `<=`/`>=` (the same min and max). */
#define _GNU_SOURCE
#include "distribution.h"
#include "loadgen.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- one run: N workers, a bounded load, then a gentle stop ---------------- */

#define MAX_PIDS 8

typedef struct {
    int workers, listening, exited, bad_exits;
    pid_t pids[MAX_PIDS];
    lab_loadgen_options load;
    lab_loadgen *lg;
    uint64_t status_200, foreign_pid, no_pid;
    lab_loadgen_pid counts[MAX_PIDS];  /* per X-Worker-Pid, from the clients */
    size_t ncounts;
    char *log;                         /* what the workers logged */
    size_t log_len;
} run_state;

static run_state *now;
static lab_cluster *now_cluster;

static bool is_worker_pid(const run_state *r, pid_t pid)
{
    for (int i = 0; i < r->workers; i++)
        if (r->pids[i] == pid) return true;
    return false;
}

static void on_response(lab_loadgen *lg, const lab_loadgen_result *res)
{
    run_state *r = lg->data;
    if (res->status == 200) r->status_200++;
    if (res->worker_pid == 0) r->no_pid++;
    else if (!is_worker_pid(r, res->worker_pid)) r->foreign_pid++;
}

static void on_load_done(lab_loadgen *lg)
{
    run_state *r = lg->data;
    for (size_t i = 0; i < lg->npids && i < MAX_PIDS; i++) r->counts[r->ncounts++] = lg->pids[i];
    lab_cluster_disconnect(now_cluster, NULL);   /* every worker, gently */
}

static void on_fork(lab_cluster_worker *w)
{
    if (w->id <= MAX_PIDS) now->pids[w->id - 1] = w->pid;
}

static void on_listening(lab_cluster_worker *w, const char *address, int port)
{
    run_state *r = now;
    if (++r->listening != r->workers) return;
    r->load.port = port;
    r->load.on_response = on_response;
    r->load.on_done = on_load_done;
    r->load.timeout_ms = 20000;
    lab_loadgen *lg = lab_loadgen_start(w->cluster->loop, &r->load);
    ck_assert_msg(lg != NULL, "the load generator did not start");
    lg->data = r;
    r->lg = lg;
}

static void on_exit_cb(lab_cluster_worker *w, int code, int sig)
{
    now->exited++;
    if (code != 0 || sig != 0) now->bad_exits++;
}

static void run(run_state *r, int workers, int connections, bool new_connection,
                uint64_t requests, const char *path)
{
    memset(r, 0, sizeof *r);
    now = r;
    r->workers = workers;
    r->load.connections = connections;
    r->load.new_connection = new_connection;
    r->load.requests = requests;
    r->load.path = path;
    int fd = open("dist.log", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);  /* no close-on-exec: the workers keep it */
    ck_assert_msg(fd >= 0, "cannot open the log: %s", strerror(errno));
    dist_log_fd = fd;                  /* the forked workers inherit it */

    lab_loop *loop = lab_loop_new();
    static int port = 0;
    lab_cluster_options o = {
        .main = dist_worker_main, .arg = &port, .sched = LAB_CLUSTER_RR,
        .on_fork = on_fork, .on_listening = on_listening, .on_exit = on_exit_cb,
    };
    lab_cluster *cl = lab_cluster_new(loop, &o);
    ck_assert_ptr_nonnull(cl);
    now_cluster = cl;
    ck_assert_int_eq(lab_cluster_start(cl, workers), 0);
    lab_loop_run(loop);
    /* The clients' counts, read before the load generator is freed. */
    bool started = r->lg != NULL;
    uint64_t ok = started ? r->lg->ok : 0, failed = started ? r->lg->failed : 0;
    if (r->lg) lab_loadgen_free(r->lg);
    r->lg = NULL;
    lab_cluster_free(cl);
    lab_loop_free(loop);
    close(fd);
    dist_log_fd = -1;

    ck_assert_msg(r->listening == workers, "only %d of %d workers listened (did one crash?)",
                  r->listening, workers);
    ck_assert_msg(r->bad_exits == 0, "%d worker(s) crashed or exited with a non-zero status",
                  r->bad_exits);
    ck_assert_msg(started && ok == requests && failed == 0,
                  "the clients got %llu complete answers of %llu (%llu failed)",
                  (unsigned long long)ok, (unsigned long long)requests,
                  (unsigned long long)failed);

    static char buf[1 << 20];
    int in = open("dist.log", O_RDONLY | O_CLOEXEC);
    ssize_t n = in >= 0 ? read(in, buf, sizeof buf) : -1;
    if (in >= 0) close(in);
    r->log = buf;
    r->log_len = n > 0 ? (size_t)n : 0;
}

/* The log, parsed by the test: per-pid counts; false if a line is bad. */
typedef struct { pid_t pid; uint64_t count; } count_t;

static bool parse_log(const run_state *r, const char *url, count_t *c, size_t *nc,
                      uint64_t *lines, char *why, size_t whylen)
{
    *nc = 0;
    *lines = 0;
    const char *p = r->log, *end = r->log + r->log_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) { snprintf(why, whylen, "the log's last line has no newline"); return false; }
        char line[1024];
        size_t len = (size_t)(nl - p);
        if (len >= sizeof line) len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        long pid;
        char method[16], got[900];
        if (sscanf(line, "%ld %15s %899s", &pid, method, got) != 3 || strcmp(method, "GET") != 0 ||
            strcmp(got, url) != 0 || !is_worker_pid(r, (pid_t)pid)) {
            snprintf(why, whylen, "log line %llu is \"%.120s\", wanted \"PID GET %.60s\" with a worker's PID",
                     (unsigned long long)*lines + 1, line, url);
            return false;
        }
        size_t i = 0;
        while (i < *nc && c[i].pid != (pid_t)pid) i++;
        if (i == *nc) c[(*nc)++] = (count_t){ (pid_t)pid, 0 };
        c[i].count++;
        (*lines)++;
        p = nl + 1;
    }
    return true;
}

/* The log, every line checked; per-pid counts in c; the lines counted. */
static uint64_t check_log(const run_state *r, const char *url, count_t *c, size_t *nc)
{
    uint64_t lines;
    char why[300];
    ck_assert_msg(parse_log(r, url, c, nc, &lines, why, sizeof why), "%s", why);
    return lines;
}

static uint64_t client_count(const run_state *r, pid_t pid)
{
    for (size_t i = 0; i < r->ncounts; i++)
        if (r->counts[i].pid == pid) return r->counts[i].count;
    return 0;
}

/* ---- the handler ------------------------------------------------------------- */

START_TEST(answers_with_the_worker_pid)
{
    run_state r;
    run(&r, 2, 4, true, 40, "/");
    ck_assert_msg(r.status_200 == 40, "%llu of 40 answers had status 200",
                  (unsigned long long)r.status_200);
    ck_assert_msg(r.no_pid == 0, "%llu of 40 answers had no X-Worker-Pid header (a decimal PID)",
                  (unsigned long long)r.no_pid);
    ck_assert_msg(r.foreign_pid == 0, "%llu answers named a PID that is not a worker's (%d, %d)",
                  (unsigned long long)r.foreign_pid, (int)r.pids[0], (int)r.pids[1]);
    ck_assert_msg(r.ncounts == 2, "the answers named %zu workers, wanted both", r.ncounts);
}
END_TEST

START_TEST(logs_one_line_per_request)
{
    run_state r;
    run(&r, 2, 4, true, 40, "/dist?q=1");
    count_t c[MAX_PIDS];
    size_t nc;
    uint64_t lines = check_log(&r, "/dist?q=1", c, &nc);
    ck_assert_msg(lines == 40, "the log has %llu lines for 40 requests", (unsigned long long)lines);
}
END_TEST

START_TEST(log_agrees_with_the_responses)
{
    run_state r;
    run(&r, 3, 6, true, 60, "/who");
    count_t c[MAX_PIDS];
    size_t nc;
    uint64_t lines = check_log(&r, "/who", c, &nc);
    ck_assert_msg(r.ncounts > 0, "the answers named no worker (no X-Worker-Pid header)");
    ck_assert_msg(lines == 60, "the log has %llu lines for 60 requests", (unsigned long long)lines);
    for (size_t i = 0; i < nc; i++)
        ck_assert_msg(c[i].count == client_count(&r, c[i].pid),
                      "the log says pid %d served %llu requests, its answers say %llu",
                      (int)c[i].pid, (unsigned long long)c[i].count,
                      (unsigned long long)client_count(&r, c[i].pid));
    ck_assert_msg(nc == r.ncounts, "the log names %zu workers, the answers %zu", nc, r.ncounts);
}
END_TEST

/* Many workers logging at once, keep-alive, long URLs: a line written in
 * pieces gets cut by another worker's line sooner or later. */
START_TEST(lines_stay_whole_under_load)
{
    static char url[160];              /* the load generator's request fits 256 bytes */
    memset(url, 'a', sizeof url - 1);
    url[0] = '/';
    url[sizeof url - 1] = '\0';
    run_state r;
    run(&r, 3, 16, false, 600, url);
    count_t c[MAX_PIDS];
    size_t nc;
    uint64_t lines = check_log(&r, url, c, &nc);
    ck_assert_msg(lines == 600, "the log has %llu lines for 600 requests", (unsigned long long)lines);
}
END_TEST

/* ---- the tally ------------------------------------------------------------------ */

static dist_report tally_ok(const char *log)
{
    dist_report d;
    memset(&d, 0x5a, sizeof d);        /* no help from a zeroed report */
    int rc = dist_tally(log, strlen(log), &d);
    ck_assert_msg(rc == 0, "dist_tally(\"%.80s\") returned %d, wanted 0", log, rc);
    return d;
}

START_TEST(tally_counts_per_worker)
{
    dist_report d = tally_ok("300 GET /\n20 GET /a\n300 GET /b?x=1\n1000 POST /c\n20 GET /\n300 GET /\n");
    ck_assert_msg(d.total == 6, "total %llu, wanted 6 lines", (unsigned long long)d.total);
    ck_assert_msg(d.nworkers == 3, "%zu workers, wanted 3 (pids 20, 300, 1000)", d.nworkers);
    pid_t want_pid[] = { 20, 300, 1000 };
    uint64_t want_n[] = { 2, 3, 1 };
    for (int i = 0; i < 3; i++)
        ck_assert_msg(d.workers[i].pid == want_pid[i] && d.workers[i].count == want_n[i],
                      "workers[%d] is pid %d with %llu, wanted pid %d with %llu (sorted by pid)", i,
                      (int)d.workers[i].pid, (unsigned long long)d.workers[i].count,
                      (int)want_pid[i], (unsigned long long)want_n[i]);
    d = tally_ok("5 GET /x");
    ck_assert_msg(d.total == 1 && d.nworkers == 1 && d.workers[0].pid == 5,
                  "a last line without a newline still counts");
    d = tally_ok("");
    ck_assert_msg(d.total == 0 && d.nworkers == 0 && d.min == 0 && d.max == 0 && d.spread_pct == 0,
                  "an empty log: 0 workers, total, min, max and spread all 0");
    /* The most workers there can be. */
    static char big[DIST_MAX_WORKERS * 16];
    size_t at = 0;
    for (int i = DIST_MAX_WORKERS; i >= 1; i--) at += (size_t)sprintf(big + at, "%d GET /\n", 100 + i);
    d = tally_ok(big);
    ck_assert_msg(d.nworkers == DIST_MAX_WORKERS && d.workers[0].pid == 101 &&
                  d.workers[DIST_MAX_WORKERS - 1].pid == 100 + DIST_MAX_WORKERS,
                  "%d distinct pids: %zu workers, first %d, last %d", DIST_MAX_WORKERS, d.nworkers,
                  (int)d.workers[0].pid, (int)d.workers[d.nworkers ? d.nworkers - 1 : 0].pid);
}
END_TEST

START_TEST(tally_min_max_spread)
{
    dist_report d = tally_ok("10 GET /\n20 GET /\n10 GET /\n30 GET /\n10 GET /\n");
    ck_assert_msg(d.min == 1 && d.max == 3, "min %llu max %llu, wanted 1 and 3",
                  (unsigned long long)d.min, (unsigned long long)d.max);
    /* mean 5/3; (3 - 1) * 100 / (5/3) = 120 */
    ck_assert_msg(fabs(d.spread_pct - 120.0) < 1e-9, "spread %.6f%%, wanted 120%%", d.spread_pct);
    d = tally_ok("2 GET /\n1 GET /\n1 GET /\n2 GET /\n");
    ck_assert_msg(d.min == 2 && d.max == 2 && d.spread_pct == 0,
                  "an even split: min = max = 2, spread 0 (got %llu, %llu, %.3f)",
                  (unsigned long long)d.min, (unsigned long long)d.max, d.spread_pct);
    d = tally_ok("7 GET /\n7 GET /\n7 GET /\n");
    ck_assert_msg(d.nworkers == 1 && d.min == 3 && d.max == 3 && d.spread_pct == 0,
                  "one worker: min = max = 3, spread 0");
    d = tally_ok("1 GET /\n2 GET /\n2 GET /\n3 GET /\n3 GET /\n3 GET /\n");
    ck_assert_msg(d.min == 1 && d.max == 3, "1, 2 and 3 requests: min %llu max %llu, wanted 1 and 3",
                  (unsigned long long)d.min, (unsigned long long)d.max);
    d = tally_ok("3 GET /\n3 GET /\n3 GET /\n2 GET /\n2 GET /\n1 GET /\n4 GET /\n4 GET /\n");
    ck_assert_msg(d.min == 1 && d.max == 3, "four workers with 1, 2, 3 and 2 requests: min %llu max %llu, wanted 1 and 3",
                  (unsigned long long)d.min, (unsigned long long)d.max);
    d = tally_ok("4 GET /\n9 GET /\n9 GET /\n9 GET /\n9 GET /\n9 GET /\n9 GET /\n9 GET /\n");
    /* 1 and 7 of 8: mean 4, (7 - 1) * 100 / 4 = 150 */
    ck_assert_msg(d.min == 1 && d.max == 7 && fabs(d.spread_pct - 150.0) < 1e-9,
                  "1 and 7 requests: min 1, max 7, spread 150%% (got %llu, %llu, %.3f)",
                  (unsigned long long)d.min, (unsigned long long)d.max, d.spread_pct);
}
END_TEST

START_TEST(tally_rejects_bad_lines)
{
    const char *bad[] = { "abc GET /\n", "0 GET /\n", "-5 GET /\n", "12\n", "12 GET\n",
                          "12  /\n", "12 GET \n", "12x GET /\n", "\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dist_report d;
        errno = 0;
        ck_assert_msg(dist_tally(bad[i], strlen(bad[i]), &d) == -1,
                      "dist_tally accepted the line \"%.*s\"", (int)strcspn(bad[i], "\n"), bad[i]);
    }
    dist_report d;
    const char *mid = "12 GET /\n13 GET /a\nnot a line\n14 GET /\n";
    ck_assert_msg(dist_tally(mid, strlen(mid), &d) == -1, "a bad third line: -1");
    ck_assert_msg(d.total == 2 && d.nworkers == 2,
                  "a bad third line: the report holds the 2 lines before it (total %llu, %zu workers)",
                  (unsigned long long)d.total, d.nworkers);
    static char many[(DIST_MAX_WORKERS + 1) * 16];
    size_t at = 0;
    for (int i = 1; i <= DIST_MAX_WORKERS + 1; i++) at += (size_t)sprintf(many + at, "%d GET /\n", i);
    ck_assert_msg(dist_tally(many, at, &d) == -1, "%d distinct pids: -1", DIST_MAX_WORKERS + 1);
    ck_assert_msg(d.total == DIST_MAX_WORKERS, "%d distinct pids: the report holds the first %d lines",
                  DIST_MAX_WORKERS + 1, DIST_MAX_WORKERS);
    /* Only the bytes given count. */
    const char *cut = "12 GET /\n13 GET /\n";   /* given: 9 bytes, then 14 */
    dist_report e = tally_ok("12 GET /\n");
    ck_assert_msg(dist_tally(cut, 9, &d) == 0 && d.total == e.total && d.total == 1,
                  "dist_tally reads len bytes, not up to a NUL");
    ck_assert_msg(dist_tally(cut, 14, &d) == -1 && d.total == 1,
                  "dist_tally reads len bytes: \"12 GET /\\n13 GE\" ends in a bad line, whatever follows");
}
END_TEST

/* ---- both: measure a run ---------------------------------------------------------- */

START_TEST(measures_a_run_under_load)
{
    run_state r;
    run(&r, 3, 8, true, 90, "/m");
    dist_report d;
    ck_assert_msg(dist_tally(r.log, r.log_len, &d) == 0, "dist_tally refused the workers' own log");
    ck_assert_msg(d.total == 90 && d.nworkers == r.ncounts,
                  "the tally of the run: %llu requests by %zu workers, the clients saw 90 by %zu",
                  (unsigned long long)d.total, d.nworkers, r.ncounts);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < d.nworkers; i++) {
        uint64_t want = client_count(&r, d.workers[i].pid);
        ck_assert_msg(d.workers[i].count == want, "pid %d: tallied %llu, the clients saw %llu",
                      (int)d.workers[i].pid, (unsigned long long)d.workers[i].count,
                      (unsigned long long)want);
        if (want < lo) lo = want;
        if (want > hi) hi = want;
    }
    double spread = (double)(hi - lo) * 100.0 / (90.0 / (double)d.nworkers);
    ck_assert_msg(d.min == lo && d.max == hi && fabs(d.spread_pct - spread) < 1e-6,
                  "min %llu max %llu spread %.3f, wanted %llu, %llu, %.3f", (unsigned long long)d.min,
                  (unsigned long long)d.max, d.spread_pct, (unsigned long long)lo,
                  (unsigned long long)hi, spread);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("cluster-distribution");
    struct { const char *name; const TTest *test; } tests[] = {
        { "answers_with_the_worker_pid", answers_with_the_worker_pid },
        { "logs_one_line_per_request", logs_one_line_per_request },
        { "log_agrees_with_the_responses", log_agrees_with_the_responses },
        { "lines_stay_whole_under_load", lines_stay_whole_under_load },
        { "tally_counts_per_worker", tally_counts_per_worker },
        { "tally_min_max_spread", tally_min_max_spread },
        { "tally_rejects_bad_lines", tally_rejects_bad_lines },
        { "measures_a_run_under_load", measures_a_run_under_load },
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
