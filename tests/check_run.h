/*
 * check_run.h — the main() of the Chapter 4 Check programs: one TCase per
 * test (so one failure or time-out never hides the others), each with its
 * own time limit, run in forked processes.
 */
#ifndef NL_CHECK_RUN_H
#define NL_CHECK_RUN_H

#include <check.h>
#include <stddef.h>

typedef struct {
    const char *name;
    const TTest *test;
    int timeout_s;             /* 0: 20 s */
} check_case;

static inline int check_run(const char *suite_name, const check_case *cases, size_t n)
{
    Suite *s = suite_create(suite_name);
    for (size_t i = 0; i < n; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, cases[i].timeout_s ? cases[i].timeout_s : 20);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#define CHECK_RUN(name, cases) check_run(name, cases, sizeof cases / sizeof cases[0])

#endif
