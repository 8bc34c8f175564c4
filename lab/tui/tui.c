/* tui.c — placeholder until the lab's TUI lands (issue: the lab). */
#include "cli/cli.h"

#include <stdio.h>
#include <unistd.h>

int nl_cmd_tui(int argc, char **argv)
{
    if (!isatty(0) || !isatty(1))
        return nl_usage_error("the lab needs a terminal; for commands that work without "
                              "one, see nodelab --help");
    fprintf(stderr, "nodelab: the lab's screens are not built yet; see nodelab --help\n");
    return 1;
}
