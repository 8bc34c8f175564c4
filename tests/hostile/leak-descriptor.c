// Opens a descriptor and forgets it.
// where: call
// expect: failing | 9 | loop_stays_responsive=leaked
open("/dev/null", O_RDONLY);
