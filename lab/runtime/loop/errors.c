/* errors.c — errno values to their symbolic names (see errors.h). */
#define _GNU_SOURCE
#include "errors.h"
#include "telemetry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The shape of Node's report, without the JavaScript stack: the throw
 * site, the error, who emitted it, its code, then exit(1) — exit, not
 * _exit, so stdout is flushed and atexit handlers run, as Node still
 * runs process.on('exit') listeners after an uncaught exception. */
void lab_unhandled_error(const char *emitter, const char *code, const char *message)
{
    fflush(stdout);
    fprintf(stderr, "nodelab: throw er; // Unhandled 'error' event\n\n"
                    "Error: %s\n"
                    "Emitted 'error' event on %s instance {\n"
                    "  code: '%s'\n"
                    "}\n", message, emitter, code);
    lab_tel_close(1000);
    exit(1);
}
