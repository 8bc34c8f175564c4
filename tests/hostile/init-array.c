// A constructor without the attribute: a function pointer placed by hand
// in the .init_array section, run before main().
// where: top
// expect: refused | 0 |
static void run_first(void) { exit(0); }
__attribute__((section(".init_array"), used)) static void (*const run_first_ptr)(void) = run_first;
