/* errors.c — errno values to their symbolic names (see errors.h). */
#define _GNU_SOURCE
#include "errors.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *lab_errno_name(int err)
{
    /* glibc 2.32+ knows every name; older libraries get a number. */
    const char *name = strerrorname_np(err);
    if (name) return name;
    static __thread char unknown[24];
    snprintf(unknown, sizeof unknown, "E?%d", err);
    return unknown;
}

const char *lab_errno_message(int err)
{
    static __thread char msg[128];
    snprintf(msg, sizeof msg, "%s", strerror(err));
    msg[0] = (char)tolower((unsigned char)msg[0]);
    return msg;
}
