/*
 * grow.h — the growing array every module needs (internal to the runtime).
 *
 * A queue of pending writes, the timer heap, a list of pipe destinations,
 * a buffer of child output: each is an array that must take one more item
 * now and then.  Doubling the capacity when it is full keeps the total
 * copying proportional to the number of items (amortised O(1) per append),
 * which is why libuv, Redis and C++'s std::vector all do it.
 *
 *   lab_timer **heap = lab_grow(loop->heap, &loop->heap_cap, loop->heap_len + 1,
 *                               sizeof *heap, 16);
 *   if (!heap) ...out of memory: loop->heap is untouched...
 *   loop->heap = heap;
 */
#ifndef LAB_GROW_H
#define LAB_GROW_H

#include <stddef.h>

/* Returns an array with room for at least `need` items of `size` bytes:
 * `items` itself while *cap suffices, else `items` reallocated to the next
 * doubling of *cap (starting at `first`), with *cap updated.  NULL when
 * memory runs out; `items` and *cap are then unchanged and still valid. */
void *lab_grow(void *items, size_t *cap, size_t need, size_t size, size_t first);

/* The same, for callers that cannot go on without the memory: aborts. */
void *lab_grow_or_die(void *items, size_t *cap, size_t need, size_t size, size_t first);

#endif
