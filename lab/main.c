/*
 * main.c — `nodelab`: the lab's entry point.
 *
 * With no arguments it opens the lab (the TUI).  Otherwise the first word
 * names a command; each lives in lab/cli/cmd_<name>.c.
 */
#include "config.h"
#include "cli/cli.h"

#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int nl_cmd_tui(int argc, char **argv);      /* lab/tui: `nodelab`, `nodelab open` */

static const char usage[] =
"usage: nodelab [COMMAND] [ARGS]\n"
"\n"
"nodelab teaches the machinery behind advanced Node.js — streams and\n"
"backpressure, the event loop and its thread pool, child processes and IPC —\n"
"by rebuilding it in C and letting you watch it run.\n"
"\n"
"Commands:\n"
"  (none)                   open the lab where you left off\n"
"  open TARGET [--set K=V]  open the lab at a chapter, a demo (running) or an exercise\n"
"  list [chapters|demos|exercises] [--json]\n"
"                           what there is to read, run and do\n"
"  read CHAPTER             print a chapter as plain text (number or name)\n"
"  demo NAME [--set KEY=VALUE]... [--json] [--duration SECONDS]\n"
"                           run a live demo headless; it ends by itself\n"
"  demo NAME --help         a demo's parameters, defaults and ranges\n"
"  init DIR                 make a workspace with every exercise's starter\n"
"  check [EXERCISE]         run an exercise's tests on your files, as graded\n"
"  watch [EXERCISE]         check again on every save\n"
"  hint [EXERCISE]          the exercise's next hint\n"
"\n"
"\n"
"Your exercise files live in a workspace (nodelab init DIR): the one you are\n"
"in, else the one init made last; --workspace DIR or NODELAB_WORKSPACE\n"
"names another, for the lab and every command.\n"
"\n"
"Every command takes --help.  Exit status: 0 ok, 1 failed, 2 bad input.\n";

int nl_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nodelab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

bool nl_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int nl_output_width(FILE *f)
{
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/* --workspace DIR (or --workspace=DIR), anywhere: the current workspace
 * for this run and every program it starts, as NODELAB_WORKSPACE
 * (lab/course/workspace.h).  Taken out of argv. */
static int take_workspace(int *argc, char **argv)
{
    for (int i = 1; i < *argc; i++) {
        const char *dir = NULL;
        int n = 0;
        if (!strcmp(argv[i], "--workspace")) { dir = i + 1 < *argc ? argv[i + 1] : ""; n = 2; }
        else if (!strncmp(argv[i], "--workspace=", 12)) { dir = argv[i] + 12; n = 1; }
        else continue;
        if (!*dir) return nl_usage_error("--workspace wants a folder (--workspace DIR)");
        char abs[2 * PATH_MAX], cwd[PATH_MAX];
        if (*dir == '/' || !getcwd(cwd, sizeof cwd)) snprintf(abs, sizeof abs, "%s", dir);
        else snprintf(abs, sizeof abs, "%s/%s", cwd, dir);
        setenv("NODELAB_WORKSPACE", abs, 1);
        if (n > *argc - i) n = *argc - i;
        memmove(&argv[i], &argv[i + n], (size_t)(*argc - i - n + 1) * sizeof *argv);
        *argc -= n;
        i--;
    }
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    if (take_workspace(&argc, argv)) return 2;
    if (argc < 2 || strcmp(argv[1], "open") == 0) return nl_cmd_tui(argc - 1, argv + 1);
    const char *cmd = argv[1];
    if (nl_is_help(cmd) || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("nodelab " PACKAGE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "list") == 0) return nl_cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "read") == 0) return nl_cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0) return nl_cmd_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "__child") == 0) return nl_cmd_child(argc - 1, argv + 1);
    if (strcmp(cmd, "init") == 0) return nl_cmd_init(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0) return nl_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "watch") == 0) return nl_cmd_watch(argc - 1, argv + 1);
    if (strcmp(cmd, "hint") == 0) return nl_cmd_hint(argc - 1, argv + 1);
    return nl_usage_error("unknown command '%s' (commands: open, list, read, demo, init, check, watch, hint; "
                          "see nodelab --help)", cmd);
}
