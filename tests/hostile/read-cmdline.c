// Looks for a hidden test's name in the command lines of its ancestors
// (the test runner, and in basic mode the grader above it): a grader that
// passed the names as arguments would leave them in /proc/PID/cmdline,
// which any process may read.
// where: call
// expect: passed | 12 |
for (pid_t pid = getppid(); pid > 0;) {
    char path[64], text[65536];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text);
    if (fd >= 0) close(fd);
    for (ssize_t i = 0; i + 22 <= n; i++)
        if (!memcmp(text + i, "several_counts_at_once", 22)) { puts(path); abort(); }
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    int ppid = 0;
    if (!f || fscanf(f, "%*d (%*[^)]) %*c %d", &ppid) != 1) ppid = 0;
    if (f) fclose(f);
    pid = ppid;
}
