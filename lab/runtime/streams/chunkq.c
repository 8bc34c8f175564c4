/*
 * chunkq.c — a growable ring of chunks: the readable side's buffer and the
 * writable side's queue of pending writes.
 *
 * Node keeps these in JavaScript arrays with a moving start index; a ring
 * does the same without ever moving entries, so push, shift and unshift
 * are O(1) and a steady flow of chunks allocates nothing once the ring has
 * grown to its working size.
 */
#include "stream_impl.h"

#include <stdlib.h>
#include <string.h>

static void grow(lab_chunkq *q)
{
    size_t cap = q->cap ? q->cap * 2 : 16;
    lab_qentry *items = lab_xmalloc(cap * sizeof *items);
    for (size_t i = 0; i < q->len; i++)          /* unroll the ring */
        items[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = items;
    q->cap = cap;
    q->head = 0;
}

void lab_chunkq_push(lab_chunkq *q, const lab_qentry *e)
{
    if (q->len == q->cap) grow(q);
    q->items[(q->head + q->len) % q->cap] = *e;
    q->len++;
}

void lab_chunkq_unshift(lab_chunkq *q, const lab_qentry *e)
{
    if (q->len == q->cap) grow(q);
    q->head = (q->head + q->cap - 1) % q->cap;
    q->items[q->head] = *e;
    q->len++;
}

lab_qentry *lab_chunkq_front(lab_chunkq *q)
{
    return q->len ? &q->items[q->head] : NULL;
}

lab_qentry *lab_chunkq_at(lab_chunkq *q, size_t i)
{
    return i < q->len ? &q->items[(q->head + i) % q->cap] : NULL;
}

void lab_chunkq_shift(lab_chunkq *q)
{
    if (!q->len) return;
    q->head = (q->head + 1) % q->cap;
    q->len--;
}

void lab_chunkq_free(lab_chunkq *q)
{
    while (q->len) {
        lab_chunk_release(&lab_chunkq_front(q)->chunk);
        lab_chunkq_shift(q);
    }
    free(q->items);
    memset(q, 0, sizeof *q);
}
