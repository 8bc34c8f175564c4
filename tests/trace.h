/* trace.h — an event trace for tests (header-only): note("online"),
 * note("exit:%d", code) append one word each to `trace`, space-separated,
 * and the test compares the whole string with the order it expects.
 * Only one thread (the loop's) may note. */
#ifndef NL_TEST_TRACE_H
#define NL_TEST_TRACE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char trace[4096];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void note(const char *fmt, ...)
{
    size_t n = strlen(trace);
    if (n && n < sizeof trace - 1) trace[n++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

#endif
