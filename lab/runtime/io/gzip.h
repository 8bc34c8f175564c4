/*
 * gzip.h — a streaming gzip / gunzip engine over zlib.
 *
 * "Streaming" means the data never has to be in memory at once: you feed
 * input a chunk at a time and collect output a chunk at a time, exactly
 * what a Transform stream needs.  The engine knows nothing about loops or
 * threads; it only touches its own state, so a step can run on the loop
 * thread or on a pool thread (Node runs zlib on the pool: see gzip_stream.h
 * and docs/io.md for the choice nodelab makes).
 *
 * The primitive is one step, like one turn of Node's zlib binding:
 *
 *   lab_gzip_input(&z, chunk, len);               // the next input
 *   do {
 *       ssize_t n = lab_gzip_step(&z, out, cap, LAB_Z_NO_FLUSH, &more);
 *       if (n < 0) ... z.code, z.message ...      // "Z_DATA_ERROR"
 *       deliver(out, n);
 *   } while (more);                               // output was full
 *
 * At the end, step with LAB_Z_FINISH until `more` is false: gzip writes its
 * trailer (CRC and length); gunzip checks that the stream really ended.
 *
 * Errors carry zlib's message and Node's code, as zlib.gunzipSync() does:
 *   corrupt input           Z_DATA_ERROR  "incorrect header check", ...
 *   truncated input         Z_BUF_ERROR   "unexpected end of file"
 * Gunzip accepts several gzip members one after another (the output is
 * their concatenation) and ignores trailing zero bytes, as Node does;
 * other trailing bytes are a Z_DATA_ERROR.
 */
#ifndef LAB_GZIP_H
#define LAB_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

typedef enum {
    LAB_GZIP, LAB_GUNZIP,
    LAB_DEFLATE_RAW,           /* deflate alone, no gzip header or trailer:
                                  the pieces pgzip.c lays end to end */
} lab_gzip_mode;

enum {
    LAB_Z_NO_FLUSH = Z_NO_FLUSH,     /* let zlib buffer as it likes */
    LAB_Z_SYNC_FLUSH = Z_SYNC_FLUSH, /* emit everything so far (gzip) */
    LAB_Z_BLOCK = Z_BLOCK,           /* end the deflate block, leave the
                                        last few bits unaligned (pgzip.c) */
    LAB_Z_FINISH = Z_FINISH,         /* the input is complete */
};

#define LAB_GZIP_CHUNK (64 * 1024)   /* output chunk: Node uses 16 KiB */

typedef struct lab_gzip {
    z_stream zs;
    lab_gzip_mode mode;
    int level;                 /* 0..9; gzip -6 and Node default to 6 */
    bool ready;                /* zlib state allocated */
    bool ended;                /* gzip: trailer written; gunzip: stream end */
    int zerr;                  /* zlib's return code on failure, else 0 */
    const char *code;          /* "Z_DATA_ERROR", ... or NULL */
    char message[96];          /* zlib's own words */
    uint64_t bytes_in, bytes_out;
} lab_gzip;

/* level -1 means the default (6).  Returns 0, or -1 with z->code set. */
int lab_gzip_init(lab_gzip *z, lab_gzip_mode mode, int level);
/* Gives the engine its next input.  The bytes must stay valid until a step
 * has consumed them (lab_gzip_pending() == 0). */
void lab_gzip_input(lab_gzip *z, const void *in, size_t len);
size_t lab_gzip_pending(const lab_gzip *z);
/* One step: produces at most cap bytes into out.  Returns the count, or -1
 * on error (z->code, z->message; the engine is then unusable).  *more is
 * true when out filled up and the same input/flush has more to give. */
ssize_t lab_gzip_step(lab_gzip *z, void *out, size_t cap, int flush,
                      bool *more);
/* Starts a new stream on the same state (no reallocation): deflateReset.
 * Keeps the level; clears the byte counts. */
void lab_gzip_reset(lab_gzip *z);
/* Frees zlib's state.  Safe to call twice. */
void lab_gzip_end(lab_gzip *z);

/* Convenience for whole buffers: runs steps over in, with buf (cap bytes)
 * as the output window, calling out(arg, data, n) for every piece of
 * output.  Returns 0, or -1 on error (engine or out returning non-zero). */
typedef int lab_gzip_out_cb(void *arg, const void *data, size_t len);
int lab_gzip_write(lab_gzip *z, const void *in, size_t len, int flush,
                   void *buf, size_t cap, lab_gzip_out_cb *out, void *arg);

/* Node's name for a zlib return code: Z_DATA_ERROR → "Z_DATA_ERROR". */
const char *lab_gzip_code_name(int zerr);

#endif
