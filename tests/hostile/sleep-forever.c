// Sleeping forever uses no CPU: RLIMIT_CPU would never fire.
// where: call
// expect: failing | 9 | loop_stays_responsive=timed out
for (;;) sleep(100);
