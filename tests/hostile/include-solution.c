// Pulls the reference solution in at compile time (renamed, so that only
// a missing file can stop it: a found one would compile).
// where: top
// expect: compile error | 0 |
#define count_primes_async stolen_count_primes_async
#define primes_job stolen_primes_job
#define work stolen_work
#define after stolen_after
#include "@SRCDIR@/solutions/loop-offload/offload.c"
#undef count_primes_async
#undef primes_job
#undef work
#undef after
