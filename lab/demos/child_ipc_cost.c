/*
 * child_ipc_cost.c — demo `child.ipc-cost`: the pitfalls of Chapter 4 in
 * numbers.
 *
 *   1. A busy loop delays the spawn.  A spawn is planned for "now" (a 0 ms
 *      timer), but the same callback then computes for busy_ms: the child
 *      starts only when the loop is free again.  spawn_delay_ms ~ busy_ms.
 *   2. Large messages cost.  For each size in `sizes`, `count` messages
 *      carrying that many bytes go to the worker and come back, one at a
 *      time.  The `size` events show what one message costs to serialise
 *      (cJSON_Print), to parse, and to travel there and back: all grow
 *      with the size.  Send ids, not documents.
 *   3. Memory per child.  The worker is a whole process: its resident size
 *      (`child_mem`) is paid again by every child you start.
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "fork.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SIZES 12

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_timer plan;
    uint64_t planned_us;
    double spawn_delay_ms;
    lab_process *worker;
    pid_t worker_pid;
    int64_t sizes[MAX_SIZES];
    int nsizes, size_i, sent;
    char *payload;             /* the current size's message text */
    size_t payload_len;
    double serialize_us, parse_us;
    uint64_t sent_us, rtt_total_us;
    double rtt_us[MAX_SIZES], ser_us[MAX_SIZES], par_us[MAX_SIZES];
    int64_t echoed[MAX_SIZES]; /* bytes of data the worker sent back (a fact, not a time) */
    long child_rss_kb;
} cost_state;

/* The parameter check: `nodelab demo` refuses a bad list before starting. */
static const char *check_sizes(const char *text)
{
    int64_t sizes[MAX_SIZES];
    return lab_demo_parse_sizes(text, sizes, MAX_SIZES) > 0 ? NULL
         : "sizes must be a list like 100,1k,1M (at most 12, each up to 64M)";
}

static long rss_kb(pid_t pid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

/* Builds the message for the current size and times its serialisation. */
static void prepare_size(cost_state *s)
{
    int64_t size = s->sizes[s->size_i];
    char *data = malloc((size_t)size + 1);
    memset(data, 'x', (size_t)size);
    data[size] = 0;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "cmd", "echo");
    cJSON_AddStringToObject(m, "data", data);
    free(data);
    /* Each timed `count` times: one run of a small message is below the
     * clock's resolution. */
    int count = (int)lab_demo_int(s->demo, "count");
    free(s->payload);
    uint64_t t0 = lab_clock_us();
    for (int i = 0; i < count; i++) {
        char *text = cJSON_PrintUnformatted(m);
        if (i + 1 < count) free(text); else s->payload = text;
    }
    s->serialize_us = (double)(lab_clock_us() - t0) / count;
    s->payload_len = strlen(s->payload);
    cJSON_Delete(m);
    t0 = lab_clock_us();
    for (int i = 0; i < count; i++) cJSON_Delete(cJSON_Parse(s->payload));
    s->parse_us = (double)(lab_clock_us() - t0) / count;
    s->sent = 0;
    s->rtt_total_us = 0;
}

static void send_one(cost_state *s)
{
    s->sent_us = lab_clock_us();
    lab_ipc_send_text(s->worker->ipc, s->payload, s->payload_len, NULL, NULL);
    s->sent++;
}

static void size_done(cost_state *s)
{
    int count = (int)lab_demo_int(s->demo, "count");
    double rtt = (double)s->rtt_total_us / count;
    s->rtt_us[s->size_i] = rtt;
    s->ser_us[s->size_i] = s->serialize_us;
    s->par_us[s->size_i] = s->parse_us;
    lab_ev *e = lab_ev_new("size");
    lab_ev_int(e, "bytes", s->sizes[s->size_i]);
    lab_ev_int(e, "message_bytes", (int64_t)s->payload_len + 1);
    lab_ev_int(e, "count", count);
    lab_ev_int(e, "echoed_bytes", s->echoed[s->size_i]);
    lab_ev_num(e, "serialize_us", s->serialize_us);
    lab_ev_num(e, "parse_us", s->parse_us);
    lab_ev_num(e, "roundtrip_us", rtt);
    lab_ev_num(e, "mb_per_s", rtt > 0 ? 2.0 * (double)s->payload_len / rtt : 0);
    lab_ev_emit(e);
}

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    cost_state *s = p->data;
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) {
        s->child_rss_kb = rss_kb(p->pid);
        lab_ev *e = lab_ev_new("child_mem");
        lab_ev_int(e, "child", p->pid);
        lab_ev_int(e, "rss_kb", s->child_rss_kb);
        lab_ev_emit(e);
        prepare_size(s);
        send_one(s);
        return;
    }
    /* The first round trip of each size is a warm-up, not timed: it pays
     * for page faults and cache misses that would swamp a small message. */
    if (s->sent > 1) s->rtt_total_us += lab_clock_us() - s->sent_us;
    /* The worker answers {"echo": the message}: what came back is counted,
     * so a test can tell the whole message crossed both ways. */
    cJSON *echo = cJSON_GetObjectItem(msg, "echo");
    const char *data = cJSON_GetStringValue(cJSON_GetObjectItem(echo, "data"));
    s->echoed[s->size_i] = data ? (int64_t)strlen(data) : -1;
    if (s->sent < lab_demo_int(s->demo, "count") + 1) { send_one(s); return; }
    size_done(s);
    if (++s->size_i < s->nsizes && !s->demo->expired) {
        prepare_size(s);
        send_one(s);
    } else {
        lab_ipc_disconnect(p->ipc);
    }
}

static void on_close(lab_process *p, int code, int sig) { ((cost_state *)p->data)->worker = NULL; }

static void spawn_now(lab_timer *t)
{
    cost_state *s = t->data;
    s->spawn_delay_ms = child_demo_ms_since(s->planned_us);
    char *argv[] = { (char *)child_demo_exe(), "__child", "worker", NULL };
    lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = s };
    child_demo_options(&o, CHILD_DEMO_FORK, false);     /* big bodies: no ipc events */
    s->worker = lab_fork(s->loop, child_demo_exe(), argv, &o);
    if (s->worker) s->worker_pid = s->worker->pid;
    lab_ev *e = lab_ev_new("spawned");
    lab_ev_num(e, "planned_in_ms", 0);
    lab_ev_num(e, "late_ms", s->spawn_delay_ms);
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d)
{
    cost_state *s = d->data;
    if (s->worker) lab_process_kill(s->worker, 0);
}

static int run(lab_demo *d)
{
    cost_state s = { .demo = d };
    d->data = &s;
    s.nsizes = lab_demo_parse_sizes(lab_demo_str(d, "sizes"), s.sizes, MAX_SIZES);   /* checked: check_sizes */
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);
    /* Pitfall 1: the spawn is planned for now, then the loop is kept busy. */
    lab_timer_init(s.loop, &s.plan);
    s.plan.data = &s;
    s.planned_us = lab_clock_us();
    lab_timer_start(&s.plan, spawn_now, 0, 0);
    lab_ev *e = lab_ev_new("busy");
    lab_ev_int(e, "ms", lab_demo_int(d, "busy_ms"));
    lab_ev_emit(e);
    lab_demo_burn_cpu((uint64_t)lab_demo_int(d, "busy_ms"));
    lab_loop_run(s.loop);

    e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_num(e, "spawn_delay_ms", s.spawn_delay_ms);
    lab_ev_int(e, "busy_ms", lab_demo_int(d, "busy_ms"));
    cJSON *sizes = cJSON_CreateArray(), *rtt = cJSON_CreateArray();
    cJSON *ser = cJSON_CreateArray(), *par = cJSON_CreateArray();
    cJSON *echoed = cJSON_CreateArray();
    for (int i = 0; i < s.size_i && i < s.nsizes; i++) {
        cJSON_AddItemToArray(sizes, cJSON_CreateNumber((double)s.sizes[i]));
        cJSON_AddItemToArray(rtt, cJSON_CreateNumber(s.rtt_us[i]));
        cJSON_AddItemToArray(ser, cJSON_CreateNumber(s.ser_us[i]));
        cJSON_AddItemToArray(par, cJSON_CreateNumber(s.par_us[i]));
        cJSON_AddItemToArray(echoed, cJSON_CreateNumber((double)s.echoed[i]));
    }
    lab_ev_json(e, "sizes", sizes);
    lab_ev_json(e, "roundtrip_us", rtt);
    lab_ev_json(e, "serialize_us", ser);
    lab_ev_json(e, "parse_us", par);
    lab_ev_json(e, "echoed_bytes", echoed);
    lab_ev_int(e, "child_rss_kb", s.child_rss_kb);
    lab_ev_int(e, "parent_rss_kb", rss_kb(getpid()));
    lab_ev_emit(e);
    free(s.payload);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_ipc_cost = {
    .name = "child.ipc-cost",
    .chapter = 4,
    .summary = "pitfalls: a busy loop delays the spawn; big IPC messages cost; every child costs memory",
    .shows = "spawned late by ~busy_ms; size events: serialize_us, parse_us and roundtrip_us "
             "growing with bytes; child_mem: the resident size of one worker",
    .duration_s = 20,
    .params = {
        { "sizes", LAB_PARAM_STR, 0, 0, 0, "100,1k,10k,100k,1M", "bytes",
          "message sizes to try, comma-separated (k, M suffixes)", false, check_sizes },
        { "count", LAB_PARAM_INT, 20, 1, 10000, NULL, "messages", "round trips per size", false },
        { "busy_ms", LAB_PARAM_INT, 300, 0, 5000, NULL, "ms",
          "how long the loop computes right after planning the spawn", false },
    },
    .run = run,
};
