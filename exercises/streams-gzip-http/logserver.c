/*
 * logserver.c — exercise streams-gzip-http.  Your file: make the tests
 * pass.
 *
 * The handler below works, the way a first version often does: for each
 * request it reads the whole file into memory, on the loop thread, and
 * sends it in one piece.  (server.c, given, runs the server around it.)  A 2 GB log takes 2 GB of memory, every other
 * client waits while it is read, and nothing is ever compressed.
 *
 * TODO 1: stream the file instead.  Wrap the response in a writable
 *         stream (lab_http_out_stream, http_stream.h), make a file read
 *         stream (fs_stream.h), and join them with lab_pipeline()
 *         (stream.h), which also carries backpressure from a slow client
 *         back to the file.
 * TODO 2: when accepts_gzip() says yes for the request's Accept-Encoding,
 *         put a gzip transform (gzip_stream.h) in the middle and set
 *         "Content-Encoding: gzip" before the first byte goes out; and
 *         write accepts_gzip() itself (logserver.h says what it accepts).
 * TODO 3: a file that is not there is a 404.  A read stream only says so
 *         later, with an 'error', when it may be too late to change the
 *         status: find out first (lab_fs_open in fs.h opens a file on the
 *         pool; a read stream can then use that descriptor).
 * TODO 4: only plain names inside dir: nothing with a "/" in it.
 */
#include "logserver.h"

#include "fs.h"
#include "fs_stream.h"
#include "gzip_stream.h"
#include "http.h"
#include "http_stream.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool accepts_gzip(const char *accept_encoding)
{
    return false;              /* TODO 2 */
}

static void free_body(void *arg, int status) { free(arg); }

void log_server_on_request(lab_http_server *http, lab_http_msg *req,
                           lab_http_out *res)
{
    log_server *srv = http->data;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", srv->dir, req->url);   /* TODO 4 */

    /* TODO 1: the whole file in memory, read on the loop thread. */
    char *body = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "rb");
    if (f) {                                       /* TODO 3: and if not? */
        fseek(f, 0, SEEK_END);
        len = (size_t)ftell(f);
        rewind(f);
        body = malloc(len ? len : 1);
        if (body) len = fread(body, 1, len, f);
        fclose(f);
    }
    lab_http_set_header(res, "Content-Type", "text/plain");
    lab_http_end(res, body, body ? len : 0, free_body, body);  /* TODO 2 */
}
