// Writes through a null pointer.
// where: call
// expect: failing | 9 | loop_stays_responsive=crashed
*(volatile int *)0 = 1;
