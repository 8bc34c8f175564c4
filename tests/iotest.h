/* iotest.h — what the I/O tests share (tests only, header-only):
 *   fd_count()        descriptors open now: "every descriptor closed" is
 *                     this number before and after;
 *   refused_port()    a port that refuses connections, held by a socket
 *                     bound but never listening (so nobody else takes it);
 *   run_suite()       main()'s body: one TCase running the given tests. */
#ifndef NL_TEST_IOTEST_H
#define NL_TEST_IOTEST_H

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

static inline int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;                 /* the directory's own descriptor */
}

/* A bound, non-listening socket answers every SYN with a RST.  Close
 * *hold when done. */
static inline int refused_port(int *hold)
{
    *hold = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(*hold, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(*hold, (struct sockaddr *)&sa, &len);
    return ntohs(sa.sin_port);
}

/* Runs tests[0..n) as one test case; setup/teardown may be NULL.
 * Returns main()'s exit status. */
static inline int run_suite(const char *name, int timeout_s,
                            void (*setup)(void), void (*teardown)(void),
                            const TTest *const *tests, size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout_s);
    if (setup || teardown) tcase_add_checked_fixture(tc, setup, teardown);
    for (size_t i = 0; i < n; i++) tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#define RUN_SUITE(name, timeout_s, setup, teardown, ...)                   \
    do {                                                                    \
        const TTest *const tests_[] = { __VA_ARGS__ };                     \
        return run_suite(name, timeout_s, setup, teardown, tests_,         \
                         sizeof tests_ / sizeof tests_[0]);                 \
    } while (0)

#endif
