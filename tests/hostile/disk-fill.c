// Fills the disk through one ever-growing file.
// where: call
// expect: failing | 9 | loop_stays_responsive=output limit exceeded
static char block[65536];
FILE *f = fopen("fill.bin", "w");
for (;;) fwrite(block, 1, sizeof block, f);
