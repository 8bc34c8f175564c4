// Aborts.
// where: call
// expect: failing | 9 | loop_stays_responsive=crashed
abort();
