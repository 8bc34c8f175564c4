// Prints bytes that are not UTF-8, a NUL in the middle of a line and
// control characters, then crashes so that the report shows the output:
// every report format must stay valid, the NUL must not cut the output
// short, and output_bytes must count every byte (65).
// where: call
// expect: failing | 9 | loop_stays_responsive=crashed
static const char bad[] = "invalid \xff\xfe \xc3( cut \xe2\x82 bell \a esc \x1b[31m end\n";
static const char nul[] = "before-nul \0 after-nul\n";
fwrite(bad, 1, sizeof bad - 1, stdout);
fwrite(nul, 1, sizeof nul - 1, stdout);
fflush(stdout);
*(volatile int *)0 = 1;
