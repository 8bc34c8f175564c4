/*
 * test_tui_exercise.c — reading test results for the exercise view: the
 * grader's JSON report (nodelab check --format json, schema nodelab-grade/1).
 */
#include "tui/exercise.h"
#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static exercise E;
static ex_runner R;

static void setup(void)
{
    memset(&E, 0, sizeof E);
    memset(&R, 0, sizeof R);
    strcpy(E.id, "loop-offload");
    const char *tcases[] = { "counts_correctly", "counting_runs_on_a_pool_thread",
                             "loop_stays_responsive" };
    for (int i = 0; i < 3; i++) {
        strcpy(E.cases[i].tcase, tcases[i]);
        strcpy(E.cases[i].name, tcases[i]);
        E.cases[i].points = i + 1;
    }
    E.ncases = 3;
}

/* The shape of docs/grader.md's example. */
static const char report[] =
    "{\"schema\":\"nodelab-grade/1\",\"score\":1,\"max_score\":6,\"exercises\":[{"
    "\"id\":\"loop-offload\",\"status\":\"failing\",\"diagnostics\":null,"
    "\"tests\":["
    "{\"name\":\"a\",\"tcase\":\"counts_correctly\",\"hidden\":false,\"status\":\"passed\","
    "\"points\":1,\"max_points\":1,\"message\":null,\"file\":null,\"line\":null},"
    "{\"name\":\"b\",\"tcase\":\"counting_runs_on_a_pool_thread\",\"status\":\"failed\","
    "\"message\":\"count_primes ran on the loop thread\","
    "\"file\":\"exercises/loop-offload/test_offload.c\",\"line\":68},"
    "{\"name\":\"c\",\"tcase\":\"loop_stays_responsive\",\"status\":\"timed out\","
    "\"message\":\"the test did not finish within its limit of 10 s\",\"file\":null,\"line\":null}"
    "]}]}";

START_TEST(a_grader_report_gives_verdicts_messages_and_places)
{
    ck_assert_int_eq(ex_read_grade_report(&R, &E, report), 0);
    ck_assert(R.compiled);
    ck_assert_int_eq(R.cases[0].status, CASE_PASS);
    ck_assert_int_eq(R.cases[1].status, CASE_FAIL);
    ck_assert_str_eq(R.cases[1].message, "count_primes ran on the loop thread");
    ck_assert_str_eq(R.cases[1].where, "test_offload.c:68");
    ck_assert_int_eq(R.cases[2].status, CASE_ERROR);
    ck_assert_str_eq(R.cases[2].message, "timed out: the test did not finish within its limit of 10 s");
}
END_TEST

START_TEST(a_compile_error_report_says_why)
{
    const char *bad = "{\"exercises\":[{\"id\":\"loop-offload\",\"status\":\"compile error\","
                      "\"diagnostics\":\"offload.c:3: error: expected ';'\",\"tests\":[]}]}";
    ck_assert_int_eq(ex_read_grade_report(&R, &E, bad), 0);
    ck_assert(!R.compiled);
    ck_assert_str_eq(R.log, "compile error:\noffload.c:3: error: expected ';'");
}
END_TEST

START_TEST(a_report_for_another_exercise_is_not_ours)
{
    ck_assert_int_eq(ex_read_grade_report(&R, &E, "{\"exercises\":[{\"id\":\"other\"}]}"), -1);
    ck_assert_int_eq(ex_read_grade_report(&R, &E, "not json"), -1);
    ck_assert(strstr(R.log, "no result for loop-offload"));
}
END_TEST

int main(void)
{
    return CHECK_RUN("tui exercise results", 10, setup, NULL,
                     a_grader_report_gives_verdicts_messages_and_places,
                     a_compile_error_report_says_why,
                     a_report_for_another_exercise_is_not_ours);
}
