/*
 * check_run.h — main()'s body for every Check program under tests/.
 *
 * Each test gets a TCase of its own, named after the test, so the log names
 * the test that failed and CK_RUN_CASE=<test> runs that one alone.  Check
 * forks per test, so one crash or time-out never hides the others.
 *
 *     return CHECK_RUN("loop", 20, NULL, NULL, test_a, test_b);
 *
 * timeout_s is each test's limit; setup/teardown (either may be NULL) run
 * around every test, in its forked process.  Returns main()'s exit status.
 */
#ifndef NL_CHECK_RUN_H
#define NL_CHECK_RUN_H

#include <check.h>
#include <stddef.h>

static inline int check_run(const char *suite_name, int timeout_s,
                            void (*setup)(void), void (*teardown)(void),
                            const TTest *const *tests, size_t n)
{
    Suite *s = suite_create(suite_name);
    for (size_t i = 0; i < n; i++) {
        TCase *tc = tcase_create(tests[i]->name);
        tcase_set_timeout(tc, timeout_s);
        if (setup || teardown) tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, tests[i]);
        suite_add_tcase(s, tc);
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

/* The tests are START_TEST names (each a const TTest *). */
#define CHECK_RUN(name, timeout_s, setup, teardown, ...)                     \
    check_run(name, timeout_s, setup, teardown,                              \
              (const TTest *const[]){ __VA_ARGS__ },                         \
              sizeof (const TTest *const[]){ __VA_ARGS__ } / sizeof (const TTest *))

#endif
