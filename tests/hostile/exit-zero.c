// exit(0) in the middle of a test: Check's fork mode would call it a pass.
// where: call
// expect: failing | 9 | loop_stays_responsive=exited early
exit(0);
