/* test_ipc.c — the JSON channel and fork(): messages both ways, the 128 KiB
 * advice, callbacks, disconnect, descriptor passing, with Check. */
#define _GNU_SOURCE
#include "fork.h"
#include "ipc.h"
#include "telemetry.h"

#include "check_run.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char trace[4096];
static void note(const char *s)
{
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, "%s%s", n ? " " : "", s);
}

static const char *nodelab(void)
{
    const char *p = getenv("NODELAB");
    return p && *p ? p : "./nodelab";
}

static cJSON *obj(const char *json) { return cJSON_Parse(json); }

static void send_and_free(lab_ipc *ch, cJSON *m, lab_ipc_send_cb *cb, void *arg)
{
    lab_ipc_send(ch, m, cb, arg);
    cJSON_Delete(m);
}

/* ---- two channels in one process, over a socketpair --------------------------- */

static void pair_message(lab_ipc *ch, cJSON *msg, int fd)
{
    char *s = cJSON_PrintUnformatted(msg);
    char line[128];
    snprintf(line, sizeof line, "%s:%s", (char *)ch->data, s);
    note(line);
    free(s);
    if (strcmp(ch->data, "b") == 0) send_and_free(ch, obj("{\"reply\":true}"), NULL, NULL);
    else lab_ipc_disconnect(ch);
}

static void pair_disconnect(lab_ipc *ch)
{
    char line[32];
    snprintf(line, sizeof line, "%s:disconnect", (char *)ch->data);
    note(line);
}

static void sent_cb(lab_ipc *ch, int status, void *arg)
{
    note(status ? lab_ipc_status_name(status) : "sent");
}

START_TEST(pair_both_ways_and_disconnect_on_both_sides)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    lab_loop *loop = lab_loop_new();
    lab_ipc *a = lab_ipc_open(loop, sv[0], getpid()), *b = lab_ipc_open(loop, sv[1], getpid());
    a->data = "a"; b->data = "b";
    a->on_message = b->on_message = pair_message;
    a->on_disconnect = b->on_disconnect = pair_disconnect;
    trace[0] = 0;
    send_and_free(a, obj("{\"n\":1}"), sent_cb, NULL);
    note("returned");                     /* the callback comes later */
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_str_eq(trace, "returned sent b:{\"n\":1} a:{\"reply\":true} a:disconnect b:disconnect");
}
END_TEST

START_TEST(send_after_disconnect_calls_back_with_channel_closed)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    lab_loop *loop = lab_loop_new();
    lab_ipc *a = lab_ipc_open(loop, sv[0], 0), *b = lab_ipc_open(loop, sv[1], 0);
    a->data = "a"; b->data = "b";
    a->on_disconnect = b->on_disconnect = pair_disconnect;
    trace[0] = 0;
    lab_ipc_disconnect(a);
    cJSON *m = obj("{}");
    ck_assert(!lab_ipc_send(a, m, sent_cb, NULL));
    cJSON_Delete(m);
    note("returned");
    lab_loop_run(loop);
    lab_loop_free(loop);
    /* As Node: the disconnect was queued first, so it is reported first. */
    ck_assert_str_eq(trace, "returned a:disconnect ERR_IPC_CHANNEL_CLOSED b:disconnect");
}
END_TEST

/* ---- forked children ------------------------------------------------------------ */

static void fork_message(lab_process *p, cJSON *msg, int fd)
{
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) {
        note("online");
        send_and_free(p->ipc, obj("{\"cmd\":\"sum\",\"id\":1,\"from\":1,\"to\":101}"), NULL, NULL);
    } else {
        char line[64];
        snprintf(line, sizeof line, "sum=%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "sum")));
        note(line);
        lab_ipc_disconnect(p->ipc);
    }
}
static void fork_spawn(lab_process *p) { note("spawn"); }
static void fork_disconnect(lab_process *p) { note("disconnect"); }
static void fork_exit(lab_process *p, int code, int sig) { note(code == 0 ? "exit:0" : "exit:?"); }
static void fork_close(lab_process *p, int code, int sig) { note(code == 0 ? "close:0" : "close:?"); }

/* Forks `nodelab __child ROLE [ARG [ARG2]]` (trailing NULLs end the list)
 * with a fresh trace and runs the loop until the child is gone. */
static void run_child(lab_spawn_options *o, const char *role, const char *arg,
                      const char *arg2)
{
    char *argv[] = { (char *)nodelab(), "__child", (char *)role, (char *)arg,
                     (char *)arg2, NULL };
    trace[0] = 0;
    lab_loop *loop = lab_loop_new();
    ck_assert_ptr_nonnull(lab_fork(loop, nodelab(), argv, o));
    lab_loop_run(loop);
    lab_loop_free(loop);
}

START_TEST(forked_program_talks_both_ways)
{
    lab_spawn_options o = { .on_spawn = fork_spawn, .on_message = fork_message,
                            .on_disconnect = fork_disconnect, .on_exit = fork_exit,
                            .on_close = fork_close };
    run_child(&o, "worker", NULL, NULL);
    ck_assert_str_eq(trace, "spawn online sum=5050 disconnect exit:0 close:0");
}
END_TEST

static void count_message(lab_process *p, cJSON *msg, int fd)
{
    long *received = p->data;
    (*received)++;
}

/* How many of the 2000 messages `__child burst` sends arrive. */
static long run_burst(const char *wait)
{
    long received = 0;
    lab_spawn_options o = { .on_message = count_message, .data = &received };
    run_child(&o, "burst", "2000", wait);
    return received;
}

START_TEST(waiting_for_send_callbacks_loses_nothing)
{
    ck_assert_int_eq(run_burst("1"), 2000);
    ck_assert_int_lt(run_burst("0"), 2000);   /* exit() right after send() */
}
END_TEST

static void note_disconnect(lab_process *p) { note(p->exited ? "disconnect-after-exit" : "disconnect"); }

START_TEST(early_close_is_disconnect_not_a_hang)
{
    lab_spawn_options o = { .on_disconnect = note_disconnect, .on_exit = fork_exit,
                            .on_close = fork_close };
    run_child(&o, "early-close", "300", NULL);
    ck_assert_str_eq(trace, "disconnect exit:0 close:0");
}
END_TEST

/* A function child: counts messages after a nap, then reports. */
static void nap_message(lab_ipc *ch, cJSON *msg, int fd)
{
    long *n = ch->data;
    if (cJSON_IsTrue(cJSON_GetObjectItem(msg, "done"))) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "count", (double)*n);
        send_and_free(ch, r, NULL, NULL);
        return;
    }
    (*n)++;
}

/* The body of every function child below: a loop serving the channel
 * until the parent disconnects. */
static int serve(lab_ipc_message_cb *on_message, void *data)
{
    lab_loop *loop = lab_loop_new();
    lab_ipc *ch = lab_ipc_from_env(loop);
    if (!ch) return 3;
    ch->data = data;
    ch->on_message = on_message;
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}

static int napping_counter(void *arg)
{
    usleep(300 * 1000);                    /* let the parent's queue build up */
    long n = 0;
    return serve(nap_message, &n);
}

typedef struct { int sent, first_false; size_t queued_at_false; long count; } flood;

static void flood_reply(lab_process *p, cJSON *msg, int fd)
{
    flood *f = p->data;
    f->count = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "count"));
    lab_ipc_disconnect(p->ipc);
}

START_TEST(send_says_false_past_128k_and_still_delivers)
{
    flood f = { .first_false = -1 };
    lab_spawn_options o = { .on_message = flood_reply, .data = &f };
    lab_loop *loop = lab_loop_new();
    lab_process *p = lab_fork_call(loop, napping_counter, NULL, &o);
    ck_assert_ptr_nonnull(p);
    char body[1100];
    memset(body, 'x', 1000);
    body[1000] = 0;
    for (f.sent = 0; f.sent < 2000; f.sent++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "pad", body);
        bool ok = lab_ipc_send(p->ipc, m, NULL, NULL);
        cJSON_Delete(m);
        if (!ok && f.first_false < 0) {
            f.first_false = f.sent;
            f.queued_at_false = lab_ipc_queued(p->ipc);
        }
    }
    send_and_free(p->ipc, obj("{\"done\":true}"), NULL, NULL);
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_ge(f.first_false, 0);
    ck_assert_uint_ge(f.queued_at_false, LAB_IPC_HIGH_WATER);
    ck_assert_int_eq(f.count, 2000);       /* advice, not a drop */
}
END_TEST

/* Descriptors: the child reads each pipe it is given and says what was in it. */
static void fd_message(lab_ipc *ch, cJSON *msg, int fd)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "id", cJSON_Duplicate(cJSON_GetObjectItem(msg, "id"), true));
    char buf[64] = "";
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        close(fd);
    }
    cJSON_AddStringToObject(r, "content", fd >= 0 ? buf : "(no descriptor)");
    send_and_free(ch, r, NULL, NULL);
}

static int fd_reader(void *arg) { return serve(fd_message, NULL); }

static void fd_reply(lab_process *p, cJSON *msg, int fd)
{
    char line[96];
    snprintf(line, sizeof line, "%d=%s", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "id")),
             cJSON_GetStringValue(cJSON_GetObjectItem(msg, "content")));
    note(line);
    if (strlen(trace) > 0 && strstr(trace, "4=")) lab_ipc_disconnect(p->ipc);
}

START_TEST(descriptors_travel_with_their_messages)
{
    trace[0] = 0;
    lab_spawn_options o = { .on_message = fd_reply };
    lab_loop *loop = lab_loop_new();
    lab_process *p = lab_fork_call(loop, fd_reader, NULL, &o);
    for (int id = 1; id <= 4; id++) {
        char json[32];
        snprintf(json, sizeof json, "{\"id\":%d}", id);
        cJSON *m = obj(json);
        if (id % 2) {                        /* odd ids carry a pipe */
            int pp[2];
            ck_assert_int_eq(pipe2(pp, O_CLOEXEC), 0);
            char text[16];
            int n = snprintf(text, sizeof text, "pipe%d", id);
            ck_assert_int_eq(write(pp[1], text, (size_t)n), n);
            close(pp[1]);
            lab_ipc_send_fd(p->ipc, m, pp[0], NULL, NULL);
            close(pp[0]);                    /* the channel sent a copy */
        } else {
            lab_ipc_send(p->ipc, m, NULL, NULL);
        }
        cJSON_Delete(m);
    }
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_str_eq(trace, "1=pipe1 2=(no descriptor) 3=pipe3 4=(no descriptor)");
}
END_TEST

/* The child lists its descriptors first thing, before it opens anything. */
static cJSON *fds_at_start;

static void fds_message(lab_ipc *ch, cJSON *msg, int fd)
{
    lab_ipc_send(ch, fds_at_start, NULL, NULL);
}

static int fd_lister(void *arg)
{
    fds_at_start = cJSON_CreateArray();
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
            cJSON_AddItemToArray(fds_at_start, cJSON_CreateNumber(atoi(de->d_name)));
    closedir(d);
    return serve(fds_message, NULL);
}

/* Allowed: 0-2, the channel on 3, and what our own parent gave us without
 * close-on-exec (a test harness may). */
static void fds_reply(lab_process *p, cJSON *msg, int fd)
{
    int *bad = p->data;
    cJSON *it;
    cJSON_ArrayForEach(it, msg) {
        int n = (int)it->valuedouble, flags = fcntl(n, F_GETFD);
        if (n > 3 && (flags < 0 || (flags & FD_CLOEXEC))) (*bad)++;
    }
    lab_ipc_disconnect(p->ipc);
}

START_TEST(function_child_keeps_only_stdio_and_channel)
{
    int extra[2], bad = 0;
    ck_assert_int_eq(pipe2(extra, O_CLOEXEC), 0);     /* must not reach the child */
    lab_spawn_options o = { .on_message = fds_reply, .data = &bad };
    lab_loop *loop = lab_loop_new();
    lab_process *p = lab_fork_call(loop, fd_lister, NULL, &o);
    send_and_free(p->ipc, obj("{}"), NULL, NULL);
    lab_loop_run(loop);
    lab_loop_free(loop);
    (void)extra;
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- a peer that breaks the descriptor protocol ------------------------------- */

/* Sends text on a raw socket with nfds descriptors attached (one sendmsg). */
static void raw_send(int sock, const char *text, const int *fds, int nfds)
{
    struct iovec iov = { (void *)text, strlen(text) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    char ctl[CMSG_SPACE(64 * sizeof(int))];
    if (nfds > 0) {
        memset(ctl, 0, sizeof ctl);
        mh.msg_control = ctl;
        mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    ck_assert_int_eq(sendmsg(sock, &mh, 0), (ssize_t)iov.iov_len);
}

/* n pipes; the read ends go into out_r, the write ends into out_w, each
 * read end already holding "pipeN". */
static void make_pipes(int n, int *out_r, int *out_w)
{
    for (int i = 0; i < n; i++) {
        int pp[2];
        ck_assert_int_eq(pipe2(pp, O_CLOEXEC), 0);
        char text[16];
        int len = snprintf(text, sizeof text, "pipe%d", i);
        ck_assert_int_eq(write(pp[1], text, (size_t)len), len);
        out_r[i] = pp[0];
        out_w[i] = pp[1];
    }
}

/* What each message brought: "{json}=content" or "{json}=-". */
static void raw_message(lab_ipc *ch, cJSON *msg, int fd)
{
    char *s = cJSON_PrintUnformatted(msg), buf[32] = "-";
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        close(fd);
    }
    char line[96];
    snprintf(line, sizeof line, "%s=%s", s, buf);
    note(line);
    free(s);
    if (strstr(trace, "\"last\"")) lab_ipc_disconnect(ch);
}

/* A raw socket sv[0] for the peer, sv[1] for our channel, and n pipes
 * whose read ends the peer will send. */
static void raw_peer_setup(int sv[2], int n, int *r, int *w)
{
    signal(SIGPIPE, SIG_IGN);             /* a closed read end: EPIPE */
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    make_pipes(n, r, w);
    trace[0] = 0;
}

/* After the peer has sent: drops our copies of the n read ends (the
 * channel has its own), runs the channel on sv[1] until it has seen
 * {"last":1}.  Telemetry goes to a pipe whose lines come back in tel. */
static void run_raw_peer(int sv[2], int n, int *r, char *tel, size_t tel_size)
{
    for (int i = 0; i < n; i++) close(r[i]);
    int tp[2];
    ck_assert_int_eq(pipe2(tp, O_CLOEXEC | O_NONBLOCK), 0);
    lab_tel_open(tp[1]);
    lab_loop *loop = lab_loop_new();
    lab_ipc *ch = lab_ipc_open(loop, sv[1], 0);
    ch->on_message = raw_message;
    lab_loop_run(loop);
    lab_loop_free(loop);
    lab_tel_close(0);
    ssize_t got = read(tp[0], tel, tel_size - 1);
    tel[got > 0 ? got : 0] = 0;
    close(tp[0]);
    close(tp[1]);
    close(sv[0]);
}

/* Whether the last copy of a pipe's read end is closed: writing fails. */
static bool read_end_closed(int w)
{
    return write(w, "x", 1) < 0 && errno == EPIPE;
}

START_TEST(extra_descriptors_are_closed_and_reported)
{
    int sv[2], r[40], w[40];
    char tel[8192];
    raw_peer_setup(sv, 40, r, w);
    /* 40 descriptors with one handle message: more than the one it may
     * carry, and more than the channel's buffer holds. */
    raw_send(sv[0], "{\"cmd\":\"NODELAB_HANDLE\",\"msg\":{\"id\":1}}\n", r, 40);
    raw_send(sv[0], "{\"last\":1}\n", NULL, 0);
    run_raw_peer(sv, 40, r, tel, sizeof tel);
    ck_assert_str_eq(trace, "{\"id\":1}=pipe0 {\"last\":1}=-");
    for (int i = 1; i < 40; i++) ck_assert_msg(read_end_closed(w[i]), "pipe %d still open", i);
    ck_assert_ptr_nonnull(strstr(tel, "than one with a message (and more than fit): closed"));
}
END_TEST

START_TEST(a_stray_descriptor_goes_to_no_later_message)
{
    int sv[2], r[1], w[1];
    char tel[8192];
    raw_peer_setup(sv, 1, r, w);
    /* A descriptor with a plain message, then a handle message without
     * one: the handle message must not get the stray. */
    raw_send(sv[0], "{\"plain\":1}\n", r, 1);
    raw_send(sv[0], "{\"cmd\":\"NODELAB_HANDLE\",\"msg\":{\"last\":1}}\n", NULL, 0);
    run_raw_peer(sv, 1, r, tel, sizeof tel);
    ck_assert_str_eq(trace, "{\"plain\":1}=- {\"last\":1}=-");
    ck_assert(read_end_closed(w[0]));
    ck_assert_ptr_nonnull(strstr(tel, "a descriptor came without a handle message: closed"));
}
END_TEST

static void big_reply(lab_process *p, cJSON *msg, int fd)
{
    size_t *len = p->data;
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "big"));
    *len = s ? strlen(s) : 0;
    lab_ipc_disconnect(p->ipc);
}

START_TEST(large_message_round_trip)
{
    size_t n = 3 * 1024 * 1024, got = 0;
    char *big = malloc(n + 1);
    memset(big, 'y', n);
    big[n] = 0;
    char *argv[] = { (char *)nodelab(), "__child", "pong", NULL };
    lab_spawn_options o = { .on_message = big_reply, .data = &got };
    lab_loop *loop = lab_loop_new();
    lab_process *p = lab_fork(loop, nodelab(), argv, &o);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "big", big);
    lab_ipc_send(p->ipc, m, NULL, NULL);   /* true or false: the child reads meanwhile */
    cJSON_Delete(m);
    lab_loop_run(loop);
    lab_loop_free(loop);
    free(big);
    ck_assert_uint_eq(got, n);
}
END_TEST

int main(void)
{
    return CHECK_RUN("ipc", 20, NULL, NULL,
                     pair_both_ways_and_disconnect_on_both_sides,
                     send_after_disconnect_calls_back_with_channel_closed,
                     forked_program_talks_both_ways, waiting_for_send_callbacks_loses_nothing,
                     early_close_is_disconnect_not_a_hang,
                     send_says_false_past_128k_and_still_delivers,
                     descriptors_travel_with_their_messages,
                     function_child_keeps_only_stdio_and_channel, large_message_round_trip,
                     extra_descriptors_are_closed_and_reported,
                     a_stray_descriptor_goes_to_no_later_message);
}
