/*
 * mem.h — the runtime's one out-of-memory policy (internal).
 *
 * Every allocation in lab/runtime goes through these functions (or
 * lab_grow_or_die(), grow.h, which uses them), and none of them returns
 * NULL: when memory runs out the process says so on stderr, in one line
 * with the size it asked for, and aborts.
 *
 * Why not return an error, as libuv does?  Because nothing here could do
 * anything honest with it.  A stream that cannot queue a chunk, a loop
 * that cannot grow its timer heap, a channel that cannot buffer a
 * message: each would have to drop data or report a lie, and the demo
 * built on it would go on showing numbers that are no longer true.  Node
 * makes the same choice ("FATAL ERROR: ... heap out of memory"), so does
 * Redis (zmalloc's oom handler).  Stopping at once, with the reason, is
 * the one outcome a student can understand; and every caller is a few
 * lines shorter for not checking.
 *
 * Failures that are not about memory (a descriptor limit, a bad path) are
 * still returned to the caller as errors.
 */
#ifndef LAB_MEM_H
#define LAB_MEM_H

#include <stddef.h>

void *lab_xmalloc(size_t size);
void *lab_xcalloc(size_t n, size_t size);
void *lab_xrealloc(void *p, size_t size);
char *lab_xstrdup(const char *s);
/* A new string, printf-style (free it). */
char *lab_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Says "out of memory" (size bytes were asked for) and aborts. */
_Noreturn void lab_out_of_memory(size_t size);

#endif
