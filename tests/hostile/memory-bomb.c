// Takes memory until something gives: 16 MB at a time, every page made
// real at once (MAP_POPULATE: the kernel fills the pages without a fault
// per page, so the bomb reaches the memory limit long before the time
// limit even on a machine busy with other work).
// where: call
// expect: failing | 9 | loop_stays_responsive=out of memory
for (;;) {
    void *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) abort();
}
