/* test_choose.c — exercise loop-choose: one test per scenario (one TCase
 * each).  A wrong answer fails with what the chosen tool is for and the
 * reason that decides the scenario. */
#include "choose.h"

#include <check.h>

/* The key: the tool, the reason that decides it, and a second reason
 * that is also fair (REASON_UNSURE: none). */
static const struct { tool tool; reason decides, also; } key[CHOOSE_SCENARIOS + 1] = {
    [1] = { TOOL_STREAMS, REASON_TOO_BIG_FOR_MEMORY, REASON_UNSURE },
    [2] = { TOOL_STREAMS, REASON_SLOW_CONSUMER, REASON_TOO_BIG_FOR_MEMORY },
    [3] = { TOOL_POOL, REASON_BLOCKING_NATIVE, REASON_UNSURE },
    [4] = { TOOL_CHILD_PROCESS, REASON_OTHER_PROGRAM, REASON_UNSURE },
    [5] = { TOOL_CHILD_PROCESS, REASON_MAY_CRASH_OR_HANG, REASON_UNSURE },
    [6] = { TOOL_CLUSTER, REASON_ONE_CORE_SATURATED, REASON_UNSURE },
    [7] = { TOOL_WORKER_THREAD, REASON_CPU_HEAVY_JS, REASON_UNSURE },
    [8] = { TOOL_WORKER_THREAD, REASON_SHARED_MEMORY, REASON_UNSURE },
    [9] = { TOOL_POOL, REASON_BLOCKING_NATIVE, REASON_UNSURE },
    [10] = { TOOL_CLUSTER, REASON_ONE_CORE_SATURATED, REASON_UNSURE },
};

static void check_scenario(int n)
{
    choice c = choose(n);
    if (c.tool != key[n].tool)
        ck_abort_msg("scenario %d: %s\n"
                     "You chose %s: %s.\n"
                     "What decides this one: %s.",
                     n, scenario_text(n), tool_name(c.tool), tool_purpose(c.tool),
                     reason_text(key[n].decides));
    if (c.reason != key[n].decides && (c.reason != key[n].also || c.reason == REASON_UNSURE))
        ck_abort_msg("scenario %d: %s\n"
                     "Right tool (%s), but \"%s\" is not what decides it.\n"
                     "What decides this one: %s.",
                     n, scenario_text(n), tool_name(c.tool), reason_text(c.reason),
                     reason_text(key[n].decides));
}

#define SCENARIO_TEST(n) \
    START_TEST(scenario_##n) { check_scenario(n); } END_TEST

SCENARIO_TEST(1)
SCENARIO_TEST(2)
SCENARIO_TEST(3)
SCENARIO_TEST(4)
SCENARIO_TEST(5)
SCENARIO_TEST(6)
SCENARIO_TEST(7)
SCENARIO_TEST(8)
SCENARIO_TEST(9)
SCENARIO_TEST(10)

/* Out of range: no crash, no answer. */
START_TEST(unknown_scenarios_get_no_answer)
{
    ck_assert_int_eq(choose(0).tool, TOOL_UNSURE);
    ck_assert_int_eq(choose(CHOOSE_SCENARIOS + 1).tool, TOOL_UNSURE);
    ck_assert_int_eq(choose(-7).reason, REASON_UNSURE);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("loop-choose");
    struct { const char *name; const TTest *test; } cases[] = {
        { "scenario_1", scenario_1 }, { "scenario_2", scenario_2 },
        { "scenario_3", scenario_3 }, { "scenario_4", scenario_4 },
        { "scenario_5", scenario_5 }, { "scenario_6", scenario_6 },
        { "scenario_7", scenario_7 }, { "scenario_8", scenario_8 },
        { "scenario_9", scenario_9 }, { "scenario_10", scenario_10 },
        { "unknown_scenarios_get_no_answer", unknown_scenarios_get_no_answer },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
