/*
 * shared.h — SharedArrayBuffer and Atomics, for C.
 *
 * The actor model (worker.h) shares nothing; this is the other way: one
 * region of memory that several threads — or processes — read and write
 * at once, with no copy at all.  The price is that two writers can now
 * race.  `counter++` on shared memory is three steps (load, add, store);
 * two threads interleaving them lose updates.  Atomics make each step
 * indivisible:
 *
 *     Node                                  nodelab
 *     new SharedArrayBuffer(n)              lab_shared_new(n)
 *     new Int32Array(sab)                   lab_shared_int32(s)
 *     Atomics.add(ia, i, v) (old value)     lab_atomics_add(&ia[i], v)
 *     sub, and, or, xor, exchange,          lab_atomics_sub, _and, _or,
 *     compareExchange, load, store              _xor, _exchange, ...
 *     Atomics.wait(ia, i, v, ms)            lab_atomics_wait(&ia[i], v, ms)
 *       → "ok" | "not-equal" | "timed-out"     → LAB_WAIT_OK, ...
 *     Atomics.notify(ia, i, count)          lab_atomics_notify(&ia[i], count)
 *       → how many it woke                    → the same
 *
 * The region is a memfd mapped MAP_SHARED: threads share it because they
 * share the address space; a forked child shares it because the mapping
 * is inherited (MAP_SHARED survives fork, unlike private memory); any other
 * process can map it from its descriptor (lab_shared_fd, passed with
 * SCM_RIGHTS — ipc.h — or inherited, then lab_shared_open_fd).  Node's
 * SharedArrayBuffer stops at the process boundary; this one does not.
 *
 * The atomics are C11's <stdatomic.h> operations, sequentially consistent
 * (what JavaScript's Atomics promise).  wait and notify are futexes:
 * FUTEX_WAIT sleeps in the kernel only if the cell still holds the
 * expected value — checked by the kernel under its own lock, so a notify
 * between our check and our sleep cannot be lost — and FUTEX_WAKE returns
 * how many sleepers it woke.  Not the private variant, so that waiters in
 * different processes find each other.
 *
 * Counting: every operation is counted per thread (a plain store to the
 * thread's own counter, no shared cache line), and lab_atomics_counts()
 * sums the threads; lab_atomics_report() emits them as an `atomics` event.
 */
#ifndef LAB_SHARED_H
#define LAB_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_shared lab_shared;

/* A zero-filled shared region of size bytes (> 0).  refs = 1.  NULL with
 * errno set. */
lab_shared *lab_shared_new(size_t size);
/* Maps the region behind fd (from lab_shared_fd in another process); the
 * caller keeps fd (it is duplicated).  NULL with errno set. */
lab_shared *lab_shared_open_fd(int fd);
/* Threads share one lab_shared by reference (atomic counts): the last
 * unref unmaps it. */
lab_shared *lab_shared_ref(lab_shared *s);
void lab_shared_unref(lab_shared *s);

void *lab_shared_data(const lab_shared *s);
size_t lab_shared_size(const lab_shared *s);
/* The region's descriptor (close-on-exec; clear it, or send it, to share
 * with a program you exec). */
int lab_shared_fd(const lab_shared *s);
/* The region as an Int32Array: element count is lab_shared_size() / 4. */
int32_t *lab_shared_int32(const lab_shared *s);

/* ---- Atomics (on any int32_t, shared or not) ------------------------------ */

/* Each read-modify-write returns the value the cell had before, and wraps
 * on overflow, as JavaScript's do. */
int32_t lab_atomics_add(int32_t *cell, int32_t v);
int32_t lab_atomics_sub(int32_t *cell, int32_t v);
int32_t lab_atomics_and(int32_t *cell, int32_t v);
int32_t lab_atomics_or(int32_t *cell, int32_t v);
int32_t lab_atomics_xor(int32_t *cell, int32_t v);
int32_t lab_atomics_exchange(int32_t *cell, int32_t v);
/* Stores replacement if the cell holds expected; returns the old value
 * either way (equal to expected: it was stored). */
int32_t lab_atomics_compare_exchange(int32_t *cell, int32_t expected, int32_t replacement);
int32_t lab_atomics_load(const int32_t *cell);
/* Returns v, as Atomics.store does. */
int32_t lab_atomics_store(int32_t *cell, int32_t v);

typedef enum { LAB_WAIT_OK, LAB_WAIT_NOT_EQUAL, LAB_WAIT_TIMED_OUT } lab_wait_result;

/* Atomics.wait: if *cell == expected, sleeps until notified or timeout_ms
 * pass (INFINITY or NaN: no limit; negative: 0, an immediate "timed-out").
 * Blocks the calling thread — do not call it on a loop thread that has
 * anything else to do.  A wake-up by a signal is not a notification: it
 * waits again for the time left; if the cell changed meanwhile, it
 * returns LAB_WAIT_OK (someone wrote it; a notify is on its way or gone). */
lab_wait_result lab_atomics_wait(int32_t *cell, int32_t expected, double timeout_ms);
/* "ok", "not-equal", "timed-out". */
const char *lab_wait_result_name(lab_wait_result r);
/* Atomics.notify: wakes up to count waiters on cell (count < 0: all of
 * them, Node's default +Infinity).  Returns how many it woke. */
int lab_atomics_notify(int32_t *cell, int count);

/* ---- counting ---------------------------------------------------------------- */

typedef struct {
    uint64_t add, sub, and_, or_, xor_, exchange, compare_exchange, load, store;
    uint64_t waits, wait_ok, wait_not_equal, wait_timed_out;
    uint64_t notifies, woken;
} lab_atomics_count;

/* This process's totals, every thread (finished ones included). */
lab_atomics_count lab_atomics_counts(void);
/* Emits them as an `atomics` event, with label (may be NULL). */
void lab_atomics_report(const char *label);

#endif
