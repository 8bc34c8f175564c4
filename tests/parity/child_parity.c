/*
 * child_parity.c — the C twins of tests/parity/child_*.js.  `child-parity
 * NAME` runs one scenario and prints the lines the JavaScript version
 * prints under node; tests/parity_child.sh diffs them with the recorded
 * node traces (NAME.expected).  `child-parity --list` names them all.
 *
 * The child programs: node's scenarios fork the scripts in
 * tests/parity/child/; these fork `nodelab __child ...` ($NODELAB), which
 * behave the same way.
 */
#define _GNU_SOURCE
#include "driver.h"
#include "errors.h"
#include "exec.h"
#include "fork.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* JSON.stringify of a string, as the JavaScript side prints it. */
static const char *J(const char *s, size_t len)
{
    static char out[4][512];
    static int which;
    char *o = out[which++ % 4];
    cJSON *str = cJSON_CreateString("");
    char *tmp = malloc(len + 1);
    memcpy(tmp, s, len);
    tmp[len] = 0;
    cJSON_SetValuestring(str, tmp);
    char *printed = cJSON_PrintUnformatted(str);
    snprintf(o, 512, "%s", printed);
    free(printed);
    free(tmp);
    cJSON_Delete(str);
    return o;
}

static const char *nodelab(void)
{
    const char *p = getenv("NODELAB");
    return p && *p ? p : "./nodelab";
}

/* ---- watchChild() of child_lib.js ---------------------------------------- */

typedef struct { char out[4096]; size_t len; bool close; int received; } watched;

static void w_spawn(lab_process *p) { T("child spawn"); }
static void w_error(lab_process *p, int err, const char *msg)
{
    T("child error %s %s", lab_errno_name(err), msg);
}
static void w_exit(lab_process *p, int code, int sig)
{
    if (sig) T("child exit null %s", lab_signal_name(sig));
    else T("child exit %d null", code);
}
static void w_close(lab_process *p, int code, int sig)
{
    watched *w = p->data;
    if (!w->close) return;
    if (w->len) T("child stdout %s", J(w->out, w->len));
    if (sig) T("child close null %s", lab_signal_name(sig));
    else T("child close %d null", code);
}
static void w_data(lab_process *p, int fd, const char *buf, size_t len)
{
    watched *w = p->data;
    if (fd == 1 && len && w->len + len < sizeof w->out) {
        memcpy(w->out + w->len, buf, len);
        w->len += len;
    }
}

static lab_spawn_options watch_child(watched *w, bool close)
{
    memset(w, 0, sizeof *w);
    w->close = close;
    lab_spawn_options o = { .on_spawn = w_spawn, .on_error = w_error, .on_exit = w_exit,
                            .on_close = w_close, .on_data = w_data, .data = w };
    return o;
}

static watched W;

/* ---- spawn ------------------------------------------------------------------ */

static void child_missing(void)
{
    char *argv[] = { "nodelab-no-such-program", "x", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = argv[0];
    o.argv = argv;
    lab_process *p = lab_spawn(loop, &o);
    T("pid %s", p->pid ? "?" : "null");
}

static void child_eacces(void)
{
    lab_spawn_options o = watch_child(&W, true);
    o.file = "/etc/passwd";
    lab_spawn(loop, &o);
}

static void child_exit_code(void)
{
    char *argv[] = { "sh", "-c", "echo a; echo b; sleep 0.1; exit 3", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = "sh";
    o.argv = argv;
    lab_spawn(loop, &o);
}

static void late_data(lab_process *p, int fd, const char *buf, size_t len)
{
    if (len) T("data %s", J(buf, len));
    w_data(p, fd, buf, len);
}

static void child_late_output(void)
{
    char *argv[] = { "sh", "-c", "(sleep 0.2; echo late) & exit 0", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = "sh";
    o.argv = argv;
    o.on_data = late_data;
    lab_spawn(loop, &o);
}

static void kill_spawned(lab_process *p)
{
    w_spawn(p);
    T("kill %s", B(lab_process_kill(p, SIGTERM) == 0));
}
static void killed_close(lab_process *p, int code, int sig)
{
    w_close(p, code, sig);
    T("killed %s", B(p->killed));
}

static void child_kill(void)
{
    char *argv[] = { "sleep", "5", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = "sleep";
    o.argv = argv;
    o.on_spawn = kill_spawned;
    o.on_close = killed_close;
    lab_spawn(loop, &o);
}

static void child_stdin_cat(void)
{
    char *argv[] = { "cat", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = "cat";
    o.argv = argv;
    lab_process *p = lab_spawn(loop, &o);
    T("write %s", B(lab_process_write(p, 0, "hello ", 6)));
    lab_process_write(p, 0, "cat", 3);
    lab_process_end(p, 0);
}

/* A parent with no on_error crashes on the spawn's failure: its own
 * parent (this scenario) collects what it printed and how it ended. */
typedef struct { char buf[2][4096]; size_t len[2]; } captured;

static void keep_output(captured *c, int fd, const char *buf, size_t len)
{
    if ((fd == 1 || fd == 2) && len && c->len[fd - 1] + len < sizeof c->buf[0]) {
        memcpy(c->buf[fd - 1] + c->len[fd - 1], buf, len);
        c->len[fd - 1] += len;
    }
}

static void capture(lab_process *p, int fd, const char *buf, size_t len)
{
    keep_output(p->data, fd, buf, len);
}

/* The lines child_unhandled_error.js keeps from stderr, trimmed alike. */
static void print_report(char *err)
{
    T("unhandled %s", B(strstr(err, "throw er; // Unhandled 'error' event") != NULL));
    for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "Error: ", 7) && strncmp(line, "Emitted 'error' event on ", 25) &&
            strncmp(line, "  code: ", 8))
            continue;
        size_t n = strlen(line);
        if (n > 2 && strcmp(line + n - 2, " {") == 0) line[n - 2] = 0;
        T("stderr %s", line);
    }
}

static void crashed_close(lab_process *p, int code, int sig)
{
    captured *c = p->data;
    T("parent stdout %s", J(c->buf[0], c->len[0]));
    if (sig) T("parent close null %s", lab_signal_name(sig));
    else T("parent close %d null", code);
    c->buf[1][c->len[1]] = 0;
    print_report(c->buf[1]);
}

static void child_unhandled_error(void)
{
    static captured c;
    char *argv[] = { (char *)nodelab(), "__child", "spawn-missing", NULL };
    lab_spawn_options o = { .file = argv[0], .argv = argv, .on_data = capture,
                            .on_close = crashed_close, .data = &c };
    lab_spawn(loop, &o);
}

/* ---- stdio: socketpairs, as libuv makes them --------------------------------- */

static void child_stdio_sockets(void)
{
    char *argv[] = { "sh", "-c", "for f in 0 1 2; do l=$(readlink /proc/$$/fd/$f); "
                     "echo \"fd $f ${l%%:*}\"; done", NULL };
    lab_spawn_options o = watch_child(&W, true);
    o.file = "sh";
    o.argv = argv;
    lab_process *p = lab_spawn(loop, &o);
    lab_process_end(p, 0);
}

/* child_stdout_reset: the child blocks writing to a stdout nobody reads;
 * the parent destroys it with those bytes unread. */
typedef struct { lab_process *p; lab_timer poll; int polls; captured err; } reset_state;

static bool blocked_in_kernel(pid_t pid)
{
    char path[64], stat[512] = "", wchan[64] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f) { if (!fgets(stat, sizeof stat, f)) stat[0] = 0; fclose(f); }
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    if ((f = fopen(path, "r"))) { if (!fgets(wchan, sizeof wchan, f)) wchan[0] = 0; fclose(f); }
    char *paren = strrchr(stat, ')');
    return paren && paren[1] && paren[2] == 'S' && wchan[0] && strcmp(wchan, "0") != 0;
}

static void reset_poll(lab_timer *t)
{
    reset_state *st = t->data;
    if (!blocked_in_kernel(st->p->pid) && ++st->polls < 1000) return;
    lab_timer_stop(t);
    T("child blocked writing %s", B(st->polls < 1000));
    T("destroy stdout");
    lab_process_close_pipe(st->p, 1);
}

static void reset_stderr(lab_stream *s, const lab_event *ev, void *arg)
{
    keep_output(&((reset_state *)arg)->err, 2, ev->chunk->data, ev->chunk->len);
}

static void reset_close(lab_process *p, int code, int sig)
{
    reset_state *st = p->data;
    T("child stderr %s", J(st->err.buf[1], st->err.len[1]));
    if (sig) T("child close null %s", lab_signal_name(sig));
    else T("child close %d null", code);
    lab_timer_stop(&st->poll);
}

static void child_stdout_reset(void)
{
    static reset_state st;
    char *argv[] = { "head", "-c", "16777216", "/dev/zero", NULL };
    lab_spawn_options o = { .file = "head", .argv = argv, .on_spawn = w_spawn,
                            .on_exit = w_exit, .on_close = reset_close, .data = &st };
    st.p = lab_spawn(loop, &o);           /* stdout: nobody reads it */
    lab_stream_on(st.p->stdio[2], LAB_ON_DATA, reset_stderr, &st);
    lab_timer_init(loop, &st.poll);
    st.poll.data = &st;
    lab_timer_start(&st.poll, reset_poll, 10, 10);
}

/* ---- exec / execFile ------------------------------------------------------------ */

static void print_maxbuffer(const lab_exec_result *r, void *arg)
{
    T("exec %s %s %zu %zu %s", r->code, J(r->message, strlen(r->message)), r->out_len,
      r->err_len, J(r->cmd, strlen(r->cmd)));
    T("err killed %s signal %s", B(r->killed), r->signal ? lab_signal_name(r->signal) : "null");
    T("child killed %s signal %s", B(r->child_killed),
      r->child_signal ? lab_signal_name(r->child_signal) : "null");
}

static void child_exec_maxbuffer(void)
{
    lab_exec(loop, "yes | head -c 2000000; read line", NULL, print_maxbuffer, NULL);
}

/* Node's err.code for "Command failed" is the exit status, or null. */
static void print_failed(const lab_exec_result *r, bool with_stderr)
{
    char code[16] = "null";
    if (r->exit_code >= 0) snprintf(code, sizeof code, "%d", r->exit_code);
    if (with_stderr)
        T("exec %s %s %s %s %s", code, B(r->killed), r->signal ? lab_signal_name(r->signal) : "null",
          J(r->message, strlen(r->message)), J(r->err, r->err_len));
    else
        T("exec %s %s %s %s", code, B(r->killed), r->signal ? lab_signal_name(r->signal) : "null",
          J(r->message, strlen(r->message)));
}

static void print_timeout(const lab_exec_result *r, void *arg) { print_failed(r, false); }
static void print_nonzero(const lab_exec_result *r, void *arg) { print_failed(r, true); }

static void child_exec_timeout(void)
{
    lab_exec_options o = { .timeout_ms = 100 };
    lab_exec(loop, "exec sleep 5", &o, print_timeout, NULL);
}

static void child_exec_failed(void)
{
    lab_exec(loop, "echo err >&2; exit 4", NULL, print_nonzero, NULL);
}

static void print_enoent(const lab_exec_result *r, void *arg)
{
    T("execFile %s %s %s", r->code, J(r->message, strlen(r->message)), J(r->cmd, strlen(r->cmd)));
}

static void child_execfile_enoent(void)
{
    char *argv[] = { "nodelab-no-such-program", "a b", NULL };
    lab_exec_file(loop, argv[0], argv, NULL, print_enoent, NULL);
}

static void third(const lab_exec_result *r, void *arg) { T("execFile %s", J(r->out, r->out_len)); }
static void second(const lab_exec_result *r, void *arg)
{
    T("execFile %s", J(r->out, r->out_len));
    char *argv[] = { "echo", "$HOME", "*", NULL };
    lab_exec_file(loop, "echo", argv, NULL, third, NULL);
}
static void first(const lab_exec_result *r, void *arg)
{
    T("exec %s", J(r->out, r->out_len));
    char *argv[] = { "echo", "hello; echo pwned", NULL };
    lab_exec_file(loop, "echo", argv, NULL, second, NULL);
}

static void child_shell_vs_file(void)
{
    lab_exec(loop, "echo hello; echo pwned", NULL, first, NULL);
}

/* ---- fork and IPC ------------------------------------------------------------------ */

static void w_disconnect(lab_process *p) { T("child disconnect"); }

static lab_process *fork_child(lab_spawn_options *o, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = { (char *)nodelab(), "__child", (char *)a1, (char *)a2, (char *)a3, NULL };
    return lab_fork(loop, nodelab(), argv, o);
}

static void worker_message(lab_process *p, cJSON *m, int fd)
{
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(m, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) {
        T("message online");
        cJSON *req = cJSON_Parse("{\"cmd\":\"sum\",\"id\":1,\"from\":1,\"to\":101}");
        T("send %s", B(lab_ipc_send(p->ipc, req, NULL, NULL)));
        cJSON_Delete(req);
    } else {
        T("message id %d sum %.0f", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "id")),
          cJSON_GetNumberValue(cJSON_GetObjectItem(m, "sum")));
        lab_ipc_disconnect(p->ipc);
    }
}

static void child_fork_worker(void)
{
    lab_spawn_options o = watch_child(&W, false);
    o.on_message = worker_message;
    o.on_disconnect = w_disconnect;
    fork_child(&o, "worker", NULL, NULL);
}

static void late_callback(lab_ipc *ch, int status, void *arg)
{
    T("send callback %s \"Channel closed\"", lab_ipc_status_name(status));
}

static void child_send_after_disconnect(void)
{
    lab_spawn_options o = watch_child(&W, false);
    o.on_disconnect = w_disconnect;
    lab_process *p = fork_child(&o, "sink", "0", NULL);
    lab_ipc_disconnect(p->ipc);
    cJSON *m = cJSON_Parse("{\"x\":1}");
    T("send %s", B(lab_ipc_send(p->ipc, m, late_callback, NULL)));
    cJSON_Delete(m);
    T("connected %s", B(p->ipc->connected));
}

/* ---- child_job_retry: together.jobs' pool rule, on a bare lab_fork --------- */

static struct { int id; const char *first, *then; } retry_jobs[] = {
    { 1, "abort", "sum" }, { 2, "hang", "hang" },
};
static int retry_children, retry_next;
typedef struct { int job, attempt, n; bool answered; lab_timer timer; } retry_try;

static void retry_start(void);
static void retry_run(int job, int attempt);

static void retry_timeout(lab_timer *t)
{
    lab_process *p = t->data;
    retry_try *r = p->data;
    T("job %d timeout: kill child %d", retry_jobs[r->job].id, r->n);
    lab_process_kill(p, SIGKILL);
}

static void retry_message(lab_process *p, cJSON *m, int fd)
{
    retry_try *r = p->data;
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(m, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) {
        const char *what = r->attempt == 1 ? retry_jobs[r->job].first : retry_jobs[r->job].then;
        T("job %d attempt %d on child %d %s", retry_jobs[r->job].id, r->attempt, r->n, what);
        cJSON *job = cJSON_CreateObject();
        cJSON_AddStringToObject(job, "cmd", what);
        cJSON_AddNumberToObject(job, "id", retry_jobs[r->job].id);
        cJSON_AddNumberToObject(job, "from", 1);
        cJSON_AddNumberToObject(job, "to", 101);
        lab_ipc_send(p->ipc, job, NULL, NULL);
        cJSON_Delete(job);
        r->timer.data = p;
        lab_timer_start(&r->timer, retry_timeout, 300, 0);
        return;
    }
    lab_timer_stop(&r->timer);
    r->answered = true;
    T("job %d done sum %.0f", retry_jobs[r->job].id, cJSON_GetNumberValue(cJSON_GetObjectItem(m, "sum")));
    lab_process_kill(p, SIGKILL);
}

static void retry_close(lab_process *p, int code, int sig)
{
    retry_try *r = p->data;
    lab_timer_stop(&r->timer);
    if (sig) T("child %d close null %s", r->n, lab_signal_name(sig));
    else T("child %d close %d null", r->n, code);
    int job = r->job, attempt = r->attempt;
    bool answered = r->answered;
    free(r);
    if (answered) { retry_start(); return; }
    if (attempt < 2) {
        T("job %d retry", retry_jobs[job].id);
        retry_run(job, attempt + 1);
    } else {
        T("job %d failed", retry_jobs[job].id);
        retry_start();
    }
}

static void retry_run(int job, int attempt)
{
    retry_try *r = calloc(1, sizeof *r);
    *r = (retry_try){ .job = job, .attempt = attempt, .n = ++retry_children };
    lab_timer_init(loop, &r->timer);
    lab_spawn_options o = { .on_message = retry_message, .on_close = retry_close, .data = r };
    fork_child(&o, "worker", NULL, NULL);
}

static void retry_start(void)
{
    if (retry_next < (int)(sizeof retry_jobs / sizeof retry_jobs[0])) retry_run(retry_next++, 1);
}

static void child_job_retry(void) { retry_start(); }

static void early_disconnect(lab_process *p) { T("child disconnect exited: %s", B(p->exited)); }

static void child_early_close(void)
{
    lab_spawn_options o = watch_child(&W, true);
    o.on_disconnect = early_disconnect;
    fork_child(&o, "early-close", "300", NULL);
}

static void count_message(lab_process *p, cJSON *m, int fd) { ((watched *)p->data)->received++; }
static void burst_close(lab_process *p, int code, int sig)
{
    w_close(p, code, sig);
    T("received %d", ((watched *)p->data)->received);
}

static void child_burst(void)
{
    lab_spawn_options o = watch_child(&W, true);
    o.on_message = count_message;
    o.on_close = burst_close;
    fork_child(&o, "burst", "2000", "1");
}

static void counted(lab_process *p, cJSON *m, int fd)
{
    T("child counted %.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(m, "count")));
    lab_ipc_disconnect(p->ipc);
}

static void child_send_false(void)
{
    lab_spawn_options o = watch_child(&W, false);
    o.on_message = counted;
    lab_process *p = fork_child(&o, "sink", "300", NULL);
    char pad[1001];
    memset(pad, 'x', 1000);
    pad[1000] = 0;
    int falses = 0;
    for (int i = 0; i < 2000; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "pad", pad);
        if (!lab_ipc_send(p->ipc, m, NULL, NULL)) falses++;
        cJSON_Delete(m);
    }
    T("saw false %s", B(falses > 0));
    cJSON *done = cJSON_Parse("{\"done\":true}");
    lab_ipc_send(p->ipc, done, NULL, NULL);
    cJSON_Delete(done);
}

static void big_close(lab_process *p, int code, int sig)
{
    if (sig) T("close null %s", lab_signal_name(sig));
    else T("close %d null", code);
}

static void ignore_error(lab_stream *s, const lab_event *ev, void *arg) { }

/* The child reads nothing, so what the socketpair cannot take stays in
 * the stream: the answer does not depend on how fast a reader is. */
static void child_stdin_big_write(void)
{
    char *argv[] = { "sleep", "30", NULL };
    lab_spawn_options o = { .file = "sleep", .argv = argv, .on_close = big_close, .stdio_count = 3 };
    o.stdio[0].kind = LAB_STDIO_PIPE;
    o.stdio[1].kind = LAB_STDIO_IGNORE;
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    lab_process *p = lab_spawn(loop, &o);
    lab_stream *in = p->stdio[0];
    lab_stream_on(in, LAB_ON_ERROR, ignore_error, NULL);   /* EPIPE once killed */
    T("mark %zu", lab_writable_hwm(in));
    size_t big = (size_t)1 << 20;
    char *buf = malloc(big);
    memset(buf, 'a', 64 * 1024);
    bool ret = lab_writable_write(in, lab_chunk_copy(buf, 64 * 1024), NULL, NULL);
    T("write 64 KiB %s buffered %zu", B(ret), lab_writable_length(in));
    memset(buf, 'b', big);
    ret = lab_writable_write(in, lab_chunk_copy(buf, big), NULL, NULL);
    T("write 1 MiB %s buffered %s", B(ret), B(lab_writable_length(in) > 0));
    free(buf);
    lab_process_kill(p, 0);
}

/* ---- child_pipeline_jam: producer → gzip → gzip -d → a held counter ---- */

enum { JAM_CHUNK = 8192, JAM_MAX = 8 << 20 };
static struct {
    lab_stream *producer, *counter, *gz_out, *gunz_out;
    size_t made, counted, stop_at;
    uint64_t seq, since_gz, since_gunz;       /* 0: not paused */
    bool released, held;
    lab_timer tick;
} JAM;

static void jam_text(char *out, size_t n)    /* the same bytes as the JS side */
{
    size_t len = 0;
    while (len < n) {
        char row[64];
        int k = snprintf(row, sizeof row, "%zu,row,%zu\n", JAM.made + len, (JAM.made + len) % 977);
        size_t take = (size_t)k < n - len ? (size_t)k : n - len;
        memcpy(out + len, row, take);
        len += take;
    }
}

static void jam_tick(lab_timer *t)
{
    if (JAM.made >= JAM.stop_at) { lab_readable_push_eof(JAM.producer); goto done; }
    char buf[JAM_CHUNK];
    jam_text(buf, sizeof buf);
    JAM.made += sizeof buf;
    lab_readable_push(JAM.producer, lab_chunk_copy(buf, sizeof buf));
done:
    lab_stream_unref(JAM.producer);
}

static void jam_read(lab_stream *s, size_t n)
{
    lab_stream_ref(s);                        /* the timer's */
    lab_timer_start(&JAM.tick, jam_tick, 8, 0);
}

static void jam_write(lab_stream *s, const lab_chunk *c)
{
    JAM.counted += c->len;
    if (JAM.released) lab_write_done(s, NULL);
    else JAM.held = true;
}

static void jam_pause(lab_stream *s, const lab_event *ev, void *arg)
{
    if (lab_readable_eof(s) || JAM.made >= JAM.stop_at) return;
    if (s == JAM.gz_out) JAM.since_gz = ++JAM.seq;
    if (s == JAM.gunz_out) JAM.since_gunz = ++JAM.seq;
    if (s != JAM.producer || JAM.released) return;
    T("producer paused; relays paused %s ; nearest first %s", B(JAM.since_gz && JAM.since_gunz),
      B(JAM.since_gunz < JAM.since_gz));
    JAM.released = true;
    JAM.stop_at = JAM.made + 64 * 1024;
    if (JAM.held) lab_write_done(JAM.counter, NULL);
}

static void jam_resume(lab_stream *s, const lab_event *ev, void *arg)
{
    if (s == JAM.gz_out) JAM.since_gz = 0;
    if (s == JAM.gunz_out) JAM.since_gunz = 0;
}

static void jam_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    T("finish; every byte %s", B(JAM.counted == JAM.made));
}

static lab_process *jam_gzip(char **argv)
{
    lab_spawn_options o = { .file = "gzip", .argv = argv, .stdio_count = 3 };
    o.stdio[0].kind = o.stdio[1].kind = LAB_STDIO_PIPE;
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    return lab_spawn(loop, &o);
}

static void child_pipeline_jam(void)
{
    static const lab_stream_ops producer_ops = { .read = jam_read }, counter_ops = { .write = jam_write };
    char *gz_argv[] = { "gzip", "-c", "-1", NULL }, *gunz_argv[] = { "gzip", "-d", "-c", NULL };
    lab_process *gz = jam_gzip(gz_argv), *gunz = jam_gzip(gunz_argv);
    JAM.stop_at = JAM_MAX;
    lab_timer_init(loop, &JAM.tick);
    JAM.producer = lab_readable_new(loop, &producer_ops, NULL, NULL);
    JAM.counter = lab_writable_new(loop, &counter_ops, NULL, NULL);
    JAM.gz_out = gz->stdio[1];
    JAM.gunz_out = gunz->stdio[1];
    lab_stream *watched[] = { JAM.gz_out, JAM.gunz_out, JAM.producer };
    for (int i = 0; i < 3; i++) {
        lab_stream_on(watched[i], LAB_ON_PAUSE, jam_pause, NULL);
        lab_stream_on(watched[i], LAB_ON_RESUME, jam_resume, NULL);
    }
    lab_stream_on(JAM.counter, LAB_ON_FINISH, jam_finish, NULL);
    lab_pipe(JAM.producer, gz->stdio[0], true);
    lab_pipe(JAM.gz_out, gunz->stdio[0], true);
    lab_pipe(JAM.gunz_out, JAM.counter, true);
    lab_stream_unref(JAM.producer);
    lab_stream_unref(JAM.counter);
}

/* ---- child_gzip_killed: one together.system upload, its gzip child killed ---- */

enum { GK_CHUNK = 65536, GK_KILL_AT = 1 << 20, GK_MAX = 8 << 20 };
static struct {
    lab_stream *body;
    lab_process *gz;
    size_t made;
    bool killed, finished;
    lab_timer tick;
} GK;

static void gk_tick(lab_timer *t)
{
    if (GK.made >= GK_MAX) {
        lab_readable_push_eof(GK.body);
    } else {
        char buf[GK_CHUNK];
        GK.made += sizeof buf;
        memset(buf, (int)(GK.made % 251), sizeof buf);
        lab_readable_push(GK.body, lab_chunk_copy(buf, sizeof buf));
        if (GK.made >= GK_KILL_AT && !GK.killed) {
            GK.killed = true;
            lab_process_kill(GK.gz, SIGKILL);
        }
    }
    lab_stream_unref(GK.body);
}

static void gk_read(lab_stream *s, size_t n)
{
    lab_stream_ref(s);                        /* the timer's */
    lab_timer_start(&GK.tick, gk_tick, 1, 0);
}

static void gk_write(lab_stream *s, const lab_chunk *c) { lab_write_done(s, NULL); }
static void gk_finish(lab_stream *s, const lab_event *ev, void *arg) { GK.finished = true; }
static void gk_ignore(lab_stream *s, const lab_event *ev, void *arg) { }

static void gk_close(lab_process *p, int code, int sig)
{
    if (sig) T("close null %s", lab_signal_name(sig));
    else T("close %d null", code);
    T("file finished anyway %s", B(GK.finished));
    T("body stopped before its end %s", B(GK.made < GK_MAX));
}

static void child_gzip_killed(void)
{
    static const lab_stream_ops body_ops = { .read = gk_read }, file_ops = { .write = gk_write };
    char *argv[] = { "gzip", "-c", "-1", NULL };
    lab_spawn_options o = { .file = "gzip", .argv = argv, .stdio_count = 3, .on_close = gk_close };
    o.stdio[0].kind = o.stdio[1].kind = LAB_STDIO_PIPE;
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    GK.gz = lab_spawn(loop, &o);
    lab_timer_init(loop, &GK.tick);
    GK.body = lab_readable_new(loop, &body_ops, NULL, NULL);
    lab_stream *file = lab_writable_new(loop, &file_ops, NULL, NULL);
    lab_stream_on(GK.gz->stdio[0], LAB_ON_ERROR, gk_ignore, NULL);
    lab_stream_on(file, LAB_ON_FINISH, gk_finish, NULL);
    lab_pipe(GK.body, GK.gz->stdio[0], true);
    lab_pipe(GK.gz->stdio[1], file, true);
    lab_stream_unref(GK.body);
    lab_stream_unref(file);
}

/* ---- the driver ------------------------------------------------------------------------ */

#define SCENARIOS(X) X(child_missing) X(child_eacces) X(child_exit_code) \
    X(child_late_output) X(child_kill) X(child_stdin_cat) X(child_exec_maxbuffer) \
    X(child_exec_timeout) X(child_exec_failed) X(child_execfile_enoent) \
    X(child_shell_vs_file) X(child_fork_worker) X(child_send_after_disconnect) \
    X(child_early_close) X(child_burst) X(child_send_false) X(child_unhandled_error) \
    X(child_stdio_sockets) X(child_stdout_reset) X(child_stdin_big_write) \
    X(child_pipeline_jam) X(child_job_retry) X(child_gzip_killed)

static const parity_scenario scenarios[] = {
#define ENTRY(name) { #name, name },
    SCENARIOS(ENTRY)
#undef ENTRY
};

int main(int argc, char **argv)
{
    return parity_main(argc, argv, "child-parity", "child_process", scenarios,
                       sizeof scenarios / sizeof scenarios[0], false);
}
