/* gz_tool.c — the gzip engine as a filter, for tests/gzip.sh:
 *   gz_tool -c [LEVEL] < in > out.gz      gz_tool -d < in.gz > out
 * On bad input: one line on stderr with zlib's code and message, exit 1. */
#include "gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int put(void *arg, const void *data, size_t len)
{
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "-c") && strcmp(argv[1], "-d"))) {
        fprintf(stderr, "usage: gz_tool -c [LEVEL] | -d  (stdin to stdout)\n");
        return 2;
    }
    lab_gzip z;
    int level = argc > 2 ? atoi(argv[2]) : -1;
    if (lab_gzip_init(&z, argv[1][1] == 'c' ? LAB_GZIP : LAB_GUNZIP, level) < 0)
        return 1;
    static char in[LAB_GZIP_CHUNK], out[LAB_GZIP_CHUNK];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(0, in, sizeof in)) > 0)
        rc = lab_gzip_write(&z, in, (size_t)n, LAB_Z_NO_FLUSH, out, sizeof out, put, NULL);
    if (rc == 0)
        rc = lab_gzip_write(&z, NULL, 0, LAB_Z_FINISH, out, sizeof out, put, NULL);
    if (rc != 0)
        fprintf(stderr, "gz_tool: %s: %s\n", z.code ? z.code : "EIO",
                z.code ? z.message : "write failed");
    lab_gzip_end(&z);
    return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}
