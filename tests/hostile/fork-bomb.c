// A fork bomb: every process forks for ever.
// where: call
// expect: failing | 9 | loop_stays_responsive=timed out
for (;;) fork();
