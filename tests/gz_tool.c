/* gz_tool.c — the gzip engine and the gzip streams as filters, for
 * tests/gzip.sh (and a quick speed check against gzip(1)):
 *   gz_tool -c [LEVEL] < in > out.gz      engine, stdin to stdout
 *   gz_tool -d < in.gz > out
 *   gz_tool -C IN OUT [LEVEL]             pipeline: file → gzip → file
 *   gz_tool -D IN OUT                     pipeline: file → gunzip → file
 * On bad input: one line on stderr with zlib's code and message, exit 1;
 * the half-written OUT of a failed pipeline is removed. */
#include "fs_stream.h"
#include "gzip.h"
#include "gzip_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int put(void *arg, const void *data, size_t len)
{
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

static int filter(lab_gzip_mode mode, int level)
{
    lab_gzip z;
    if (lab_gzip_init(&z, mode, level) < 0) return 1;
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

static const lab_err *failure;
static lab_err failure_copy;
static void on_done(const lab_err *err, void *arg)
{
    if (err) failure_copy = *err, failure = &failure_copy;
}

static int pipeline(lab_gzip_mode mode, const char *in, const char *out, int level)
{
    lab_loop *loop = lab_loop_new();
    lab_gzip_opts o = { .level = level };
    lab_stream *st[3] = {
        lab_fs_read_stream(loop, in, NULL),
        lab_gzip_stream(loop, mode, &o),
        lab_fs_write_stream(loop, out, NULL),
    };
    lab_pipeline(st, 3, on_done, NULL);
    lab_loop_run(loop);
    for (int i = 0; i < 3; i++) lab_stream_unref(st[i]);
    lab_loop_free(loop);
    if (!failure) return 0;
    /* Node's system errors start with their code already. */
    if (strncmp(failure->message, failure->code, strlen(failure->code)) == 0)
        fprintf(stderr, "gz_tool: %s\n", failure->message);
    else
        fprintf(stderr, "gz_tool: %s: %s\n", failure->code, failure->message);
    unlink(out);
    return 1;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    if (!strcmp(m, "-c") || !strcmp(m, "-d"))
        return filter(m[1] == 'c' ? LAB_GZIP : LAB_GUNZIP, argc > 2 ? atoi(argv[2]) : -1);
    if ((!strcmp(m, "-C") || !strcmp(m, "-D")) && argc >= 4)
        return pipeline(m[1] == 'C' ? LAB_GZIP : LAB_GUNZIP, argv[2], argv[3],
                        argc > 4 ? atoi(argv[4]) : 0);
    fprintf(stderr, "usage: gz_tool -c [LEVEL] | -d   (stdin to stdout)\n"
                    "       gz_tool -C IN OUT [LEVEL] | -D IN OUT\n");
    return 2;
}
