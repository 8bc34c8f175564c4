/*
 * chunk.c — reference-counted buffers and the chunks that view them.
 */
#include "chunk.h"
#include "mem.h"
#include "range.h"

#include <stdlib.h>
#include <string.h>

lab_buf *lab_buf_new(size_t size)
{
    lab_buf *b = lab_xmalloc(sizeof *b + size);
    b->refs = 1;
    b->release = NULL;
    b->opaque = NULL;
    b->size = size;
    return b;
}

lab_buf *lab_buf_ref(lab_buf *b)
{
    if (b) b->refs++;
    return b;
}

void lab_buf_unref(lab_buf *b)
{
    if (!b || --b->refs > 0) return;
    if (b->release) b->release(b);
    else free(b);
}

lab_chunk lab_chunk_alloc(size_t len)
{
    lab_buf *b = lab_buf_new(len);
    return (lab_chunk){ b->data, len, b };
}

lab_chunk lab_chunk_copy(const void *data, size_t len)
{
    lab_chunk c = lab_chunk_alloc(len);
    if (len) memcpy(c.data, data, len);
    return c;
}

lab_chunk lab_chunk_str(const char *s) { return lab_chunk_copy(s, strlen(s)); }

lab_chunk lab_chunk_static(const void *data, size_t len)
{
    return (lab_chunk){ (void *)data, len, NULL };
}

/* An object chunk's buffer holds no bytes: only the object and the
 * function that frees it. */
static void release_object(lab_buf *b)
{
    void (*free_obj)(void *);
    memcpy(&free_obj, b->data, sizeof free_obj);
    free_obj(b->opaque);
    free(b);
}

lab_chunk lab_chunk_object(void *obj, size_t len, void (*free_obj)(void *))
{
    if (!free_obj) return (lab_chunk){ obj, len, NULL };
    lab_buf *b = lab_buf_new(sizeof free_obj);
    memcpy(b->data, &free_obj, sizeof free_obj);
    b->opaque = obj;
    b->release = release_object;
    return (lab_chunk){ obj, len, b };
}

lab_chunk lab_chunk_ref(const lab_chunk *c)
{
    lab_buf_ref(c->buf);
    return *c;
}

void lab_chunk_release(lab_chunk *c)
{
    lab_buf_unref(c->buf);
    *c = (lab_chunk){ NULL, 0, NULL };
}

lab_chunk lab_chunk_slice(const lab_chunk *c, size_t off, size_t len)
{
    if (off > c->len) off = c->len;
    if (len > c->len - off) len = c->len - off;
    if (lab_chunk_is_range(c)) return lab_range_slice(c, off, len);
    lab_buf_ref(c->buf);
    return (lab_chunk){ (char *)c->data + off, len, c->buf };
}

bool lab_chunk_empty(const lab_chunk *c) { return c->len == 0 && !c->data; }
