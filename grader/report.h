/*
 * report.h — presenting a grade: text for people, JSON for tools,
 * Gradescope's results.json, JUnit XML and TAP for CI systems.
 * Schemas: docs/grader.md.
 */
#ifndef NL_REPORT_H
#define NL_REPORT_H

#include "grade.h"

#include <stdbool.h>

struct cJSON;

typedef enum { NL_FMT_TEXT, NL_FMT_JSON, NL_FMT_GRADESCOPE, NL_FMT_JUNIT, NL_FMT_TAP } nl_format;

typedef struct {
    bool student;      /* hide the names and details of hidden tests */
    bool color;        /* ANSI colour (text only) */
    int width;         /* text: columns */
} nl_report_opts;

/* "text", "json", "gradescope", "junit", "tap"; -1 if unknown. */
int nl_format_parse(const char *name, nl_format *out);

/* The whole report in the format, malloc'd. */
char *nl_report_render(const nl_result *res, nl_format f, const nl_report_opts *o);

/* The JSON report as a cJSON tree (batch keeps and re-reads these). */
struct cJSON *nl_result_json(const nl_result *res, bool student);

/* Pieces shared by the formats. */
char *nl_report_text(const nl_result *res, const nl_report_opts *o);
char *nl_report_gradescope(const nl_result *res);
char *nl_report_junit(const nl_result *res);
char *nl_report_tap(const nl_result *res);
/* One test's explanation as plain lines: message, where, output. */
char *nl_test_details(const nl_ex_report *r, const nl_test_report *t, bool with_output);
/* "hidden test 3" or the case's name, as the viewer may see it. */
const char *nl_test_title(const nl_test_report *t, size_t index, bool student, char *buf, size_t len);

#endif
