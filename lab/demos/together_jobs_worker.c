/*
 * together_jobs_worker.c — together.jobs' two other kinds of process (see
 * together_jobs.c for the whole picture): the HTTP worker, which answers
 * /cheap itself and sends /heavy to the primary as a job, and the job
 * child, which counts primes (or crashes, or hangs, when the job asks).
 */
#include "cluster_demo.h"
#include "mem.h"
#include "together_jobs.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

const char *const jobs_kinds[] = { "ok", "crash", "crash-once", "hang", "hang-once", NULL };

static bool kind_known(const char *k)
{
    for (int i = 0; jobs_kinds[i]; i++)
        if (strcmp(jobs_kinds[i], k) == 0) return true;
    return false;
}

/* ==== the job child ================================================================= */

/* The heavy work: primes up to n, by trial division.  Real CPU, and an
 * answer anyone can check (there are 17984 primes up to 200000). */
static uint64_t count_primes(uint64_t n)
{
    uint64_t found = 0;
    for (uint64_t i = 2; i <= n; i++) {
        bool prime = true;
        for (uint64_t k = 2; k * k <= i; k++)
            if (i % k == 0) { prime = false; break; }
        found += prime;
    }
    return found;
}

/* A real crash, not a polite exit: the default action for the signal (a
 * sanitizer's handler would turn it into a report and exit 1), and no
 * core file left behind in the user's directory. */
static void crash(int sig)
{
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    signal(sig, SIG_DFL);
    if (sig == SIGABRT) abort();
    /* A store into a page the process may only read: the MMU refuses it
     * and the kernel sends SIGSEGV, as for any wild pointer (a NULL one
     * would do the same, but it is undefined behaviour the sanitizers
     * report before the fault). */
    volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED) *page = 1;
    raise(sig);                        /* (if the store did not fault) */
}

static void child_message(lab_ipc *ch, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "kind"));
    int attempt = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "attempt"));
    double n = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "n"));
    if (!kind) kind = "ok";
    if (strcmp(kind, "crash") == 0 || (strcmp(kind, "crash-once") == 0 && attempt == 1))
        crash(strcmp(kind, "crash") == 0 ? SIGABRT : SIGSEGV);
    if (strcmp(kind, "hang") == 0 || (strcmp(kind, "hang-once") == 0 && attempt == 1))
        for (volatile uint64_t spin = 0;; spin++) { }   /* never answers */
    /* The child's own loop is blocked while it counts: that is fine, it
     * has nothing else to do.  The worker's loop is not. */
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "id", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(msg, "id"), true));
    cJSON_AddNumberToObject(out, "primes", (double)count_primes(n > 0 ? (uint64_t)n : 0));
    lab_ipc_send(ch, out, NULL, NULL);
    cJSON_Delete(out);
}

int jobs_child_main(void *arg)
{
    lab_loop *loop = lab_loop_new();
    lab_ipc *ch = lab_ipc_from_env(loop);
    if (!ch) return 70;
    ch->on_message = child_message;
    lab_loop_run(loop);                /* until the pool closes the channel */
    lab_loop_free(loop);
    return 0;
}

/* ==== the worker ==================================================================== */

/* A heavy request waiting for its job's answer. */
typedef struct pending {
    uint64_t ref;
    lab_http_out *res;         /* NULL: the client went away */
    struct pending *next;
} pending;

static lab_cluster_self *self;
static pending *waiting;
static uint64_t next_ref;
static char my_pid[16];

static void reply(lab_http_out *res, int status, const char *body)
{
    lab_http_set_status(res, status);
    lab_http_set_header(res, "X-Worker-Pid", my_pid);
    lab_http_set_header(res, "Content-Type", "text/plain");
    lab_http_end(res, body, strlen(body), NULL, NULL);
}

static void client_gone(lab_http_out *res, const char *code)
{
    pending *p = res->data;
    p->res = NULL;                     /* the answer, when it comes, is dropped */
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    char body[200], n_text[24], kind[24];
    if (cluster_demo_path_is(req->url, "/cheap")) {
        snprintf(body, sizeof body, "cheap (worker %d, pid %s)\n", lab_cluster_worker_id(), my_pid);
        reply(res, 200, body);
        return;
    }
    if (!cluster_demo_path_is(req->url, "/heavy")) {
        reply(res, 404, "not found: try /cheap or /heavy?n=200000\n");
        return;
    }
    cluster_demo_query(req->url, "n", n_text, sizeof n_text);
    cluster_demo_query(req->url, "kind", kind, sizeof kind);
    char *end;
    long long n = strtoll(n_text, &end, 10);
    if (!kind[0]) snprintf(kind, sizeof kind, "ok");
    if (!n_text[0] || *end || n < 1 || n > JOBS_MAX_N || !kind_known(kind)) {
        snprintf(body, sizeof body, "bad request: n must be 1..%d, kind one of ok, crash, "
                 "crash-once, hang, hang-once\n", JOBS_MAX_N);
        reply(res, 400, body);
        return;
    }
    pending *p = lab_xcalloc(1, sizeof *p);
    p->ref = ++next_ref;
    p->res = res;
    p->next = waiting;
    waiting = p;
    res->data = p;
    res->on_close = client_gone;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "job", (double)p->ref);
    cJSON_AddNumberToObject(m, "n", (double)n);
    cJSON_AddStringToObject(m, "kind", kind);
    lab_cluster_self_send(self, m, NULL, NULL);
    cJSON_Delete(m);
}

/* The primary's answer for one of our jobs. */
static void worker_message(lab_cluster_self *s, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(msg, "job");
    if (!cJSON_IsNumber(job)) return;
    pending **pp = &waiting, *p;
    while ((p = *pp) && p->ref != (uint64_t)job->valuedouble) pp = &p->next;
    if (!p) return;
    *pp = p->next;
    lab_http_out *res = p->res;
    free(p);
    if (!res) return;
    res->on_close = NULL;
    char body[200], child[16];
    int attempts = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "attempts"));
    snprintf(child, sizeof child, "%d",
             (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "child_pid")));
    lab_http_set_header(res, "X-Child-Pid", child);
    const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "why"));
    if (why) {
        /* 500: the job killed its child twice; 504: it never finished;
         * 503: the pool is stopping. */
        int status = strcmp(why, "timeout") == 0 ? 504 : strcmp(why, "crash") == 0 ? 500 : 503;
        snprintf(body, sizeof body, "job failed: %s, %d attempt%s (worker %d)\n", why, attempts,
                 attempts == 1 ? "" : "s", lab_cluster_worker_id());
        reply(res, status, body);
        return;
    }
    snprintf(body, sizeof body, "%.0f primes (child %s, attempt %d, worker %d)\n",
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "primes")), child,
             attempts, lab_cluster_worker_id());
    reply(res, 200, body);
}

static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status < 0) lab_loop_stop(srv->loop);
}

int jobs_worker_main(void *arg)
{
    const jobs_cfg *c = arg;
    lab_loop *loop = lab_loop_new();
    self = lab_cluster_self_open(loop);
    if (!self) return 70;
    self->on_message = worker_message;
    snprintf(my_pid, sizeof my_pid, "%d", (int)getpid());
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", c->port, on_request, on_listening) < 0)
        return 1;
    srv.no_request_events = true;      /* the stats say how many */
    lab_cluster_self_stats(self, 500);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}
