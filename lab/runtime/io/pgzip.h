/*
 * pgzip.h — parallel gzip: one gzip file, deflated by several pool threads
 * at once, the way pigz does it.
 *
 * A deflate stream is one long chain: every match it finds points back
 * into the 32 KiB just before it, so the compressor cannot start byte N
 * until it has seen the bytes before N.  pigz breaks the chain on purpose:
 *
 *   1. cut the input into fixed-size blocks (128 KiB by default);
 *   2. deflate each block on its own thread, primed with the previous
 *      block's last 32 KiB as a preset dictionary, so matches may still
 *      reach back across the cut, exactly as far as gzip's would;
 *   3. end every block but the last on a byte boundary with the "last
 *      block" bit clear (a sync flush's empty stored block, or pigz's
 *      cheaper empty fixed blocks), so the pieces can be laid end to end;
 *   4. write them out in block order, whatever order they finished in,
 *      after one gzip header and before one trailer whose CRC-32 is the
 *      blocks' CRCs combined (crc32_combine) and whose length is the sum.
 *
 * The result is one ordinary gzip member: `gzip -d`, `pigz -d` and Node's
 * zlib.gunzip read it, and its size is within a fraction of a percent of
 * `gzip -6`'s (the cost is a byte or two of padding per block, and
 * deflate choosing its Huffman blocks within each piece).  It is, byte
 * for byte, what `pigz -n` writes at the same level and block size.
 *
 * Here it is a Transform stream (stream.h), so it drops into a pipeline
 * where lab_gzip_stream() would go:
 *
 *   read stream → lab_pgzip_stream() → write stream
 *
 * Memory is bounded by `window`: at most that many blocks are in flight
 * (handed to the pool, or done and waiting for an earlier block to be
 * written).  When the window is full the transform does not call back, so
 * the writable side's buffer fills and the reader upstream is paused:
 * backpressure, as for any slow transform.
 *
 * Telemetry (docs/telemetry.md, "Parallel gzip"): `pgzip_block` for each
 * block as it finishes (its index, pool thread, bytes in and out, deflate
 * time, and how many blocks wait in the reorder window), `pgzip` once at
 * the end with the totals.
 */
#ifndef LAB_PGZIP_H
#define LAB_PGZIP_H

#include "stream.h"

#include <stdint.h>

#define LAB_PGZIP_BLOCK (128 * 1024)  /* pigz's default block (-b 128) */
#define LAB_PGZIP_DICT (32 * 1024)    /* deflate's window: the dictionary */

/* One block as it finishes (for on_block, and the `pgzip_block` event). */
typedef struct lab_pgzip_block {
    uint64_t index;            /* 0, 1, 2, ... in input order */
    int thread;                /* the pool thread that deflated it (1..) */
    size_t in, out;            /* its bytes before and after */
    uint64_t deflate_us;       /* time on the pool thread */
    uint64_t wait_us;          /* time queued before a thread took it */
    int in_flight;             /* blocks handed out and not yet written */
    int reorder;               /* finished blocks waiting for an earlier one,
                                  this one included if it must wait */
    bool last;
} lab_pgzip_block;

typedef struct lab_pgzip_opts {
    lab_stream_opts stream;    /* name (default "pgzip"), marks */
    int level;                 /* 1..9; 0: the default, 6 (gzip -6) */
    size_t block;              /* bytes per block, >= LAB_PGZIP_DICT;
                                  0: LAB_PGZIP_BLOCK */
    int window;                /* blocks in flight at most; 0: twice the
                                  pool's size, at least 2 */
    /* Optional, on the loop thread: each block as it finishes (out of
     * order: before it is written). */
    void (*on_block)(void *arg, const lab_pgzip_block *b);
    /* Optional, for tests: runs on the pool thread before a block is
     * deflated, so a test can hold block 0 back until block 1 is done and
     * see the output come out in order all the same. */
    void (*before_deflate)(void *arg, uint64_t index);
    void *arg;
} lab_pgzip_opts;

/* A parallel gzip transform.  NULL if the options are out of range (a
 * block under 32 KiB, a level over 9) or zlib cannot start. */
lab_stream *lab_pgzip_stream(lab_loop *loop, const lab_pgzip_opts *opts);

typedef struct lab_pgzip_stats {
    uint64_t bytes_in, bytes_out;   /* taken in; pushed out (header and
                                       trailer included) */
    uint64_t blocks_done, blocks_written;
    int in_flight, reorder;         /* now */
    int max_in_flight, max_reorder; /* the most seen */
    int window;
    size_t block;
    uint32_t crc;                   /* CRC-32 of the bytes written so far */
} lab_pgzip_stats;
lab_pgzip_stats lab_pgzip_get_stats(const lab_stream *s);

#endif
