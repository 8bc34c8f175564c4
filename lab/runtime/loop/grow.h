/*
 * grow.h — the growing array every module needs (internal to the runtime).
 *
 * A queue of pending writes, the timer heap, a list of pipe destinations,
 * a buffer of child output: each is an array that must take one more item
 * now and then.  Doubling the capacity when it is full keeps the total
 * copying proportional to the number of items (amortised O(1) per append),
 * which is why libuv, Redis and C++'s std::vector all do it.
 *
 *   loop->heap = lab_grow_or_die(loop->heap, &loop->heap_cap, loop->heap_len + 1,
 *                                sizeof *loop->heap, 16);
 */
#ifndef LAB_GROW_H
#define LAB_GROW_H

#include <stddef.h>

/* Returns an array with room for at least `need` items of `size` bytes:
 * `items` itself while *cap suffices, else `items` reallocated to the next
 * doubling of *cap (starting at `first`), with *cap updated.  Out of
 * memory, it stops the process, as every allocation in the runtime does
 * (mem.h says why). */
void *lab_grow_or_die(void *items, size_t *cap, size_t need, size_t size, size_t first);

#endif
