/*
 * gzip_stream.h — gzip and gunzip as Transform streams: zlib.createGzip()
 * and zlib.createGunzip() on the stream core (stream.h) and the engine
 * (gzip.h).
 *
 * Where the work runs.  Node runs every async zlib call on the thread
 * pool, and so does this by default: each _transform() becomes one or more
 * pool jobs of one engine step (one output chunk) each, and the loop stays
 * free to serve other streams, sockets and timers while a 64 KiB chunk is
 * being deflated (about 1–2 ms of CPU at level 6).  The price is a thread
 * hand-off per step, a few microseconds against those milliseconds.
 * `inline_mode` runs the same steps on the loop thread instead — what
 * zlib.gzipSync() does — so a demo can show the loop lag it causes.
 *
 * Chunks.  Output is produced straight into freshly allocated 64 KiB
 * chunks (Node: 16 KiB) that are pushed without copying, and input chunks
 * are read where they lie, so the only copies are zlib's own.  Both marks
 * default to 64 KiB to match.
 *
 * Errors.  Corrupt input destroys the stream with zlib's words and
 * Node's code: 'error' {code "Z_DATA_ERROR", message "incorrect header
 * check"}; input that stops mid-stream fails at end() with
 * {code "Z_BUF_ERROR", message "unexpected end of file"}.
 */
#ifndef LAB_GZIP_STREAM_H
#define LAB_GZIP_STREAM_H

#include "gzip.h"
#include "stream.h"

typedef struct lab_gzip_opts {
    lab_stream_opts stream;    /* name (default "gzip"/"gunzip"), marks */
    int level;                 /* 1..9; 0: the default, 6 (gzip -6) */
    size_t chunk;              /* output chunk size; 0: LAB_GZIP_CHUNK */
    bool inline_mode;          /* zlib on the loop thread, not the pool */
} lab_gzip_opts;

/* A gzip (LAB_GZIP) or gunzip (LAB_GUNZIP) transform.  NULL if zlib
 * cannot start one. */
lab_stream *lab_gzip_stream(lab_loop *loop, lab_gzip_mode mode,
                            const lab_gzip_opts *opts);
/* The engine, for its byte counts (bytes_in, bytes_out). */
const lab_gzip *lab_gzip_stream_engine(const lab_stream *s);

#endif
