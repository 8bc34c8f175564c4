/* test_telemetry.c — JSON Lines telemetry: well-formed, and never blocking. */
#include "telemetry.h"
#include "check_run.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads everything available on fd (non-blocking) into a string. */
static char *drain(int fd)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    for (;;) {
        if (cap - len < 65536) buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

/* Checks every line is a JSON object with ts, ev and pid; counts lines
 * and adds up the counts of `dropped` events. */
static int check_lines(char *text, long *dropped_reported)
{
    int lines = 0;
    *dropped_reported = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        ck_assert_msg(ev != NULL, "not JSON: %.80s", line);
        ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(ev, "ts")));
        ck_assert(cJSON_IsString(cJSON_GetObjectItem(ev, "ev")));
        ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(ev, "pid")));
        if (strcmp(cJSON_GetObjectItem(ev, "ev")->valuestring, "dropped") == 0)
            *dropped_reported += cJSON_GetObjectItem(ev, "count")->valueint;
        cJSON_Delete(ev);
        lines++;
    }
    return lines;
}

START_TEST(off_means_no_event_objects)
{
    ck_assert(!lab_tel_on());
    ck_assert_ptr_null(lab_ev_new("write"));
    lab_ev_int(NULL, "size", 1);               /* no-ops on NULL */
    lab_ev_emit(NULL);
}
END_TEST

START_TEST(every_line_is_json_with_required_fields)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    for (int i = 0; i < 100; i++) {
        lab_ev *e = lab_ev_new("write");
        lab_ev_str(e, "stream", "sink \"quoted\"\n");
        lab_ev_int(e, "size", i);
        lab_ev_bool(e, "ret", i % 2);
        lab_ev_emit(e);
    }
    lab_tel_close(1000);
    char *text = drain(fds[0]);
    long dropped;
    ck_assert_int_eq(check_lines(text, &dropped), 100);
    ck_assert_int_eq(dropped, 0);
    free(text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

START_TEST(stalled_reader_costs_nothing_and_drops_are_counted)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    alarm(20);                     /* a blocking write would hang here */
    const int N = 20000;           /* lines: far more than buffer and pipe hold */
    for (int i = 0; i < N; i++) {
        lab_ev *e = lab_ev_new("push");
        lab_ev_int(e, "size", i);
        lab_ev_emit(e);
    }
    alarm(0);
    uint64_t dropped = lab_tel_dropped();
    ck_assert_uint_gt(dropped, 0);
    ck_assert_uint_eq(lab_tel_written() + dropped, N);
    /* The reader wakes up: what got through is valid, and once there is
     * room the next event is preceded by a `dropped` report. */
    char *first = drain(fds[0]);
    while (lab_tel_pending()) {                /* the reader catches up */
        lab_tel_flush();
        char *more = drain(fds[0]);
        first = realloc(first, strlen(first) + strlen(more) + 1);
        strcat(first, more);
        free(more);
    }
    lab_ev_emit(lab_ev_new("after"));
    lab_tel_close(1000);
    char *second = drain(fds[0]);
    long r1, r2;
    int n1 = check_lines(first, &r1), n2 = check_lines(second, &r2);
    ck_assert_int_gt(n1, 0);
    ck_assert_int_gt(n2, 0);
    ck_assert_int_eq(r1 + r2, (long)dropped);
    free(first);
    free(second);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* Occurrences of needle in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++) n++;
    return n;
}

/* The parent's line is still in its buffer when it forks (the pipe is
 * full: nobody has read yet).  The child must start with an empty buffer,
 * or its flush sends the parent's line a second time. */
START_TEST(forked_child_does_not_repeat_parent_lines)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    char filler[4096];
    memset(filler, '\n', sizeof filler);
    while (write(fds[1], filler, sizeof filler) > 0) { }   /* the pipe is full */
    lab_tel_open(fds[1]);
    lab_ev_emit(lab_ev_new("parent"));
    ck_assert(lab_tel_pending());              /* buffered, not written */
    pid_t pid = fork();
    if (pid == 0) {
        lab_ev_emit(lab_ev_new("child"));
        lab_tel_close(10000);                  /* until the parent has read */
        _exit(0);
    }
    /* Read while the child writes what it has, until it is gone. */
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    int status;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        ssize_t n = read(fds[0], text + len, cap - len - 1);
        if (n > 0) len += (size_t)n;
        else usleep(1000);
    }
    lab_tel_close(1000);
    for (ssize_t n; (n = read(fds[0], text + len, cap - len - 1)) > 0;) len += (size_t)n;
    text[len] = '\0';
    ck_assert_int_eq(count_of(text, "\"child\""), 1);
    ck_assert_int_eq(count_of(text, "\"parent\""), 1);
    free(text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* Pool threads and the loop thread report at once (the loop also flushes
 * each turn): every line arrives whole, none is lost while the reader
 * keeps up.  Under ./configure --enable-tsan this is the race detector's
 * test of the writer paths. */
enum { WRITERS = 4, EACH = 2000 };

static void *writer_thread(void *arg)
{
    for (int i = 0; i < EACH; i++) {
        lab_ev *e = lab_ev_new("thread");
        lab_ev_int(e, "i", i);
        lab_ev_emit(e);
    }
    return NULL;
}

typedef struct { int fd; char *text; size_t len, cap; bool stop; } reader;

static void *reader_thread(void *arg)
{
    reader *r = arg;
    for (;;) {
        bool last = __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
        ssize_t n;
        while ((n = read(r->fd, r->text + r->len, r->cap - r->len - 1)) > 0) r->len += (size_t)n;
        if (last) break;
        usleep(200);
    }
    r->text[r->len] = '\0';
    return NULL;
}

START_TEST(threads_write_whole_lines)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    reader r = { .fd = fds[0], .cap = 8 << 20 };
    r.text = malloc(r.cap);
    lab_tel_open(fds[1]);
    pthread_t rt, wt[WRITERS];
    pthread_create(&rt, NULL, reader_thread, &r);
    for (int i = 0; i < WRITERS; i++) pthread_create(&wt[i], NULL, writer_thread, NULL);
    for (int i = 0; i < 10000; i++) {          /* the loop thread's part */
        lab_tel_flush();
        (void)lab_tel_pending();
        (void)lab_tel_on();
    }
    for (int i = 0; i < WRITERS; i++) pthread_join(wt[i], NULL);
    lab_tel_close(10000);
    __atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
    pthread_join(rt, NULL);
    long dropped;
    int lines = check_lines(r.text, &dropped);
    ck_assert_int_eq(lines + dropped - (dropped ? count_of(r.text, "\"dropped\"") : 0),
                     WRITERS * EACH);
    free(r.text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return CHECK_RUN("telemetry", 30, NULL, NULL,
                     off_means_no_event_objects, every_line_is_json_with_required_fields,
                     stalled_reader_costs_nothing_and_drops_are_counted,
                     forked_child_does_not_repeat_parent_lines, threads_write_whole_lines);
}
