/*
 * thread_worker.c — worker threads (see worker.h).  (Not worker.c: the
 * cluster has one, and both would be worker.o in one archive.)
 *
 * A lab_worker is shared by two threads, so its fields are in two groups:
 * the parent's (touched on the parent's loop only), the worker's (touched
 * on the worker's thread only), and a few atomics both read.  They meet
 * only through the channel between `parent_end` and `worker_end`, whose
 * mailboxes carry the user's messages and the runtime's own (online,
 * error, exit — port_impl.h) in one order.
 *
 * The thread's life (worker_thread):
 *   1. block every signal, take a threadId, make a loop;
 *   2. bind the worker's end of the channel (terminate() wakes it), post
 *      "online";
 *   3. run main(), then the loop until nothing is left or the worker ends
 *      itself (exit, fail, terminate);
 *   4. teardown(), close every port still bound on this thread, post
 *      "error" if it failed and "exit" with its code; free the loop.
 * The parent, on "exit", joins the thread, calls on_exit and frees.
 */
#define _GNU_SOURCE
#include "worker.h"
#include "errors.h"
#include "events.h"
#include "mem.h"
#include "port_impl.h"
#include "telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How a worker ended (the first reason wins). */
enum { RUNNING, ENDED_EXIT, ENDED_FAIL, ENDED_TERMINATE };

struct lab_worker {
    lab_worker_options opts;
    char name[32];
    int thread_id;
    pthread_t thread;
    lab_port *parent_end, *worker_end;
    void *data_copy;           /* workerData, when copied */

    /* The parent's. */
    lab_loop *loop;
    bool referenced, held;

    /* The worker's. */
    lab_loop *wloop;
    int ended, exit_code;
    char fail_code[64], fail_message[256];

    /* Both. */
    atomic_bool terminate_asked;
    /* The CPU time the thread used, taken as it ends: its clock is gone
     * once the parent has joined it (lab_worker_cpu_us). */
    _Atomic uint64_t final_cpu_us;
    atomic_bool finished;
};

static atomic_int next_thread_id = 1;
static __thread bool on_worker_thread;

bool lab_is_main_thread(void) { return !on_worker_thread; }

static uint64_t cpu_us_of(clockid_t cid)
{
    struct timespec ts;
    if (clock_gettime(cid, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void report(const lab_worker *w, const char *phase)
{
    lab_ev *e = lab_ev_new(LAB_EV(WORKER));
    lab_ev_int(e, "thread", w->thread_id);
    lab_ev_str(e, "name", w->name);
    lab_ev_str(e, "phase", phase);
    if (strcmp(phase, "online") == 0) lab_ev_int(e, "tid", (int64_t)syscall(SYS_gettid));
    if (strcmp(phase, "error") == 0) {
        lab_ev_str(e, "code", w->fail_code);
        lab_ev_str(e, "message", w->fail_message);
    }
    if (strcmp(phase, "exit") == 0) {
        lab_ev_int(e, "code", w->exit_code);
        lab_ev_num(e, "cpu_ms", (double)atomic_load(&w->final_cpu_us) / 1e3);
    }
    lab_ev_emit(e);
}

/* ---- the worker's thread --------------------------------------------------- */

/* Ends the worker for a reason; the first one counts. */
static void end(lab_worker *w, int why, int code)
{
    if (w->ended != RUNNING) return;
    w->ended = why;
    w->exit_code = code;
    /* Nothing the worker posts from now on reaches the parent, as nothing
     * runs after a throw or process.exit() in a Node worker. */
    lab_port_close(w->worker_end);
    lab_loop_stop(w->wloop);
}

void lab_worker_exit(lab_worker *self, int code) { end(self, ENDED_EXIT, code); }

void lab_worker_fail(lab_worker *self, const char *code, const char *fmt, ...)
{
    if (self->ended != RUNNING) return;
    snprintf(self->fail_code, sizeof self->fail_code, "%s", code ? code : "ERR_WORKER_FAILED");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->fail_message, sizeof self->fail_message, fmt, ap);
    va_end(ap);
    report(self, "error");
    end(self, ENDED_FAIL, 1);
}

bool lab_worker_terminating(const lab_worker *self)
{
    return atomic_load((atomic_bool *)&self->terminate_asked);
}

/* The worker's end of the channel woke: terminate() may have asked. */
static void worker_woken(lab_port *port)
{
    lab_worker *w = lab_port_data(port);
    if (atomic_load(&w->terminate_asked)) end(w, ENDED_TERMINATE, 1);
}

/* main() said no: a negative errno, or any other failure. */
static void main_failed(lab_worker *w, int rc)
{
    if (rc < 0 && lab_errno_name(-rc)[1] != '?')
        lab_worker_fail(w, lab_errno_name(-rc), "%s", strerror(-rc));
    else
        lab_worker_fail(w, "ERR_WORKER_MAIN", "main returned %d", rc);
}

/* The last messages: "error" (code NUL message NUL), then "exit". */
static void post_ending(lab_worker *w)
{
    if (w->ended == ENDED_FAIL) {
        size_t lc = strlen(w->fail_code) + 1, lm = strlen(w->fail_message) + 1;
        char both[sizeof w->fail_code + sizeof w->fail_message];
        memcpy(both, w->fail_code, lc);
        memcpy(both + lc, w->fail_message, lm);
        lab_port_post_sys(w->worker_end, LAB_SYS_ERROR, 0, both, lc + lm);
    }
    atomic_store(&w->final_cpu_us, cpu_us_of(CLOCK_THREAD_CPUTIME_ID));
    atomic_store(&w->finished, true);
    report(w, "exit");
    lab_port_post_sys(w->worker_end, LAB_SYS_EXIT, w->exit_code, NULL, 0);
}

static void *worker_thread(void *arg)
{
    lab_worker *w = arg;
    on_worker_thread = true;
    lab_thread_set_id(w->thread_id);
    w->wloop = lab_loop_new();
    lab_port_set_data(w->worker_end, w);
    if (!w->wloop || lab_port_bind(w->worker_end, w->wloop, worker_woken) < 0) {
        snprintf(w->fail_code, sizeof w->fail_code, "%s", lab_errno_name(errno ? errno : ENOMEM));
        snprintf(w->fail_message, sizeof w->fail_message, "the worker's loop could not start");
        w->ended = ENDED_FAIL;
        w->exit_code = 1;
    } else {
        report(w, "online");
        lab_port_post_sys(w->worker_end, LAB_SYS_ONLINE, (int)syscall(SYS_gettid), NULL, 0);
        worker_woken(w->worker_end);            /* terminated before it began? */
        if (w->ended == RUNNING) {
            int rc = w->opts.main(w, w->wloop);
            if (rc != 0) main_failed(w, rc);
        }
        worker_woken(w->worker_end);            /* asked while main ran? */
        if (w->ended == RUNNING) lab_loop_run(w->wloop);
        worker_woken(w->worker_end);            /* asked as the loop ran out? */
        if (w->opts.teardown) w->opts.teardown(w);
    }
    lab_port_close_thread_ports();
    post_ending(w);
    lab_loop_free(w->wloop);
    return NULL;
}

lab_port *lab_worker_parent_port(lab_worker *self) { return self->worker_end; }
lab_loop *lab_worker_loop(const lab_worker *self) { return self->wloop; }

const void *lab_worker_data(const lab_worker *self, size_t *len)
{
    if (len) *len = self->opts.worker_data_len;
    return self->data_copy ? self->data_copy : self->opts.worker_data;
}

/* ---- the parent's side ----------------------------------------------------- */

static void set_hold(lab_worker *w, bool want)
{
    if (want && !w->held) lab_loop_hold(w->loop);
    if (!want && w->held) lab_loop_release(w->loop);
    w->held = want;
}

static void worker_free(lab_worker *w)
{
    free(w->data_copy);
    free(w);
}

static void on_parent_message(lab_port *port, const lab_message *msg)
{
    lab_worker *w = lab_port_data(port);
    if (w->opts.on_message) w->opts.on_message(w, msg);
}

static void on_parent_sys(lab_port *port, int sys, int code, const lab_chunk *data)
{
    lab_worker *w = lab_port_data(port);
    if (sys == LAB_SYS_ONLINE) {
        if (w->opts.on_online) w->opts.on_online(w);
    } else if (sys == LAB_SYS_ERROR) {
        const char *c = data->data, *m = c + strlen(c) + 1;
        if (w->opts.on_error) w->opts.on_error(w, c, m);
    } else if (sys == LAB_SYS_EXIT) {
        pthread_join(w->thread, NULL);        /* its last act was this post */
        set_hold(w, false);
        lab_port_close(w->parent_end);
        if (w->opts.on_exit) w->opts.on_exit(w, code);
        worker_free(w);
    }
}

lab_worker *lab_worker_new(lab_loop *loop, const lab_worker_options *opts)
{
    if (!opts || !opts->main) { errno = EINVAL; return NULL; }
    lab_worker *w = lab_xcalloc(1, sizeof *w);
    w->opts = *opts;
    w->loop = loop;
    snprintf(w->name, sizeof w->name, "%s", opts->name ? opts->name : "worker");
    if (opts->worker_data_len > 0) {
        w->data_copy = lab_xmalloc(opts->worker_data_len);
        memcpy(w->data_copy, opts->worker_data, opts->worker_data_len);
    }
    int rc = lab_channel_new(&w->parent_end, &w->worker_end);
    if (rc < 0) { worker_free(w); errno = -rc; return NULL; }
    w->thread_id = atomic_fetch_add(&next_thread_id, 1);
    /* Telemetry names: the worker's mailbox is "NAME#ID", the parent's
     * side of the channel "parent#ID". */
    char pname[48];
    snprintf(pname, sizeof pname, "%s#%d", w->name, w->thread_id);
    lab_port_set_name(w->worker_end, pname);
    snprintf(pname, sizeof pname, "parent#%d", w->thread_id);
    lab_port_set_name(w->parent_end, pname);

    lab_port_set_data(w->parent_end, w);
    lab_port_on_sys(w->parent_end, on_parent_sys);
    lab_port_on_message(w->parent_end, loop, on_parent_message);
    lab_port_unref(w->parent_end);            /* the worker's hold is enough */
    set_hold(w, true);
    w->referenced = true;
    report(w, "spawn");

    /* The new thread blocks every signal from its first instruction: the
     * main thread's loop takes them through its signalfd. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&w->thread, NULL, worker_thread, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        set_hold(w, false);
        lab_port_close(w->worker_end);
        lab_port_close(w->parent_end);
        worker_free(w);
        errno = rc;
        return NULL;
    }
    return w;
}

int lab_worker_post(lab_worker *w, const void *data, size_t len)
{
    return lab_port_post(w->parent_end, data, len);
}

int lab_worker_post_chunk(lab_worker *w, const lab_chunk *c)
{
    return lab_port_post_chunk(w->parent_end, c);
}

int lab_worker_transfer(lab_worker *w, lab_chunk *c)
{
    return lab_port_transfer(w->parent_end, c);
}

void lab_worker_terminate(lab_worker *w)
{
    lab_worker_ref(w);
    atomic_store(&w->terminate_asked, true);
    lab_port_wake(w->worker_end);
}

void lab_worker_ref(lab_worker *w) { w->referenced = true; set_hold(w, true); }
void lab_worker_unref(lab_worker *w) { w->referenced = false; set_hold(w, false); }

int lab_worker_thread_id(const lab_worker *w) { return w->thread_id; }
const char *lab_worker_name(const lab_worker *w) { return w->name; }
void *lab_worker_user_data(const lab_worker *w) { return w->opts.data; }

uint64_t lab_worker_cpu_us(const lab_worker *w)
{
    clockid_t cid;
    if (atomic_load(&w->finished)) return atomic_load(&w->final_cpu_us);
    if (pthread_getcpuclockid(w->thread, &cid) != 0) return 0;
    return cpu_us_of(cid);
}
