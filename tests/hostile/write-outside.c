// Writes outside its working folder: the host's /tmp, the parent folder, home.
// where: call
// expect: passed | 12 | 
static const char *const paths[] = { "/tmp/nodelab-escape-@TAG@", "../nodelab-escape-@TAG@",
    "/work/nodelab-escape-@TAG@", "@TMPDIR@/nodelab-escape-@TAG@" };
for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    FILE *f = fopen(paths[i], "w");
    if (f) { fputs("escaped\n", f); fclose(f); }
}
