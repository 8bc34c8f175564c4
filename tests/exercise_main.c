/* exercise_main.c — runs an exercise's Check suite (until the grader's
 * sandboxed runner takes over, this is what make check uses). */
#include <check.h>

Suite *exercise_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(exercise_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
