/* driver.c — see driver.h. */
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

lab_loop *loop;

void T(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

const char *B(bool v) { return v ? "true" : "false"; }

int parity_main(int argc, char **argv, const char *prog, const char *what,
                const parity_scenario *scenarios, size_t n, bool dashes)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: %s NAME | --list\n"
                "Runs one %s scenario and prints its event trace, the\n"
                "same lines as `node tests/parity/NAME.js`.\n", prog, what);
        return argc == 2 ? 0 : 2;
    }
    char name[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s", scenarios[i].name);
        for (char *p = name; dashes && *p; p++) if (*p == '_') *p = '-';
        if (strcmp(argv[1], "--list") == 0) { puts(name); continue; }
        if (strcmp(argv[1], name) != 0) continue;
        setvbuf(stdout, NULL, _IOLBF, 0);
        loop = lab_loop_new();
        scenarios[i].run();
        int rc = lab_loop_run(loop);
        lab_loop_free(loop);
        return rc == 0 ? 0 : 1;
    }
    if (strcmp(argv[1], "--list") == 0) return 0;
    fprintf(stderr, "%s: no scenario named '%s' (try --list)\n", prog, argv[1]);
    return 2;
}
