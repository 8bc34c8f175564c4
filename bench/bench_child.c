/*
 * bench_child.c — the C side of bench/child.sh.
 *
 *   bench-child spawn N [K]    spawn /bin/true N times, K at a time (1: one
 *                              after the other), each waited for ('close');
 *                              prints total ms
 *   bench-child spawn-raw N    the machine's floor: a bare vfork/execve/
 *                              waitpid loop, no runtime
 *   bench-child pingpong N     N round trips of a small message with a
 *                              forked `nodelab __child pong`; prints total ms
 *   bench-child oneway N       N small messages to `nodelab __child sink`,
 *                              then {done:true}; prints ms until the count
 *                              comes back
 *   bench-child pingpong-raw N the floor: blocking write/read on a socketpair
 * The nodelab binary is $NODELAB.  Telemetry is off: this measures the
 * runtime, not the reporting.
 */
#include "fork.h"
#include "ipc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static lab_loop *loop;
static long total, done_count, started, in_flight = 1;
static uint64_t t0;

static void spawn_more(void);
static void on_true_close(lab_process *p, int code, int sig)
{
    if (code != 0) { fprintf(stderr, "bench-child: /bin/true exited %d\n", code); exit(1); }
    done_count++;
    spawn_more();
}

/* Keeps in_flight children running until total have been started. */
static void spawn_more(void)
{
    while (started < total && started - done_count < in_flight) {
        char *argv[] = { "/bin/true", NULL };
        lab_spawn_options o = { .file = "/bin/true", .argv = argv, .on_close = on_true_close };
        if (!lab_spawn(loop, &o)) { perror("bench-child: spawn"); exit(1); }
        started++;
    }
}

/* The floor: what one process start costs here without any runtime. */
static void spawn_raw(void)
{
    char *argv[] = { "/bin/true", NULL };
    for (done_count = 0; done_count < total; done_count++) {
        pid_t pid = vfork();
        if (pid == 0) { execve("/bin/true", argv, environ); _exit(127); }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) exit(1);
    }
}

static void pingpong_raw(void)
{
    int sv[2];
    char buf[64];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        ssize_t n;
        while ((n = read(sv[1], buf, sizeof buf)) > 0)
            if (write(sv[1], buf, (size_t)n) != n) break;
        _exit(0);
    }
    close(sv[1]);
    for (done_count = 0; done_count < total; done_count++) {
        if (write(sv[0], "{\"n\":1}\n", 8) != 8 || read(sv[0], buf, sizeof buf) <= 0) exit(1);
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
}

static cJSON *msg;

static void pong(lab_process *p, cJSON *m, int fd)
{
    if (++done_count == total) { lab_ipc_disconnect(p->ipc); return; }
    cJSON_SetNumberValue(cJSON_GetObjectItem(msg, "n"), (double)done_count);
    lab_ipc_send(p->ipc, msg, NULL, NULL);
}

static void counted(lab_process *p, cJSON *m, int fd)
{
    done_count = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "count"));
    lab_ipc_disconnect(p->ipc);
}

static lab_process *start_child(const char *name, lab_process_message_cb *on_message)
{
    const char *nodelab = getenv("NODELAB");
    if (!nodelab || !*nodelab) { fprintf(stderr, "bench-child: set NODELAB\n"); exit(2); }
    char *argv[] = { (char *)nodelab, "__child", (char *)name, "0", NULL };
    lab_spawn_options o = { .on_message = on_message };
    lab_process *p = lab_fork(loop, nodelab, argv, &o);
    if (!p) { perror("bench-child: fork"); exit(1); }
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (total = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: bench-child spawn|spawn-raw|pingpong|pingpong-raw|oneway N [K]\n");
        return 2;
    }
    if (argc == 4 && (in_flight = atol(argv[3])) < 1) in_flight = 1;
    loop = lab_loop_new();
    msg = cJSON_CreateObject();
    cJSON_AddNumberToObject(msg, "n", 0);
    const char *what = argv[1];
    t0 = lab_clock_us();
    if (strcmp(what, "spawn") == 0) {
        spawn_more();
    } else if (strcmp(what, "spawn-raw") == 0) {
        spawn_raw();
    } else if (strcmp(what, "pingpong-raw") == 0) {
        pingpong_raw();
    } else if (strcmp(what, "pingpong") == 0) {
        lab_process *p = start_child("pong", pong);
        lab_ipc_send(p->ipc, msg, NULL, NULL);
    } else if (strcmp(what, "oneway") == 0) {
        lab_process *p = start_child("sink", counted);
        for (long i = 0; i < total; i++) {
            cJSON_SetNumberValue(cJSON_GetObjectItem(msg, "n"), (double)i);
            lab_ipc_send(p->ipc, msg, NULL, NULL);
        }
        cJSON *end = cJSON_Parse("{\"done\":true}");
        lab_ipc_send(p->ipc, end, NULL, NULL);
        cJSON_Delete(end);
    } else {
        fprintf(stderr, "bench-child: unknown benchmark '%s' (spawn, pingpong, oneway)\n", what);
        return 2;
    }
    lab_loop_run(loop);
    double ms = (double)(lab_clock_us() - t0) / 1000.0;
    if (done_count != total) {
        fprintf(stderr, "bench-child: %s finished %ld of %ld\n", what, done_count, total);
        return 1;
    }
    printf("%.3f\n", ms);
    cJSON_Delete(msg);
    lab_loop_free(loop);
    return 0;
}
