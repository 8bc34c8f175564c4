/* mem.c — allocations that do not fail (see mem.h for why). */
#define _GNU_SOURCE
#include "mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void lab_out_of_memory(size_t size)
{
    /* No stdio stream: it might want memory of its own to say this. */
    char line[160];
    int n = snprintf(line, sizeof line, "%s: out of memory (asked for %zu bytes); stopping\n",
                     program_invocation_short_name, size);
    if (n > 0) (void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    abort();
}

void *lab_xmalloc(size_t size)
{
    void *p = malloc(size);
    if (!p && size) lab_out_of_memory(size);
    return p;
}

void *lab_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p && n && size) lab_out_of_memory(n * size);
    return p;
}

void *lab_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q && size) lab_out_of_memory(size);
    return q;
}

char *lab_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(lab_xmalloc(n), s, n);
}

char *lab_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = lab_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* cJSON builds every event and every IPC message: its allocations follow
 * the same policy, so that an event is never quietly missing a field.
 * Set before main(), while there is one thread; a program that links the
 * runtime gets it whether or not it calls cJSON itself. */
__attribute__((constructor)) static void cjson_allocations_too(void)
{
    cJSON_InitHooks(&(cJSON_Hooks){ .malloc_fn = lab_xmalloc, .free_fn = free });
}
