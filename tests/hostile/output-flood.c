// Prints without end.
// where: call
// expect: failing | 9 | loop_stays_responsive=output limit exceeded
for (;;) puts("all work and no play makes jack a dull boy");
