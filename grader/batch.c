/*
 * batch.c — `nodelab-grader batch DIR`: a whole class.
 *
 * DIR holds one folder per student.  Every exercise whose files appear in
 * any student's folder becomes a column; each student is graded in a
 * child process of their own (jobs.c), N at a time, and their JSON report
 * is written atomically to OUT/<student>.json.  A report records the
 * SHA-256 of every file it graded: a student whose files hash the same is
 * skipped (unless --force or --only names them), whatever the files'
 * modification times say.  Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the
 * run: students being graded are ended cleanly and not recorded, finished
 * reports stay, and the same command resumes.  At the end the gradebook
 * and summary are rebuilt from all the reports (gradebook.c).
 */
#include "config.h"
#include "commands.h"
#include "gradebook.h"
#include "jobs.h"
#include "report.h"
#include "sandbox.h"
#include "session.h"
#include "symbols.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char help[] =
"usage: nodelab-grader batch DIR [options]\n"
"\n"
"Grades a class.  DIR holds one folder per student, each with the files of\n"
"one or more exercises (directly, or in subfolders named after them).\n"
"Every exercise found is graded for every student, N students at a time.\n"
"A student whose files are the ones their report names (by SHA-256) is\n"
"not graded again.\n"
"\n"
"Writes, each file atomically:\n"
"  OUT/<student>.json   the student's report (format: docs/grader.md)\n"
"  OUT/gradebook.csv    student, points per exercise, total; a Points\n"
"                       Possible row; an empty cell has no grade\n"
"  OUT/summary.txt      the tests the class failed most, who handed\n"
"                       nothing in, why a cell is empty\n"
"\n"
"  --jobs N         grade N students at once (default 1)\n"
"  --out OUT        where to write (default: DIR-grades beside DIR)\n"
"  --force          grade everyone again, even with unchanged files\n"
"  --only NAMES     grade (again) only these students: folder names,\n"
"                   separated by commas; may be repeated\n"
"  --only-from FILE the same, one folder name a line ('#' starts a comment)\n"
"  --submission-time S\n"
"                   wall clock one student may take, every exercise\n"
"                   together (compiles and tests); what is left when it\n"
"                   runs out is not run\n"
"  --rerun-failed   run every test that did not pass once more; a test\n"
"                   that passes then keeps the pass and is flagged flaky\n"
"                   (in the report and summary.txt): look at that test\n"
"  --time-scale X   multiply every time limit by X\n"
"\n"
"Ctrl-C stops cleanly: finished reports stay, and running the same\n"
"command again grades the rest.  Exit status: 0 done, 2 bad input,\n"
"3 a grader error for some student, 128+N stopped by signal N.\n";

typedef struct {
    nl_session *s;
    const char *dir, *out;
    char **students;
    size_t nstudents;
    char **ids;                /* the exercise columns */
    double *max_points;
    size_t nids;
    char **only;               /* --only: NULL-ended, or NULL */
    size_t nonly;
    size_t *todo;              /* indexes of students to grade */
    bool *done_ok;             /* per todo: its report was written */
    size_t ntodo, finished, errors, stopped;
    bool tty, rerun, force;
    double t0, cap_s;
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

static void folder_of(const batch_ctx *b, const char *student, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", b->dir, student);
}

/* The columns: every exercise some student has files for (or nearly:
 * they get a "did you mean"). */
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
            folder_of(b, b->students[k], path, sizeof path);
            used = nl_attempted(p->m, path);
        }
        if (!used) continue;
        b->ids = realloc(b->ids, (b->nids + 2) * sizeof *b->ids);
        b->max_points = realloc(b->max_points, (b->nids + 1) * sizeof *b->max_points);
        b->max_points[b->nids] = p->m->max_points;
        b->ids[b->nids++] = strdup(*id);
        b->ids[b->nids] = NULL;
    }
    nl_free_list(all);
    return 0;
}

/* Are the files the report graded for this exercise the files there now? */
static bool same_files(const nl_manifest *m, const char *folder, const cJSON *ex)
{
    const cJSON *graded = cJSON_GetObjectItemCaseSensitive(ex, "graded_files");
    const char *dir = nl_find_files(m, folder);
    if (!dir) return cJSON_IsNull(graded);
    if (!cJSON_IsArray(graded) || cJSON_GetArraySize(graded) != (int)m->nfiles) return false;
    char (*now)[65] = nl_hash_files(m, dir);
    bool same = true;
    for (size_t i = 0; i < m->nfiles && same; i++) {
        const cJSON *f = cJSON_GetArrayItem(graded, (int)i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
        same = cJSON_IsString(name) && !strcmp(name->valuestring, m->files[i]) &&
               (cJSON_IsString(sha) ? !strcmp(sha->valuestring, now[i]) : !now[i][0]);
    }
    free(now);
    return same;
}

/* Up to date: a report that graded, for every column, the files the
 * student's folder holds now. */
static bool up_to_date(const batch_ctx *b, const char *student)
{
    cJSON *r = nl_gradebook_report(b->out, student);
    bool same = r && !cJSON_GetObjectItemCaseSensitive(r, "error");
    char folder[4400], err[1024];
    folder_of(b, student, folder, sizeof folder);
    for (size_t k = 0; k < b->nids && same; k++) {
        const nl_prepared *p = nl_course_get(b->s->course, b->ids[k], err, sizeof err);
        const cJSON *ex = NULL, *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "exercises")) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
            if (cJSON_IsString(id) && !strcmp(id->valuestring, b->ids[k])) ex = it;
        }
        same = p && ex && same_files(p->m, folder, ex);
    }
    cJSON_Delete(r);
    return same;
}

/* In the child: grade one student, write their report.  A stop request
 * (SIGTERM from the parent) ends the sandbox running and leaves the
 * report unwritten: the student was not graded. */
static int grade_student(size_t i, void *arg)
{
    batch_ctx *b = arg;
    nl_box_stop_on(SIGTERM);
    const char *student = b->students[b->todo[i]];
    nl_result res = { 0 };
    char folder[4400], err[1024];
    folder_of(b, student, folder, sizeof folder);
    res.submission = nl_utf8_clean(folder, strlen(folder));
    res.student = nl_utf8_clean(student, strlen(student));
    double t0 = nl_now_ms();
    nl_grade_opts opts = b->s->opts;
    if (b->cap_s > 0) { opts.cap_s = b->cap_s; opts.deadline_ms = t0 + b->cap_s * 1e3; }
    int flips = 0;
    for (size_t k = 0; k < b->nids && !nl_box_stop_requested(); k++) {
        const nl_prepared *p = nl_course_get(b->s->course, b->ids[k], err, sizeof err);
        if (!p) continue;
        nl_ex_report r;
        nl_grade(p, folder, &opts, &r);
        if (b->rerun) flips += nl_grade_rerun(p, folder, &opts, &r);
        nl_result_add(&res, &r);
    }
    if (nl_box_stop_requested()) {
        nl_result_free(&res);
        return 128 + SIGTERM;
    }
    res.ms = nl_now_ms() - t0;
    cJSON *json = nl_result_json(&res, false);
    char *text = cJSON_Print(json);
    char path[4400];
    nl_gradebook_report_path(b->out, student, path, sizeof path);
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

/* A student the grader failed on gets a report that says so, so that the
 * gradebook's empty cells have their reason in the JSON. */
static void write_error_report(const batch_ctx *b, const char *student, const char *why)
{
    char folder[4400], path[4400];
    folder_of(b, student, folder, sizeof folder);
    cJSON *o = cJSON_CreateObject();
    char *sub = nl_utf8_clean(folder, strlen(folder)), *name = nl_utf8_clean(student, strlen(student));
    cJSON_AddStringToObject(o, "schema", "nodelab-grade/1");
    cJSON_AddStringToObject(o, "submission", sub);
    cJSON_AddStringToObject(o, "student", name);
    cJSON_AddNullToObject(o, "score");
    cJSON_AddNullToObject(o, "max_score");
    cJSON_AddStringToObject(o, "error", why);
    cJSON_AddArrayToObject(o, "exercises");
    char *text = cJSON_Print(o);
    nl_gradebook_report_path(b->out, student, path, sizeof path);
    if (nl_write_atomic(path, text, strlen(text)) < 0)
        fprintf(stderr, "nodelab-grader: %s: %s\n", path, strerror(errno));
    free(text);
    free(sub);
    free(name);
    cJSON_Delete(o);
}

static void student_done(size_t i, int status, const char *output, void *arg)
{
    batch_ctx *b = arg;
    const char *student = b->students[b->todo[i]];
    b->finished++;
    char what[160];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        b->done_ok[i] = true;
        snprintf(what, sizeof what, "%.*s", (int)strcspn(output, "\n"), output);
    } else if (nl_jobs_stop_signal()) {
        /* Ended by our stop request: not graded, not an error. */
        b->stopped++;
        snprintf(what, sizeof what, "stopped (%s): not graded", nl_signal_name(nl_jobs_stop_signal()));
    } else {
        b->errors++;
        if (WIFSIGNALED(status)) snprintf(what, sizeof what, "grader error (%s): not graded", nl_signal_name(WTERMSIG(status)));
        else snprintf(what, sizeof what, "grader error (status %d): not graded", WEXITSTATUS(status));
        write_error_report(b, student, what);
    }
    progress(b, student, what);
}

/* --only "a,b": a folder named with a comma is taken whole. */
static int add_only(batch_ctx *b, const char *arg)
{
    char *copy = strdup(arg);
    for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--) copy[n - 1] = '\0';
    char path[4400];
    folder_of(b, copy, path, sizeof path);
    bool whole = b->dir && nl_is_dir(path);
    for (char *save = NULL, *name = whole ? copy : strtok_r(copy, ",", &save); name;
         name = whole ? NULL : strtok_r(NULL, ",", &save)) {
        if (!*name) continue;
        b->only = realloc(b->only, (b->nonly + 2) * sizeof *b->only);
        b->only[b->nonly++] = strdup(name);
        b->only[b->nonly] = NULL;
    }
    free(copy);
    return 0;
}

static int add_only_file(batch_ctx *b, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) return nl_grader_error("batch: --only-from %s: %s", file, strerror(errno));
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        b->only = realloc(b->only, (b->nonly + 2) * sizeof *b->only);
        b->only[b->nonly++] = strdup(line);
        b->only[b->nonly] = NULL;
    }
    fclose(f);
    return 0;
}

static int parse(int argc, char **argv, batch_ctx *b, int *jobs, double *scale, char **out)
{
    const char *only_args[64], *only_files[16];
    size_t nargs = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool v = i + 1 < argc;
        int rc = 0;
        if (nl_grader_is_help(a)) { fputs(help, stdout); return -1; }
        if (!strcmp(a, "--force")) b->force = true;
        else if (!strcmp(a, "--rerun-failed")) b->rerun = true;
        else if (!strcmp(a, "--jobs") && v) rc = nl_parse_jobs(argv[++i], jobs);
        else if (!strcmp(a, "--time-scale") && v) rc = nl_parse_scale(argv[++i], scale);
        else if (!strcmp(a, "--submission-time") && v) rc = nl_parse_cap(argv[++i], &b->cap_s);
        else if (!strcmp(a, "--out") && v) { free(*out); *out = strdup(argv[++i]); }
        else if (!strcmp(a, "--only") && v && nargs < 64) only_args[nargs++] = argv[++i];
        else if (!strcmp(a, "--only-from") && v && nfiles < 16) only_files[nfiles++] = argv[++i];
        else if (a[0] == '-') rc = nl_bad_option("batch", a, help);
        else if (b->dir) rc = nl_grader_error("batch: one DIR only (got %s and %s)", b->dir, a);
        else b->dir = a;
        if (rc) return rc;
    }
    if (!b->dir) return nl_grader_error("batch: DIR is required (see batch --help)");
    if (!nl_is_dir(b->dir)) return nl_grader_error("batch: %s: not a folder", b->dir);
    for (size_t k = 0; k < nargs; k++) add_only(b, only_args[k]);
    for (size_t k = 0; k < nfiles; k++)
        if (add_only_file(b, only_files[k])) return 2;
    if ((nargs || nfiles) && !b->nonly) return nl_grader_error("batch: --only names no student");
    if (!*out) {
        size_t len = strlen(b->dir);
        while (len > 1 && b->dir[len - 1] == '/') len--;
        *out = malloc(len + 16);
        snprintf(*out, len + 16, "%.*s-grades", (int)len, b->dir);
    }
    return 0;
}

/* The students to grade: --only's, or those not up to date (or all with
 * --force).  2 after saying why if --only names no student folder. */
static int choose(batch_ctx *b)
{
    b->todo = calloc(b->nstudents + 1, sizeof *b->todo);
    b->done_ok = calloc(b->nstudents + 1, sizeof *b->done_ok);
    for (size_t k = 0; k < b->nonly; k++) {
        bool found = false;
        for (size_t i = 0; i < b->nstudents && !found; i++) found = !strcmp(b->students[i], b->only[k]);
        if (!found) return nl_grader_error("batch: --only: no student folder '%s' in %s", b->only[k], b->dir);
    }
    for (size_t i = 0; i < b->nstudents; i++) {
        bool named = false;
        for (size_t k = 0; k < b->nonly && !named; k++) named = !strcmp(b->students[i], b->only[k]);
        if (b->only ? named : b->force || !up_to_date(b, b->students[i])) b->todo[b->ntodo++] = i;
    }
    return 0;
}

/* After a stop: what was done, and how to go on. */
static void tell_how_to_resume(const batch_ctx *b, int sig, size_t never_started)
{
    size_t done = 0;
    for (size_t i = 0; i < b->ntodo; i++) done += b->done_ok[i];
    size_t left = b->ntodo - done;
    fprintf(stderr, "nodelab-grader: stopped by %s: %zu of %zu students graded in this run "
            "(their reports are in %s); %zu not graded (%zu stopped, %zu not started)\n",
            nl_signal_name(sig), done, b->ntodo, b->out, left, b->stopped, never_started);
    if (!b->force && !b->only) {
        fprintf(stderr, "nodelab-grader: to resume, run the same command again: students whose "
                "files are unchanged are skipped; gradebook.csv is rebuilt then\n");
        return;
    }
    /* --force or --only would grade the finished ones again: list the rest. */
    nl_buf names = { 0 };
    for (size_t i = 0; i < b->ntodo; i++)
        if (!b->done_ok[i]) nl_buf_printf(&names, "%s\n", b->students[b->todo[i]]);
    char path[4400];
    snprintf(path, sizeof path, "%s/not-graded.txt", b->out);
    if (nl_write_atomic(path, names.s ? names.s : "", names.len) == 0)
        fprintf(stderr, "nodelab-grader: to resume, grade the students left: the same command "
                "without --force and --only, with --only-from %s\n", path);
    nl_buf_free(&names);
}

int nl_cmd_batch(int argc, char **argv)
{
    batch_ctx b = { 0 };
    int jobs = 1;
    double scale = 1;
    char *out = NULL;
    int rc = parse(argc, argv, &b, &jobs, &scale, &out);
    if (rc) { free(out); nl_free_list(b.only); return rc < 0 ? 0 : rc; }
    b.out = out;
    nl_session s;
    if (nl_session_open(&s, "nodelab-grader") < 0) { free(out); nl_free_list(b.only); return 3; }
    s.opts.time_scale = scale;
    b.s = &s;
    /* The reports and the other students are no business of a sandbox. */
    const char *hide[] = { b.dir, b.out, NULL };
    s.opts.hide = hide;
    b.students = list_students(b.dir, b.out, &b.nstudents);
    rc = find_columns(&b);
    if (!rc && b.nids == 0) rc = nl_grader_error("batch: %s: no student folder holds any exercise's files", b.dir);
    if (!rc && nl_make_dirs(b.out, 0755) < 0) rc = nl_grader_error("batch: %s: %s", b.out, strerror(errno));
    if (!rc) rc = choose(&b);
    if (!rc) {
        fprintf(stderr, "%zu students, %zu to grade (%zu %s), %d at a time; sandbox: %s\n",
                b.nstudents, b.ntodo, b.nstudents - b.ntodo, b.only ? "not named by --only" : "up to date",
                jobs, nl_box_mode());
        nl_symbols_prepare();
        b.tty = isatty(2);
        b.t0 = nl_now_ms();
        nl_jobs_catch_stop();
        size_t never = nl_jobs_run(b.ntodo, jobs, grade_student, student_done, &b);
        int sig = nl_jobs_stop_signal();
        if (sig) {
            if (b.tty) fputc('\n', stderr);
            tell_how_to_resume(&b, sig, never);
            rc = 128 + sig;
        } else {
            nl_gradebook g = { b.out, b.students, b.nstudents, b.ids, b.max_points, b.nids };
            rc = nl_gradebook_write(&g);
            if (!rc && b.errors) rc = 3;
        }
    }
    nl_free_list(b.students);
    nl_free_list(b.ids);
    nl_free_list(b.only);
    free(b.max_points);
    free(b.todo);
    free(b.done_ok);
    nl_session_close(&s);
    free(out);
    return rc;
}
