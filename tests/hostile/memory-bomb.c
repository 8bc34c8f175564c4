// Allocates and touches memory until something gives.
// where: call
// expect: failing | 9 | loop_stays_responsive=out of memory
for (;;) { char *p = malloc(1 << 20); if (!p) abort(); memset(p, 1, 1 << 20); }
