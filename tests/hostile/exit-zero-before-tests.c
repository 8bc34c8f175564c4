// exit(0) from a constructor, before any test runs.
// where: top
// expect: refused | 0 | 
__attribute__((constructor)) static void leave_early(void) { exit(0); }
