/*
 * chunk.h — the unit of data that flows through streams.
 *
 * Node moves Buffers between streams by reference: a chunk read from a file
 * is the same memory that is written to the socket, and it is freed when
 * the last stream lets go of it.  nodelab does the same with two types:
 *
 *   lab_buf    reference-counted storage: a header followed by the bytes
 *              (lab_buf_new), or a header that owns storage elsewhere and
 *              frees it through its release() hook.
 *   lab_chunk  a view: {data, len} inside a buffer, plus the buffer that
 *              owns it (or NULL for storage that needs no freeing, such as
 *              a string literal).  It is a small value (three words):
 *              copy it freely, but each copy that is *kept* must hold its
 *              own reference (lab_chunk_ref).
 *
 * Ownership, in one rule per direction (stream.h repeats them):
 *   - GIVING: lab_readable_push(), lab_readable_unshift() and
 *     lab_writable_write() take over the reference the chunk carries.
 *     Do not release it afterwards.
 *   - RECEIVING: a chunk handed to you (a 'data' listener, your write or
 *     transform implementation) is borrowed for the duration of the call
 *     (for write/transform: until you report it done).  To keep it, or to
 *     pass it on to push()/write(), take a reference first:
 *         lab_writable_write(dst, lab_chunk_ref(chunk), NULL, NULL);
 *   - lab_readable_read() returns a chunk you own: release it.
 *
 * In object mode a chunk carries a pointer to one object in `data`; `len`
 * is yours to use (the stream counts every chunk as 1).  Give it a buffer
 * whose release() frees the object (lab_chunk_object) or none at all.
 *
 * Reference counts are plain integers: change them on the loop thread
 * only.  A pool thread may read or fill a chunk's bytes while the loop
 * thread holds the reference for it.
 */
#ifndef LAB_CHUNK_H
#define LAB_CHUNK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lab_buf lab_buf;

struct lab_buf {
    unsigned refs;
    /* Frees the buffer (and what it owns) when refs drops to 0.  NULL:
     * free(b), right for lab_buf_new() buffers. */
    void (*release)(lab_buf *b);
    void *opaque;              /* for release(): an object, a pool, ... */
    size_t size;               /* bytes available in data[] */
    char data[];               /* the bytes, for lab_buf_new() buffers */
};

/* doc:chunk-struct */
typedef struct lab_chunk {
    void *data;                /* first byte, or the object in object mode */
    size_t len;                /* bytes (object mode: the producer's choice) */
    lab_buf *buf;              /* owner of the storage, or NULL */
} lab_chunk;
/* end doc:chunk-struct */

/* ---- buffers ----------------------------------------------------------- */

/* A buffer of size bytes, refs = 1, in one allocation. */
lab_buf *lab_buf_new(size_t size);
lab_buf *lab_buf_ref(lab_buf *b);          /* NULL-safe; returns b */
void lab_buf_unref(lab_buf *b);            /* NULL-safe */

/* ---- chunks ------------------------------------------------------------ */

/* A chunk of len bytes in a fresh buffer (uninitialised bytes). */
lab_chunk lab_chunk_alloc(size_t len);
/* A chunk holding a copy of data[0..len). */
lab_chunk lab_chunk_copy(const void *data, size_t len);
/* A copy of a NUL-terminated string, without the NUL. */
lab_chunk lab_chunk_str(const char *s);
/* No copy, no owner: data must stay valid for as long as any stream may
 * hold the chunk (string literals, static tables). */
lab_chunk lab_chunk_static(const void *data, size_t len);
/* Object mode: a chunk carrying obj.  free_obj (may be NULL) runs when the
 * last reference goes; len is stored as given. */
lab_chunk lab_chunk_object(void *obj, size_t len, void (*free_obj)(void *));

/* Returns a copy of *c that holds one more reference. */
lab_chunk lab_chunk_ref(const lab_chunk *c);
/* Drops the reference *c holds and clears *c. */
void lab_chunk_release(lab_chunk *c);
/* A view of c->data[off .. off+len) holding its own reference (no copy).
 * Of a range chunk (range.h): the range of the range. */
/* doc:chunk-slice */
lab_chunk lab_chunk_slice(const lab_chunk *c, size_t off, size_t len);
/* end doc:chunk-slice */
/* True if the chunk carries nothing (len 0 and no data). */
bool lab_chunk_empty(const lab_chunk *c);

#endif
