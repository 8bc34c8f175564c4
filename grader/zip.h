/*
 * zip.h — writing a .zip archive (PKWARE APPNOTE: local headers, data
 * deflated with zlib, a central directory).  Enough for the Gradescope
 * autograder bundle; no zip program needed on the instructor's machine.
 */
#ifndef NL_ZIP_H
#define NL_ZIP_H

#include <stddef.h>

typedef struct nl_zip nl_zip;

nl_zip *nl_zip_new(void);
/* Adds a file: its name in the archive, contents, and Unix mode (0755 for
 * scripts, so they stay executable when unpacked). */
int nl_zip_add(nl_zip *z, const char *name, const void *data, size_t len, unsigned mode);
/* The finished archive (malloc'd) and its size; frees z. */
char *nl_zip_finish(nl_zip *z, size_t *len);

#endif
