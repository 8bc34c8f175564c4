/* commands.h — the nodelab-grader commands and their shared helpers. */
#ifndef NL_COMMANDS_H
#define NL_COMMANDS_H

#include "grade.h"

#include <stdarg.h>
#include <stdbool.h>

int nl_cmd_verify(int argc, char **argv);
int nl_cmd_batch(int argc, char **argv);
int nl_cmd_bundle(int argc, char **argv);

/* "nodelab-grader: <message>" on stderr; returns 2. */
int nl_grader_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool nl_grader_is_help(const char *arg);
/* Parse --jobs / --time-scale values; 0, or 2 after printing why. */
int nl_parse_jobs(const char *arg, int *jobs);
int nl_parse_scale(const char *arg, double *scale);
/* --submission-time: seconds, 1 to 864000. */
int nl_parse_cap(const char *arg, double *cap);
/* An argument `cmd` does not take: one line saying so, with the option of
 * `help` (the command's --help text) that was probably meant, or that
 * the option needs a value.  Returns 2. */
int nl_bad_option(const char *cmd, const char *arg, const char *help);
/* 0 full marks, 1 less, 3 grader error. */
int nl_result_status(const nl_result *res);

#endif
