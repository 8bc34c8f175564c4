/*
 * cli.h — the `nodelab` commands.  main.c dispatches on the first word;
 * each command lives in its own file and returns the process exit status:
 * 0 success, 1 the thing ran and failed, 2 bad input (one line on stderr).
 */
#ifndef NL_CLI_H
#define NL_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cJSON;

int nl_cmd_list(int argc, char **argv);
int nl_cmd_read(int argc, char **argv);
int nl_cmd_demo(int argc, char **argv);
/* Hidden: `nodelab __child NAME`, the child programs of Chapter 4. */
int nl_cmd_child(int argc, char **argv);
int nl_cmd_init(int argc, char **argv);     /* cmd_init.c */
int nl_cmd_check(int argc, char **argv);    /* cmd_check.c */
int nl_cmd_watch(int argc, char **argv);    /* cmd_check.c */
int nl_cmd_hint(int argc, char **argv);     /* cmd_hint.c */

/* Prints "nodelab: <message>" on stderr and returns 2. */
int nl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True if arg is -h or --help. */
bool nl_is_help(const char *arg);
/* Columns to wrap at: the terminal's, or 80 when not a terminal. */
int nl_output_width(FILE *f);

/* One telemetry event as a readable line (lab/cli/format.c). */
void nl_format_event(FILE *out, const struct cJSON *ev, int main_pid);

#endif
