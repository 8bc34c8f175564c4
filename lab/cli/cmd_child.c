/*
 * cmd_child.c — `nodelab __child NAME [ARGS]`: the small programs that the
 * Chapter 4 demos, tests and benchmarks start as children.
 *
 * They live inside the nodelab binary (a hidden command) rather than as
 * separate executables so that a demo always finds them: nl_self_exe()
 * is the same file in the build tree and after `make install`.  Each is a
 * real program in a real process — exec'd, with its own PID — doing one
 * thing a lesson needs: print slowly, print too much, fork grandchildren,
 * answer messages.  A child reports telemetry only if the demo handed it
 * the telemetry pipe (NODELAB_TELEMETRY_FD).
 */
#include "cli.h"
#include "demos/demo.h"
#include "ipc.h"
#include "loop.h"
#include "process.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char help[] =
"usage: nodelab __child NAME [ARGS]   (internal: children of the Chapter 4 demos)\n"
"\n"
"  lines COUNT INTERVAL_MS   print COUNT numbered lines, one every INTERVAL_MS\n"
"  flood BYTES               write BYTES of text to stdout, 4 KiB at a time\n"
"                            (0: until killed); a failed write: exit 1\n"
"  tree KIDS SECONDS         start KIDS grandchildren (printing their PIDs),\n"
"                            then sleep SECONDS; the grandchildren sleep too\n"
"  exit CODE                 exit with CODE at once\n"
"  spawn-missing PROGRAM     a parent with the classic bug: spawn PROGRAM\n"
"                            (one that does not exist) with an exit handler\n"
"                            and no error handler; the unhandled 'error'\n"
"                            ends it with status 1, as it ends node\n"
"  worker                    IPC: answer {cmd: compute|sum|echo|exit} messages;\n"
"                            {cmd: abort} aborts, {cmd: hang} never answers\n"
"  pong                      IPC: send every message straight back\n"
"  sink NAP_MS               IPC: block NAP_MS (nothing is read), then count\n"
"                            messages; on {done:true} reply {count}\n"
"  early-close MS            IPC: disconnect at once, then live MS more\n"
"  burst COUNT WAIT          IPC: send COUNT messages and exit; WAIT=1 waits\n"
"                            for their send callbacks first, WAIT=0 does not\n";

static long arg_num(int argc, char **argv, int i, long def)
{
    if (i >= argc) return def;
    char *end;
    long v = strtol(argv[i], &end, 10);
    return *end ? def : v;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) { }
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- stdio children ------------------------------------------------------ */

static int child_lines(int argc, char **argv)
{
    long count = arg_num(argc, argv, 2, 5), interval = arg_num(argc, argv, 3, 200);
    for (long i = 1; i <= count; i++) {
        char line[96];
        int n = snprintf(line, sizeof line, "line %ld of %ld from pid %d\n", i, count, (int)getpid());
        if (write_all(1, line, (size_t)n) < 0) return 1;
        lab_ev *e = lab_ev_new("line");            /* when it was written */
        lab_ev_int(e, "n", i);
        lab_ev_int(e, "of", count);
        lab_ev_emit(e);
        lab_tel_sync();
        if (i < count) sleep_ms(interval);
    }
    return 0;
}

/* Writes the way a stdio program does, a 4 KiB buffer at a time, and
 * reports a failed write as `yes` or `cat` would.  When the reader closes
 * its end with bytes unread, the next write fails with ECONNRESET on a
 * socket (what Node and the runtime give a child) and the child exits 1;
 * on a pipe it would get EPIPE and die of SIGPIPE. */
static int child_flood(int argc, char **argv)
{
    long total = arg_num(argc, argv, 2, 0);
    char block[4096];
    for (size_t i = 0; i < sizeof block; i++) block[i] = (i % 64 == 63) ? '\n' : 'x';
    for (long sent = 0; total == 0 || sent < total; ) {
        size_t n = sizeof block;
        if (total && (long)n > total - sent) n = (size_t)(total - sent);
        if (write_all(1, block, n) < 0) {
            fprintf(stderr, "nodelab __child flood: write: %s\n", strerror(errno));
            return 1;
        }
        sent += (long)n;
    }
    return 0;
}

static int child_tree(int argc, char **argv)
{
    long kids = arg_num(argc, argv, 2, 2), secs = arg_num(argc, argv, 3, 30);
    for (long i = 0; i < kids; i++) {
        pid_t pid = fork();
        if (pid == 0) { sleep_ms(secs * 1000); _exit(0); }
        if (pid > 0) {
            char line[64];
            int n = snprintf(line, sizeof line, "grandchild %d\n", (int)pid);
            write_all(1, line, (size_t)n);
        }
    }
    sleep_ms(secs * 1000);
    while (wait(NULL) > 0) { }
    return 0;
}

/* A parent that forgot on_error: the spawn fails on the next tick and,
 * as in Node, the unhandled 'error' ends this program with status 1
 * before the exit handler or the timer can run. */
static void missing_exit(lab_process *p, int code, int sig) { printf("exit %d %d\n", code, sig); }
static void missing_timer(lab_timer *t) { printf("still running\n"); }

static int child_spawn_missing(int argc, char **argv)
{
    char *prog = argc > 2 ? argv[2] : "nodelab-no-such-program";
    char *args[] = { prog, "x", NULL };
    lab_loop *loop = lab_loop_new();
    lab_spawn_options o = { .file = prog, .argv = args, .on_exit = missing_exit };
    lab_spawn(loop, &o);
    printf("started\n");
    lab_timer t;
    lab_timer_init(loop, &t);
    lab_timer_start(&t, missing_timer, 100, 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}

/* ---- IPC children ---------------------------------------------------------- */

typedef struct { lab_loop *loop; lab_ipc *ch; long count; int exit_code; } ipc_child;

static ipc_child *child_of(lab_ipc *ch) { return ch->data; }

static void reply(lab_ipc *ch, cJSON *msg)
{
    lab_ipc_send(ch, msg, NULL, NULL);
    cJSON_Delete(msg);
}

static void worker_message(lab_ipc *ch, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "cmd"));
    cJSON *id = cJSON_GetObjectItem(msg, "id");
    cJSON *out = cJSON_CreateObject();
    if (id) cJSON_AddItemToObject(out, "id", cJSON_Duplicate(id, true));
    cJSON_AddNumberToObject(out, "pid", getpid());
    if (cmd && strcmp(cmd, "compute") == 0) {
        double ms = cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "ms"));
        uint64_t t0 = lab_clock_us();
        lab_ev *e = lab_ev_new("work");
        lab_ev_str(e, "phase", "start");
        lab_ev_num(e, "ms", ms);
        lab_ev_emit(e);
        lab_tel_sync();
        uint64_t primes = lab_demo_burn_cpu(ms > 0 ? (uint64_t)ms : 0);
        e = lab_ev_new("work");
        lab_ev_str(e, "phase", "done");
        lab_ev_int(e, "primes", (int64_t)primes);
        lab_ev_emit(e);
        cJSON_AddNumberToObject(out, "primes", (double)primes);
        cJSON_AddNumberToObject(out, "ms", (double)(lab_clock_us() - t0) / 1000.0);
    } else if (cmd && strcmp(cmd, "sum") == 0) {
        double from = cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "from"));
        double to = cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "to"));
        long long sum = 0;
        for (long long i = (long long)from; i < (long long)to; i++) sum += i;
        cJSON_AddNumberToObject(out, "sum", (double)sum);
    } else if (cmd && strcmp(cmd, "abort") == 0) {      /* process.abort() */
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);             /* no core file left behind */
        signal(SIGABRT, SIG_DFL);
        abort();
    } else if (cmd && strcmp(cmd, "hang") == 0) {       /* never answers */
        for (volatile unsigned long spin = 0;; spin++) { }
    } else if (cmd && strcmp(cmd, "exit") == 0) {
        child_of(ch)->exit_code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "code"));
        cJSON_Delete(out);
        lab_ipc_disconnect(ch);
        return;
    } else {                                   /* echo */
        cJSON_AddItemToObject(out, "echo", cJSON_Duplicate(msg, true));
    }
    reply(ch, out);
}

static void pong_message(lab_ipc *ch, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    lab_ipc_send(ch, msg, NULL, NULL);
}

static void sink_message(lab_ipc *ch, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    ipc_child *c = child_of(ch);
    if (!cJSON_IsTrue(cJSON_GetObjectItem(msg, "done"))) { c->count++; return; }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "count", (double)c->count);
    reply(ch, out);
}

static void burst_sent(lab_ipc *ch, int status, void *arg)
{
    ipc_child *c = child_of(ch);
    if (--c->count == 0) lab_ipc_disconnect(ch);    /* all in the kernel: leave */
}

static void early_timer(lab_timer *t) { }

static int ipc_main(const char *name, int argc, char **argv)
{
    ipc_child c = { .exit_code = 0 };
    if (strcmp(name, "sink") == 0) sleep_ms(arg_num(argc, argv, 2, 0));  /* nobody reads */
    c.loop = lab_loop_new();
    c.ch = lab_ipc_from_env(c.loop);
    if (!c.ch) {
        fprintf(stderr, "nodelab __child %s: no IPC channel (%s is not set): start it with lab_fork()\n",
                name, LAB_IPC_ENV);
        lab_loop_free(c.loop);
        return 2;
    }
    c.ch->data = &c;
    lab_timer linger;
    lab_timer_init(c.loop, &linger);
    if (strcmp(name, "worker") == 0) {
        c.ch->on_message = worker_message;
        cJSON *hello = cJSON_CreateObject();
        cJSON_AddStringToObject(hello, "cmd", "online");
        cJSON_AddNumberToObject(hello, "pid", getpid());
        reply(c.ch, hello);
    } else if (strcmp(name, "pong") == 0) {
        c.ch->on_message = pong_message;
    } else if (strcmp(name, "sink") == 0) {
        c.ch->on_message = sink_message;
    } else if (strcmp(name, "early-close") == 0) {
        lab_ipc_disconnect(c.ch);
        lab_timer_start(&linger, early_timer, (uint64_t)arg_num(argc, argv, 2, 200), 0);
    } else {                                           /* burst */
        long n = arg_num(argc, argv, 2, 200);
        bool wait = arg_num(argc, argv, 3, 1) != 0;
        c.count = n;
        for (long i = 0; i < n; i++) {
            cJSON *m = cJSON_CreateObject();
            cJSON_AddNumberToObject(m, "i", (double)i);
            lab_ipc_send(c.ch, m, wait ? burst_sent : NULL, NULL);
            cJSON_Delete(m);
        }
        if (!wait) _exit(0);          /* Node's process.exit() right after send() */
    }
    lab_loop_run(c.loop);
    lab_timer_stop(&linger);
    lab_loop_free(c.loop);
    return c.exit_code;
}

int nl_cmd_child(int argc, char **argv)
{
    if (argc < 2 || nl_is_help(argv[1])) { fputs(help, argc < 2 ? stderr : stdout); return argc < 2 ? 2 : 0; }
    lab_tel_open_from_env();
    const char *name = argv[1];
    int rc;
    if (strcmp(name, "lines") == 0) rc = child_lines(argc, argv);
    else if (strcmp(name, "flood") == 0) rc = child_flood(argc, argv);
    else if (strcmp(name, "tree") == 0) rc = child_tree(argc, argv);
    else if (strcmp(name, "exit") == 0) rc = (int)arg_num(argc, argv, 2, 0);
    else if (strcmp(name, "spawn-missing") == 0) rc = child_spawn_missing(argc, argv);
    else if (strcmp(name, "worker") == 0 || strcmp(name, "pong") == 0 ||
             strcmp(name, "sink") == 0 || strcmp(name, "early-close") == 0 ||
             strcmp(name, "burst") == 0)
        rc = ipc_main(name, argc, argv);
    else
        return nl_usage_error("__child: no child program '%s' (see nodelab __child --help)", name);
    lab_tel_close(1000);
    return rc;
}
