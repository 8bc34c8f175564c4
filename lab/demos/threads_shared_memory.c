/*
 * threads_shared_memory.c — demo `threads.shared-memory`: what sharing
 * memory between threads costs and what it takes to get it right.
 *
 * One round runs these stages one after another, each with real worker
 * threads (worker.h) and one shared region (shared.h, a
 * SharedArrayBuffer):
 *
 *   plain       N threads each add 1 to one counter, `increments` times,
 *               as `ia[0]++` does: a load, then a store.  Two threads
 *               load the same value, both store value+1: one update is
 *               lost.  `lost` counts them (expected − final).
 *   atomic      the same with Atomics.add (lab_atomics_add): the load, the
 *               add and the store are one indivisible instruction.  Exact.
 *   mutex       the same with a lock around `(*cell)++`.  Exact, and the
 *               slowest: every increment takes and gives back the lock.
 *   per-thread  each thread counts in a variable of its own and adds its
 *               total once at the end.  Exact, and the fastest: nothing is
 *               shared until the end.
 *   ping-pong   two threads take turns on one cell with Atomics.wait and
 *               Atomics.notify (a futex): round trips per second, and what
 *               the waits returned ("ok", "not-equal").
 *   no-copy     two threads read the same bytes: the region's address as
 *               each thread sees it, and a checksum of it — the same
 *               memory, nothing copied, only a few bytes of messages.
 *
 * Every stage starts its threads at once: they sleep in Atomics.wait on a
 * "go" cell until the main thread has seen every one online, stores 1 and
 * notifies them all (a wait/notify barrier).  A futex wakes its sleepers
 * one after another, tens of microseconds apart, and a thread that counts
 * to a few million is done in a few milliseconds: woken alone, the first
 * could finish before the last is running, and plain would lose nothing
 * (the race is real, it just never got the chance).  So the counting
 * stages add a start line after the barrier: each thread checks in on a
 * "ready" cell and spins until all have, then all count at once.  Each
 * count event says how long the threads' counting overlapped in time
 * (`overlap_ms`): 0, one after the other, and nothing can be lost.  More
 * than 0 is no proof of two cores: on a busy machine the scheduler may
 * run both on one core, taking turns, and a turn almost never ends
 * between a load and its store.
 */
#define _GNU_SOURCE
#include "threads_demo.h"
#include "events.h"
#include "shared.h"
#include "telemetry.h"
#include "worker.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PLAIN, ATOMIC, MUTEX, PER_THREAD, PING_PONG, NO_COPY, STAGES };
static const char *const stage_name[STAGES] = {
    "plain", "atomic", "mutex", "per-thread", "ping-pong", "no-copy"
};
/* The region's int32 cells (the bytes for no-copy come after them). */
enum { CELL_COUNTER, CELL_GO, CELL_PING, CELL_READY, CELLS = 16 };

typedef struct shm_demo shm_demo;

/* What a worker reports when its part is done. */
typedef struct {
    int stage, index;
    uint64_t us;               /* from "go" to done, its own wall clock */
    uint64_t start_us, end_us; /* counting stages: when it counted (lab_clock_us) */
    int waits[3];              /* its Atomics.wait results, by lab_wait_result */
    uintptr_t addr;            /* no-copy: where it saw the bytes */
    uint64_t sum;              /* no-copy: their checksum */
} result;

/* workerData (by pointer): the stage, and everything it shares. */
typedef struct {
    shm_demo *s;
    int stage, index, of;      /* thread `index` of `of` */
} part;

struct shm_demo {
    lab_demo *d;
    lab_loop *loop;
    lab_shared *region;
    int32_t *cells;
    pthread_mutex_t lock;
    int stage, threads, online, running, round, rounds_done;
    int64_t increments, rounds;
    part parts[16];
    result results[16];
    uint64_t go_us;
    unsigned chosen;           /* the stages to run, a bit per stage */
    bool again;
    cJSON *counts;             /* this round's count events, for the summary */
    double pingpong_per_s;
};

/* ---- the workers -------------------------------------------------------------- */

/* The barrier: sleep until the main thread says go (Atomics.wait). */
static lab_wait_result wait_for_go(shm_demo *s)
{
    return lab_atomics_wait(&s->cells[CELL_GO], 0, INFINITY);
}

/* The start line: check in, then spin until every thread has.  Spinning,
 * not sleeping, so that all of them leave it within a few nanoseconds of
 * the last arrival.  With more threads than cores a spinner could hold
 * the core a latecomer needs, so after a while it yields its turn. */
static void start_line(shm_demo *s, int threads)
{
    int32_t *ready = &s->cells[CELL_READY];
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (unsigned spins = 0; __atomic_load_n(ready, __ATOMIC_ACQUIRE) < threads; spins++) {
        if (spins > 100000) sched_yield();
        else lab_cpu_relax();
    }
}

static void count(shm_demo *s, int stage, int64_t n)
{
    int32_t *cell = &s->cells[CELL_COUNTER];
    if (stage == PLAIN) {
        /* `counter++` as two steps, a load and a store, each a *relaxed*
         * C11 atomic.  Why not a plain `(*cell)++`?  The compiler, allowed
         * to assume no other thread writes the cell, would keep it in a
         * register and store once at the end (n increments folded into
         * one add), and a data race on a plain int is undefined behaviour
         * in C.  Why not `volatile`?  It would stop the folding too, but
         * the race would still be undefined behaviour.  A relaxed load and
         * a relaxed store compile to the very `mov` instructions of an
         * unsynchronised `ia[0]++`, one per increment, and are defined:
         * each is whole.  The pair is not one step, so two threads can
         * both load 41 and both store 42, and one update is lost. */
        for (int64_t i = 0; i < n; i++) {
            int32_t v = __atomic_load_n(cell, __ATOMIC_RELAXED);   /* load */
            __atomic_store_n(cell, v + 1, __ATOMIC_RELAXED);        /* store */
        }
    } else if (stage == ATOMIC) {
        for (int64_t i = 0; i < n; i++) lab_atomics_add(cell, 1);
    } else if (stage == MUTEX) {
        for (int64_t i = 0; i < n; i++) {
            pthread_mutex_lock(&s->lock);
            (*cell)++;
            pthread_mutex_unlock(&s->lock);
        }
    } else {
        int32_t mine = 0;
        for (int64_t i = 0; i < n; i++) {
            mine++;
            __asm__ volatile("" : "+r"(mine));   /* count them one by one */
        }
        lab_atomics_add(cell, mine);
    }
}

/* Ping-pong: thread 0 serves (cell 0 → 1, then waits while it is 1),
 * thread 1 returns (waits while 0, then 1 → 0). */
static void ping_pong(shm_demo *s, int index, int64_t rounds, result *r)
{
    int32_t *cell = &s->cells[CELL_PING];
    int32_t mine = index == 0 ? 0 : 1, theirs = 1 - mine;
    for (int64_t i = 0; i < rounds; i++) {
        while (lab_atomics_load(cell) != mine) r->waits[lab_atomics_wait(cell, theirs, INFINITY)]++;
        lab_atomics_store(cell, theirs);
        lab_atomics_notify(cell, 1);
    }
}

static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;        /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211u;
    return h;
}

static int part_main(lab_worker *self, lab_loop *loop)
{
    part *p = (part *)lab_worker_data(self, NULL);
    shm_demo *s = p->s;
    result r = { .stage = p->stage, .index = p->index };
    r.waits[wait_for_go(s)]++;
    uint64_t t0 = lab_clock_us();
    if (p->stage == PING_PONG) {
        ping_pong(s, p->index, lab_demo_int(s->d, "pingpong_rounds"), &r);
    } else if (p->stage == NO_COPY) {
        unsigned char *bytes = (unsigned char *)(s->cells + CELLS);
        r.addr = (uintptr_t)bytes;
        r.sum = checksum(bytes, lab_shared_size(s->region) - CELLS * sizeof(int32_t));
    } else {
        start_line(s, p->of);
        r.start_us = lab_clock_us();
        count(s, p->stage, s->increments);
        r.end_us = lab_clock_us();
    }
    r.us = lab_clock_us() - t0;
    lab_port_post(lab_worker_parent_port(self), &r, sizeof r);
    return 0;
}

/* ---- the main thread -------------------------------------------------------- */

static void start_stage(shm_demo *s);

/* `stages`: a comma-separated list of stage names, "" for all of them.
 * Returns a bit per stage, 0 if a name is unknown. */
static unsigned parse_stages(const char *text)
{
    if (!text || !*text) return (1u << STAGES) - 1;
    unsigned bits = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        int k = 0;
        while (k < STAGES && !(strlen(stage_name[k]) == n && strncmp(p, stage_name[k], n) == 0)) k++;
        if (k == STAGES) return 0;
        bits |= 1u << k;
        p += n + (p[n] == ',');
    }
    return bits;
}

static const char *check_stages(const char *text)
{
    return parse_stages(text) ? NULL
         : "stages must be a list of plain, atomic, mutex, per-thread, ping-pong, no-copy";
}

/* The first chosen stage from `from` on (STAGES: none is left). */
static int next_stage(const shm_demo *s, int from)
{
    while (from < STAGES && !(s->chosen & (1u << from))) from++;
    return from;
}

static void on_part_online(lab_worker *w)
{
    shm_demo *s = lab_worker_user_data(w);
    if (++s->online < s->running) return;
    /* Every thread is there: go.  Some may not be asleep yet; they will
     * find go == 1 and not sleep at all ("not-equal"). */
    s->go_us = lab_clock_us();
    lab_atomics_store(&s->cells[CELL_GO], 1);
    lab_atomics_notify(&s->cells[CELL_GO], -1);
}

static void on_part_result(lab_worker *w, const lab_message *m)
{
    shm_demo *s = lab_worker_user_data(w);
    result r;
    if (m->data.len != sizeof r) return;
    memcpy(&r, m->data.data, sizeof r);
    if (r.index >= 0 && r.index < 16) s->results[r.index] = r;
}

static void wait_counts(const shm_demo *s, int n, int out[3])
{
    out[0] = out[1] = out[2] = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) out[k] += s->results[i].waits[k];
}

/* How long every thread was counting at once: from the last one's start
 * to the first one's end (0 if one finished before another began). */
static double overlap_ms(const shm_demo *s)
{
    uint64_t last_start = 0, first_end = UINT64_MAX;
    for (int i = 0; i < s->threads; i++) {
        if (s->results[i].start_us > last_start) last_start = s->results[i].start_us;
        if (s->results[i].end_us < first_end) first_end = s->results[i].end_us;
    }
    return first_end > last_start ? (double)(first_end - last_start) / 1000.0 : 0.0;
}

static void report_count(shm_demo *s, double ms)
{
    int64_t expected = s->increments * s->threads;
    int32_t final = lab_atomics_load(&s->cells[CELL_COUNTER]);
    double overlap = overlap_ms(s);
    lab_ev *e = lab_ev_new("count");
    lab_ev_str(e, "mode", stage_name[s->stage]);
    lab_ev_int(e, "round", s->round);
    lab_ev_int(e, "threads", s->threads);
    lab_ev_int(e, "increments", s->increments);
    lab_ev_int(e, "expected", expected);
    lab_ev_int(e, "final", final);
    lab_ev_int(e, "lost", expected - final);
    lab_ev_bool(e, "exact", final == expected);
    lab_ev_num(e, "ms", ms);
    lab_ev_num(e, "overlap_ms", overlap);
    lab_ev_emit(e);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "mode", stage_name[s->stage]);
    cJSON_AddNumberToObject(c, "expected", (double)expected);
    cJSON_AddNumberToObject(c, "final", final);
    cJSON_AddNumberToObject(c, "lost", (double)(expected - final));
    cJSON_AddNumberToObject(c, "ms", ms);
    cJSON_AddNumberToObject(c, "overlap_ms", overlap);
    cJSON_AddItemToArray(s->counts, c);
}

static void report_ping_pong(shm_demo *s, double ms)
{
    int w[3];
    wait_counts(s, 2, w);
    int64_t rounds = lab_demo_int(s->d, "pingpong_rounds");
    s->pingpong_per_s = ms > 0 ? (double)rounds * 1000.0 / ms : 0;
    /* What Atomics.wait returns when it does not sleep, or sleeps too
     * long, shown on the main thread (where Node forbids it). */
    int32_t probe = 7;
    lab_wait_result ne = lab_atomics_wait(&probe, 8, INFINITY);
    lab_wait_result to = lab_atomics_wait(&probe, 7, 5);
    lab_ev *e = lab_ev_new("pingpong");
    lab_ev_int(e, "round", s->round);
    lab_ev_int(e, "round_trips", rounds);
    lab_ev_num(e, "per_s", s->pingpong_per_s);
    lab_ev_num(e, "ms", ms);
    lab_ev_int(e, "wait_ok", w[LAB_WAIT_OK]);
    lab_ev_int(e, "wait_not_equal", w[LAB_WAIT_NOT_EQUAL]);
    lab_ev_int(e, "wait_timed_out", w[LAB_WAIT_TIMED_OUT]);
    lab_ev_str(e, "probe_not_equal", lab_wait_result_name(ne));
    lab_ev_str(e, "probe_timed_out", lab_wait_result_name(to));
    lab_ev_int(e, "final_cell", lab_atomics_load(&s->cells[CELL_PING]));
    lab_ev_emit(e);
}

static void report_no_copy(shm_demo *s)
{
    size_t bytes = lab_shared_size(s->region) - CELLS * sizeof(int32_t);
    const result *a = &s->results[0], *b = &s->results[1];
    uint64_t mine = checksum((const unsigned char *)(s->cells + CELLS), bytes);
    lab_ev *e = lab_ev_new("nocopy");
    lab_ev_int(e, "round", s->round);
    lab_ev_int(e, "bytes", (int64_t)bytes);
    lab_ev_bool(e, "same_address", a->addr == b->addr && a->addr == (uintptr_t)(s->cells + CELLS));
    lab_ev_bool(e, "same_sum", a->sum == b->sum && a->sum == mine);
    lab_ev_int(e, "message_bytes", 2 * (int64_t)sizeof(result));
    lab_ev_num(e, "read_ms_1", (double)a->us / 1000.0);
    lab_ev_num(e, "read_ms_2", (double)b->us / 1000.0);
    lab_ev_emit(e);
}

static void end_round(shm_demo *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "round", s->round);
    lab_ev_int(e, "threads", s->threads);
    lab_ev_int(e, "increments", s->increments);
    lab_ev_int(e, "expected", s->increments * s->threads);
    lab_ev_json(e, "counts", s->counts);
    lab_ev_num(e, "pingpong_per_s", s->pingpong_per_s);
    lab_ev_emit(e);
    s->counts = NULL;
    s->rounds_done++;
    lab_atomics_report("threads.shared-memory");
}

static void on_part_exit(lab_worker *w, int code)
{
    shm_demo *s = lab_worker_user_data(w);
    if (--s->running > 0) return;
    double ms = (double)(lab_clock_us() - s->go_us) / 1000.0;
    if (s->stage <= PER_THREAD) report_count(s, ms);
    else if (s->stage == PING_PONG) report_ping_pong(s, ms);
    else report_no_copy(s);
    /* The duration's end lets the running stage finish, then stops. */
    if ((s->stage = next_stage(s, s->stage + 1)) < STAGES && !s->d->expired) {
        start_stage(s);
        return;
    }
    end_round(s);
    bool more = s->again || s->rounds == 0 || s->rounds_done < s->rounds;
    if (more && !s->d->expired) {
        s->again = false;
        s->stage = next_stage(s, 0);
        start_stage(s);
    } else {
        lab_demo_deadline_cancel(s->d);
    }
}

static void start_stage(shm_demo *s)
{
    if (s->stage == next_stage(s, 0)) {
        /* A round takes the parameters as they are now (live keys). */
        s->threads = (int)lab_demo_int(s->d, "threads");
        s->increments = lab_demo_int(s->d, "increments");
        s->round++;
        s->counts = cJSON_CreateArray();
    }
    int n = s->stage == PING_PONG || s->stage == NO_COPY ? 2 : s->threads;
    lab_atomics_store(&s->cells[CELL_COUNTER], 0);
    lab_atomics_store(&s->cells[CELL_GO], 0);
    lab_atomics_store(&s->cells[CELL_PING], 0);
    lab_atomics_store(&s->cells[CELL_READY], 0);
    memset(s->results, 0, sizeof s->results);
    s->online = 0;
    s->running = n;
    lab_ev *e = lab_ev_new("stage");
    lab_ev_str(e, "mode", stage_name[s->stage]);
    lab_ev_int(e, "round", s->round);
    lab_ev_int(e, "threads", n);
    lab_ev_emit(e);
    for (int i = 0; i < n; i++) {
        s->parts[i] = (part){ .s = s, .stage = s->stage, .index = i, .of = n };
        char name[32];
        snprintf(name, sizeof name, "%s-%d", stage_name[s->stage], i + 1);
        lab_worker_options o = { .name = name, .main = part_main, .worker_data = &s->parts[i],
                                 .on_online = on_part_online, .on_message = on_part_result,
                                 .on_exit = on_part_exit, .data = s };
        if (!lab_worker_new(s->loop, &o)) {
            fprintf(stderr, "threads.shared-memory: could not start thread %d of %d\n", i + 1, n);
            exit(1);
        }
    }
}

static void set_int(lab_demo *d, const char *key, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)v);
    lab_demo_set(d, key, text);        /* out of range: refused, unchanged */
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    shm_demo *s = d->data;
    int64_t t = lab_demo_int(d, "threads"), n = lab_demo_int(d, "increments");
    if (strcmp(cmd, "more-threads") == 0) set_int(d, "threads", t + 1);
    else if (strcmp(cmd, "fewer-threads") == 0) set_int(d, "threads", t - 1);
    else if (strcmp(cmd, "more-increments") == 0) set_int(d, "increments", n * 2);
    else if (strcmp(cmd, "fewer-increments") == 0) set_int(d, "increments", n / 2);
    else if (strcmp(cmd, "again") == 0) s->again = true;
}

static void on_deadline(lab_demo *d) { (void)d; /* on_part_exit reads d->expired */ }

static int run(lab_demo *d)
{
    shm_demo s = { .d = d, .rounds = lab_demo_int(d, "rounds"),
                   .chosen = parse_stages(lab_demo_str(d, "stages")) };
    d->data = &s;
    size_t bytes = (size_t)lab_demo_int(d, "share_kib") * 1024;
    s.loop = lab_loop_new();
    s.region = lab_shared_new(CELLS * sizeof(int32_t) + bytes);
    lab_demo_announce(d);
    if (!s.loop || !s.region) {
        perror("threads.shared-memory: shared region");
        return 1;
    }
    s.cells = lab_shared_int32(s.region);
    unsigned char *p = (unsigned char *)(s.cells + CELLS);
    for (size_t i = 0; i < bytes; i++) p[i] = (unsigned char)(i * 131 + 7);
    pthread_mutex_init(&s.lock, NULL);
    lab_demo_listen(d, s.loop, NULL, on_command);
    lab_demo_deadline(d, s.loop, on_deadline);
    s.stage = next_stage(&s, 0);
    start_stage(&s);
    lab_loop_run(s.loop);
    cJSON_Delete(s.counts);
    pthread_mutex_destroy(&s.lock);
    lab_shared_unref(s.region);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_threads_shared_memory = {
    .name = "threads.shared-memory",
    .chapter = 5,
    .summary = "one counter, many threads: plain (updates lost), atomic, mutex, per-thread; wait/notify; no-copy reads",
    .shows = "count events: plain's final below expected and its lost count, the other three exact, "
             "each with its time; pingpong: round trips/s through Atomics.wait/notify; nocopy: two "
             "threads see the same address and checksum, nothing copied",
    .duration_s = 60,
    .params = {
        { "threads", LAB_PARAM_INT, 2, 2, 16, NULL, "threads", "threads on the one counter", true },
        { "increments", LAB_PARAM_INT, 20000000, 1, 100000000, NULL, "per thread",
          "how many times each thread adds 1 (enough for the threads to overlap)", true },
        { "pingpong_rounds", LAB_PARAM_INT, 20000, 1, 10000000, NULL, "round trips",
          "wait/notify turns between two threads", false },
        { "share_kib", LAB_PARAM_INT, 16384, 1, 1048576, NULL, "KiB",
          "bytes both no-copy threads read", false },
        { "rounds", LAB_PARAM_INT, 1, 0, 1000, NULL, "rounds",
          "how many times to run every stage (0: until the duration ends)", false },
        { "stages", LAB_PARAM_STR, 0, 0, 0, "", "list",
          "which stages to run: plain,atomic,mutex,per-thread,ping-pong,no-copy (default all)",
          false, check_stages },
    },
    .keys = {
        { '>', "more-threads", "threads +1" },
        { '<', "fewer-threads", "threads -1" },
        { 'u', "more-increments", "increments x2" },
        { 'd', "fewer-increments", "increments /2" },
        { 'r', "again", "run again" },
    },
    .lab_sets = { "rounds=0" },
    .run = run,
};
