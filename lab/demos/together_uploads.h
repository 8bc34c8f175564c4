/*
 * together_uploads.h — what the two halves of `together.uploads` share:
 * the upload server that every cluster worker runs
 * (together_uploads_worker.c) and the primary that forks the workers,
 * sends the uploads and checks the files (together_uploads.c).
 *
 * The server's contract:
 *
 *   PUT or POST /upload/NAME    the body is streamed into DIR/NAME:
 *       201  {"name", "bytes", "crc32", "worker"}: the whole body is in
 *            the file (written to DIR/.NAME.part-PID-N, renamed to NAME
 *            only once every byte reached it);
 *       413  the body is over max_bytes (the Content-Length says so at
 *            once, or the count passes it as the bytes arrive);
 *       507  the disk has no room: the Content-Length is over the file
 *            system's free space, or a write failed with ENOSPC/EDQUOT;
 *       400/404/405  a bad name, another path, another method.
 *   Every answer names its worker (X-Worker-Pid) and its body is one
 *   line.  A failed or cut-off upload leaves no file: its partial file
 *   is removed once its descriptor is closed.
 */
#ifndef LAB_TOGETHER_UPLOADS_H
#define LAB_TOGETHER_UPLOADS_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lab_http_out;
struct lab_http_msg;

typedef struct {
    char dir[PATH_MAX];        /* where the files go */
    uint64_t max_bytes;        /* per upload; 0: no quota */
    uint64_t disk_slow_ms;     /* ms each MiB written takes (0: full speed) */
    uint64_t sample_ms;        /* `upload` / `upload_worker` events */
    int port;                  /* 0: a free one (the primary picks) */
} upload_cfg;

/* A cluster worker's main (lab_child_main; arg: an upload_cfg). */
int upload_worker_main(void *arg);

/* Is name acceptable as a file name in the upload folder?  1..100 of
 * [A-Za-z0-9._-], not starting with '.', and never a partial's name. */
bool upload_name_ok(const char *name);

/* A partial file's name (".NAME.part-PID-N"): the primary removes any it
 * finds once the workers are gone (a worker killed mid-upload could not). */
bool upload_is_partial(const char *file_name);

/* ---- what every upload server shares (together.uploads, together.system) ---- */

/* Sends an upload's one-line answer: status, Content-Type type,
 * X-Worker-Pid, and fmt's text plus a newline, made in buf (size bytes),
 * which must stay alive until the answer is sent. */
void upload_vanswer(struct lab_http_out *res, char *buf, size_t size, int status,
                    const char *type, const char *fmt, va_list ap);
/* PUT or POST /upload/NAME with a good NAME: 0, NAME copied to name.  Else
 * the status to refuse it with (404 another path, 405 another method, 400
 * a bad name) and why, in one line. */
int upload_check_request(const struct lab_http_msg *req, char *name, size_t namesize,
                         char *why, size_t whysize);
/* A failed write to an upload's file: 507 when there is no room for it
 * (ENOSPC, EDQUOT, EFBIG: RLIMIT_FSIZE), else 500. */
int upload_write_status(int errnum);
/* The check of a `dir` (or `out`) parameter: "" or a folder we may
 * write in (NULL), else what it must be. */
const char *upload_check_dir(const char *v);

#endif
