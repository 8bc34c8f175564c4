/* test_server.c — exercise shutdown-graceful: the tests (one TCase per test).
 *
 * Each test runs the server in a child process (the shutdown ends that
 * process) and plays its clients.  Judged by events and their order, never
 * by the clock: the server's own telemetry says when it began draining,
 * the kernel's socket table (/proc/net/tcp) says when it has read what a
 * client sent, the exit status says how it ended, and SQLite says which
 * rows are there.
 *
 * bench/mutants.py: 20 of 24 killed; the 4 survivors are equivalent:
 * `id < 0` made `id <= 0` or `id < 1` (db_insert returns -1 or an id
 * from 1 up). */
#define _GNU_SOURCE
#include "server.h"
#include "telemetry.h"

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    int port;
    FILE *events;              /* the server's telemetry, one JSON a line */
    char dir[256], db[300];
} server;

/* ---- the server, in a child ------------------------------------------------------ */

/* The server of the running test: a failed assertion ends the test at
 * once, and the teardown still stops it. */
static pid_t running;

static void stop_leftover(void)
{
    if (running > 0) {
        kill(running, SIGKILL);
        waitpid(running, NULL, 0);
    }
    running = 0;
}

static void start(server *s, uint64_t deadline_ms)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/shutdown.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_msg(mkdtemp(s->dir) != NULL, "mkdtemp %s: %s", s->dir, strerror(errno));
    snprintf(s->db, sizeof s->db, "%s/rows.db", s->dir);
    int port_pipe[2], tel[2];
    ck_assert_int_eq(pipe(port_pipe), 0);
    ck_assert_int_eq(pipe(tel), 0);
    fcntl(tel[1], F_SETPIPE_SZ, 1 << 20);
    fflush(NULL);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        /* As a server process starts: Check's own SIGTERM handler (which
         * passes the signal to the whole test) is not the server's. */
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        close(port_pipe[0]);
        close(tel[0]);
        lab_tel_open(tel[1]);
        lab_loop *loop = lab_loop_new();
        int port = -1;
        if (server_start(loop, s->db, 0, deadline_ms, &port) != 0) port = -1;
        if (write(port_pipe[1], &port, sizeof port) != sizeof port || port < 0) _exit(2);
        close(port_pipe[1]);
        lab_loop_run(loop);
        _exit(3);                            /* the loop ended: no shutdown exited */
    }
    running = s->pid;
    close(port_pipe[1]);
    close(tel[1]);
    s->events = fdopen(tel[0], "r");
    ssize_t n = read(port_pipe[0], &s->port, sizeof s->port);
    close(port_pipe[0]);
    ck_assert_msg(n == sizeof s->port && s->port > 0, "server_start failed (returned -1, or the server "
                  "died before listening)");
}

/* Waits for the server's exit; its status as a shell prints it. */
static int finish(server *s)
{
    int st;
    ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
    fclose(s->events);
    s->pid = running = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The next `shutdown` event of the given phase; its in_flight in *in_flight.
 * False if the server ended first. */
static bool await_phase(server *s, const char *phase, long *in_flight)
{
    char line[4096];
    while (fgets(line, sizeof line, s->events)) {
        cJSON *e = cJSON_Parse(line);
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(e, "ev"));
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(e, "phase"));
        bool hit = ev && ph && !strcmp(ev, "shutdown") && !strcmp(ph, phase);
        if (hit && in_flight) *in_flight = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "in_flight"));
        cJSON_Delete(e);
        if (hit) return true;
    }
    return false;
}

/* ---- clients --------------------------------------------------------------------- */

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    int err = errno;
    close(fd);
    return -err;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Sends a POST / whose body is `body`, but only its first `part` bytes. */
static int post_begin(int port, const char *body, size_t part)
{
    int fd = dial(port);
    if (fd < 0) return fd;
    char head[256];
    int n = snprintf(head, sizeof head, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", strlen(body));
    if (!send_all(fd, head, (size_t)n) || !send_all(fd, body, part)) {
        close(fd);
        return -EPIPE;
    }
    return fd;
}

/* Sends the rest and reads the answer: the status (0: no answer) and the
 * id in {"id":N} (-1: none). */
static int post_end(int fd, const char *body, size_t part, long long *id)
{
    *id = -1;
    if (!send_all(fd, body + part, strlen(body) - part)) { close(fd); return 0; }
    char buf[2048];
    size_t len = 0;
    for (ssize_t k; len < sizeof buf - 1 && (k = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0;)
        len += (size_t)k;
    buf[len] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) return 0;
    const char *p = strstr(buf, "{\"id\":");
    if (p) *id = atoll(p + 6);
    return status;
}

static int post(int port, const char *body, long long *id)
{
    int fd = post_begin(port, body, 0);
    if (fd < 0) { *id = -1; return fd; }
    return post_end(fd, body, 0, id);
}

/* Waits until the server has read everything this client sent: the
 * server's end of the connection (in /proc/net/tcp) has nothing left in
 * its receive queue.  Then the server has parsed the request's head. */
static void await_read(int server_port, int fd)
{
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &len), 0);
    unsigned client_port = ntohs(me.sin_port);
    for (;;) {
        FILE *f = fopen("/proc/net/tcp", "r");
        ck_assert_ptr_nonnull(f);
        char line[512];
        bool found = false;
        unsigned long rx = 1;
        while (fgets(line, sizeof line, f)) {
            unsigned lport, rport;
            unsigned long tx, rxq;
            if (sscanf(line, " %*d: %*8X:%X %*8X:%X %*X %lX:%lX", &lport, &rport, &tx, &rxq) == 4 &&
                lport == (unsigned)server_port && rport == client_port) {
                found = true;
                rx = rxq;
            }
        }
        fclose(f);
        ck_assert_msg(found, "the server's end of a connection is gone before the request was answered");
        if (rx == 0) return;
        usleep(1000);
    }
}

/* ---- the database, afterwards ------------------------------------------------------- */

typedef struct { long long id; char body[64]; } row;

/* The rows in the file: how many, the first max of them in *rows. */
static int read_rows(const char *path, row *rows, int max)
{
    sqlite3 *db;
    ck_assert_msg(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
                  "the database %s cannot be opened after the server stopped", path);
    sqlite3_stmt *st;
    int n = 0;
    ck_assert_msg(sqlite3_prepare_v2(db, "SELECT id, body FROM rows ORDER BY id", -1, &st, NULL) == SQLITE_OK,
                  "the database has no table rows: %s", sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n < max) {
            rows[n].id = sqlite3_column_int64(st, 0);
            snprintf(rows[n].body, sizeof rows[n].body, "%s", (const char *)sqlite3_column_text(st, 1));
        }
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static bool has_row(const row *rows, int n, long long id, const char *body)
{
    for (int i = 0; i < n; i++)
        if (rows[i].id == id && !strcmp(rows[i].body, body)) return true;
    return false;
}

static bool wal_left(const server *s)
{
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", s->db);
    return access(wal, F_OK) == 0;
}

/* ---- the tests ------------------------------------------------------------------------ */

START_TEST(acknowledged_after_commit)
{
    server s;
    start(&s, 20000);
    long long ids[10];
    char body[32];
    for (int i = 0; i < 10; i++) {
        snprintf(body, sizeof body, "order-%d", i);
        int st = post(s.port, body, &ids[i]);
        ck_assert_msg(st == 200 && ids[i] > 0, "POST / %s: status %d, id %lld; wanted 200 {\"id\":N}",
                      body, st, ids[i]);
        for (int j = 0; j < i; j++) ck_assert_msg(ids[j] != ids[i], "two requests got the id %lld", ids[i]);
    }
    long long none;
    int fd = dial(s.port);
    ck_assert_int_ge(fd, 0);
    const char *get = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    send_all(fd, get, strlen(get));
    ck_assert_msg(post_end(fd, "", 0, &none) == 404, "GET /x should be answered 404");
    kill(s.pid, SIGTERM);
    ck_assert_msg(finish(&s) == 0, "after SIGTERM with nothing in flight the server should exit 0");
    row rows[32];
    int n = read_rows(s.db, rows, 32);
    ck_assert_msg(n == 10, "10 requests acknowledged, %d rows in the database (a GET stores nothing)", n);
    for (int i = 0; i < 10; i++) {
        snprintf(body, sizeof body, "order-%d", i);
        ck_assert_msg(has_row(rows, n, ids[i], body), "request %s was acknowledged with id %lld, but that "
                      "row is not in the database", body, ids[i]);
    }
}
END_TEST

START_TEST(sigterm_refuses_new_connections)
{
    server s;
    start(&s, 20000);
    const char *body = "in flight at SIGTERM";
    int fd = post_begin(s.port, body, 5);       /* the head and 5 bytes of the body */
    ck_assert_msg(fd >= 0, "cannot connect to the server: %s", strerror(-fd));
    await_read(s.port, fd);
    kill(s.pid, SIGTERM);
    long in_flight = -1;
    ck_assert_msg(await_phase(&s, "draining", &in_flight), "after SIGTERM the server never began to drain "
                  "(no lab_shutdown, or it died)");
    int again = dial(s.port);
    if (again >= 0) close(again);
    ck_assert_msg(again == -ECONNREFUSED, "a new connection after SIGTERM was %s, wanted refused: stop "
                  "accepting first (register the listener)", again >= 0 ? "accepted" : strerror(-again));
    long long id;
    int st = post_end(fd, body, 5, &id);
    ck_assert_msg(st == 200 && id > 0, "the request in flight at SIGTERM got status %d: it must be finished "
                  "and answered", st);
    ck_assert_msg(finish(&s) == 0, "the server should exit 0 once the request in flight is answered");
    row rows[4];
    int n = read_rows(s.db, rows, 4);
    ck_assert_msg(n == 1 && has_row(rows, n, id, body), "the acknowledged row (id %lld) is not in the database",
                  id);
}
END_TEST

START_TEST(in_flight_requests_finish)
{
    server s;
    start(&s, 20000);
    const char *a = "first, half sent", *b = "second, head only";
    int fa = post_begin(s.port, a, 6), fb = post_begin(s.port, b, 0);
    ck_assert(fa >= 0 && fb >= 0);
    await_read(s.port, fa);
    await_read(s.port, fb);
    kill(s.pid, SIGTERM);
    long in_flight = -1;
    ck_assert_msg(await_phase(&s, "draining", &in_flight), "after SIGTERM the server never began to drain");
    ck_assert_msg(in_flight == 2, "2 requests had arrived, the drain counts %ld in flight: "
                  "lab_shutdown_request_begin when a request arrives, _end when its response is over",
                  in_flight);
    long long ida, idb;
    int sb = post_end(fb, b, 0, &idb), sa = post_end(fa, a, 6, &ida);
    ck_assert_msg(sa == 200 && sb == 200, "the requests in flight at SIGTERM got %d and %d, wanted 200 both",
                  sa, sb);
    ck_assert_msg(finish(&s) == 0, "the server should exit 0 once both requests are answered");
    ck_assert_msg(!wal_left(&s), "the database's -wal file is still there: the database was not closed "
                  "(register a closer that calls db_close)");
    row rows[4];
    int n = read_rows(s.db, rows, 4);
    ck_assert_msg(n == 2 && has_row(rows, n, ida, a) && has_row(rows, n, idb, b),
                  "the two acknowledged rows are not both in the database (%d rows)", n);
}
END_TEST

/* ---- under load ------------------------------------------------------------------------- */

enum { CLIENTS = 4, MAX_ACKS = 4096 };

typedef struct {
    int port, index;
    int *acks_total;           /* shared: atomic */
    int *clients_left;         /* shared: atomic */
    long long ids[MAX_ACKS];
    int acks, bad;             /* 200s; answers that were neither 200 nor a refusal */
    int last_bad;
} client;

/* Posts one request after another until the server refuses. */
static void *load(void *arg)
{
    client *c = arg;
    for (int i = 0; c->acks < MAX_ACKS; i++) {
        char body[32];
        snprintf(body, sizeof body, "c%d-%d", c->index, i);
        long long id;
        int st = post(c->port, body, &id);
        if (st == -ECONNREFUSED) break;
        if (st == 200 && id > 0) {
            c->ids[c->acks++] = id;
            __atomic_add_fetch(c->acks_total, 1, __ATOMIC_SEQ_CST);
        } else if (st != 0 && st != -ECONNRESET && st != -EPIPE) {
            c->bad++;                 /* a wrong answer: this client stops */
            c->last_bad = st;
            break;
        }                             /* else no answer: cut off, or refused mid-way
                                         (-EPIPE: the kernel reset a connection still
                                         in the backlog when the server stopped
                                         listening, before its head was sent) */
    }
    __atomic_sub_fetch(c->clients_left, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

START_TEST(under_load_every_acknowledged_row_is_there)
{
    server s;
    start(&s, 20000);
    int total = 0, left = CLIENTS;
    client *c = calloc(CLIENTS, sizeof *c);
    pthread_t t[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        c[i] = (client){ .port = s.port, .index = i, .acks_total = &total, .clients_left = &left };
        pthread_create(&t[i], NULL, load, &c[i]);
    }
    /* 200 acknowledged (or every client stopped: something is wrong). */
    while (__atomic_load_n(&total, __ATOMIC_SEQ_CST) < 200 && __atomic_load_n(&left, __ATOMIC_SEQ_CST) > 0)
        usleep(1000);
    kill(s.pid, SIGTERM);
    for (int i = 0; i < CLIENTS; i++) pthread_join(t[i], NULL);
    ck_assert_msg(finish(&s) == 0, "under load, after SIGTERM, the server should drain and exit 0");
    ck_assert_msg(!wal_left(&s), "the database's -wal file is still there: the database was not closed");
    static row rows[4 * MAX_ACKS];
    int n = read_rows(s.db, rows, 4 * MAX_ACKS);
    int acked = 0;
    for (int i = 0; i < CLIENTS; i++) {
        ck_assert_msg(c[i].bad == 0, "client %d got %d answers that were not 200 {\"id\":N} "
                      "(the last: %d)", i, c[i].bad, c[i].last_bad);
        for (int k = 0; k < c[i].acks; k++) {
            char body[32];
            snprintf(body, sizeof body, "c%d-", i);
            bool found = false;
            for (int r = 0; r < n && r < 4 * MAX_ACKS && !found; r++)
                found = rows[r].id == c[i].ids[k] && !strncmp(rows[r].body, body, strlen(body));
            ck_assert_msg(found, "client %d was answered 200 {\"id\":%lld}, but that row is not in the "
                          "database", i, c[i].ids[k]);
        }
        acked += c[i].acks;
    }
    ck_assert_msg(acked >= 200, "only %d requests were acknowledged", acked);
    free(c);
}
END_TEST

/* Sends a request (method, url, a body of `len` bytes of 'b') and reads
 * the status. */
static int request(int port, const char *method, const char *url, size_t len, long long *id)
{
    int fd = dial(port);
    if (fd < 0) return fd;
    char head[256];
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", method, url, len);
    char *body = malloc(len + 1);
    memset(body, 'b', len);
    body[len] = '\0';
    int st = send_all(fd, head, (size_t)n) ? post_end(fd, body, 0, id) : 0;
    free(body);
    return st;
}

START_TEST(only_post_slash_stores_and_bodies_have_a_limit)
{
    server s;
    start(&s, 20000);
    long long id = -1;
    int st = request(s.port, "POST", "/", SERVER_BODY_MAX, &id);
    ck_assert_msg(st == 200 && id > 0, "POST / with a body of SERVER_BODY_MAX bytes: status %d, wanted 200 "
                  "{\"id\":N} (the limit itself is allowed)", st);
    long long none;
    st = request(s.port, "POST", "/", SERVER_BODY_MAX + 1, &none);
    ck_assert_msg(st == 413, "POST / with a body of SERVER_BODY_MAX + 1 bytes: status %d, wanted 413", st);
    /* The same, the body arriving in two parts: the limit is on the whole. */
    char big[SERVER_BODY_MAX + 2];
    memset(big, 'b', SERVER_BODY_MAX + 1);
    big[SERVER_BODY_MAX + 1] = '\0';
    int fd = post_begin(s.port, big, SERVER_BODY_MAX - 24);
    ck_assert(fd >= 0);
    await_read(s.port, fd);
    st = post_end(fd, big, SERVER_BODY_MAX - 24, &none);
    ck_assert_msg(st == 413, "POST / with SERVER_BODY_MAX - 24 bytes, then 25 more: status %d, wanted 413 "
                  "(the limit is on the whole body, however it arrives)", st);
    st = request(s.port, "POST", "/x", 3, &none);
    ck_assert_msg(st == 404, "POST /x: status %d, wanted 404 (only POST / stores)", st);
    st = request(s.port, "GET", "/", 0, &none);
    ck_assert_msg(st == 404, "GET /: status %d, wanted 404 (only POST / stores)", st);
    st = request(s.port, "PUT", "/", 3, &none);
    ck_assert_msg(st == 404, "PUT /: status %d, wanted 404 (only POST / stores)", st);
    kill(s.pid, SIGTERM);
    ck_assert_msg(finish(&s) == 0, "after SIGTERM with nothing in flight the server should exit 0");
    row rows[8];
    int n = read_rows(s.db, rows, 8);
    ck_assert_msg(n == 1 && rows[0].id == id && strlen(rows[0].body) == 63,
                  "only the one POST / within the limit should be stored: %d rows", n);
}
END_TEST

START_TEST(deadline_forces_exit)
{
    server s;
    start(&s, 300);
    int fd = post_begin(s.port, "never finished", 3);
    ck_assert(fd >= 0);
    await_read(s.port, fd);
    kill(s.pid, SIGTERM);
    char line[4096];
    long deadline = -1;
    while (deadline < 0 && fgets(line, sizeof line, s.events)) {
        cJSON *e = cJSON_Parse(line);
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(e, "phase"));
        if (ph && !strcmp(ph, "signal"))
            deadline = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "deadline_ms"));
        cJSON_Delete(e);
    }
    ck_assert_msg(deadline == 300, "the shutdown's deadline is %ld ms, wanted the 300 ms given to "
                  "server_start", deadline);
    int code = finish(&s);
    close(fd);
    ck_assert_msg(code != 0 && code < 128, "a request never finished and the deadline passed: the server "
                  "should exit non-zero by itself (got %d)", code);
}
END_TEST

START_TEST(start_failures_return_minus_1)
{
    lab_loop *loop = lab_loop_new();
    int port = -7;
    ck_assert_msg(server_start(loop, "/nonexistent/folder/rows.db", 0, 1000, &port) == -1,
                  "server_start with a database in a folder that does not exist should return -1");
    /* Nothing listens, nothing keeps the loop: it returns at once. */
    lab_loop_run(loop);
    ck_assert_msg(port == -7, "server_start failed but set *bound_port (%d): was it listening?", port);
    /* A port someone else already listens on. */
    int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    ck_assert(bind(taken, (struct sockaddr *)&a, sizeof a) == 0 && listen(taken, 1) == 0 &&
              getsockname(taken, (struct sockaddr *)&a, &len) == 0);
    char path[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/taken.%d.db", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    ck_assert_msg(server_start(loop, path, ntohs(a.sin_port), 1000, &port) == -1,
                  "server_start on a port already in use should return -1");
    ck_assert_msg(port == -7, "server_start failed but set *bound_port (%d)", port);
    lab_loop_run(loop);
    lab_loop_free(loop);
    close(taken);
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", path);
    ck_assert_msg(access(wal, F_OK) != 0, "server_start failed to listen but left the database open "
                  "(its -wal file is there): db_close it before returning -1");
    unlink(path);
}
END_TEST

START_TEST(second_signal_forces_exit)
{
    server s;
    start(&s, 20000);
    int fd = post_begin(s.port, "stuck", 1);
    ck_assert(fd >= 0);
    await_read(s.port, fd);
    kill(s.pid, SIGTERM);
    ck_assert_msg(await_phase(&s, "draining", NULL), "after SIGTERM the server never began to drain");
    kill(s.pid, SIGTERM);
    int code = finish(&s);
    close(fd);
    ck_assert_msg(code == 1, "a second SIGTERM during the drain should force exit 1, got %d", code);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("shutdown-graceful");
    struct { const char *name; const TTest *test; } cases[] = {
        { "acknowledged_after_commit", acknowledged_after_commit },
        { "sigterm_refuses_new_connections", sigterm_refuses_new_connections },
        { "in_flight_requests_finish", in_flight_requests_finish },
        { "under_load_every_acknowledged_row_is_there", under_load_every_acknowledged_row_is_there },
        { "deadline_forces_exit", deadline_forces_exit },
        { "only_post_slash_stores_and_bodies_have_a_limit", only_post_slash_stores_and_bodies_have_a_limit },
        { "start_failures_return_minus_1", start_failures_return_minus_1 },
        { "second_signal_forces_exit", second_signal_forces_exit },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, NULL, stop_leftover);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
