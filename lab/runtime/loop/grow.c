/* grow.c — the doubling array (see grow.h). */
#include "grow.h"
#include "mem.h"

#include <stdint.h>

void *lab_grow_or_die(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return items;
    size_t cap2 = *cap ? *cap : first;
    while (cap2 < need) cap2 *= 2;
    if (cap2 > SIZE_MAX / size) lab_out_of_memory(SIZE_MAX);
    void *bigger = lab_xrealloc(items, cap2 * size);
    *cap = cap2;
    return bigger;
}
