/*
 * ring.h — a single-producer, single-consumer byte ring (internal to the
 * telemetry).
 *
 * One thread writes records, one other thread reads them, and neither
 * ever waits for the other: the writer owns `head`, the reader owns
 * `tail`, each publishes its own with a release store and reads the
 * other's with an acquire load.  No lock, no syscall, no allocation per
 * record — the shape of perf's and LTTng's per-CPU buffers, here one ring
 * per thread.
 *
 * A record is a length-prefixed block of bytes, 8-byte aligned.  A record
 * that would run past the end of the memory is placed at its start
 * instead, behind a padding block the reader skips.  When the ring is too
 * full, lab_ring_reserve() says so and the caller drops the record; the
 * writer counts drops in `dropped`, which the reader may read at any time.
 */
#ifndef LAB_RING_H
#define LAB_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Every record starts with this word pair. */
typedef struct {
    uint32_t len;              /* the whole block, header included, 8-aligned */
    uint32_t kind;             /* LAB_RING_PAD or the caller's (non-zero) */
} lab_ring_hdr;

#define LAB_RING_PAD 0u

typedef struct {
    /* Each side writes only its own cache line, and reads the other's
     * only when it must: the writer looks at `tail` again only when the
     * ring seems full by the last tail it saw, the reader at `head` only
     * when it has read everything up to the last head it saw.  A cache
     * line one core writes and another reads moves between them on every
     * access (~100 ns each way here); read once per few thousand records,
     * it costs nothing (the trick of FastForward and MCRingBuffer). */
    _Alignas(64) atomic_uint_fast64_t head;    /* bytes ever written */
    uint64_t reserved;                         /* writer's own: head after reserve */
    uint64_t tail_seen;                        /* writer's own: tail when last read */
    _Alignas(64) atomic_uint_fast64_t dropped; /* records that did not fit (rare writes) */
    _Alignas(64) atomic_uint_fast64_t tail;    /* bytes ever consumed */
    uint64_t head_seen;                        /* reader's own: head when last read */
    _Alignas(64) size_t cap;                   /* a power of two */
    unsigned char *data;
} lab_ring;

/* cap: bytes, rounded up to a power of two (at least 4 KiB). */
void lab_ring_init(lab_ring *r, size_t cap);
void lab_ring_free(lab_ring *r);

/* Writer: room for a record of len bytes (header included), or NULL when
 * the ring is too full (the writer then calls lab_ring_drop()).  Nothing
 * is visible to the reader until lab_ring_commit(). */
void *lab_ring_reserve(lab_ring *r, uint32_t len);
void lab_ring_commit(lab_ring *r);
void lab_ring_drop(lab_ring *r);

/* Reader: the oldest record, or NULL; lab_ring_consume() releases it. */
const lab_ring_hdr *lab_ring_peek(lab_ring *r);
void lab_ring_consume(lab_ring *r, const lab_ring_hdr *h);

/* Either side: records are waiting. */
int lab_ring_pending(lab_ring *r);
/* Reader, with the writer stopped (closing, after fork): forget them. */
void lab_ring_discard(lab_ring *r);

/* The length a record of n bytes occupies. */
static inline uint32_t lab_ring_align(size_t n) { return (uint32_t)((n + 7u) & ~(size_t)7u); }

#endif
