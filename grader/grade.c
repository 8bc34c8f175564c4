/*
 * grade.c — one submission, one exercise: build it, run its tests in the
 * sandbox, and turn the runner's records into statuses and points.
 *
 * The records arrive on the sandbox's fd 3 (see runner.c for why they can
 * be trusted).  A test with no record did not run to the end, and the
 * report says why: the whole run ran out of time, or the runner itself
 * was killed or exited.  Nothing a test printed is ever read for results.
 */
#include "config.h"
#include "grade.h"
#include "build.h"
#include "sandbox.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

const char nl_st_passed[] = "passed", nl_st_failed[] = "failed", nl_st_crashed[] = "crashed",
    nl_st_timeout[] = "timed out", nl_st_oom[] = "out of memory",
    nl_st_output[] = "output limit exceeded", nl_st_leaked[] = "leaked",
    nl_st_exited[] = "exited early", nl_st_tampered[] = "tampered", nl_st_not_run[] = "not run";
const char nl_ex_passed[] = "passed", nl_ex_failing[] = "failing", nl_ex_compile[] = "compile error",
    nl_ex_refused[] = "refused", nl_ex_missing[] = "missing", nl_ex_error[] = "grader error";

/* Memory the test program needs beyond the exercise's own (code, thread
 * stacks, allocator arenas): added to RLIMIT_AS. */
#define AS_OVERHEAD_MB 64

static void set_all(nl_ex_report *r, const char *status, const char *why)
{
    for (size_t i = 0; i < r->m->ncases; i++) {
        nl_test_report *t = &r->tests[i];
        if (t->status) continue;
        t->status = status;
        free(t->message);
        t->message = why ? strdup(why) : NULL;
    }
}

static char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? nl_utf8_clean(v->valuestring, strlen(v->valuestring)) : NULL;
}

/* Every string of a report is valid UTF-8 (util.h says why): what the
 * compiler quoted from the student's file, symbol names read from their
 * object, the folder's name, what the tests printed. */
static void clean_report(nl_ex_report *r)
{
    r->diagnostics = nl_utf8_own(r->diagnostics);
    r->warnings = nl_utf8_own(r->warnings);
    r->files_dir = nl_utf8_own(r->files_dir);
    r->notes = nl_utf8_own(r->notes);
    for (size_t i = 0; i < r->m->ncases; i++) {
        nl_test_report *t = &r->tests[i];
        t->message = nl_utf8_own(t->message);
        t->output = nl_utf8_own(t->output);
    }
}

static double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* A test under ThreadSanitizer may keep this much resident: its shadow
 * memory comes on top of what the program uses (several times as much
 * for memory the program writes), so the limit is scaled up. */
static long tsan_rss_mb(const nl_manifest *m)
{
    return 4 * (m->limits.memory_mb + AS_OVERHEAD_MB);
}

/* The statuses the runner may send; anything else is not from it. */
static const char *known_status(const char *s)
{
    static const char *const all[] = { NL_ST_PASSED, NL_ST_FAILED, NL_ST_CRASHED, NL_ST_TIMEOUT,
        NL_ST_OOM, NL_ST_OUTPUT, NL_ST_LEAKED, NL_ST_EXITED, NL_ST_TAMPERED, NL_ST_NOT_RUN, NULL };
    for (const char *const *a = all; s && *a; a++)
        if (!strcmp(*a, s)) return *a;
    return NULL;
}

/* One line from ThreadSanitizer's report: its SUMMARY ("data race
 * /tmp/…/work/pipeline.c:52 in actor_value"), the file without its folders. */
static char *tsan_summary(const char *output)
{
    char line[300] = "a problem";
    const char *s = strstr(output, "SUMMARY: ThreadSanitizer: ");
    if (s) {
        s += strlen("SUMMARY: ThreadSanitizer: ");
        snprintf(line, sizeof line, "%.*s", (int)strcspn(s, "\n"), s);
        char *slash = strrchr(line, '/'), *word = slash;
        while (word && word > line && word[-1] != ' ') word--;
        if (word && *word == '(') word++;
        if (slash) memmove(word, slash + 1, strlen(slash + 1) + 1);
        /* "data race pipeline.c:54 in f" → "data race at pipeline.c:54 in f" */
        if (word && word > line && word[-1] == ' ' && strlen(line) + 4 < sizeof line) {
            memmove(word + 3, word, strlen(word) + 1);
            memcpy(word, "at ", 3);
        }
    }
    nl_buf b = { 0 };
    nl_buf_printf(&b, "the test stopped: ThreadSanitizer found a %s%s (its report, with both "
                  "threads' stacks, is in the output)", line,
                  strncmp(line, "data race", 9) ? "" : ": two threads used the same memory, at "
                  "least one writing, and nothing (a lock, an atomic, a message) ordered them");
    return nl_buf_take(&b);
}

static void explain(nl_test_report *t, const cJSON *rec, const nl_manifest *m, double time_s)
{
    char buf[512];
    const char *st = t->status;
    char *detail = json_str(rec, "detail"), *leaks = json_str(rec, "leaks");
    if (st == NL_ST_PASSED) {
        /* Check's "Passed" says nothing the status does not. */
    } else if (st == NL_ST_FAILED) {
        t->message = json_str(rec, "message");
        t->file = json_str(rec, "file");
        t->line = (int)json_num(rec, "line");
    } else if (st == NL_ST_CRASHED) {
        const char *sig = t->signal ? t->signal : "a signal";
        const char *san = t->output ? strstr(t->output, "ERROR: AddressSanitizer: ") : NULL;
        if (san) {
            san += strlen("ERROR: AddressSanitizer: ");
            snprintf(buf, sizeof buf, "the test crashed: AddressSanitizer found a %.*s (its report is in the output)",
                     (int)strcspn(san, " \n"), san);
            t->message = strdup(buf);
            free(detail);
            free(leaks);
            return;
        }
        if (t->output && strstr(t->output, "WARNING: ThreadSanitizer: ")) {
            t->message = tsan_summary(t->output);
            free(detail);
            free(leaks);
            return;
        }
        snprintf(buf, sizeof buf, "the test crashed with %s%s", sig,
                 !strcmp(sig, "SIGSEGV") ? " (a bad pointer: segmentation fault)" :
                 !strcmp(sig, "SIGABRT") ? " (abort() was called, perhaps by a failed assert)" :
                 !strcmp(sig, "SIGFPE") ? " (arithmetic error, such as division by zero)" :
                 !strcmp(sig, "SIGBUS") ? " (bus error)" : "");
        t->message = strdup(buf);
    } else if (st == NL_ST_TIMEOUT) {
        snprintf(buf, sizeof buf, "the test did not finish within its limit of %g s%s", time_s,
                 t->signal && !strcmp(t->signal, "SIGXCPU") ? " of CPU time" : "");
        t->message = strdup(buf);
    } else if (st == NL_ST_OOM && nl_build_tsan(m)) {
        snprintf(buf, sizeof buf, "the test ran out of memory: it had %.0f MB resident of the %ld MB a test may "
                 "keep under ThreadSanitizer (4 x (%ld MB for its data + %d MB for code and thread stacks): "
                 "the race detector's shadow memory counts too)", json_num(rec, "maxrss_kb") / 1024,
                 tsan_rss_mb(m), m->limits.memory_mb, AS_OVERHEAD_MB);
        t->message = strdup(buf);
    } else if (st == NL_ST_OOM) {
        snprintf(buf, sizeof buf, "the test ran out of memory: it had used %.0f MB of the %ld MB a test may "
                 "use (%ld MB for its data, %d MB for code and thread stacks)", json_num(rec, "maxrss_kb") / 1024,
                 m->limits.memory_mb + AS_OVERHEAD_MB, m->limits.memory_mb, AS_OVERHEAD_MB);
        t->message = strdup(buf);
    } else if (st == NL_ST_OUTPUT) {
        snprintf(buf, sizeof buf, "the test printed more than its limit of %ld KB (or wrote too large a file), and was stopped",
                 m->limits.output_kb);
        t->message = strdup(buf);
    } else if (st == NL_ST_EXITED) {
        snprintf(buf, sizeof buf, "the test's process exited (status %d) before the test finished: "
                 "does your code call exit()?", (int)json_num(rec, "exit_code"));
        t->message = strdup(buf);
    } else if (st == NL_ST_LEAKED) {
        snprintf(buf, sizeof buf, "the assertions passed, but the test %s", leaks ? leaks : "left processes running");
        size_t n = strlen(buf);
        if (n > 2 && !strcmp(buf + n - 2, "; ")) buf[n - 2] = '\0';
        t->message = strdup(buf);
    } else {
        t->message = detail ? strdup(detail) : NULL;
    }
    free(detail);
    free(leaks);
}

static void read_records(nl_ex_report *r, const char *text, double time_s)
{
    const nl_manifest *m = r->m;
    for (const char *line = text; line && *line;) {
        size_t len = strcspn(line, "\n");
        cJSON *rec = cJSON_ParseWithLength(line, len);
        line += len + (line[len] == '\n');
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(rec, "tcase");
        const cJSON *stv = cJSON_GetObjectItemCaseSensitive(rec, "status");
        const char *st = known_status(cJSON_IsString(stv) ? stv->valuestring : NULL);
        for (size_t i = 0; st && cJSON_IsString(tc) && i < m->ncases; i++) {
            nl_test_report *t = &r->tests[i];
            if (strcmp(m->cases[i].tcase, tc->valuestring) || t->status) continue;
            t->status = st;
            t->signal = json_str(rec, "signal");
            t->output = json_str(rec, "output");
            t->output_bytes = (unsigned long long)json_num(rec, "output_bytes");
            t->ms = json_num(rec, "ms");
            explain(t, rec, m, time_s);
            if (st == NL_ST_PASSED) { t->points = m->cases[i].points; r->passed++; r->score += t->points; }
        }
        cJSON_Delete(rec);
    }
}

/* Why tests have no record, from how the sandbox ended; `cap` says which
 * limit the whole run's wall clock was. */
static void account_for_missing(nl_ex_report *r, const nl_box_result *box, const char *cap)
{
    char why[600];
    if (box->timed_out)
        snprintf(why, sizeof why, "the tests ran out of time as a whole: %s", cap);
    else if (box->stopped)
        snprintf(why, sizeof why, "the grader was stopped");
    else if (WIFSIGNALED(box->status))
        snprintf(why, sizeof why, "the test runner was killed by %s during an earlier test",
                 nl_signal_name(WTERMSIG(box->status)));
    else if (WIFEXITED(box->status) && WEXITSTATUS(box->status) != 0)
        snprintf(why, sizeof why, "the test runner stopped with status %d: %.400s",
                 WEXITSTATUS(box->status), box->output ? box->output : "");
    else
        snprintf(why, sizeof why, "the test runner ended without reporting this test");
    set_all(r, NL_ST_NOT_RUN, why);
}

static bool wanted(const char *const *only, const char *tcase)
{
    for (; only && *only; only++)
        if (!strcmp(*only, tcase)) return true;
    return !only;
}

static char **runner_argv(const nl_manifest *m, double time_s, bool ns)
{
    char **argv = NULL;
    size_t n = 0;
    char buf[256];
    n = nl_split_words("tests", &argv, n);
    if (ns) n = nl_split_words("--pid-ns", &argv, n);
    bool tsan = nl_build_tsan(m);
    snprintf(buf, sizeof buf, "--time-ms %ld --output-bytes %ld --mem-kb %ld", (long)(time_s * 1000),
             m->limits.output_kb * 1024, (tsan ? tsan_rss_mb(m) : m->limits.memory_mb) * 1024);
    n = nl_split_words(buf, &argv, n);
    if (tsan) n = nl_split_words("--watch-rss", &argv, n);
    if (m->checks) {
        snprintf(buf, sizeof buf, "--checks %s%s%s", m->checks & NL_CHECK_CHILDREN ? "children," : "",
                 m->checks & NL_CHECK_ZOMBIES ? "zombies," : "", m->checks & NL_CHECK_FDS ? "fds" : "");
        n = nl_split_words(buf, &argv, n);
    }
    n = nl_split_words("-- -", &argv, n);
    return argv;
}

/* The cases to run, one a line, for the runner's stdin (not its argv,
 * which every process of the sandbox can read in /proc). */
static char *runner_cases(const nl_manifest *m, const char *const *only)
{
    nl_buf b = { 0 };
    for (size_t i = 0; i < m->ncases; i++)
        if (wanted(only, m->cases[i].tcase)) nl_buf_printf(&b, "%s\n", m->cases[i].tcase);
    return nl_buf_take(&b);
}

static void run_tests(nl_ex_report *r, const char *box_dir, const char *tmp, const nl_grade_opts *o)
{
    const nl_manifest *m = r->m;
    double scale = o->time_scale > 0 ? o->time_scale : 1, time_s = m->limits.time_s * scale;
    /* The whole run's wall clock: the exercise's, cut short by what is
     * left of the submission's (--submission-time). */
    char cap[200];
    double wall_s = m->ncases * (time_s + 3) + 10;
    snprintf(cap, sizeof cap, "every test had its own limit of %g s", time_s);
    if (m->limits.total_s) {
        wall_s = m->limits.total_s * scale;
        snprintf(cap, sizeof cap, "the exercise's tests may take %g s together (limits.total_s)", wall_s);
    }
    if (o->deadline_ms && (o->deadline_ms - nl_now_ms()) / 1e3 < wall_s) {
        wall_s = (o->deadline_ms - nl_now_ms()) / 1e3;
        if (wall_s < 0.1) wall_s = 0.1;
        snprintf(cap, sizeof cap, "the submission's time cap of %g s (--submission-time) ran out", o->cap_s);
    }
    char **argv = runner_argv(m, time_s, nl_box_is_namespaced());
    char *cases = runner_cases(m, o->only);
    /* A sanitizer build cannot live under RLIMIT_AS (its shadow memory is
     * terabytes of address space): ASan's own mmap limit stands in, and
     * signals end the test as they would without it, so that a segfault
     * is a crash and a memory error an abort.  ThreadSanitizer counts its
     * own bookkeeping in that limit (gigabytes before main) and has no
     * hard one of its own: the runner watches the test's resident memory
     * instead (runner_argv), and TSan is told to aim below it by dropping
     * shadow memory (memory_limit_mb).  In an exercise that asks for it
     * ("sanitize": "thread") the first data race ends the test as an
     * abort, its report in the test's output (explain()); in a
     * --enable-tsan build's other exercises a report is only printed. */
    char san[400];
    if (nl_build_tsan(m))
        snprintf(san, sizeof san, "TSAN_OPTIONS=halt_on_error=%d:abort_on_error=1:memory_limit_mb=%ld:"
                 "allocator_may_return_null=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
                 "handle_sigill=0:handle_abort=0", m->sanitize == NL_SANITIZE_THREAD, tsan_rss_mb(m) / 2);
    else
        snprintf(san, sizeof san, "ASAN_OPTIONS=detect_leaks=0:mmap_limit_mb=%ld:allocator_may_return_null=1:"
                 "abort_on_error=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0",
                 m->limits.memory_mb + AS_OVERHEAD_MB);
    const char *env[] = { nl_build_sanitized(m) ? san : NULL, NULL };
    nl_box_spec spec = {
        .exe = "/box/tests", .argv = argv, .box_host = box_dir,
        .hide = nl_build_hidden(o->root, o->hide), .env = env,
        .wall_s = wall_s, .cpu_s = m->ncases * (time_s + 1) + 5,
        .mem_mb = nl_build_sanitized(m) ? 0 : m->limits.memory_mb + AS_OVERHEAD_MB,
        .procs = m->limits.processes + 2, .fsize_mb = 16, .nofile = 256, .tmpfs_mb = 64,
        .output_half = 8192, .result_channel = true, .stdin_data = cases, .tmp = tmp,
    };
    nl_box_result box;
    char err[512];
    int rc = nl_box_run(&spec, &box, err, sizeof err);
    nl_free_argv(argv);
    free(cases);
    if (rc < 0) {
        r->status = NL_EX_ERROR;
        r->diagnostics = strdup(err);
        return;
    }
    r->sandbox.pgid = box.pgid;
    r->sandbox.escaped = box.escaped;
    snprintf(r->sandbox.marker, sizeof r->sandbox.marker, "%s", box.marker);
    r->sandbox.pids = nl_box_pids();
    r->timing.setup_ms = box.setup_ms;
    r->timing.run_ms = box.run_ms;
    if (box.setup_failed) {
        r->status = NL_EX_ERROR;
        r->diagnostics = strdup(box.output);
    } else {
        read_records(r, box.results, time_s);
        account_for_missing(r, &box, cap);
        r->status = r->passed == m->ncases ? NL_EX_PASSED : NL_EX_FAILING;
    }
    nl_box_result_free(&box);
}

/* Largest student file the grader takes. */
#define MAX_FILE_BYTES (1L << 20)

/* The submission's files must be its own: regular files, inside it.  A
 * symbolic link to the reference solution (or a folder linking to its
 * folder) would otherwise be graded as the student's work. */
static char *unsafe_files(const nl_manifest *m, const char *submission, const char *dir)
{
    char sub[PATH_MAX], real[PATH_MAX];
    nl_buf why = { 0 };
    if (!realpath(submission, sub) || !realpath(dir, real) ||
        (strcmp(real, sub) && (strncmp(real, sub, strlen(sub)) || real[strlen(sub)] != '/')))
        nl_buf_printf(&why, "%s leads out of the submission (a symbolic link?): submit the files themselves", dir);
    for (size_t i = 0; i < m->nfiles && !why.len; i++) {
        char path[PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, m->files[i]);
        if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
            nl_buf_printf(&why, "%s is a symbolic link: submit the file itself", m->files[i]);
        else if (!S_ISREG(st.st_mode))
            nl_buf_printf(&why, "%s is not a regular file", m->files[i]);
        else if (st.st_size > MAX_FILE_BYTES)
            nl_buf_printf(&why, "%s has %lld bytes: a submitted file may have %ld at most", m->files[i],
                          (long long)st.st_size, MAX_FILE_BYTES);
    }
    return why.len ? nl_buf_take(&why) : NULL;
}

void nl_grade(const nl_prepared *p, const char *submission, const nl_grade_opts *o, nl_ex_report *r)
{
    double t0 = nl_now_ms();
    memset(r, 0, sizeof *r);
    r->m = p->m;
    r->tests = calloc(p->m->ncases, sizeof *r->tests);
    for (size_t i = 0; i < p->m->ncases; i++) r->tests[i].c = &p->m->cases[i];
    r->sandbox.mode = nl_box_mode();
    r->sandbox.network = nl_box_network();
    r->sandbox.pids = nl_box_pids();
    r->sandbox.files = nl_box_files();
    r->timing.prepare_ms = p->ms;
    const char *dir = nl_find_files(p->m, submission);
    if (!dir) {
        nl_buf d = { 0 };
        nl_buf_printf(&d, "no ");
        for (size_t i = 0; i < p->m->nfiles; i++) nl_buf_printf(&d, "%s%s", i ? ", " : "", p->m->files[i]);
        nl_buf_printf(&d, " in %s or %s/%s", submission, submission, p->m->id);
        char *hint = nl_near_miss(p->m, submission);
        if (hint) nl_buf_printf(&d, "; %s", hint);
        free(hint);
        r->status = NL_EX_MISSING;
        r->diagnostics = nl_buf_take(&d);
        r->files_dir = strdup(submission);
        set_all(r, NL_ST_NOT_RUN, "the submission has no files for this exercise");
        clean_report(r);
        return;
    }
    r->files_dir = strdup(dir);
    r->notes = nl_layout_note(p->m, submission, dir);
    r->sha256 = nl_hash_files(p->m, dir);
    if (o->deadline_ms && nl_now_ms() >= o->deadline_ms) {
        char why[160];
        snprintf(why, sizeof why, "not run: the submission's time cap of %g s (--submission-time) "
                 "ran out before this exercise", o->cap_s);
        r->status = NL_EX_FAILING;
        r->diagnostics = strdup(why);
        set_all(r, NL_ST_NOT_RUN, why + strlen("not run: "));
        clean_report(r);
        return;
    }
    if ((r->diagnostics = unsafe_files(p->m, submission, dir))) {
        r->status = NL_EX_REFUSED;
        set_all(r, NL_ST_NOT_RUN, "the submission was refused (see why above)");
        clean_report(r);
        r->timing.total_ms = nl_now_ms() - t0;
        return;
    }
    char *root = nl_make_temp_dir(o->root, "nodelab-grade");
    nl_built b;
    char err[1024];
    if (!root) {
        r->status = NL_EX_ERROR;
        r->diagnostics = strdup("cannot make a temporary folder (is TMPDIR writable?)");
    } else if (chmod(root, 0711) < 0 || nl_build(p, dir, root, o->hide, &b, err, sizeof err) < 0) {
        r->status = NL_EX_ERROR;
        r->diagnostics = strdup(err);
    } else {
        /* The bytes compiled, not the folder's bytes of a moment ago. */
        if (b.sha256) memcpy(r->sha256, b.sha256, p->m->nfiles * sizeof *r->sha256);
        r->timing.compile_ms = b.compile_ms;
        r->timing.link_ms = b.link_ms;
        r->warnings = b.warnings;
        b.warnings = NULL;
        if (b.status) {
            r->status = !strcmp(b.status, "refused") ? NL_EX_REFUSED : NL_EX_COMPILE;
            r->diagnostics = b.diagnostics;
            b.diagnostics = NULL;
        } else {
            run_tests(r, b.box, root, o);
        }
        nl_built_free(&b);
    }
    if (r->status != NL_EX_PASSED && r->status != NL_EX_FAILING)
        set_all(r, NL_ST_NOT_RUN, r->status == NL_EX_ERROR ? "the grader failed"
                : r->status == NL_EX_REFUSED ? "the submission was refused (see why above)"
                : "the submission did not build");
    if (root) { nl_remove_tree(root); free(root); }
    clean_report(r);
    r->timing.total_ms = nl_now_ms() - t0;
}

void nl_ex_report_free(nl_ex_report *r)
{
    for (size_t i = 0; r->tests && i < r->m->ncases; i++) {
        nl_test_report *t = &r->tests[i];
        free(t->message); free(t->file); free(t->output); free(t->signal); free(t->flaky);
    }
    free(r->tests);
    free(r->files_dir);
    free(r->sha256);
    free(r->notes);
    free(r->diagnostics);
    free(r->warnings);
    memset(r, 0, sizeof *r);
}

int nl_grade_rerun(const nl_prepared *p, const char *submission, const nl_grade_opts *o, nl_ex_report *r)
{
    if (r->status != NL_EX_FAILING) return 0;
    const nl_manifest *m = r->m;
    const char **only = calloc(m->ncases + 1, sizeof *only);
    size_t n = 0;
    for (size_t k = 0; k < m->ncases; k++)
        if (r->tests[k].status != NL_ST_PASSED) only[n++] = m->cases[k].tcase;
    nl_grade_opts again_opts = *o;
    again_opts.only = only;
    nl_ex_report again;
    nl_grade(p, submission, &again_opts, &again);
    int flips = 0;
    for (size_t k = 0; again.tests && k < m->ncases; k++) {
        nl_test_report *t = &r->tests[k], *u = &again.tests[k];
        if (t->status == NL_ST_PASSED || u->status != NL_ST_PASSED) continue;
        nl_buf why = { 0 };
        nl_buf_printf(&why, "%s on the first run%s%s; passed when run again", t->status,
                      t->message ? ": " : "", t->message ? t->message : "");
        free(t->message); free(t->file); free(t->output); free(t->signal); free(t->flaky);
        *t = *u;
        memset(u, 0, sizeof *u);
        u->c = t->c;
        t->flaky = nl_buf_take(&why);
        r->passed++;
        r->score += t->points;
        flips++;
    }
    if (r->passed == m->ncases) r->status = NL_EX_PASSED;
    nl_ex_report_free(&again);
    free(only);
    return flips;
}

void nl_result_add(nl_result *res, nl_ex_report *r)
{
    res->ex = realloc(res->ex, (res->nex + 1) * sizeof *res->ex);
    res->ex[res->nex++] = *r;
    res->score += r->score;
    res->max_score += r->m->max_points;
    memset(r, 0, sizeof *r);
}

void nl_result_free(nl_result *res)
{
    for (size_t i = 0; i < res->nex; i++) nl_ex_report_free(&res->ex[i]);
    free(res->ex);
    free(res->submission);
    free(res->student);
    memset(res, 0, sizeof *res);
}

/* ---- the course: manifests and prepared tests, once per process ---- */

/* One entry per exercise asked for, allocated apart: the pointers
 * nl_course_get hands out stay valid while more exercises are added. */
typedef struct { char *id; nl_manifest *m; nl_prepared p; char *err; } course_entry;

struct nl_course {
    char *root;
    course_entry **ex;
    size_t n;
};

nl_course *nl_course_open(const char *root)
{
    nl_course *c = calloc(1, sizeof *c);
    c->root = strdup(root);
    return c;
}

const nl_prepared *nl_course_get(nl_course *c, const char *id, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->ex[i]->id, id)) {
            if (c->ex[i]->err) { snprintf(err, errlen, "%s", c->ex[i]->err); return NULL; }
            return &c->ex[i]->p;
        }
    c->ex = realloc(c->ex, (c->n + 1) * sizeof *c->ex);
    course_entry *e = c->ex[c->n++] = calloc(1, sizeof *e);
    e->id = strdup(id);
    const char *dir = nl_exercise_dir(id);
    if (!dir) snprintf(err, errlen, "no exercise '%s'%s (see nodelab list exercises)", id, nl_exercise_hint(id));
    else if ((e->m = nl_manifest_load(dir, err, errlen)) && nl_prepare(e->m, c->root, &e->p, err, errlen) == 0)
        return &e->p;
    e->err = strdup(err);
    return NULL;
}

void nl_course_close(nl_course *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        nl_prepared_free(&c->ex[i]->p);
        nl_manifest_free(c->ex[i]->m);
        free(c->ex[i]->id);
        free(c->ex[i]->err);
        free(c->ex[i]);
    }
    free(c->ex);
    free(c->root);
    free(c);
}
