/*
 * batch.c — `nodelab-grader batch DIR`: a whole class.
 *
 * DIR holds one folder per student.  Every exercise whose files appear in
 * any student's folder becomes a column; each student is graded in a
 * child process of their own (jobs.c), N at a time, and their JSON report
 * is written atomically to OUT/<student>.json.  A report newer than every
 * file of the student's folder means "already graded": skipped unless
 * --force.  At the end the gradebook (OUT/gradebook.csv) and a summary of
 * the tests the class failed most (OUT/summary.txt) are rebuilt from all
 * the reports, so an interrupted run loses nothing already written.
 */
#include "config.h"
#include "commands.h"
#include "jobs.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"
#include "symbols.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char help[] =
"usage: nodelab-grader batch DIR [--jobs N] [--out OUT] [--force] [--rerun-failed] [--time-scale X]\n"
"\n"
"Grades a class.  DIR holds one folder per student, each with the files of\n"
"one or more exercises (directly, or in subfolders named after them).\n"
"Every exercise found is graded for every student, N students at a time.\n"
"\n"
"Writes, each file atomically:\n"
"  OUT/<student>.json   the student's report (format: docs/grader.md)\n"
"  OUT/gradebook.csv    student, points per exercise, total\n"
"  OUT/summary.txt      the tests the class failed most\n"
"\n"
"  --jobs N         grade N students at once (default 1)\n"
"  --out OUT        where to write (default: DIR-grades beside DIR)\n"
"  --force          grade again students whose report is up to date\n"
"  --rerun-failed   run every test that did not pass once more; a test\n"
"                   that passes then keeps the pass and is flagged flaky\n"
"                   (in the report and summary.txt): look at that test\n"
"  --time-scale X   multiply every time limit by X\n";

typedef struct {
    nl_session *s;
    const char *dir, *out;
    char **students;
    size_t nstudents;
    char **ids;                /* the exercise columns */
    size_t nids;
    size_t *todo;              /* indexes of students to grade */
    size_t ntodo, finished, errors;
    bool tty, rerun;
    double t0;
} batch_ctx;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool same_path(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static char **list_students(const char *dir, const char *out, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **list = calloc(1, sizeof *list);
    *n = 0;
    while (d && (e = readdir(d))) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || !nl_is_dir(path) || same_path(path, out)) continue;
        list = realloc(list, (*n + 2) * sizeof *list);
        list[(*n)++] = strdup(e->d_name);
        list[*n] = NULL;
    }
    if (d) closedir(d);
    qsort(list, *n, sizeof *list, by_name);
    return list;
}

/* The columns: every exercise some student has files for. */
static int find_columns(batch_ctx *b)
{
    char **all = nl_exercise_ids();
    char err[1024];
    b->ids = calloc(1, sizeof *b->ids);
    for (char **id = all; *id; id++) {
        const nl_prepared *p = nl_course_get(b->s->course, *id, err, sizeof err);
        if (!p) {
            fprintf(stderr, "nodelab-grader: %s\n", err);
            nl_free_list(all);
            return 2;
        }
        bool used = false;
        for (size_t k = 0; k < b->nstudents && !used; k++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", b->dir, b->students[k]);
            used = nl_find_files(p->m, path) != NULL;
        }
        if (!used) continue;
        b->ids = realloc(b->ids, (b->nids + 2) * sizeof *b->ids);
        b->ids[b->nids++] = strdup(*id);
        b->ids[b->nids] = NULL;
    }
    nl_free_list(all);
    return 0;
}

static void report_path(const batch_ctx *b, const char *student, char *out, size_t len)
{
    snprintf(out, len, "%s/%s.json", b->out, student);
}

static bool up_to_date(const batch_ctx *b, const char *student)
{
    char report[4400], folder[4400];
    struct stat st;
    report_path(b, student, report, sizeof report);
    snprintf(folder, sizeof folder, "%s/%s", b->dir, student);
    if (stat(report, &st) < 0) return false;
    return st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9 >= nl_tree_mtime(folder);
}

/* In the child: grade one student, write their report. */
static int grade_student(size_t i, void *arg)
{
    batch_ctx *b = arg;
    const char *student = b->students[b->todo[i]];
    nl_result res = { 0 };
    char folder[4400], err[1024];
    snprintf(folder, sizeof folder, "%s/%s", b->dir, student);
    res.submission = nl_utf8_clean(folder, strlen(folder));
    res.student = nl_utf8_clean(student, strlen(student));
    double t0 = nl_now_ms();
    int flips = 0;
    for (size_t k = 0; k < b->nids; k++) {
        const nl_prepared *p = nl_course_get(b->s->course, b->ids[k], err, sizeof err);
        if (!p) continue;
        nl_ex_report r;
        nl_grade(p, folder, &b->s->opts, &r);
        if (b->rerun) flips += nl_grade_rerun(p, folder, &b->s->opts, &r);
        nl_result_add(&res, &r);
    }
    res.ms = nl_now_ms() - t0;
    cJSON *json = nl_result_json(&res, false);
    char *text = cJSON_Print(json);
    char path[4400];
    report_path(b, student, path, sizeof path);
    int rc = nl_write_atomic(path, text, strlen(text)) < 0 ? 3 : 0;
    if (rc) fprintf(stderr, "nodelab-grader: %s: %s\n", path, strerror(errno));
    printf("%g/%g", res.score, res.max_score);
    if (flips) printf(" (%d flaky: failed, then passed when run again)", flips);
    printf("\n");
    free(text);
    cJSON_Delete(json);
    nl_result_free(&res);
    return rc;
}

static void progress(batch_ctx *b, const char *student, const char *what)
{
    size_t total = b->ntodo, done = b->finished;
    if (!b->tty) {
        fprintf(stderr, "[%zu/%zu] %s: %s\n", done, total, student, what);
        return;
    }
    int width = 30, filled = total ? (int)(width * done / total) : width;
    double elapsed = (nl_now_ms() - b->t0) / 1000;
    double eta = done ? elapsed / done * (total - done) : 0;
    fprintf(stderr, "\r\033[K[");
    for (int k = 0; k < width; k++) fputs(k < filled ? "█" : "░", stderr);
    fprintf(stderr, "] %zu/%zu  %.0fs", done, total, elapsed);
    if (done < total) fprintf(stderr, " (about %.0fs left)", eta);
    fprintf(stderr, "  %.24s %s", student, what);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

static void student_done(size_t i, int status, const char *output, void *arg)
{
    batch_ctx *b = arg;
    const char *student = b->students[b->todo[i]];
    b->finished++;
    char what[128];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        snprintf(what, sizeof what, "%.*s", (int)strcspn(output, "\n"), output);
    } else {
        b->errors++;
        if (WIFSIGNALED(status)) snprintf(what, sizeof what, "grader error (%s): not graded", nl_signal_name(WTERMSIG(status)));
        else snprintf(what, sizeof what, "grader error (status %d): not graded", WEXITSTATUS(status));
    }
    progress(b, student, what);
}

/* One CSV cell of text: valid UTF-8, quoted when it must be, and never
 * read as a formula by a spreadsheet (a student folder named "=cmd|..."):
 * a cell starting with = + - @ (or a tab or CR) gets a ' in front. */
static void csv_field(nl_buf *out, const char *raw)
{
    char *s = nl_utf8_clean(raw, strlen(raw));
    bool formula = strchr("=+-@\t\r", s[0]) && s[0];
    if (!formula && !strpbrk(s, ",\"\n\r")) {
        nl_buf_puts(out, s);
    } else {
        nl_buf_puts(out, formula ? "\"'" : "\"");
        for (const char *c = s; *c; c++) nl_buf_add(out, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
        nl_buf_puts(out, "\"");
    }
    free(s);
}

/* Failures per test across the class, for the summary. */
typedef struct {
    char key[400];
    int failed, total;
    char last_status[40];
} tally;

/* Tests whose verdict flipped on a rerun, for the summary. */
static void list_flaky(nl_buf *flaky, const char *student, const cJSON *ex)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ex, "id"), *test;
    cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(ex, "tests")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "name");
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(test, "flaky");
        if (cJSON_IsString(id) && cJSON_IsString(name) && cJSON_IsString(why))
            nl_buf_printf(flaky, "  %s: %s: %s (%s)\n", student, id->valuestring, name->valuestring,
                          why->valuestring);
    }
}

static int by_failures(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    return y->failed - x->failed;
}

static void count_tests(tally **t, size_t *n, const cJSON *ex)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ex, "id"), *test;
    cJSON_ArrayForEach(test, cJSON_GetObjectItemCaseSensitive(ex, "tests")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "name");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(test, "status");
        if (!cJSON_IsString(id) || !cJSON_IsString(name) || !cJSON_IsString(status)) continue;
        char key[400];
        snprintf(key, sizeof key, "%s: %s", id->valuestring, name->valuestring);
        size_t k = 0;
        while (k < *n && strcmp((*t)[k].key, key)) k++;
        if (k == *n) {
            *t = realloc(*t, (*n + 1) * sizeof **t);
            memset(&(*t)[k], 0, sizeof **t);
            snprintf((*t)[k].key, sizeof (*t)[k].key, "%s", key);
            (*n)++;
        }
        (*t)[k].total++;
        if (strcmp(status->valuestring, "passed")) {
            (*t)[k].failed++;
            snprintf((*t)[k].last_status, sizeof (*t)[k].last_status, "%s", status->valuestring);
        }
    }
}

/* Rebuilds gradebook.csv and summary.txt from every report in OUT. */
static int write_gradebook(batch_ctx *b)
{
    nl_buf csv = { 0 }, sum = { 0 }, flaky = { 0 };
    tally *tallies = NULL;
    size_t ntallies = 0, graded = 0;
    nl_buf_puts(&csv, "student");
    for (size_t k = 0; k < b->nids; k++) { nl_buf_puts(&csv, ","); csv_field(&csv, b->ids[k]); }
    nl_buf_puts(&csv, ",total\n");
    for (size_t i = 0; i < b->nstudents; i++) {
        char path[4400];
        report_path(b, b->students[i], path, sizeof path);
        FILE *f = fopen(path, "r");
        nl_buf text = { 0 };
        char chunk[8192];
        size_t got;
        while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0) nl_buf_add(&text, chunk, got);
        if (f) fclose(f);
        cJSON *r = text.s ? cJSON_Parse(text.s) : NULL;
        nl_buf_free(&text);
        char *name = nl_utf8_clean(b->students[i], strlen(b->students[i]));
        csv_field(&csv, name);
        double total = 0;
        for (size_t k = 0; k < b->nids; k++) {
            const cJSON *ex, *score = NULL;
            cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(r, "exercises")) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(ex, "id");
                if (cJSON_IsString(id) && !strcmp(id->valuestring, b->ids[k]))
                    score = cJSON_GetObjectItemCaseSensitive(ex, "score");
            }
            if (cJSON_IsNumber(score)) { nl_buf_printf(&csv, ",%g", score->valuedouble); total += score->valuedouble; }
            else nl_buf_puts(&csv, ",");
        }
        /* No report at all (a grader failure): an empty total, not a 0. */
        if (r) nl_buf_printf(&csv, ",%g\n", total);
        else nl_buf_puts(&csv, ",\n");
        const cJSON *ex;
        cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(r, "exercises")) {
            count_tests(&tallies, &ntallies, ex);
            list_flaky(&flaky, name, ex);
        }
        graded += r != NULL;
        cJSON_Delete(r);
        free(name);
    }
    qsort(tallies, ntallies, sizeof *tallies, by_failures);
    nl_buf_printf(&sum, "%zu of %zu students graded; exercises: ", graded, b->nstudents);
    for (size_t k = 0; k < b->nids; k++) nl_buf_printf(&sum, "%s%s", k ? ", " : "", b->ids[k]);
    nl_buf_puts(&sum, "\nTests failed most:\n");
    size_t shown = 0;
    for (size_t k = 0; k < ntallies && shown < 10; k++) {
        if (!tallies[k].failed) break;
        nl_buf_printf(&sum, "  %3d/%-3d %s (last: %s)\n", tallies[k].failed, tallies[k].total,
                      tallies[k].key, tallies[k].last_status);
        shown++;
    }
    if (!shown) nl_buf_puts(&sum, "  (none: every test passed for every student)\n");
    if (flaky.len)
        nl_buf_printf(&sum, "Verdicts that flipped when run again (flaky: look at these tests):\n%s", flaky.s);
    nl_buf_free(&flaky);
    free(tallies);
    char path[4400];
    int rc = 0;
    snprintf(path, sizeof path, "%s/gradebook.csv", b->out);
    rc |= nl_emit("nodelab-grader", path, csv.s);
    snprintf(path, sizeof path, "%s/summary.txt", b->out);
    rc |= nl_emit("nodelab-grader", path, sum.s);
    fputs(sum.s, stdout);
    printf("gradebook: %s/gradebook.csv\n", b->out);
    nl_buf_free(&csv);
    nl_buf_free(&sum);
    return rc ? 2 : 0;
}

static int parse(int argc, char **argv, batch_ctx *b, int *jobs, bool *force, double *scale, char **out)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool v = i + 1 < argc;
        int rc = 0;
        if (nl_grader_is_help(a)) { fputs(help, stdout); return -1; }
        if (!strcmp(a, "--force")) *force = true;
        else if (!strcmp(a, "--rerun-failed")) b->rerun = true;
        else if (!strcmp(a, "--jobs") && v) rc = nl_parse_jobs(argv[++i], jobs);
        else if (!strcmp(a, "--time-scale") && v) rc = nl_parse_scale(argv[++i], scale);
        else if (!strcmp(a, "--out") && v) { free(*out); *out = strdup(argv[++i]); }
        else if (a[0] == '-') rc = nl_grader_error("batch: unknown option or missing value: %s", a);
        else if (b->dir) rc = nl_grader_error("batch: one DIR only (got %s and %s)", b->dir, a);
        else b->dir = a;
        if (rc) return rc;
    }
    if (!b->dir) return nl_grader_error("batch: DIR is required (see batch --help)");
    if (!nl_is_dir(b->dir)) return nl_grader_error("batch: %s: not a folder", b->dir);
    if (!*out) {
        size_t len = strlen(b->dir);
        while (len > 1 && b->dir[len - 1] == '/') len--;
        *out = malloc(len + 16);
        snprintf(*out, len + 16, "%.*s-grades", (int)len, b->dir);
    }
    return 0;
}

int nl_cmd_batch(int argc, char **argv)
{
    batch_ctx b = { 0 };
    int jobs = 1;
    bool force = false;
    double scale = 1;
    char *out = NULL;
    int rc = parse(argc, argv, &b, &jobs, &force, &scale, &out);
    if (rc) { free(out); return rc < 0 ? 0 : rc; }
    b.out = out;
    nl_session s;
    if (nl_session_open(&s, "nodelab-grader") < 0) { free(out); return 3; }
    s.opts.time_scale = scale;
    b.s = &s;
    /* The reports and the other students are no business of a sandbox. */
    const char *hide[] = { b.dir, b.out, NULL };
    s.opts.hide = hide;
    b.students = list_students(b.dir, b.out, &b.nstudents);
    rc = find_columns(&b);
    if (!rc && b.nids == 0) rc = nl_grader_error("batch: %s: no student folder holds any exercise's files", b.dir);
    if (!rc && nl_make_dirs(b.out, 0755) < 0) rc = nl_grader_error("batch: %s: %s", b.out, strerror(errno));
    if (!rc) {
        b.todo = calloc(b.nstudents + 1, sizeof *b.todo);
        for (size_t i = 0; i < b.nstudents; i++)
            if (force || !up_to_date(&b, b.students[i])) b.todo[b.ntodo++] = i;
        fprintf(stderr, "%zu students, %zu to grade (%zu up to date), %d at a time; sandbox: %s\n",
                b.nstudents, b.ntodo, b.nstudents - b.ntodo, jobs, nl_box_mode());
        nl_symbols_prepare();
        b.tty = isatty(2);
        b.t0 = nl_now_ms();
        nl_jobs_run(b.ntodo, jobs, grade_student, student_done, &b);
        rc = write_gradebook(&b);
        if (!rc && b.errors) rc = 3;
    }
    nl_free_list(b.students);
    nl_free_list(b.ids);
    free(b.todo);
    nl_session_close(&s);
    free(out);
    return rc;
}
