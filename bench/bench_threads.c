/*
 * bench_threads.c — the C side of bench/threads.sh.
 *
 *   bench-threads counter MODE N   2 threads each add 1 to one shared
 *                                  counter N times; MODE atomic
 *                                  (lab_atomics_add), mutex (a lock around
 *                                  ++) or per-thread (a local sum, added
 *                                  once at the end); prints ms from the
 *                                  start signal to both threads' end
 *   bench-threads post SIZE N MODE the main thread posts N messages of SIZE
 *                                  bytes to a worker, MODE copy
 *                                  (lab_worker_post_chunk) or transfer
 *                                  (a fresh buffer each, lab_worker_transfer);
 *                                  prints ms from the first post to the
 *                                  worker's last acknowledgement
 *
 * Both follow the scripts in bench/threads/ step for step.  Flow control as there:
 * the worker acknowledges every ACK_EVERY messages and at most WINDOW are
 * unacknowledged, so a slow receiver cannot make the mailbox grow without
 * bound.  Telemetry is off: this measures the runtime, not the reporting.
 */
#include "port.h"
#include "shared.h"
#include "worker.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- counter ------------------------------------------------------------------- */

enum { ATOMIC, MUTEX, PER_THREAD };

static struct {
    int mode;
    long n;
    int32_t counter, go, ready;
    pthread_mutex_t lock;
} C = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *count(void *arg)
{
    (void)arg;
    lab_atomics_add(&C.ready, 1);
    lab_atomics_wait(&C.go, 0, INFINITY);      /* both start together */
    if (C.mode == ATOMIC) {
        for (long i = 0; i < C.n; i++) lab_atomics_add(&C.counter, 1);
    } else if (C.mode == MUTEX) {
        for (long i = 0; i < C.n; i++) {
            pthread_mutex_lock(&C.lock);
            C.counter++;
            pthread_mutex_unlock(&C.lock);
        }
    } else {
        int32_t mine = 0;
        for (long i = 0; i < C.n; i++) {
            mine++;
            __asm__ volatile("" : "+r"(mine));  /* one add per turn, as the others */
        }
        lab_atomics_add(&C.counter, mine);
    }
    return NULL;
}

static int run_counter(const char *mode, long n)
{
    C.mode = !strcmp(mode, "atomic") ? ATOMIC : !strcmp(mode, "mutex") ? MUTEX
           : !strcmp(mode, "per-thread") ? PER_THREAD : -1;
    if (C.mode < 0) { fprintf(stderr, "bench-threads: counter MODE: atomic, mutex or per-thread\n"); return 2; }
    C.n = n;
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, count, NULL);
    while (lab_atomics_load(&C.ready) < 2) sched_yield();
    uint64_t t0 = lab_clock_us();
    /* A thread not yet asleep sees go = 1 and does not sleep at all. */
    lab_atomics_store(&C.go, 1);
    lab_atomics_notify(&C.go, -1);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    double ms = (double)(lab_clock_us() - t0) / 1000.0;
    if (C.counter != (int32_t)(2 * n)) { fprintf(stderr, "bench-threads: counted %d, wanted %ld\n", C.counter, 2 * n); return 1; }
    printf("%.3f\n", ms);
    return 0;
}

/* ---- post ------------------------------------------------------------------------ */

enum { ACK_EVERY = 16, WINDOW = 64 };

static struct {
    long n, sent, acked;
    size_t size;
    int transfer;
    lab_worker *w;
    lab_chunk copy;
    uint64_t t0;
    double ms;
} P;

/* The worker: counts, acknowledges every ACK_EVERY messages. */
static void got(lab_port *port, const lab_message *m)
{
    long *received = lab_port_data(port);
    if (++*received % ACK_EVERY == 0) lab_port_post(port, received, sizeof *received);
    if (*received == P.n) lab_port_close(port);
}

static int sink_main(lab_worker *self, lab_loop *loop)
{
    static long received;
    lab_port *port = lab_worker_parent_port(self);
    lab_port_set_quiet(port, true);
    lab_port_set_data(port, &received);
    return lab_port_on_message(port, loop, got);
}

static void pump(void)
{
    while (P.sent < P.n && P.sent - P.acked * ACK_EVERY < WINDOW) {
        int rc;
        if (P.transfer) {
            lab_chunk c = lab_chunk_alloc(P.size);
            rc = lab_worker_transfer(P.w, &c);
        } else {
            rc = lab_worker_post_chunk(P.w, &P.copy);
        }
        if (rc < 0) { fprintf(stderr, "bench-threads: post: %d\n", rc); exit(1); }
        P.sent++;
    }
}

static void on_ack(lab_worker *w, const lab_message *m)
{
    if (++P.acked * ACK_EVERY >= P.n) P.ms = (double)(lab_clock_us() - P.t0) / 1000.0;
    else pump();
}

static void on_online(lab_worker *w)
{
    P.t0 = lab_clock_us();
    pump();
}

static int run_post(long size, long n, const char *mode)
{
    if (size < 1 || n < ACK_EVERY || n % ACK_EVERY || (strcmp(mode, "copy") && strcmp(mode, "transfer"))) {
        fprintf(stderr, "bench-threads: post SIZE N copy|transfer (N a multiple of %d)\n", ACK_EVERY);
        return 2;
    }
    P.size = (size_t)size;
    P.n = n;
    P.transfer = !strcmp(mode, "transfer");
    if (!P.transfer) {
        P.copy = lab_chunk_alloc(P.size);
        memset((void *)P.copy.data, 'x', P.size);
    }
    lab_loop *loop = lab_loop_new();
    P.w = lab_worker_new(loop, &(lab_worker_options){ .name = "sink", .main = sink_main,
                                                      .on_online = on_online, .on_message = on_ack });
    if (!P.w) { perror("bench-threads: worker"); return 1; }
    lab_loop_run(loop);
    lab_loop_free(loop);
    if (!P.transfer) lab_chunk_release(&P.copy);
    if (P.acked * ACK_EVERY != P.n) { fprintf(stderr, "bench-threads: %ld acknowledged of %ld\n", P.acked * ACK_EVERY, P.n); return 1; }
    printf("%.3f\n", P.ms);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "counter")) return run_counter(argv[2], atol(argv[3]));
    if (argc == 5 && !strcmp(argv[1], "post")) return run_post(atol(argv[2]), atol(argv[3]), argv[4]);
    fprintf(stderr, "usage: bench-threads counter atomic|mutex|per-thread N\n"
                    "       bench-threads post SIZE N copy|transfer\n");
    return 2;
}
