// A daemon: double fork, new session, outlives the test.
// where: call
// expect: failing | 9 | loop_stays_responsive=leaked
if (fork() == 0) {
    setsid();
    if (fork() == 0) for (;;) sleep(1);
    _exit(0);
}
