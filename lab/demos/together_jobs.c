/*
 * together_jobs.c — demo `together.jobs`: clustered HTTP workers hand CPU
 * jobs to a pool of forked job children, and cheap requests keep
 * answering fast while the jobs run.
 *
 *   load generator ──/cheap──────▶ worker ─▶ answered at once
 *                  ──/heavy?n=N──▶ worker ─ipc─▶ primary ─ipc─▶ job child
 *                                    ◀──────────  answer  ◀──────────┘
 *
 * Who owns the pool: the primary.  A pool in every worker is what a Node
 * program gets if each worker calls child_process.fork() for itself, and
 * it goes wrong twice: W workers × C children is W·C CPU-bound processes
 * fighting for the same cores (with the workers themselves, which must stay
 * free to answer /cheap), and one worker's jobs queue behind its own
 * children while another worker's children idle.  One pool, sized to the
 * cores, behind one queue, is what a job queue in front of job processes
 * gives (Redis + BullMQ, or a queue table): every worker submits, any idle
 * child takes the next job.  The primary only passes small JSON messages
 * along ({"job":7,"n":200000} one way, {"job":7,"primes":17984} back), so
 * it stays as light as Node advises a primary to be; and the primary is
 * the process that already supervises children — the workers — so the job
 * children's crashes are handled in the same place.
 *
 * The worker answers:
 *   GET /cheap                      at once: "cheap (worker W, pid P)"
 *   GET /heavy?n=N[&kind=K]         the number of primes up to N, counted
 *                                   by trial division in a job child.  K:
 *                                   ok (default); crash (the child aborts
 *                                   every time: retried once, then 500);
 *                                   crash-once (SIGSEGV on the first try
 *                                   only: the retry answers 200); hang (an
 *                                   endless loop: killed at job_timeout_ms,
 *                                   retried, then 504); hang-once.
 * A bad n or kind is a 400 saying what is allowed.
 *
 * The load: one generator sends /cheap at cheap_rate, one sends `heavy`
 * ok jobs, and one per fault kind sends that many jobs of that kind; the
 * cheap load stops when the heavy ones are all answered.  Each class's
 * latency (p50, p99 over the last sample_ms, from the loop's clock) is a
 * `latency` event; the pool's queue and children a `job_pool` event.
 *
 * This file is the primary; the workers and the job children are in
 * together_jobs_worker.c, the pool in jobpool.c.
 */
#include "cluster_demo.h"
#include "events.h"
#include "grow.h"
#include "jobpool.h"
#include "telemetry.h"
#include "together_jobs.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ==== the primary =================================================================== */

enum { CHEAP, HEAVY, FAULT, NCLASSES };
static const char *const class_names[NCLASSES] = { "cheap", "heavy", "fault" };

#define MAX_GENS 64            /* the load's, and one per key pressed */

typedef struct {
    lab_loadgen *lg;
    int cls;
    const char *kind;
    char path[64];
} gen;

/* The latencies of one class since the last sample (the live view), and
 * the answers of every kind since the start. */
typedef struct {
    uint32_t *lat, *all;
    size_t n, cap, nall, all_cap;
    uint64_t status200, status500, status504, other, failed;
} lat_window;

typedef struct {
    cluster_demo k;
    jobs_cfg cfg;
    jobpool pool;
    bool pool_started;
    gen gens[MAX_GENS];
    int ngens;
    lat_window win[NCLASSES];
    lab_timer sampler;
    lab_signal sigterm, sigint;
    const char *ended_by;
    int64_t n;
    int64_t primes;            /* the answer for n (-1: none yet) */
    bool primes_agree;
} jobs_state;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile of sorted v (nearest rank). */
static uint64_t pct(const uint32_t *v, size_t n, double p)
{
    if (!n) return 0;
    size_t i = (size_t)(p / 100.0 * (double)n + 0.5);
    return v[i ? (i > n ? n : i) - 1 : 0];
}

/* Which class a generator's lg belongs to. */
static gen *gen_of(jobs_state *s, const lab_loadgen *lg)
{
    for (int i = 0; i < s->ngens; i++)
        if (s->gens[i].lg == lg) return &s->gens[i];
    return NULL;
}

static void on_response(lab_loadgen *lg, const lab_loadgen_result *r)
{
    jobs_state *s = lg->data;
    gen *g = gen_of(s, lg);
    if (!g) return;
    lat_window *w = &s->win[g->cls];
    if (r->status == 200) w->status200++;
    else if (r->status == 500) w->status500++;
    else if (r->status == 504) w->status504++;
    else if (r->status == 0) w->failed++;
    else w->other++;
    if (r->status == 0) return;
    w->lat = lab_grow_or_die(w->lat, &w->cap, w->n + 1, sizeof *w->lat, 256);
    w->all = lab_grow_or_die(w->all, &w->all_cap, w->nall + 1, sizeof *w->all, 256);
    w->lat[w->n++] = w->all[w->nall++] =
        r->latency_us > UINT32_MAX ? UINT32_MAX : (uint32_t)r->latency_us;
}

static void sample(lab_timer *t)
{
    jobs_state *s = t->data;
    lab_ev *e = lab_ev_new(LAB_EV(LATENCY));
    for (int c = 0; c < NCLASSES; c++) {
        lat_window *w = &s->win[c];
        if (w->n) qsort(w->lat, w->n, sizeof *w->lat, cmp_u32);
        char key[32];
        snprintf(key, sizeof key, "%s_n", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->n);
        snprintf(key, sizeof key, "%s_p50_us", class_names[c]);
        lab_ev_int(e, key, (int64_t)pct(w->lat, w->n, 50));
        snprintf(key, sizeof key, "%s_p99_us", class_names[c]);
        lab_ev_int(e, key, (int64_t)pct(w->lat, w->n, 99));
        w->n = 0;
    }
    lab_ev_emit(e);
    if (s->pool_started) jobpool_report(&s->pool);
}

/* ---- the end: load first, then the workers, then the pool ---------------------------- */

static void pool_stopped(jobpool *p)
{
    jobs_state *s = p->data;
    lab_timer_stop(&s->sampler);
    lab_demo_deadline_cancel(s->k.demo);
    lab_signal_stop(&s->sigterm);
    lab_signal_stop(&s->sigint);
}

static void cluster_stopped(cluster_demo *k)
{
    jobs_state *s = k->data;
    if (s->pool_started) jobpool_stop(&s->pool);
    else pool_stopped(&s->pool);
}

static bool gens_done(const jobs_state *s, bool heavy_only)
{
    for (int i = 0; i < s->ngens; i++)
        if ((!heavy_only || s->gens[i].cls != CHEAP) && !s->gens[i].lg->done) return false;
    return true;
}

static void wind_down(jobs_state *s, const char *why)
{
    if (!s->ended_by) s->ended_by = why;
    /* Jobs not started yet are answered 503 now; a running one gets a
     * moment to finish (the answer its client waits for), not its whole
     * timeout: a stop must not wait on a hung job. */
    if (s->pool_started) {
        uint64_t t = (uint64_t)lab_demo_int(s->k.demo, "job_timeout_ms");
        jobpool_drain(&s->pool, t < 1000 ? t : 1000);
    }
    for (int i = 0; i < s->ngens; i++)
        if (!s->gens[i].lg->done) lab_loadgen_stop(s->gens[i].lg);
    if (gens_done(s, false)) cluster_demo_stop(&s->k);
}

static void gen_done(lab_loadgen *lg)
{
    jobs_state *s = lg->data;
    lab_loadgen_report(lg);
    /* The cheap load runs as long as heavy jobs do: that is the test. */
    if (gens_done(s, true)) wind_down(s, s->ended_by ? s->ended_by : "requests");
}

static void on_signal(lab_signal *sig, int signum)
{
    wind_down(sig->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_deadline(lab_demo *d)
{
    jobs_state *s = ((cluster_demo *)d->data)->data;
    wind_down(s, "duration");
}

static gen *add_gen(jobs_state *s, int cls, const char *kind, int connections, uint64_t requests,
                    double rate)
{
    if (s->ngens == MAX_GENS) return NULL;
    gen *g = &s->gens[s->ngens];
    g->cls = cls;
    g->kind = kind;
    if (cls == CHEAP) snprintf(g->path, sizeof g->path, "/cheap");
    else snprintf(g->path, sizeof g->path, "/heavy?n=%lld&kind=%s", (long long)s->n, kind);
    lab_demo *d = s->k.demo;
    uint64_t timeout = 2 * (uint64_t)lab_demo_int(d, "job_timeout_ms") + 30000;
    lab_loadgen_options o = {
        .path = g->path, .connections = connections, .requests = requests,
        .duration_ms = d->duration_ms ? d->duration_ms : 60000, .rate = rate,
        .timeout_ms = timeout, .on_response = on_response, .on_done = gen_done, .data = s,
    };
    g->lg = cluster_demo_load(&s->k, &o);
    if (!g->lg) return NULL;
    s->ngens++;
    return g;
}

static void fault(jobs_state *s, const char *kind, const char *param)
{
    int64_t n = lab_demo_int(s->k.demo, param);
    if (n > 0) add_gen(s, FAULT, kind, 1, (uint64_t)n, 0);
}

/* A key in the lab: one more job of a failing kind, now. */
static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    jobs_state *s = ((cluster_demo *)d->data)->data;
    if (s->ended_by || !s->ngens) return;
    for (int i = 1; jobs_kinds[i]; i++)
        if (strcmp(cmd, jobs_kinds[i]) == 0) add_gen(s, FAULT, jobs_kinds[i], 1, 1, 0);
}

static void on_ready(cluster_demo *k)
{
    jobs_state *s = k->data;
    lab_demo *d = k->demo;
    if (s->ngens || s->ended_by) return;   /* (a respawned worker listening again) */
    add_gen(s, CHEAP, "cheap", (int)lab_demo_int(d, "cheap_connections"), 0,
            (double)lab_demo_int(d, "cheap_rate"));
    if (lab_demo_int(d, "heavy") > 0)
        add_gen(s, HEAVY, "ok", (int)lab_demo_int(d, "heavy_connections"),
                (uint64_t)lab_demo_int(d, "heavy"), 0);
    fault(s, "crash", "crash");
    fault(s, "crash-once", "crash_once");
    fault(s, "hang", "hang");
    fault(s, "hang-once", "hang_once");
    if (gens_done(s, true)) wind_down(s, "requests");   /* no heavy load at all */
}

/* A worker submits a job: {"job":REF,"n":N,"kind":K}. */
static void k_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    jobs_state *s = ((cluster_demo *)w->cluster->data)->data;
    if (fd >= 0) close(fd);
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(msg, "job");
    if (!cJSON_IsNumber(ref)) return;
    cJSON *job = cJSON_CreateObject();
    cJSON_AddItemToObject(job, "n", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(msg, "n"), true));
    cJSON_AddItemToObject(job, "kind", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(msg, "kind"), true));
    jobpool_submit(&s->pool, w->id, (uint64_t)ref->valuedouble, job);
}

/* The answer goes back to the worker that asked, if it is still there. */
static void answer_worker(jobs_state *s, const jobpool_job *j, cJSON *m)
{
    lab_cluster_worker *w = s->k.cl ? lab_cluster_find(s->k.cl, j->from) : NULL;
    cJSON_AddNumberToObject(m, "job", (double)j->ref);
    cJSON_AddNumberToObject(m, "attempts", j->attempt);
    cJSON_AddNumberToObject(m, "child_pid", j->child);
    if (w && lab_cluster_worker_is_connected(w)) lab_cluster_worker_send(w, m, NULL, NULL);
    cJSON_Delete(m);
}

static void job_done(jobpool *p, const jobpool_job *j, cJSON *msg)
{
    jobs_state *s = p->data;
    double primes = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "primes"));
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j->msg, "n");
    if (cJSON_IsNumber(n) && (int64_t)n->valuedouble == s->n) {
        if (s->primes < 0) s->primes = (int64_t)primes;
        else if (s->primes != (int64_t)primes) s->primes_agree = false;
    }
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "primes", primes);
    answer_worker(s, j, m);
}

static void job_failed(jobpool *p, const jobpool_job *j, const char *why)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "why", why);
    answer_worker(p->data, j, m);
}

/* ---- the summary ----------------------------------------------------------------------------- */

static void summary(jobs_state *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    uint64_t p50[NCLASSES] = { 0 }, p99[NCLASSES] = { 0 };
    for (int c = 0; c < NCLASSES; c++) {
        lat_window *w = &s->win[c];
        if (w->nall) qsort(w->all, w->nall, sizeof *w->all, cmp_u32);
        p50[c] = pct(w->all, w->nall, 50);
        p99[c] = pct(w->all, w->nall, 99);
        char key[40];
        snprintf(key, sizeof key, "%s_ok", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->status200);
        snprintf(key, sizeof key, "%s_500", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->status500);
        snprintf(key, sizeof key, "%s_504", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->status504);
        snprintf(key, sizeof key, "%s_other", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->other);
        snprintf(key, sizeof key, "%s_failed", class_names[c]);
        lab_ev_int(e, key, (int64_t)w->failed);
        snprintf(key, sizeof key, "%s_p50_us", class_names[c]);
        lab_ev_int(e, key, (int64_t)p50[c]);
        snprintf(key, sizeof key, "%s_p99_us", class_names[c]);
        lab_ev_int(e, key, (int64_t)p99[c]);
    }
    uint64_t sent[NCLASSES] = { 0 };
    for (int i = 0; i < s->ngens; i++) sent[s->gens[i].cls] += s->gens[i].lg->sent;
    lab_ev_int(e, "cheap_sent", (int64_t)sent[CHEAP]);
    lab_ev_int(e, "heavy_sent", (int64_t)sent[HEAVY]);
    lab_ev_int(e, "fault_sent", (int64_t)sent[FAULT]);
    /* Measured, not promised: on a machine busy enough, it can be false. */
    if (s->win[CHEAP].status200 && s->win[HEAVY].status200)
        lab_ev_bool(e, "cheap_p99_below_heavy_p50", p99[CHEAP] < p50[HEAVY]);
    else
        lab_ev_null(e, "cheap_p99_below_heavy_p50");
    lab_ev_int(e, "jobs", (int64_t)s->pool.submitted);
    lab_ev_int(e, "jobs_done", (int64_t)s->pool.done);
    lab_ev_int(e, "jobs_failed", (int64_t)s->pool.failed);
    lab_ev_int(e, "retries", (int64_t)s->pool.retried);
    lab_ev_int(e, "crashes", (int64_t)s->pool.crashes);
    lab_ev_int(e, "timeouts", (int64_t)s->pool.timeouts);
    lab_ev_int(e, "replacements", (int64_t)s->pool.replaced);
    lab_ev_int(e, "children", s->pool.opts.children);
    cJSON *pids = cJSON_CreateArray();
    for (size_t i = 0; i < s->pool.npids; i++) cJSON_AddItemToArray(pids, cJSON_CreateNumber(s->pool.pids[i]));
    lab_ev_json(e, "child_pids", pids);
    lab_ev_int(e, "workers", s->k.workers);
    lab_ev_int(e, "n", s->n);
    if (s->primes >= 0) lab_ev_int(e, "primes", s->primes);
    else lab_ev_null(e, "primes");
    lab_ev_bool(e, "primes_agree", s->primes_agree);
    lab_ev_str(e, "ended_by", s->ended_by ? s->ended_by : "error");
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    jobs_state s = { .n = lab_demo_int(d, "n"), .primes = -1, .primes_agree = true };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.cfg.port = (int)lab_demo_int(d, "port");
    s.k.worker_main = jobs_worker_main;
    s.k.worker_arg = &s.cfg;
    s.k.on_ready = on_ready;
    s.k.on_stopped = cluster_stopped;
    s.k.extra.on_message = k_message;
    lab_timer_init(loop, &s.sampler);
    s.sampler.data = &s;
    jobpool_options po = {
        .children = (int)lab_demo_int(d, "children"),
        .timeout_ms = (uint64_t)lab_demo_int(d, "job_timeout_ms"),
        .main = jobs_child_main, .on_done = job_done, .on_failed = job_failed,
        .on_stopped = pool_stopped, .data = &s,
    };
    /* The pool first: the workers fork from a primary that has its
     * children already, and none of the workers inherits them. */
    s.pool_started = jobpool_start(&s.pool, loop, &po);
    if (!s.pool_started) {
        snprintf(s.k.fatal, sizeof s.k.fatal, "cannot fork the job children");
    } else if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, true)) {
        lab_signal_init(loop, &s.sigterm);
        lab_signal_init(loop, &s.sigint);
        s.sigterm.data = s.sigint.data = &s;
        lab_signal_start(&s.sigterm, on_signal, SIGTERM);
        lab_signal_start(&s.sigint, on_signal, SIGINT);
        lab_signal_unref(&s.sigterm);
        lab_signal_unref(&s.sigint);
        lab_demo_deadline(d, loop, on_deadline);
        lab_demo_listen(d, loop, NULL, on_command);
        uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
        lab_timer_start(&s.sampler, sample, every, every);
        lab_timer_unref(&s.sampler);
        lab_loop_run(loop);
        sample(&s.sampler);
        summary(&s);
    }
    for (int i = 0; i < s.ngens; i++) lab_loadgen_free(s.gens[i].lg);
    for (int c = 0; c < NCLASSES; c++) { free(s.win[c].lat); free(s.win[c].all); }
    jobpool_free(&s.pool);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_together_jobs = {
    .name = "together.jobs",
    .chapter = 6,
    .summary = "clustered workers hand CPU jobs to a pool of forked children; cheap requests stay fast",
    .shows = "latency events: cheap and heavy p50/p99 every sample_ms; job_pool: the queue and each "
             "child's PID, job and counts; job events per job (queued, start, done, crash, timeout, "
             "retry, failed); a crashed or hung child replaced (job_child, a new PID) and its job "
             "retried once; the summary: answers per class, retries, failures, replacements and "
             "whether cheap p99 stayed below heavy p50",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "HTTP worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "children", LAB_PARAM_INT, 2, 1, JOBPOOL_MAX_CHILDREN, NULL, "processes",
          "job children in the pool (one queue for every worker)", false },
        { "n", LAB_PARAM_INT, 200000, 1, JOBS_MAX_N, NULL, "n",
          "a heavy job counts the primes up to n by trial division (200000: a few tens of ms of CPU)", false },
        { "heavy", LAB_PARAM_INT, 40, 0, 100000, NULL, "requests",
          "heavy requests (/heavy?n=N) the load sends", false },
        { "heavy_connections", LAB_PARAM_INT, 4, 1, 256, NULL, "connections",
          "heavy requests in flight at once", false },
        { "cheap_rate", LAB_PARAM_INT, 200, 0, 100000, NULL, "req/s",
          "/cheap requests per second while heavy ones run (0: flat out)", false },
        { "cheap_connections", LAB_PARAM_INT, 4, 1, 256, NULL, "connections",
          "cheap requests in flight at once", false },
        { "crash", LAB_PARAM_INT, 1, 0, 100, NULL, "jobs",
          "jobs whose child aborts every time: retried once, then 500", false },
        { "crash_once", LAB_PARAM_INT, 1, 0, 100, NULL, "jobs",
          "jobs whose child segfaults on the first try only: the retry answers", false },
        { "hang", LAB_PARAM_INT, 1, 0, 100, NULL, "jobs",
          "jobs that never finish: killed at job_timeout_ms, retried, then 504", false },
        { "hang_once", LAB_PARAM_INT, 0, 0, 100, NULL, "jobs",
          "jobs that hang on the first try only", false },
        { "job_timeout_ms", LAB_PARAM_INT, 5000, 100, 600000, NULL, "ms",
          "a job running longer has its child killed (SIGKILL)", false },
        { "sample_ms", LAB_PARAM_INT, 500, 50, 10000, NULL, "ms",
          "a latency and a job_pool event this often", false },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port to serve (0: a free one, named in each listening event)", false },
    },
    .keys = {
        { 'c', "crash-once", "send a job that crashes its child once", "crash once" },
        { 'x', "crash", "send a job that crashes every child", "crash" },
        { 'h', "hang", "send a job that hangs (killed at job_timeout_ms)", "hang" },
    },
    /* In the lab: heavy load until the end, so that the keys have
     * something to interrupt. */
    .lab_sets = { "heavy=100000" },
    .run = run,
};
