/*
 * ring.c — the single-producer, single-consumer byte ring (see ring.h).
 *
 * head and tail count bytes since the start and never wrap; a position in
 * memory is the count modulo cap.  So head - tail is what is waiting, and
 * cap - (head - tail) is the room, without the usual "one slot empty"
 * trick.
 */
#include "ring.h"
#include "mem.h"

#include <string.h>
#include <sys/mman.h>

void lab_ring_init(lab_ring *r, size_t cap)
{
    size_t c = 4096;
    while (c < cap) c <<= 1;
    memset(r, 0, sizeof *r);
    r->cap = c;
    /* Anonymous pages, touched only as records reach them: an idle
     * thread's ring costs address space, not memory.  Private to the
     * process, so nothing is left behind when it dies. */
    void *p = mmap(NULL, c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) lab_out_of_memory(c);
    r->data = p;
}

void lab_ring_free(lab_ring *r)
{
    if (r->data) munmap(r->data, r->cap);
    r->data = NULL;
}

void *lab_ring_reserve(lab_ring *r, uint32_t len)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t pos = head & (r->cap - 1), to_end = r->cap - pos;
    size_t need = len <= to_end ? len : to_end + len;   /* pad to the start */
    if (len > r->cap / 2) return NULL;
    if (need > r->cap - (head - r->tail_seen)) {
        /* Full by the tail last seen: the reader may have moved on since. */
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (need > r->cap - (head - r->tail_seen)) return NULL;
    }
    if (len > to_end) {
        lab_ring_hdr pad = { (uint32_t)to_end, LAB_RING_PAD };
        memcpy(r->data + pos, &pad, sizeof pad);
        pos = 0;
    }
    r->reserved = head + need;
    return r->data + pos;
}

/* Release: the record's bytes are written before the reader can see the
 * new head. */
void lab_ring_commit(lab_ring *r)
{
    atomic_store_explicit(&r->head, r->reserved, memory_order_release);
}

/* Only the writer adds to it: a relaxed read-modify-write of its own
 * counter, not a contended one. */
void lab_ring_drop(lab_ring *r)
{
    atomic_store_explicit(&r->dropped, atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

const lab_ring_hdr *lab_ring_peek(lab_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        if (tail == r->head_seen) {        /* read up to it: look again */
            r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
            if (tail == r->head_seen) return NULL;
        }
        const lab_ring_hdr *h = (const lab_ring_hdr *)(r->data + (tail & (r->cap - 1)));
        if (h->kind != LAB_RING_PAD) return h;
        tail += h->len;                          /* skip to the start */
        atomic_store_explicit(&r->tail, tail, memory_order_release);
    }
}

void lab_ring_consume(lab_ring *r, const lab_ring_hdr *h)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + h->len, memory_order_release);
}

int lab_ring_pending(lab_ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_acquire) !=
           atomic_load_explicit(&r->tail, memory_order_acquire);
}

void lab_ring_discard(lab_ring *r)
{
    r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
    atomic_store_explicit(&r->tail, r->head_seen, memory_order_release);
}
