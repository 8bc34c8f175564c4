/*
 * child_fork.c — demo `child.fork`: messages both ways, and a parent that
 * stays responsive while its child computes.
 *
 * The parent forks a worker (`nodelab __child worker`, with an IPC
 * channel on descriptor 3) and keeps a heartbeat: a timer every
 * heartbeat_ms that reports how late it fired.  When the worker says it is
 * online, the parent sends it `rounds` compute requests, one after the
 * other; each keeps the worker's CPU busy for compute_ms.  The `ipc`
 * events show every message with its direction and size, the worker's
 * `work` events come from its own PID, and the heartbeats keep coming on
 * time throughout: the computation blocks the child's loop, not ours.
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "fork.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_process *child;
    lab_timer beat;
    uint64_t next_beat_us;
    int beats, beats_busy, rounds_done;
    bool busy;                 /* a request is out */
    double max_late_ms;
    pid_t worker_pid;
    uint64_t sent, received;
} fork_state;

static void on_beat(lab_timer *t)
{
    fork_state *s = t->data;
    uint64_t now = lab_clock_us();
    double late = now > s->next_beat_us ? (double)(now - s->next_beat_us) / 1000.0 : 0;
    s->next_beat_us = now + (uint64_t)lab_demo_int(s->demo, "heartbeat_ms") * 1000u;
    s->beats++;
    s->beats_busy += s->busy;
    if (late > s->max_late_ms) s->max_late_ms = late;
    lab_ev *e = lab_ev_new("heartbeat");
    lab_ev_int(e, "n", s->beats);
    lab_ev_num(e, "late_ms", late);
    lab_ev_bool(e, "child_busy", s->busy);
    lab_ev_emit(e);
}

static void send_request(fork_state *s)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "cmd", "compute");
    cJSON_AddNumberToObject(m, "id", s->rounds_done + 1);
    cJSON_AddNumberToObject(m, "ms", (double)lab_demo_int(s->demo, "compute_ms"));
    lab_ipc_send(s->child->ipc, m, NULL, NULL);
    cJSON_Delete(m);
    s->busy = true;
    s->sent++;
}

static void finish(fork_state *s)
{
    lab_timer_stop(&s->beat);
    if (s->child && s->child->ipc) lab_ipc_disconnect(s->child->ipc);   /* the worker leaves */
}

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    fork_state *s = p->data;
    s->received++;
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) {
        s->worker_pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "pid"));
    } else {
        s->busy = false;
        s->rounds_done++;
    }
    if (s->rounds_done < lab_demo_int(s->demo, "rounds") && !s->demo->expired) send_request(s);
    else finish(s);
}

static void on_close(lab_process *p, int code, int sig)
{
    fork_state *s = p->data;
    s->child = NULL;
    lab_timer_stop(&s->beat);
}

static void on_deadline(lab_demo *d)
{
    fork_state *s = d->data;
    finish(s);
    if (s->child) lab_process_kill(s->child, 0);
}

static int run(lab_demo *d)
{
    fork_state s = { .demo = d };
    d->data = &s;
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);

    char *argv[] = { (char *)child_demo_exe(), "__child", "worker", NULL };
    lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = &s };
    child_demo_options(&o, CHILD_DEMO_FORK, true);
    s.child = lab_fork(s.loop, child_demo_exe(), argv, &o);
    if (!s.child) { perror("nodelab: child.fork"); return 1; }
    uint64_t every = (uint64_t)lab_demo_int(d, "heartbeat_ms");
    lab_timer_init(s.loop, &s.beat);
    s.beat.data = &s;
    s.next_beat_us = lab_clock_us() + every * 1000u;
    lab_timer_start(&s.beat, on_beat, every, every);
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "rounds", lab_demo_int(d, "rounds"));
    lab_ev_int(e, "rounds_done", s.rounds_done);
    lab_ev_int(e, "compute_ms", lab_demo_int(d, "compute_ms"));
    lab_ev_int(e, "beats", s.beats);
    lab_ev_int(e, "beats_while_child_busy", s.beats_busy);
    lab_ev_num(e, "max_heartbeat_late_ms", s.max_late_ms);
    lab_ev_int(e, "worker_pid", s.worker_pid);
    lab_ev_int(e, "messages_sent", (int64_t)s.sent);
    lab_ev_int(e, "messages_received", (int64_t)s.received);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_fork = {
    .name = "child.fork",
    .chapter = 4,
    .summary = "fork(): messages both ways while the parent's heartbeat keeps ticking",
    .shows = "ipc events in both directions; the worker's work events (its own pid); "
             "heartbeats on time (late_ms near 0) even while child_busy is true",
    .duration_s = 8,
    .params = {
        { "rounds", LAB_PARAM_INT, 3, 1, 100, NULL, "requests", "how many compute requests to send", false },
        { "compute_ms", LAB_PARAM_INT, 500, 0, 10000, NULL, "ms",
          "how long the worker computes for each", false },
        { "heartbeat_ms", LAB_PARAM_INT, 50, 5, 1000, NULL, "ms", "the parent's heartbeat period", false },
    },
    .run = run,
    .lab_sets = { "rounds=5", "compute_ms=1500" },
};
