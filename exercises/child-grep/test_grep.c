/* test_grep.c — exercise child-grep: the tests (one TCase per test). */
#define _GNU_SOURCE
#include "grep.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int matches, done_calls, status;
    bool done_before_match;            /* a match after done: wrong */
    char **lines;
    int cap;
    char message[512];
    bool has_message;
    const char *go;                    /* created at the first match (or NULL) */
    const char *late;                  /* ... which checks this is not there yet */
    bool first_match_late;
} result;

static void on_match(const char *line, void *arg)
{
    result *r = arg;
    if (r->done_calls) r->done_before_match = true;
    if (r->matches == 0 && r->go) {
        r->first_match_late = access(r->late, F_OK) == 0;
        FILE *f = fopen(r->go, "w");
        ck_assert_ptr_nonnull(f);
        fclose(f);
    }
    if (r->matches == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->lines = realloc(r->lines, (size_t)r->cap * sizeof *r->lines);
    }
    r->lines[r->matches++] = strdup(line);
}

static void on_done(int status, const char *message, void *arg)
{
    result *r = arg;
    r->done_calls++;
    r->status = status;
    r->has_message = message != NULL;
    snprintf(r->message, sizeof r->message, "%s", message ? message : "");
}

static result *last;             /* freed after each test (cleanup) */

static void run(const char *pattern, const char *path, char *const env[], result *r)
{
    const char *go = r->go, *late = r->late;
    memset(r, 0, sizeof *r);
    r->go = go;
    r->late = late;
    last = r;
    lab_loop *loop = lab_loop_new();
    ck_assert_int_eq(grep_file(loop, pattern, path, env, on_match, on_done, r), 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_msg(r->done_calls == 1, "on_done was called %d times, wanted once", r->done_calls);
    ck_assert_msg(!r->done_before_match, "a match was reported after on_done");
}

static char dir[256];

/* A scratch directory with the file `name` holding `text`. */
static const char *scratch(const char *name, const char *text)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");  /* the sandbox's own: /tmp may not be writable */
        snprintf(dir, sizeof dir, "%s/nodelab-grep-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
    }
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* After each test: the scratch directory goes. */
static void cleanup(void)
{
    if (last) {
        for (int i = 0; i < last->matches; i++) free(last->lines[i]);
        free(last->lines);
        last = NULL;
    }
    if (!dir[0]) return;
    static const char *const names[] = { "numbers.txt", "long.txt", "grep", "plain.txt", "go", "late" };
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    dir[0] = '\0';
}

START_TEST(matches_in_order_and_complete)
{
    size_t cap = 5000 * 32;
    char *text = malloc(cap), *p = text;
    for (int i = 0; i < 5000; i++)
        p += sprintf(p, "line %d is %s\n", i, i % 2 ? "odd" : "even");
    const char *path = scratch("numbers.txt", text);
    free(text);
    static result r;       /* static: cleanup() frees its lines after the test */
    run("even", path, NULL, &r);
    ck_assert_int_eq(r.status, GREP_MATCHED);
    ck_assert_msg(r.matches == 2500, "%d matches, wanted 2500", r.matches);
    for (int i = 0; i < r.matches; i++) {
        char want[32];
        snprintf(want, sizeof want, "line %d is even", 2 * i);
        ck_assert_msg(strcmp(r.lines[i], want) == 0, "match %d is \"%s\", wanted \"%s\"",
                      i, r.lines[i], want);
    }
}
END_TEST

START_TEST(long_lines_split_across_chunks)
{
    /* 40 lines of 10,000 characters: pipe reads cut them anywhere. */
    char *text = malloc(40 * 10020), *p = text;
    for (int i = 0; i < 40; i++) {
        p += sprintf(p, "hit-%02d-", i);
        memset(p, 'a' + i % 26, 9993);
        p += 9993;
        *p++ = '\n';
    }
    *p = 0;
    const char *path = scratch("long.txt", text);
    free(text);
    static result r;       /* static: cleanup() frees its lines after the test */
    run("hit-", path, NULL, &r);
    ck_assert_msg(r.matches == 40, "%d matches, wanted 40 (lines cut in two?)", r.matches);
    for (int i = 0; i < 40; i++) {
        char head[16];
        snprintf(head, sizeof head, "hit-%02d-", i);
        ck_assert_msg(strlen(r.lines[i]) == 10000 && strncmp(r.lines[i], head, 7) == 0,
                      "match %d: %zu characters starting \"%.12s\"", i, strlen(r.lines[i]), r.lines[i]);
    }
}
END_TEST

START_TEST(matches_arrive_while_grep_runs)
{
    /* A stand-in grep, first on PATH: it prints one match, then waits for
     * the test to say it has seen that match (the file "go", made at the
     * first match) before it prints the second.  A solution that hands
     * matches over only when grep ends leaves it waiting: after 10 s it
     * gives up, leaves "late" behind, and ends.  Judged by what happened
     * first, never by how long anything took. */
    const char *fake = scratch("grep", "#!/bin/sh\n"
                               "dir=$(dirname \"$0\")\n"
                               "echo 'first match'\n"
                               "i=0\n"
                               "while [ ! -e \"$dir/go\" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n"
                               "[ -e \"$dir/go\" ] || : >\"$dir/late\"\n"
                               "echo 'second match'\n");
    chmod(fake, 0755);
    char path_var[600], go[512], late[512];
    snprintf(path_var, sizeof path_var, "PATH=%s:/usr/bin:/bin", dir);
    snprintf(go, sizeof go, "%s/go", dir);
    snprintf(late, sizeof late, "%s/late", dir);
    char *env[] = { path_var, NULL };
    static result r;       /* static: cleanup() frees its lines after the test */
    r.go = go;
    r.late = late;
    run("match", "/dev/null", env, &r);
    ck_assert_int_eq(r.matches, 2);
    ck_assert_str_eq(r.lines[0], "first match");
    ck_assert_str_eq(r.lines[1], "second match");
    ck_assert_msg(!r.first_match_late, "the first match came only after grep had ended: "
                  "it must be passed on as soon as grep prints it");
}
END_TEST

START_TEST(missing_file_is_a_failure)
{
    static result r;       /* static: cleanup() frees its lines after the test */
    run("x", "/nonexistent/file.txt", NULL, &r);
    ck_assert_msg(r.status == GREP_FAILED, "status %d, wanted GREP_FAILED (%d)", r.status, GREP_FAILED);
    ck_assert_int_eq(r.matches, 0);
    ck_assert_msg(r.has_message && strstr(r.message, "No such file"),
                  "the message should be grep's complaint, got \"%s\"", r.message);
}
END_TEST

START_TEST(grep_missing_from_path)
{
    char *env[] = { "PATH=/nonexistent-dir", NULL };
    static result r;       /* static: cleanup() frees its lines after the test */
    run("x", "/etc/hostname", env, &r);
    ck_assert_msg(r.status == GREP_NOT_FOUND, "status %d, wanted GREP_NOT_FOUND (%d)", r.status, GREP_NOT_FOUND);
    ck_assert_msg(r.has_message && strstr(r.message, "ENOENT"),
                  "the message should say grep could not be started (ENOENT), got \"%s\"", r.message);
}
END_TEST

START_TEST(no_match_is_not_an_error)
{
    const char *path = scratch("plain.txt", "alpha\nbeta\n");
    static result r;       /* static: cleanup() frees its lines after the test */
    run("gamma", path, NULL, &r);
    ck_assert_int_eq(r.status, GREP_NO_MATCH);
    ck_assert_int_eq(r.matches, 0);
    ck_assert_msg(!r.has_message, "no error, so no message: got \"%s\"", r.message);
}
END_TEST

START_TEST(wrong_arguments_are_refused)
{
    static const char *const what[] = { "pattern", "path", "on_match", "on_done" };
    lab_loop *loop = lab_loop_new();
    static result r;       /* static: cleanup() frees its lines after the test */
    for (int k = 0; k < 4; k++) {
        int rc = grep_file(loop, k == 0 ? NULL : "x", k == 1 ? NULL : "/etc/hostname", NULL,
                           k == 2 ? NULL : on_match, k == 3 ? NULL : on_done, &r);
        ck_assert_msg(rc == -1, "grep_file with %s NULL returned %d, wanted -1", what[k], rc);
    }
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_msg(r.done_calls == 0, "on_done was called for a search that was refused");
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("child-grep");
    struct { const char *name; const TTest *test; } cases[] = {
        { "matches_in_order_and_complete", matches_in_order_and_complete },
        { "long_lines_split_across_chunks", long_lines_split_across_chunks },
        { "matches_arrive_while_grep_runs", matches_arrive_while_grep_runs },
        { "missing_file_is_a_failure", missing_file_is_a_failure },
        { "grep_missing_from_path", grep_missing_from_path },
        { "no_match_is_not_an_error", no_match_is_not_an_error },
        { "wrong_arguments_are_refused", wrong_arguments_are_refused },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 15);
        tcase_add_checked_fixture(tc, NULL, cleanup);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
