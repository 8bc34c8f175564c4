// Tries to read the tests, hidden ones included.
// where: call
// expect: passed | 12 | 
static const char *const paths[] = { "@SRCDIR@/exercises/loop-offload/test_offload.c",
    "../exercises/loop-offload/test_offload.c", "test_offload.c", "/box/test_offload.c",
    "/usr/local/share/nodelab/exercises/loop-offload/test_offload.c" };
for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    FILE *f = fopen(paths[i], "r");
    if (f) { char line[256]; while (fgets(line, sizeof line, f)) fputs(line, stdout); abort(); }
}
