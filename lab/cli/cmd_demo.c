/*
 * cmd_demo.c — `nodelab demo NAME`: run one demo headless.
 *
 * Two processes.  The demo itself runs in a child (a real PID, in its own
 * process group, so one kill reaches everything it starts) and writes its
 * telemetry into a pipe.  This process reads the pipe and prints each event
 * — raw with --json, as a readable line without — and enforces the
 * duration.  When the child ends, an `exit` event reports how; a demo that
 * crashed is said to have crashed, and nothing it started is left running.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "demos/demo.h"
#include "grow.h"
#include "loop.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define GRACE_MS 3000          /* after the duration, before SIGTERM */
#define KILL_MS 2000           /* after SIGTERM, before SIGKILL */
#define BATCH_MS 1             /* a busy demo's telemetry is read at most this often */
#define READABLE_FRAME_MS 100  /* readable lines: busy events folded per this much time */

static void print_demo_help(const lab_demo_def *def)
{
    printf("usage: nodelab demo %s [--set KEY=VALUE]... [--json] [--duration SECONDS]\n\n",
           def->name);
    printf("%s (chapter %d)\n\n", def->summary, def->chapter);
    printf("Watch for: %s\n\n", def->shows);
    printf("Runs for %d s unless --duration says otherwise.  Parameters:\n", def->duration_s);
    for (const lab_param *p = def->params; p->key; p++) {
        if (p->type == LAB_PARAM_INT)
            printf("  %-20s default %-8lld range %lld..%lld %s%s\n", p->key,
                   (long long)p->def, (long long)p->min, (long long)p->max, p->unit,
                   p->live ? "  (live)" : "");
        else
            printf("  %-20s default %-8s %s\n", p->key,
                   p->def_str && *p->def_str ? p->def_str : "(auto)", p->unit);
        printf("  %-20s %s\n", "", p->help);
    }
    if (!def->params[0].key) printf("  (none)\n");
    if (def->lab_sets[0] || def->lab_step) {           /* slower, to be watched */
        printf("\nIn the lab (nodelab open %s) it runs with", def->name);
        for (int i = 0; i < LAB_DEMO_MAX_LAB_SETS && def->lab_sets[i]; i++)
            printf(" %s", def->lab_sets[i]);
        printf("%s%s, to be watched.\n", def->lab_sets[0] && def->lab_step ? "," : "",
               def->lab_step ? " one event at a time (s turns that off)" : "");
    }
    if (def->keys[0].key) {
        printf("\nKeys in the lab (nodelab open %s):\n", def->name);
        for (int k = 0; k < LAB_DEMO_MAX_KEYS && def->keys[k].key; k++)
            printf("  %c  %s (sends \"%s\")\n", def->keys[k].key, def->keys[k].help,
                   def->keys[k].command);
    }
    printf("\nNumbers accept k, M and G suffixes (64k = 65536).  --json prints the\n"
           "raw telemetry events (docs/telemetry.md); (live) parameters can also\n"
           "be changed while the demo runs in the lab.\n");
}

static const char help[] =
"usage: nodelab demo NAME [--set KEY=VALUE]... [--json] [--duration SECONDS]\n"
"       nodelab demo NAME --help\n"
"\n"
"Runs a live demo headless and prints what happens.  The demo is a real\n"
"process (its PID is in every event) and ends by itself.  `nodelab list\n"
"demos` shows the names.\n"
"\n"
"Readable lines fold a busy stream's events: past the first few of a kind\n"
"in 100 ms, one line stands for the rest (push ×1520, with their bytes and\n"
"the last one's state).  --json prints every event as a JSON line\n"
"(docs/telemetry.md).\n";

/* ---- the parent: reading events and watching the child ------------------ */

typedef struct {
    lab_loop *loop;
    pid_t child;
    bool json, exited, eof;
    int status;
    lab_io tel_io;
    char *buf;
    size_t len, cap;
    lab_timer grace, kill_timer, batch;
    lab_signal sigchld, sigint, sigterm;
    int interrupted;
} runner;

static void emit_line(runner *r, const char *line, size_t n)
{
    if (r->json) {
        fwrite(line, 1, n, stdout);
        fputc('\n', stdout);
    } else {
        cJSON *ev = cJSON_ParseWithLength(line, n);
        if (ev) nl_format_event(stdout, ev, r->child);
        cJSON_Delete(ev);
    }
}

static void maybe_finish(runner *r)
{
    if (r->exited && r->eof) lab_loop_stop(r->loop);
}

static void on_batch(lab_timer *t);

static void on_telemetry(lab_io *io, int events)
{
    runner *r = io->data;
    r->buf = lab_grow_or_die(r->buf, &r->cap, r->len + 65536, 1, 131072);
    ssize_t n = read(io->fd, r->buf + r->len, r->cap - r->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {                              /* every writer has gone */
        lab_io_close(io);
        r->eof = true;
        maybe_finish(r);
        return;
    }
    r->len += (size_t)n;
    char *start = r->buf, *nl;
    while ((nl = memchr(start, '\n', r->len - (size_t)(start - r->buf)))) {
        emit_line(r, start, (size_t)(nl - start));
        start = nl + 1;
    }
    r->len -= (size_t)(start - r->buf);
    memmove(r->buf, start, r->len);
    fflush(stdout);
    /* A busy demo writes lines by the hundred thousand a second, in
     * writes of at most PIPE_BUF: woken for each, this process took a
     * core's share from the demo it watches.  After a read that found a
     * whole write or more, the next waits BATCH_MS and takes everything
     * that came meanwhile (the pipe holds ~10 ms of a firehose). */
    if ((size_t)n >= PIPE_BUF) {
        lab_io_stop(io, LAB_READABLE);
        lab_timer_start(&r->batch, on_batch, BATCH_MS, 0);
    }
}

static void on_batch(lab_timer *t)
{
    runner *r = t->data;
    if (!r->eof) lab_io_start(&r->tel_io, LAB_READABLE, on_telemetry);
}

static void on_sigchld(lab_signal *s, int signum)
{
    runner *r = s->data;
    int status;
    if (!r->exited && waitpid(r->child, &status, WNOHANG) == r->child) {
        r->exited = true;
        r->status = status;
        /* Anything the demo started and left behind goes with it. */
        kill(-r->child, SIGKILL);
        lab_signal_stop(&r->sigchld);
        lab_timer_stop(&r->grace);
        lab_timer_stop(&r->kill_timer);
        maybe_finish(r);
    }
}

static void on_kill_timer(lab_timer *t)
{
    runner *r = t->data;
    kill(-r->child, SIGKILL);
}

/* The demo overran its duration (or the user pressed Ctrl-C): ask nicely,
 * then insist.  Only the demo process is asked: it may have a graceful
 * stop of its own (a cluster's primary disconnects its workers), and
 * whatever of its group is left when it ends, or at KILL_MS, is killed. */
static void stop_demo(runner *r)
{
    kill(r->child, SIGTERM);
    lab_timer_start(&r->kill_timer, on_kill_timer, KILL_MS, 0);
}

static void on_grace(lab_timer *t) { stop_demo(t->data); }

static void on_interrupt(lab_signal *s, int signum)
{
    runner *r = s->data;
    r->interrupted = signum;
    stop_demo(r);
}

/* ---- the child: running the demo --------------------------------------- */

static void run_child(lab_demo *d, int tel_fd, bool control, bool readable)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);          /* the runner died: so do we */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!control) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) { dup2(null, 0); close(null); }
        d->control_fd = -1;
    } else {
        d->control_fd = 0;
    }
    /* Readable lines are for a person: a busy demo's hundred thousand
     * events a second would scroll by unread, and formatting them took the
     * CPUs from the demo (a 1 GiB copy ran 2x slower than with --json).
     * So the busy kinds are folded per READABLE_FRAME_MS, as for the lab
     * ("push ×1520" lines; docs/telemetry.md, "Frame mode") — not for a
     * demo about the order of events, nor when the environment says
     * otherwise (NODELAB_TELEMETRY_FRAME=0: every event).  --json gives
     * every event, always. */
    if (readable && !d->def->lab_step) {
        char frame[16];
        snprintf(frame, sizeof frame, "%d", READABLE_FRAME_MS);
        setenv("NODELAB_TELEMETRY_FRAME", frame, 0);
    }
    /* Programs the demo execs find the telemetry pipe and the clock here. */
    char num[32];
    snprintf(num, sizeof num, "%d", tel_fd);
    setenv("NODELAB_TELEMETRY_FD", num, 1);
    lab_tel_open(tel_fd);
    snprintf(num, sizeof num, "%llu", (unsigned long long)lab_tel_epoch());
    setenv("NODELAB_EPOCH_US", num, 1);
    int rc = d->def->run(d);
    fflush(stdout);
    lab_tel_close(2000);
    _exit(rc);
}

/* ---- argument parsing -------------------------------------------------- */

static int parse_duration(const char *s, uint64_t *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v <= 0 || v > 86400) return -1;
    *ms = (uint64_t)(v * 1000.0 + 0.5);
    return *ms > 0 ? 0 : -1;
}

static int parse_args(int argc, char **argv, lab_demo *d, bool *json, bool *control)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (nl_is_help(a)) { print_demo_help(d->def); return -1; }
        if (strcmp(a, "--json") == 0) { *json = true; continue; }
        if (strcmp(a, "--control") == 0) { *control = true; continue; }
        const char *val = NULL;
        if (strcmp(a, "--set") == 0 || strcmp(a, "--duration") == 0) {
            if (i + 1 >= argc) return nl_usage_error("demo: %s needs a value", a);
            val = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0) { val = a + 6; a = "--set"; }
        else if (strncmp(a, "--duration=", 11) == 0) { val = a + 11; a = "--duration"; }
        else
            return nl_usage_error("demo: unknown option '%s' (allowed: --set KEY=VALUE, "
                                  "--json, --duration SECONDS, --help)", a);
        if (strcmp(a, "--duration") == 0) {
            if (parse_duration(val, &d->duration_ms) < 0)
                return nl_usage_error("demo: bad --duration '%s' (allowed: seconds, "
                                      "more than 0 and at most 86400)", val);
            continue;
        }
        const char *err = lab_demo_set_kv(d, val);
        if (err) return nl_usage_error("demo %s: %s", d->def->name, err);
    }
    return 0;
}

/* ---- putting it together ----------------------------------------------- */

static int report_exit(runner *r, const lab_demo_def *def)
{
    int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
    int sig = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
    char signame[32];
    snprintf(signame, sizeof signame, "SIG%s", sig ? sigabbrev_np(sig) : "");
    /* The same `exit` event the child module reports for any process. */
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddNumberToObject(ev, "ts", (double)lab_tel_now());
    cJSON_AddStringToObject(ev, "ev", "exit");
    cJSON_AddNumberToObject(ev, "pid", r->child);
    if (sig) cJSON_AddNullToObject(ev, "code");
    else cJSON_AddNumberToObject(ev, "code", code);
    if (sig) cJSON_AddStringToObject(ev, "signal", signame);
    else cJSON_AddNullToObject(ev, "signal");
    cJSON_AddStringToObject(ev, "role", "demo");
    char *line = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    emit_line(r, line, strlen(line));
    free(line);
    fflush(stdout);
    if (r->interrupted) return 130;
    if (sig && sig != SIGTERM) {
        fprintf(stderr, "nodelab: demo %s crashed: killed by %s\n", def->name, signame);
        return 1;
    }
    if (sig == SIGTERM) {
        fprintf(stderr, "nodelab: demo %s overran its duration and was stopped\n", def->name);
        return 1;
    }
    if (code == LAB_DEMO_EXIT_UNAVAILABLE) return code;   /* it said why */
    if (code != 0) {
        fprintf(stderr, "nodelab: demo %s failed with exit status %d\n", def->name, code);
        return 1;
    }
    return 0;
}

int nl_cmd_demo(int argc, char **argv)
{
    if (argc < 2) return nl_usage_error("demo: expected a NAME (see nodelab list demos)");
    if (nl_is_help(argv[1])) { fputs(help, stdout); return 0; }
    const lab_demo_def *def = lab_demo_find(argv[1]);
    if (!def)
        return nl_usage_error("demo: no demo '%s' (see nodelab list demos)", argv[1]);

    lab_demo d;
    lab_demo_init(&d, def);
    bool json = false, control = false;
    int rc = parse_args(argc, argv, &d, &json, &control);
    if (rc != 0) {
        lab_demo_free(&d);
        return rc < 0 ? 0 : rc;
    }

    int tel[2];
    if (pipe2(tel, O_CLOEXEC) < 0) { perror("nodelab: pipe"); return 1; }
    runner r = { .json = json };
    r.loop = lab_loop_new();
    lab_tel_set_epoch(lab_clock_us());
    /* Watch for the child's end before it can happen. */
    lab_signal_init(r.loop, &r.sigchld);
    r.sigchld.data = &r;
    lab_signal_start(&r.sigchld, on_sigchld, SIGCHLD);
    fflush(stdout);
    r.child = fork();
    if (r.child < 0) { perror("nodelab: fork"); return 1; }
    if (r.child == 0) {
        close(tel[0]);
        run_child(&d, tel[1], control, !json);
    }
    setpgid(r.child, r.child);                  /* no race with the child's own */
    close(tel[1]);

    lab_io_init(r.loop, &r.tel_io, tel[0]);
    r.tel_io.data = &r;
    fcntl(tel[0], F_SETFL, O_NONBLOCK);
    fcntl(tel[0], F_SETPIPE_SZ, 1 << 20);       /* room for a batch; best effort */
    lab_timer_init(r.loop, &r.batch);
    r.batch.data = &r;
    lab_io_start(&r.tel_io, LAB_READABLE, on_telemetry);
    lab_timer_init(r.loop, &r.grace);
    r.grace.data = &r;
    lab_timer_start(&r.grace, on_grace, d.duration_ms + GRACE_MS, 0);
    lab_timer_unref(&r.grace);
    lab_timer_init(r.loop, &r.kill_timer);
    r.kill_timer.data = &r;
    lab_signal_init(r.loop, &r.sigint);
    r.sigint.data = &r;
    lab_signal_start(&r.sigint, on_interrupt, SIGINT);
    lab_signal_unref(&r.sigint);
    lab_signal_init(r.loop, &r.sigterm);
    r.sigterm.data = &r;
    lab_signal_start(&r.sigterm, on_interrupt, SIGTERM);
    lab_signal_unref(&r.sigterm);

    lab_loop_run(r.loop);
    close(tel[0]);
    rc = report_exit(&r, def);
    lab_signal_stop(&r.sigint);
    lab_signal_stop(&r.sigterm);
    lab_loop_free(r.loop);
    free(r.buf);
    lab_demo_free(&d);             /* the copied text parameters (LSan) */
    return rc;
}
