// An infinite loop: only the wall clock stops it.
// where: call
// expect: failing | 9 | loop_stays_responsive=timed out
for (;;) {}
