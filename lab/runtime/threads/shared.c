/*
 * shared.c — shared regions, atomics, futex wait/notify (see shared.h).
 */
#define _GNU_SOURCE
#include "shared.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- the region ---------------------------------------------------------------- */

struct lab_shared {
    atomic_int refs;
    int fd;
    void *data;
    size_t size;
};

static lab_shared *map_fd(int fd, size_t size)
{
    lab_shared *s = lab_xcalloc(1, sizeof *s);
    s->data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s->data == MAP_FAILED) {
        free(s);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->fd = fd;
    s->size = size;
    lab_ev *e = lab_ev_new(LAB_EV(SHARED));
    lab_ev_str(e, "phase", "map");
    lab_ev_int(e, "size", (int64_t)size);
    lab_ev_int(e, "fd", fd);
    lab_ev_emit(e);
    return s;
}

lab_shared *lab_shared_new(size_t size)
{
    if (size == 0) { errno = EINVAL; return NULL; }
    /* A file with no name in memory: it can be mapped by anyone who holds
     * the descriptor, and it goes away with the last mapping and fd. */
    int fd = memfd_create("nodelab-shared", MFD_CLOEXEC);
    if (fd < 0) return NULL;
    lab_shared *s = NULL;
    if (ftruncate(fd, (off_t)size) == 0) s = map_fd(fd, size);
    if (!s) {
        int err = errno;
        close(fd);
        errno = err;
    }
    return s;
}

lab_shared *lab_shared_open_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return NULL;
    if (st.st_size <= 0) { errno = EINVAL; return NULL; }
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return NULL;
    lab_shared *s = map_fd(own, (size_t)st.st_size);
    if (!s) {
        int err = errno;
        close(own);
        errno = err;
    }
    return s;
}

lab_shared *lab_shared_ref(lab_shared *s)
{
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void lab_shared_unref(lab_shared *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    munmap(s->data, s->size);
    close(s->fd);
    free(s);
}

void *lab_shared_data(const lab_shared *s) { return s->data; }
size_t lab_shared_size(const lab_shared *s) { return s->size; }
int lab_shared_fd(const lab_shared *s) { return s->fd; }
int32_t *lab_shared_int32(const lab_shared *s) { return s->data; }

/* ---- counting, per thread ------------------------------------------------------- */

enum {
    C_ADD, C_SUB, C_AND, C_OR, C_XOR, C_EXCHANGE, C_CMPXCHG, C_LOAD, C_STORE,
    C_WAITS, C_WAIT_OK, C_WAIT_NE, C_WAIT_TO, C_NOTIFIES, C_WOKEN, C_N
};

/* One block per thread.  Only its thread writes it (load + store, no
 * read-modify-write: nothing to contend); lab_atomics_counts() reads all
 * blocks under the registry lock.  A finishing thread adds its block to
 * `retired` (a pthread key destructor) and frees it. */
typedef struct counters {
    _Atomic uint64_t n[C_N];
    struct counters *prev, *next;
} counters;

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static counters *threads;
static uint64_t retired[C_N];
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static __thread counters *mine;

static void retire(void *p)
{
    counters *c = p;
    pthread_mutex_lock(&registry);
    for (int i = 0; i < C_N; i++) retired[i] += atomic_load(&c->n[i]);
    if (c->prev) c->prev->next = c->next; else threads = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&registry);
    free(c);
}

static void make_key(void) { pthread_key_create(&key, retire); }

static counters *enlist(void)
{
    pthread_once(&key_once, make_key);
    counters *c = lab_xcalloc(1, sizeof *c);
    pthread_mutex_lock(&registry);
    c->next = threads;
    if (threads) threads->prev = c;
    threads = c;
    pthread_mutex_unlock(&registry);
    pthread_setspecific(key, c);
    return mine = c;
}

static void bump(int which, uint64_t by)
{
    counters *c = mine ? mine : enlist();
    uint64_t v = atomic_load_explicit(&c->n[which], memory_order_relaxed);
    atomic_store_explicit(&c->n[which], v + by, memory_order_relaxed);
}

lab_atomics_count lab_atomics_counts(void)
{
    uint64_t n[C_N];
    pthread_mutex_lock(&registry);
    memcpy(n, retired, sizeof n);
    for (counters *c = threads; c; c = c->next)
        for (int i = 0; i < C_N; i++) n[i] += atomic_load_explicit(&c->n[i], memory_order_relaxed);
    pthread_mutex_unlock(&registry);
    return (lab_atomics_count){
        .add = n[C_ADD], .sub = n[C_SUB], .and_ = n[C_AND], .or_ = n[C_OR], .xor_ = n[C_XOR],
        .exchange = n[C_EXCHANGE], .compare_exchange = n[C_CMPXCHG], .load = n[C_LOAD],
        .store = n[C_STORE], .waits = n[C_WAITS], .wait_ok = n[C_WAIT_OK],
        .wait_not_equal = n[C_WAIT_NE], .wait_timed_out = n[C_WAIT_TO],
        .notifies = n[C_NOTIFIES], .woken = n[C_WOKEN],
    };
}

void lab_atomics_report(const char *label)
{
    lab_ev *e = lab_ev_new(LAB_EV(ATOMICS));
    if (!e) return;
    lab_atomics_count c = lab_atomics_counts();
    if (label) lab_ev_str(e, "label", label);
    lab_ev_int(e, "add", (int64_t)c.add);
    lab_ev_int(e, "sub", (int64_t)c.sub);
    lab_ev_int(e, "and", (int64_t)c.and_);
    lab_ev_int(e, "or", (int64_t)c.or_);
    lab_ev_int(e, "xor", (int64_t)c.xor_);
    lab_ev_int(e, "exchange", (int64_t)c.exchange);
    lab_ev_int(e, "compare_exchange", (int64_t)c.compare_exchange);
    lab_ev_int(e, "load", (int64_t)c.load);
    lab_ev_int(e, "store", (int64_t)c.store);
    lab_ev_int(e, "waits", (int64_t)c.waits);
    lab_ev_int(e, "wait_ok", (int64_t)c.wait_ok);
    lab_ev_int(e, "wait_not_equal", (int64_t)c.wait_not_equal);
    lab_ev_int(e, "wait_timed_out", (int64_t)c.wait_timed_out);
    lab_ev_int(e, "notifies", (int64_t)c.notifies);
    lab_ev_int(e, "woken", (int64_t)c.woken);
    lab_ev_emit(e);
}

/* ---- the atomics ------------------------------------------------------------------ */

/* C11 atomics want an _Atomic object; an int32_t in a SharedArrayBuffer
 * is a plain one.  GCC and Clang give _Atomic int32_t the same size and
 * alignment, so the cast is how every C runtime does it. */
#define A(cell) ((_Atomic int32_t *)(cell))

/* doc:atomics-add */
int32_t lab_atomics_add(int32_t *cell, int32_t v) { bump(C_ADD, 1); return atomic_fetch_add(A(cell), v); }
/* end doc:atomics-add */
int32_t lab_atomics_sub(int32_t *cell, int32_t v) { bump(C_SUB, 1); return atomic_fetch_sub(A(cell), v); }
int32_t lab_atomics_and(int32_t *cell, int32_t v) { bump(C_AND, 1); return atomic_fetch_and(A(cell), v); }
int32_t lab_atomics_or(int32_t *cell, int32_t v) { bump(C_OR, 1); return atomic_fetch_or(A(cell), v); }
int32_t lab_atomics_xor(int32_t *cell, int32_t v) { bump(C_XOR, 1); return atomic_fetch_xor(A(cell), v); }
int32_t lab_atomics_exchange(int32_t *cell, int32_t v) { bump(C_EXCHANGE, 1); return atomic_exchange(A(cell), v); }

int32_t lab_atomics_compare_exchange(int32_t *cell, int32_t expected, int32_t replacement)
{
    bump(C_CMPXCHG, 1);
    atomic_compare_exchange_strong(A(cell), &expected, replacement);
    return expected;           /* on failure it was updated to the old value */
}

int32_t lab_atomics_load(const int32_t *cell) { bump(C_LOAD, 1); return atomic_load(A(cell)); }

int32_t lab_atomics_store(int32_t *cell, int32_t v)
{
    bump(C_STORE, 1);
    atomic_store(A(cell), v);
    return v;
}

/* ---- wait and notify ------------------------------------------------------------- */

static long futex(int32_t *cell, int op, int32_t val, const struct timespec *abs)
{
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a
     * wait interrupted and restarted does not start its timeout again. */
    return syscall(SYS_futex, cell, op, val, abs, NULL, FUTEX_BITSET_MATCH_ANY);
}

static lab_wait_result counted(lab_wait_result r)
{
    bump(r == LAB_WAIT_OK ? C_WAIT_OK : r == LAB_WAIT_NOT_EQUAL ? C_WAIT_NE : C_WAIT_TO, 1);
    return r;
}

lab_wait_result lab_atomics_wait(int32_t *cell, int32_t expected, double timeout_ms)
{
    bump(C_WAITS, 1);
    if (isnan(timeout_ms)) timeout_ms = INFINITY;          /* Node's rules */
    if (timeout_ms < 0) timeout_ms = 0;
    struct timespec deadline, *abs = NULL;
    if (isfinite(timeout_ms)) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        double ns = deadline.tv_nsec + fmod(timeout_ms, 1000.0) * 1e6;
        deadline.tv_sec += (time_t)(timeout_ms / 1000.0) + (time_t)(ns / 1e9);
        deadline.tv_nsec = (long)fmod(ns, 1e9);
        abs = &deadline;
    }
    for (bool first = true;; first = false) {
        /* doc:futex-wait-result */
        if (futex(cell, FUTEX_WAIT_BITSET, expected, abs) == 0) return counted(LAB_WAIT_OK);
        if (errno == ETIMEDOUT) return counted(LAB_WAIT_TIMED_OUT);
        if (errno == EAGAIN)   /* the kernel saw another value */
            return counted(first ? LAB_WAIT_NOT_EQUAL : LAB_WAIT_OK);
        /* end doc:futex-wait-result */
        if (errno != EINTR) return counted(LAB_WAIT_TIMED_OUT);   /* EFAULT... */
    }
}

const char *lab_wait_result_name(lab_wait_result r)
{
    return r == LAB_WAIT_OK ? "ok" : r == LAB_WAIT_NOT_EQUAL ? "not-equal" : "timed-out";
}

int lab_atomics_notify(int32_t *cell, int count)
{
    bump(C_NOTIFIES, 1);
    if (count == 0) return 0;
    long woken = futex(cell, FUTEX_WAKE, count < 0 ? INT32_MAX : count, NULL);
    if (woken < 0) woken = 0;
    bump(C_WOKEN, (uint64_t)woken);
    return (int)woken;
}
