/* grow.c — the doubling array (see grow.h). */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *lab_grow(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return items;
    size_t cap2 = *cap ? *cap : first;
    while (cap2 < need) cap2 *= 2;
    if (cap2 > SIZE_MAX / size) return NULL;
    void *bigger = realloc(items, cap2 * size);
    if (!bigger) return NULL;
    *cap = cap2;
    return bigger;
}

void *lab_grow_or_die(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    void *bigger = lab_grow(items, cap, need, size, first);
    if (!bigger) abort();            /* out of memory: nothing sane to do */
    return bigger;
}
