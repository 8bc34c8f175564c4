// Starts a child and never waits for it.
// where: call
// expect: failing | 9 | loop_stays_responsive=leaked
if (fork() == 0) _exit(0);
usleep(100000);
