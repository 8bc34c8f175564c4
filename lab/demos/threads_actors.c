/*
 * threads_actors.c — demo `threads.actors`: a pipeline of actor threads.
 *
 *   main ──ch0──▶ actor 1 ──ch1──▶ actor 2 ──ch2──▶ ... ──chN──▶ main
 *   (source)                                                   (sink)
 *
 * Each actor is a worker thread (worker.h) with its own loop.  It owns
 * two ports: the receiving end of the channel before it and the sending
 * end of the channel after it.  A message is a job {seq, value}; each
 * actor computes for work_us of its own CPU time, mixes its number into
 * value and passes the job on.  Nothing is shared: every variable is
 * written by one thread, so nothing is locked and no update can be lost —
 * the sink checks that every job arrived, in order, with the exact value.
 *
 * What it costs is visible too: a slow actor (slow=K: work_us ×
 * slow_factor) cannot keep up, and the jobs wait in *its* mailbox — the
 * `actors` events show each actor's depth (jobs handed to it and not yet
 * done), its messages per second and its thread's CPU.  Every actor's
 * thread computes at once: with more actors than one, more than one core
 * is busy (`cores`: CPU used by all the actors per second of wall clock).
 *
 * The end flows down the pipeline like a stream's end: the source closes
 * its port, each actor closes the next one once it has forwarded
 * everything (its on_close), and the sink's close ends the run.
 *
 * The configuration travels as messages too: each actor also listens on
 * its parentPort, where the main thread posts its new work_us when `slow`
 * changes — no actor reads a variable another thread writes.  (The gauges
 * are the one exception: each actor counts the jobs it finished in an
 * atomic counter that only it writes and the main thread reads for the
 * dashboard.)
 */
#include "threads_demo.h"
#include "events.h"
#include "port.h"
#include "telemetry.h"
#include "worker.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACTORS 8

typedef struct {
    uint64_t seq, value, sent_us;
} job;

/* What an actor's parentPort receives: its cost per job from now on. */
typedef struct {
    uint32_t work_us;
} actor_config;

typedef struct pipeline pipeline;

/* One actor.  in/out/work_us are read by the actor's thread when it
 * starts (workerData) and never written again by the main thread. */
typedef struct {
    pipeline *p;
    int index;                 /* 1..N */
    lab_port *in, *out;
    lab_worker *self;          /* the actor's own handle, on its thread */
    uint32_t work_us;
    uint64_t fail_at;          /* fail (an uncaught error) at this job */
    _Atomic uint64_t done;     /* jobs finished: written by the actor only */
    /* The main thread's own view. */
    lab_worker *w;
    bool exited;
    int exit_code, thread_id;
    uint64_t cpu_us, last_cpu_us, last_done, max_depth;
} actor;

struct pipeline {
    lab_demo *d;
    lab_loop *loop;
    int n;
    actor a[MAX_ACTORS];
    lab_port *source, *sink;
    uint64_t size, messages, sent, delivered, out_of_order, wrong;
    uint64_t next_seq;
    bool source_closed, terminated;
    int failed_actor;
    char fail_message[160];
    lab_timer pace, tick, drain;
    uint64_t started_us, last_tick_us, last_sent, last_delivered, paced_from_us, paced_sent;
    char *buf;                 /* one job, padded to size */
};

/* The value a job has after actor k: every actor mixes in its number. */
static uint64_t mix(uint64_t value, int k)
{
    return value * 6364136223846793005u + (uint64_t)k;
}

static uint64_t expected_value(uint64_t seq, int n)
{
    uint64_t v = seq;
    for (int k = 1; k <= n; k++) v = mix(v, k);
    return v;
}

/* ---- an actor (on its own thread) ------------------------------------------- */

static void actor_job(lab_port *in, const lab_message *m)
{
    actor *a = lab_port_data(in);
    lab_worker *self = a->self;
    job j;
    /* terminate() cannot interrupt C: a batch of jobs is one long
     * computation, so the actor looks before each job. */
    if (lab_worker_terminating(self)) return;
    memcpy(&j, m->data.data, sizeof j);
    thd_burn_cpu_us(a->work_us);
    j.value = mix(j.value, a->index);
    uint64_t done = atomic_load_explicit(&a->done, memory_order_relaxed) + 1;
    if (a->fail_at && done == a->fail_at) {
        lab_worker_fail(self, "ERR_ACTOR", "actor %d gave up at job %llu", a->index,
                        (unsigned long long)j.seq);
        return;
    }
    /* The job goes on as bytes: the next actor gets a copy of its own. */
    char *copy = (char *)m->data.data;
    memcpy(copy, &j, sizeof j);
    lab_port_post(a->out, copy, m->data.len);
    atomic_store_explicit(&a->done, done, memory_order_relaxed);
}

/* The channel before this actor closed: everything it carried has been
 * handled, so the end goes on down the pipeline. */
static void actor_in_closed(lab_port *in)
{
    actor *a = lab_port_data(in);
    lab_worker *self = a->self;
    lab_port_close(a->out);
    a->out = NULL;
    lab_port_close(lab_worker_parent_port(self));
}

/* However the actor ended (its input closed, a failure, terminate()), the
 * channel after it closes, so the end still reaches the sink.  (Its
 * started ports close with its loop; this one it only posted to.) */
static void actor_teardown(lab_worker *self)
{
    actor *a = (actor *)lab_worker_data(self, NULL);
    if (a->out) lab_port_close(a->out);
    a->out = NULL;
}

static void actor_configured(lab_port *parent, const lab_message *m)
{
    actor *a = lab_port_data(parent);
    actor_config c;
    if (m->data.len != sizeof c) return;
    memcpy(&c, m->data.data, sizeof c);
    a->work_us = c.work_us;
    lab_port_post(parent, &c, sizeof c);       /* "configured": an ack */
}

static int actor_main(lab_worker *self, lab_loop *loop)
{
    actor *a = (actor *)lab_worker_data(self, NULL);
    lab_port *parent = lab_worker_parent_port(self);
    lab_port_set_data(a->in, a);
    a->self = self;
    lab_port_set_data(parent, a);
    lab_port_set_quiet(a->in, true);
    lab_port_set_quiet(a->out, true);
    lab_port_on_close(a->in, actor_in_closed);
    int rc = lab_port_on_message(a->in, loop, actor_job);
    if (rc == 0) rc = lab_port_on_message(parent, loop, actor_configured);
    return rc;
}

/* ---- the main thread: source, sink, gauges ---------------------------------- */

static uint32_t work_of(const pipeline *p, int k)
{
    uint64_t w = (uint64_t)lab_demo_int(p->d, "work_us");
    if (lab_demo_int(p->d, "slow") == k) w *= (uint64_t)lab_demo_int(p->d, "slow_factor");
    return (uint32_t)w;
}

static void close_source(pipeline *p)
{
    if (p->source_closed) return;
    p->source_closed = true;
    lab_timer_stop(&p->pace);
    lab_port_close(p->source);
    lab_ev *e = lab_ev_new("source");
    lab_ev_str(e, "phase", "closed");
    lab_ev_int(e, "sent", (int64_t)p->sent);
    lab_ev_emit(e);
}

static void send_one(pipeline *p)
{
    job j = { .seq = p->next_seq, .value = p->next_seq, .sent_us = lab_clock_us() };
    memcpy(p->buf, &j, sizeof j);
    if (lab_port_post(p->source, p->buf, p->size) == 0) p->sent++;
    p->next_seq++;
}

/* The source: rate jobs per second (0: as fast as it can, in batches so
 * that the loop still hears keys and ticks). */
static void on_pace(lab_timer *t)
{
    pipeline *p = t->data;
    int64_t rate = lab_demo_int(p->d, "rate");
    uint64_t now = lab_clock_us(), want;
    if (rate == 0) want = p->sent + 1000;
    else want = p->paced_sent + (now - p->paced_from_us) * (uint64_t)rate / 1000000u;
    while (p->next_seq < want && p->next_seq < p->messages) send_one(p);
    if (p->next_seq >= p->messages) close_source(p);
}

static void on_sink(lab_port *port, const lab_message *m)
{
    pipeline *p = lab_port_data(port);
    job j;
    if (m->data.len < sizeof j) { p->wrong++; return; }
    memcpy(&j, m->data.data, sizeof j);
    if (j.seq != p->delivered) p->out_of_order++;
    if (j.value != expected_value(j.seq, p->n)) p->wrong++;
    p->delivered++;
}

/* The run is over when the sink's channel closed and every actor exited:
 * the timers go, and the loop ends. */
static void maybe_done(pipeline *p)
{
    for (int k = 0; k < p->n; k++)
        if (!p->a[k].exited) return;
    if (p->sink) return;
    lab_timer_stop(&p->tick);
    lab_timer_stop(&p->drain);
    lab_demo_deadline_cancel(p->d);
}

static void on_sink_closed(lab_port *port)
{
    pipeline *p = lab_port_data(port);
    p->sink = NULL;
    maybe_done(p);
}

/* A gauge sample: depth = jobs handed to the actor and not yet done (its
 * mailbox, plus the batch it took from it); rate and CPU since the last. */
static void on_tick(lab_timer *t)
{
    pipeline *p = t->data;
    uint64_t now = lab_clock_us(), dt = now - p->last_tick_us;
    if (dt == 0) return;
    cJSON *depth = cJSON_CreateArray(), *rate = cJSON_CreateArray();
    cJSON *cpu = cJSON_CreateArray(), *busy = cJSON_CreateArray();
    uint64_t upstream = p->sent, cpu_sum = 0;
    for (int k = 0; k < p->n; k++) {
        actor *a = &p->a[k];
        uint64_t done = atomic_load_explicit(&a->done, memory_order_relaxed);
        uint64_t d = upstream > done && !a->exited ? upstream - done : 0;
        if (d > a->max_depth) a->max_depth = d;
        if (!a->exited) a->cpu_us = lab_worker_cpu_us(a->w);
        uint64_t used = a->cpu_us - a->last_cpu_us;
        cpu_sum += used;
        cJSON_AddItemToArray(depth, cJSON_CreateNumber((double)d));
        cJSON_AddItemToArray(rate, cJSON_CreateNumber((double)(done - a->last_done) * 1e6 / (double)dt));
        cJSON_AddItemToArray(cpu, cJSON_CreateNumber((double)a->cpu_us / 1000.0));
        cJSON_AddItemToArray(busy, cJSON_CreateNumber(100.0 * (double)used / (double)dt));
        a->last_done = done;
        a->last_cpu_us = a->cpu_us;
        upstream = done;
    }
    lab_ev *e = lab_ev_new("actors");
    lab_ev_json(e, "depth", depth);
    lab_ev_json(e, "msgs_per_s", rate);
    lab_ev_json(e, "cpu_ms", cpu);
    lab_ev_json(e, "busy_pct", busy);
    lab_ev_num(e, "cores", (double)cpu_sum / (double)dt);
    lab_ev_num(e, "in_per_s", (double)(p->sent - p->last_sent) * 1e6 / (double)dt);
    lab_ev_num(e, "out_per_s", (double)(p->delivered - p->last_delivered) * 1e6 / (double)dt);
    lab_ev_int(e, "sent", (int64_t)p->sent);
    lab_ev_int(e, "delivered", (int64_t)p->delivered);
    lab_ev_emit(e);
    p->last_tick_us = now;
    p->last_sent = p->sent;
    p->last_delivered = p->delivered;
}

static void on_online(lab_worker *w)
{
    actor *a = lab_worker_user_data(w);
    a->thread_id = lab_worker_thread_id(w);
}

static void on_configured(lab_worker *w, const lab_message *m)
{
    actor *a = lab_worker_user_data(w);
    actor_config c;
    if (m->data.len != sizeof c) return;
    memcpy(&c, m->data.data, sizeof c);
    lab_ev *e = lab_ev_new("configured");
    lab_ev_int(e, "actor", a->index);
    lab_ev_int(e, "work_us", c.work_us);
    lab_ev_emit(e);
}

static void on_error(lab_worker *w, const char *code, const char *message)
{
    actor *a = lab_worker_user_data(w);
    a->p->failed_actor = a->index;
    snprintf(a->p->fail_message, sizeof a->p->fail_message, "%s: %s", code, message);
}

static void on_actor_exit(lab_worker *w, int code)
{
    actor *a = lab_worker_user_data(w);
    a->cpu_us = lab_worker_cpu_us(w);
    a->exited = true;
    a->exit_code = code;
    a->w = NULL;
    /* An actor that ended early (failed, terminated) closed its ports: the
     * jobs still in front of it are gone, so the source stops too. */
    if (!a->p->source_closed) close_source(a->p);
    maybe_done(a->p);
}

/* `slow` changed: each actor is told its new cost, by message. */
static void reconfigure(pipeline *p)
{
    for (int k = 0; k < p->n; k++) {
        if (p->a[k].exited) continue;
        actor_config c = { work_of(p, k + 1) };
        lab_worker_post(p->a[k].w, &c, sizeof c);
    }
}

static void on_set(lab_demo *d, const char *key)
{
    pipeline *p = d->data;
    if (strcmp(key, "slow") == 0 || strcmp(key, "slow_factor") == 0) reconfigure(p);
    if (strcmp(key, "rate") == 0) {
        p->paced_from_us = lab_clock_us();
        p->paced_sent = p->next_seq;
    }
}

static void set_int(lab_demo *d, const char *key, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)v);
    if (lab_demo_set(d, key, text) == NULL) on_set(d, key);
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    pipeline *p = d->data;
    int64_t rate = lab_demo_int(d, "rate");
    if (strcmp(cmd, "faster") == 0) set_int(d, "rate", rate ? rate * 2 : 0);
    else if (strcmp(cmd, "slower") == 0) set_int(d, "rate", rate > 1 ? rate / 2 : 1);
    else if (strcmp(cmd, "slow-next") == 0)
        set_int(d, "slow", (lab_demo_int(d, "slow") + 1) % (p->n + 1));
    else if (strcmp(cmd, "stop") == 0) close_source(p);
}

/* The deadline: stop sending and let the actors finish what they hold;
 * if that takes longer than drain_ms, terminate them. */
static void on_drain_timeout(lab_timer *t)
{
    pipeline *p = t->data;
    p->terminated = true;
    for (int k = 0; k < p->n; k++)
        if (!p->a[k].exited) lab_worker_terminate(p->a[k].w);
}

static void on_deadline(lab_demo *d)
{
    pipeline *p = d->data;
    close_source(p);
    lab_timer_start(&p->drain, on_drain_timeout, (uint64_t)lab_demo_int(d, "drain_ms"), 0);
}

static int start_actors(pipeline *p)
{
    lab_port *ends[MAX_ACTORS + 1][2];
    for (int k = 0; k <= p->n; k++)
        if (lab_channel_new(&ends[k][0], &ends[k][1]) < 0) return -1;
    p->source = ends[0][0];
    p->sink = ends[p->n][1];
    lab_port_set_quiet(p->source, true);
    lab_port_set_quiet(p->sink, true);
    lab_port_set_data(p->sink, p);
    lab_port_on_close(p->sink, on_sink_closed);
    lab_port_on_message(p->sink, p->loop, on_sink);
    for (int k = 0; k < p->n; k++) {
        actor *a = &p->a[k];
        *a = (actor){ .p = p, .index = k + 1, .in = ends[k][1], .out = ends[k + 1][0],
                      .work_us = work_of(p, k + 1) };
        if (k == p->n - 1) a->fail_at = (uint64_t)lab_demo_int(p->d, "fail_at");
        char name[32];
        snprintf(name, sizeof name, "actor-%d", k + 1);
        lab_worker_options o = { .name = name, .main = actor_main, .teardown = actor_teardown,
                                 .worker_data = a,
                                 .on_online = on_online, .on_message = on_configured,
                                 .on_error = on_error, .on_exit = on_actor_exit, .data = a };
        a->w = lab_worker_new(p->loop, &o);
        if (!a->w) return -1;
    }
    return 0;
}

static cJSON *per_actor(const pipeline *p, uint64_t (*field)(const actor *))
{
    cJSON *arr = cJSON_CreateArray();
    for (int k = 0; k < p->n; k++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)field(&p->a[k])));
    return arr;
}
static uint64_t f_done(const actor *a) { return atomic_load(&a->done); }
static uint64_t f_depth(const actor *a) { return a->max_depth; }
static uint64_t f_cpu(const actor *a) { return a->cpu_us / 1000; }
static uint64_t f_tid(const actor *a) { return (uint64_t)a->thread_id; }
static uint64_t f_code(const actor *a) { return (uint64_t)a->exit_code; }

static void summary(pipeline *p)
{
    uint64_t wall = lab_clock_us() - p->started_us, cpu = 0;
    int slowest = 0;
    for (int k = 0; k < p->n; k++) {
        cpu += p->a[k].cpu_us;
        if (p->a[k].max_depth > p->a[slowest].max_depth) slowest = k;
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "actors", p->n);
    lab_ev_int(e, "sent", (int64_t)p->sent);
    lab_ev_int(e, "delivered", (int64_t)p->delivered);
    lab_ev_bool(e, "complete", p->delivered == p->messages);
    lab_ev_bool(e, "in_order", p->out_of_order == 0);
    lab_ev_bool(e, "exact", p->wrong == 0);
    lab_ev_int(e, "out_of_order", (int64_t)p->out_of_order);
    lab_ev_int(e, "wrong", (int64_t)p->wrong);
    lab_ev_json(e, "processed", per_actor(p, f_done));
    lab_ev_json(e, "max_depth", per_actor(p, f_depth));
    lab_ev_json(e, "cpu_ms", per_actor(p, f_cpu));
    lab_ev_json(e, "thread_ids", per_actor(p, f_tid));
    lab_ev_json(e, "exit_codes", per_actor(p, f_code));
    lab_ev_int(e, "deepest_mailbox", p->a[slowest].max_depth ? slowest + 1 : 0);
    lab_ev_num(e, "msgs_per_s", wall ? (double)p->delivered * 1e6 / (double)wall : 0);
    lab_ev_num(e, "cores", wall ? (double)cpu / (double)wall : 0);
    lab_ev_bool(e, "terminated", p->terminated);
    if (p->failed_actor) {
        lab_ev_int(e, "failed_actor", p->failed_actor);
        lab_ev_str(e, "failure", p->fail_message);
    }
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    pipeline p = { .d = d, .n = (int)lab_demo_int(d, "actors"),
                   .size = (uint64_t)lab_demo_int(d, "size"),
                   .messages = (uint64_t)lab_demo_int(d, "messages") };
    d->data = &p;
    p.loop = lab_loop_new();
    p.buf = calloc(1, p.size);
    lab_demo_announce(d);
    if (!p.loop || !p.buf || start_actors(&p) < 0) {
        fprintf(stderr, "threads.actors: could not start %d actor threads\n", p.n);
        return 1;
    }
    lab_timer_init(p.loop, &p.pace);
    lab_timer_init(p.loop, &p.tick);
    lab_timer_init(p.loop, &p.drain);
    p.pace.data = p.tick.data = p.drain.data = &p;
    p.started_us = p.last_tick_us = p.paced_from_us = lab_clock_us();
    lab_timer_start(&p.pace, on_pace, 0, 5);
    lab_timer_start(&p.tick, on_tick, (uint64_t)lab_demo_int(d, "stats_ms"),
                    (uint64_t)lab_demo_int(d, "stats_ms"));
    lab_timer_unref(&p.tick);
    lab_demo_listen(d, p.loop, on_set, on_command);
    lab_demo_deadline(d, p.loop, on_deadline);
    lab_loop_run(p.loop);
    on_tick(&p.tick);
    summary(&p);
    free(p.buf);
    lab_loop_free(p.loop);
    return 0;
}

const lab_demo_def lab_demo_threads_actors = {
    .name = "threads.actors",
    .chapter = 5,
    .summary = "a pipeline of actor threads: no shared state, every job in order, the slow actor's mailbox fills",
    .shows = "actors events: depth (each mailbox), msgs_per_s and busy_pct per actor thread, cores in use; "
             "the slow actor's depth grows while the others stay near 0; summary: in_order and exact "
             "with no lock anywhere",
    .duration_s = 20,
    .params = {
        { "actors", LAB_PARAM_INT, 3, 1, MAX_ACTORS, NULL, "threads", "actor threads in the pipeline", false },
        { "messages", LAB_PARAM_INT, 20000, 1, 10000000, NULL, "jobs", "jobs the source sends in all", false },
        { "rate", LAB_PARAM_INT, 2000, 0, 1000000, NULL, "jobs/s",
          "the source's pace (0: as fast as it can)", true },
        { "work_us", LAB_PARAM_INT, 200, 0, 100000, NULL, "us",
          "CPU each actor spends on a job", false },
        { "slow", LAB_PARAM_INT, 2, 0, MAX_ACTORS, NULL, "actor",
          "this actor spends slow_factor times longer (0: none)", true },
        { "slow_factor", LAB_PARAM_INT, 4, 1, 100, NULL, "x", "how much slower the slow actor is", true },
        { "size", LAB_PARAM_INT, 64, (int64_t)sizeof(job), 1 << 20, NULL, "bytes", "bytes per message", false },
        { "fail_at", LAB_PARAM_INT, 0, 0, 10000000, NULL, "job",
          "the last actor fails (an uncaught error) at this job: error and exit 1, the rest goes on (0: never)",
          false },
        { "stats_ms", LAB_PARAM_INT, 250, 10, 10000, NULL, "ms", "how often the gauges are sampled", false },
        { "drain_ms", LAB_PARAM_INT, 3000, 0, 600000, NULL, "ms",
          "after the deadline, how long the actors may finish their mailboxes before terminate()", false },
    },
    .keys = {
        { '+', "faster", "source rate x2" },
        { '-', "slower", "source rate /2" },
        { 's', "slow-next", "slow the next actor" },
        { 'x', "stop", "close the source" },
    },
    .run = run,
};
