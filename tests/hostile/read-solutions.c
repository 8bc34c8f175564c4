// Tries to read the reference solution, by every path it can think of.
// where: call
// expect: passed | 12 | 
static const char *const paths[] = { "@SRCDIR@/solutions/loop-offload/offload.c",
    "../solutions/loop-offload/offload.c", "../../solutions/loop-offload/offload.c",
    "/usr/local/share/nodelab/solutions/loop-offload/offload.c",
    "/usr/share/nodelab/solutions/loop-offload/offload.c" };
for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    FILE *f = fopen(paths[i], "r");
    if (f) { char line[256]; while (fgets(line, sizeof line, f)) fputs(line, stdout); abort(); }
}
