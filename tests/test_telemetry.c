/* test_telemetry.c — JSON Lines telemetry: well-formed, and never blocking. */
#define _GNU_SOURCE
#include "telemetry.h"
#include "check_run.h"
#include "iotest.h"
#include "record.h"
#include "ring.h"
#include "tel_impl.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
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

/* A rare event (a worker's exit, a respawn, a summary) is never among the
 * dropped: with the ring full of data-path events and the reader away, its
 * emitter waits until the reader has made room.  The reader comes back
 * only once the respawn has been counted (emit counts before it looks for
 * room), and a little later, so that without the wait it is dropped. */
static atomic_bool rare_sent;
static int rare_fd;
static char *rare_text;

static void *read_after_the_rare_one(void *arg)
{
    while (lab_tel_totals_of(LAB_EV_RESPAWN).events == 0) sched_yield();
    struct timespec later = { 0, 50 * 1000000L };
    nanosleep(&later, NULL);
    size_t cap = 1 << 20, len = 0;
    rare_text = calloc(1, cap);
    for (;;) {
        /* Both asked before this turn's read: once the respawn was in its
         * ring and nothing is left to format, its line is in the pipe,
         * and the read below takes it. */
        bool sent = atomic_load(&rare_sent), pending = lab_tel_pending();
        lab_tel_flush();
        char *more = drain(rare_fd);
        size_t n = strlen(more);
        if (len + n + 1 > cap) rare_text = realloc(rare_text, cap = 2 * (len + n + 1));
        memcpy(rare_text + len, more, n + 1);
        len += n;
        free(more);
        if (sent && !pending) break;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

START_TEST(a_rare_event_waits_for_the_reader)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    alarm(60);
    for (int i = 0; i < 40000; i++) {          /* the ring fills, and stays full */
        lab_ev *e = lab_ev_new("push");
        lab_ev_int(e, "size", i);
        lab_ev_emit(e);
    }
    uint64_t dropped_before = lab_tel_dropped();
    ck_assert_uint_gt(dropped_before, 0);
    ck_assert_uint_eq(lab_tel_totals_of(LAB_EV_RESPAWN).events, 0);
    rare_fd = fds[0];
    atomic_store(&rare_sent, false);
    pthread_t reader;
    pthread_create(&reader, NULL, read_after_the_rare_one, NULL);
    lab_ev *e = lab_ev_new("respawn");
    lab_ev_int(e, "id", 7);
    lab_ev_emit(e);
    atomic_store(&rare_sent, true);
    pthread_join(reader, NULL);
    alarm(0);
    ck_assert_uint_eq(lab_tel_dropped(), dropped_before);  /* it waited */
    ck_assert_msg(strstr(rare_text, "\"ev\":\"respawn\""), "the respawn was dropped");
    lab_tel_close(1000);
    free(rare_text);
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

START_TEST(the_loops_flush_wakes_the_formatter_only_when_a_record_waits)
{
    /* The loop calls lab_tel_flush() every turn.  Waking a formatter that
     * has nothing to format costs two futex calls and a switch to its
     * thread, every turn: a busy HTTP worker that emits nothing per
     * request paid that per request.  So it is woken only when a record
     * waits.  No formatter thread here (json-direct): the test plays one
     * that sleeps, and watches its flag (a wake-up clears it). */
    setenv("NODELAB_TELEMETRY", "json-direct", 1);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    lab_ev_emit(lab_ev_new("push"));          /* this thread's ring; written at once */
    ck_assert(!lab_tel_pending());
    atomic_store(&tel.thread_on, true);       /* "a formatter runs..." */
    atomic_store(&tel.sleeping, 1);           /* "...and sleeps" */
    for (int i = 0; i < 100; i++) lab_tel_flush();
    ck_assert_int_eq(atomic_load(&tel.sleeping), 1);   /* nothing waited: left asleep */
    lab_ev_emit(lab_ev_new("push"));          /* now one waits in the ring (emit wakes too) */
    ck_assert(lab_tel_pending());
    atomic_store(&tel.sleeping, 1);
    lab_tel_flush();
    ck_assert_int_eq(atomic_load(&tel.sleeping), 0);   /* woken for it */
    atomic_store(&tel.thread_on, false);
    lab_tel_sync();
    char *text = drain(fds[0]);
    ck_assert_int_eq(count_of(text, "\"ev\":\"push\""), 2);
    free(text);
    lab_tel_close(1000);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

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

/* ---- the ring and the records under the events ------------------------- */

/* Records of every size go round a small ring many times: each comes out
 * whole, in order, across the wrap. */
START_TEST(ring_wraps_around_whole_records)
{
    lab_ring r;
    lab_ring_init(&r, 4096);
    uint32_t next_in = 0, next_out = 0;
    for (int round = 0; round < 20000; round++) {
        uint32_t len = lab_ring_align(sizeof(lab_ring_hdr) + 4 + (round * 37) % 300);
        unsigned char *p = lab_ring_reserve(&r, len);
        if (p) {
            lab_ring_hdr h = { len, 7 };
            memcpy(p, &h, sizeof h);
            memcpy(p + sizeof h, &next_in, 4);
            memset(p + sizeof h + 4, (int)(next_in & 0xff), len - sizeof h - 4);
            lab_ring_commit(&r);
            next_in++;
        }
        if (!p || round % 3 == 0) {                /* the reader lags, then catches up */
            const lab_ring_hdr *h;
            while ((h = lab_ring_peek(&r))) {
                uint32_t n;
                memcpy(&n, (const char *)h + sizeof *h, 4);
                ck_assert_uint_eq(n, next_out);
                ck_assert_uint_eq(h->kind, 7);
                unsigned char want[512];
                memset(want, (int)(next_out & 0xff), sizeof want);
                ck_assert(memcmp((const char *)h + sizeof *h + 4, want, h->len - sizeof *h - 4) == 0);
                lab_ring_consume(&r, h);
                next_out++;
            }
        }
    }
    ck_assert_uint_gt(next_in, 5000);
    ck_assert_uint_eq(atomic_load(&r.head) / r.cap > 100, 1);    /* wrapped, often */
    lab_ring_free(&r);
}
END_TEST

/* A full ring refuses, and the writer's count says how many it refused. */
START_TEST(full_ring_drops_and_counts)
{
    lab_ring r;
    lab_ring_init(&r, 4096);
    int kept = 0, refused = 0;
    for (int i = 0; i < 1000; i++) {
        void *p = lab_ring_reserve(&r, 64);
        if (p) {
            lab_ring_hdr h = { 64, 1 };
            memcpy(p, &h, sizeof h);
            lab_ring_commit(&r);
            kept++;
        } else {
            lab_ring_drop(&r);
            refused++;
        }
    }
    ck_assert_int_eq(kept, 4096 / 64);             /* every byte used, none lost */
    ck_assert_uint_eq(atomic_load(&r.dropped), refused);
    int read = 0;
    for (const lab_ring_hdr *h; (h = lab_ring_peek(&r)); lab_ring_consume(&r, h)) read++;
    ck_assert_int_eq(read, kept);
    ck_assert_ptr_nonnull(lab_ring_reserve(&r, 64));   /* room again */
    lab_ring_free(&r);
}
END_TEST

/* A record's line is, byte for byte, what cJSON printed for the same
 * event before records existed: numbers of every shape, strings with
 * every escape, nested values, a replaced pid. */
START_TEST(record_lines_are_cjson_lines)
{
    static const double nums[] = { 0, -0.0, 1, -1, 0.5, 0.1, 1.0 / 3, 2.5e-7, 1e21, -1e300,
                                   2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0,
                                   4294967296.5, 123456789012345678.0, 1e15, 9007199254740993.0,
                                   NAN, INFINITY, -INFINITY, 3.14159, 100.25, 1e-300 };
    static const int64_t ints[] = { 0, 1, -1, 65536, 2147483647, 2147483648LL, -2147483649LL,
                                    1073741824LL * 5, INT64_MAX, INT64_MIN, 999999999999999LL };
    static const char *strs[] = { "", "plain", "sink \"quoted\"\n", "tab\there\\back",
                                  "\x01\x1f\x7f ctl", "caf\xc3\xa9 /slash/", "\b\f\r" };
    srand(7);
    for (int round = 0; round < 2000; round++) {
        lab_rec_buf b;
        lab_rec_begin(&b, round % 2 ? "write" : "a \"demo\" event", (uint64_t)rand() * 977, 4242);
        int fields = rand() % 8;
        for (int f = 0; f < fields; f++) {
            char key[16];
            snprintf(key, sizeof key, f % 3 ? "k%d" : "k\"%d\n", f);
            switch (rand() % 7) {
            case 0: { int64_t v = ints[rand() % (sizeof ints / sizeof *ints)];
                      lab_rec_field(&b, LAB_F_INT, key, &v, 8); break; }
            case 1: { double v = nums[rand() % (sizeof nums / sizeof *nums)] * (rand() % 3 ? 1 : 1.0001);
                      lab_rec_field(&b, LAB_F_NUM, key, &v, 8); break; }
            case 2: { unsigned char v = rand() % 2; lab_rec_field(&b, LAB_F_BOOL, key, &v, 1); break; }
            case 3: lab_rec_field(&b, LAB_F_NULL, key, NULL, 0); break;
            case 4: { const char *v = strs[rand() % (sizeof strs / sizeof *strs)];
                      lab_rec_field(&b, LAB_F_STR, key, v, strlen(v)); break; }
            case 5: { double v = (double)rand() / 7.0; lab_rec_field(&b, LAB_F_NUM, key, &v, 8); break; }
            default: {
                cJSON *o = cJSON_Parse("{\"a\":[1,2.5,\"x\\ty\"],\"b\":{\"c\":null,\"d\":true}}");
                char *t = cJSON_PrintUnformatted(o);
                lab_rec_field(&b, LAB_F_JSON, key, t, strlen(t));
                free(t);
                cJSON_Delete(o);
            }
            }
        }
        if (round % 5 == 0) lab_rec_set_pid(&b, round % 10 ? 77 : 0);
        lab_rec *r = lab_rec_end(&b);
        char *line = malloc(lab_rec_json_max(r));
        size_t n = lab_rec_format(r, line);
        cJSON *obj = lab_rec_to_cjson(r);
        char *want = cJSON_PrintUnformatted(obj);
        ck_assert_msg(n == strlen(want) && memcmp(line, want, n) == 0,
                      "\n got  %.*s\n want %s", (int)n, line, want);
        ck_assert_uint_le(n, lab_rec_json_max(r));
        free(want);
        cJSON_Delete(obj);
        free(line);
        lab_rec_release(&b);
    }
}
END_TEST

/* lab_tel_flow() writes its record in place, without the builder: the
 * bytes must be the builder's, or the lines, frame mode's folds and
 * lab_rec_get() would read it differently. */
START_TEST(a_flow_record_is_the_builders_record)
{
    static const char *streams[] = { "", "r", "source", "a \"long\" stream name\n", "x\x01" };
    static const int64_t nums[] = { 0, 1, -1, 65536, INT64_MAX, INT64_MIN };
    for (int round = 0; round < 200; round++) {
        const char *name = round % 3 ? "push" : "write";
        const char *stream = streams[round % 5];
        int64_t size = nums[round % 6], len = nums[(round / 6) % 6], hwm = nums[(round / 36) % 6];
        bool ret = round % 2;
        lab_rec_buf b;
        lab_rec_begin(&b, name, 1000u + (uint64_t)round, 4242);
        lab_rec_field(&b, LAB_F_STR, "stream", stream, strlen(stream));
        lab_rec_field(&b, LAB_F_INT, "size", &size, 8);
        lab_rec_field(&b, LAB_F_INT, "len", &len, 8);
        lab_rec_field(&b, LAB_F_INT, "hwm", &hwm, 8);
        unsigned char rb = ret;
        lab_rec_field(&b, LAB_F_BOOL, "ret", &rb, 1);
        lab_rec *want = lab_rec_end(&b);
        lab_rec_flow_fields f = { .name = name, .name_len = strlen(name), .stream = stream,
                                  .stream_len = strlen(stream), .size = size, .len = len,
                                  .hwm = hwm, .ret = ret };
        uint32_t n = lab_rec_flow_len(&f);
        ck_assert_uint_eq(n, want->h.len);
        unsigned char slot[512];
        memset(slot, 0xa5, sizeof slot);
        lab_rec *got = lab_rec_flow(slot, n, 1000u + (uint64_t)round, 4242, &f);
        got->seq = want->seq;                      /* set by the emitter, in both */
        ck_assert_msg(memcmp(got, want, n) == 0, "round %d: the records differ", round);
        ck_assert_uint_eq(slot[n], 0xa5);          /* nothing written past the slot */
        lab_rec_release(&b);
    }
}
END_TEST

/* An event's stamp (stamp.c) counts the CPU's ticks between readings of
 * the clock: it must stay within a microsecond of the clock read just
 * before and just after it, and never go back — over 60 ms, so that the
 * counter is in use (after its first 10 ms) across many re-readings. */
START_TEST(stamps_follow_the_clock)
{
    uint64_t last = 0, end = lab_clock_us() + 60000, n = 0;
    while (lab_clock_us() < end || n < 2000) {     /* a busy machine: more time, not fewer */
        uint64_t before = lab_clock_us();
        uint64_t s = tel_stamp_us();
        uint64_t after = lab_clock_us();
        ck_assert_msg(s + 1 >= before && s <= after + 1, "stamp %llu outside [%llu, %llu]",
                      (unsigned long long)s, (unsigned long long)before, (unsigned long long)after);
        ck_assert_uint_ge(s, last);
        last = s;
        n++;
    }
}
END_TEST

/* Several threads, each with its own ring, report at once while nobody
 * reads: each thread's events come out in its own order, the totals count
 * every event (dropped or not), and written + dropped adds up. */
enum { PRODUCERS = 8, PER_PRODUCER = 5000 };

static void *numbered_producer(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        lab_ev *e = lab_ev_new(LAB_EV(PUSH));
        lab_ev_int(e, "t", id);
        lab_ev_int(e, "i", i);
        lab_ev_int(e, "size", 10);
        lab_ev_bool(e, "ret", i % 4 != 0);
        lab_ev_emit(e);
    }
    return NULL;
}

START_TEST(producers_keep_their_order_and_exact_totals)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    reader r = { .fd = fds[0], .cap = 32 << 20 };
    r.text = malloc(r.cap);
    lab_tel_open(fds[1]);
    lab_tel_totals before = lab_tel_totals_of(LAB_EV_PUSH);
    uint64_t w0 = lab_tel_written(), d0 = lab_tel_dropped();
    pthread_t rt, pt[PRODUCERS];
    pthread_create(&rt, NULL, reader_thread, &r);
    for (intptr_t i = 0; i < PRODUCERS; i++) pthread_create(&pt[i], NULL, numbered_producer, (void *)i);
    for (int i = 0; i < PRODUCERS; i++) pthread_join(pt[i], NULL);
    lab_tel_totals after = lab_tel_totals_of(LAB_EV_PUSH);
    ck_assert_uint_eq(after.events - before.events, PRODUCERS * PER_PRODUCER);
    ck_assert_uint_eq(after.bytes - before.bytes, 10u * PRODUCERS * PER_PRODUCER);
    ck_assert_uint_eq(after.falses - before.falses, PRODUCERS * PER_PRODUCER / 4);
    ck_assert_uint_eq(lab_tel_written() - w0 + lab_tel_dropped() - d0, PRODUCERS * PER_PRODUCER);
    lab_tel_close(10000);
    __atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
    pthread_join(rt, NULL);
    int last[PRODUCERS], lines = 0;
    long reported = 0;
    for (int i = 0; i < PRODUCERS; i++) last[i] = -1;
    for (char *line = strtok(r.text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        ck_assert_ptr_nonnull(ev);
        if (strcmp(cJSON_GetObjectItem(ev, "ev")->valuestring, "dropped") == 0) {
            reported += cJSON_GetObjectItem(ev, "count")->valueint;
        } else {
            int t = cJSON_GetObjectItem(ev, "t")->valueint, i = cJSON_GetObjectItem(ev, "i")->valueint;
            ck_assert_int_gt(i, last[t]);          /* a thread's events in its order */
            last[t] = i;
            lines++;
        }
        cJSON_Delete(ev);
    }
    ck_assert_int_gt(lines, 0);
    ck_assert_uint_le(lines + reported, PRODUCERS * PER_PRODUCER);
    free(r.text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A forked child that reports little (a cluster worker: its lifecycle,
 * a stats line now and then) formats its events itself and stays one
 * thread — its system calls are cheaper so (telemetry.c); one that
 * reports much gets its formatter thread after 256 events.  Every line
 * arrives either way, in order. */
START_TEST(a_forked_child_starts_its_formatter_only_when_it_reports_much)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    lab_ev_emit(lab_ev_new("parent"));        /* the parent has its thread */
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 100; i++) {
            lab_ev *e = lab_ev_new("child");
            lab_ev_int(e, "i", i);
            lab_ev_emit(e);
        }
        int few = thread_count();
        for (int i = 100; i < 400; i++) {
            lab_ev *e = lab_ev_new("child");
            lab_ev_int(e, "i", i);
            lab_ev_emit(e);
        }
        int many = thread_count();
        lab_tel_close(10000);
#ifdef __SANITIZE_THREAD__
        int want_many = 1;                    /* formatter.c: no thread after fork */
#else
        int want_many = 2;
#endif
        _exit(few == 1 && many == want_many ? 0 : 10 * few + many);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child's threads (10 x after 100 events + after 400): %d", WEXITSTATUS(status));
    lab_tel_close(1000);
    char *text = drain(fds[0]);
    int next = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        ck_assert_ptr_nonnull(ev);
        if (strcmp(cJSON_GetObjectItem(ev, "ev")->valuestring, "child") == 0) {
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "i")->valueint, next);
            next++;
        }
        cJSON_Delete(ev);
    }
    ck_assert_int_eq(next, 400);
    free(text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* After fork the child's events go through rings of its own, in its own
 * order, with totals of its own. */
START_TEST(forked_child_has_its_own_rings)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    lab_tel_open(fds[1]);
    for (int i = 0; i < 10; i++) lab_ev_emit(lab_ev_new(LAB_EV(DRAIN)));
    pid_t pid = fork();
    if (pid == 0) {
        int ok = lab_tel_totals_of(LAB_EV_DRAIN).events == 0;
        for (int i = 0; i < 100; i++) {
            lab_ev *e = lab_ev_new("child");
            lab_ev_int(e, "i", i);
            lab_ev_emit(e);
        }
        ok = ok && lab_tel_totals_of(LAB_EV_OTHER).events == 100;
        lab_tel_close(10000);
        _exit(ok ? 0 : 3);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    lab_tel_close(1000);
    char *text = drain(fds[0]);
    int next = 0, drains = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *ev = cJSON_Parse(line);
        const char *name = cJSON_GetObjectItem(ev, "ev")->valuestring;
        if (strcmp(name, "child") == 0) {
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "i")->valueint, next);
            ck_assert_int_eq(cJSON_GetObjectItem(ev, "pid")->valueint, pid);
            next++;
        } else if (strcmp(name, "drain") == 0) {
            drains++;
        }
        cJSON_Delete(ev);
    }
    ck_assert_int_eq(next, 100);
    ck_assert_int_eq(drains, 10);                  /* the parent's, once */
    free(text);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* ---- frame mode (NODELAB_TELEMETRY_FRAME: the lab's) ------------------ */

#define FRAME_BUDGET 8             /* frame.c's: lines a kind and stream pass per frame */

static cJSON *parse_line(char **save, char *text)
{
    char *line = strtok_r(text, "\n", save);
    return line ? cJSON_Parse(line) : NULL;
}

static const char *ev_name(const cJSON *ev) { return cJSON_GetObjectItem(ev, "ev")->valuestring; }
static double ev_field(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(ev, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : v ? v->valuedouble : -1;
}

/* Telemetry to a pipe, as the lab asks for it, with a frame longer than
 * any test: a frame ends only when the test says so (a rare event, close). */
static void open_in_frame_mode(int fds[2])
{
    ck_assert_int_eq(pipe(fds), 0);
    fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    setenv("NODELAB_TELEMETRY_FRAME", "10000", 1);
    lab_tel_open(fds[1]);
    unsetenv("NODELAB_TELEMETRY_FRAME");
}

/* Reads what the test wrote, closes the pipe. */
static char *read_and_close(int fds[2])
{
    char *text = drain(fds[0]);
    close(fds[0]);
    close(fds[1]);
    return text;
}

static void push(const char *stream, int size, bool ret)
{
    lab_ev *e = lab_ev_new(LAB_EV(PUSH));
    lab_ev_str(e, "stream", stream);
    lab_ev_int(e, "size", size);
    lab_ev_int(e, "len", size * 2);
    lab_ev_bool(e, "ret", ret);
    lab_ev_emit(e);
}

/* A burst of N data-path events in one frame: the first few pass as they
 * are, the rest come as one `coalesced` line with their count, their
 * summed sizes and false returns, and the last one's state.  A rare event
 * in the middle flushes the fold before it.  The totals count them all. */
START_TEST(a_frame_folds_a_burst_into_a_coalesced_line)
{
    int fds[2];
    open_in_frame_mode(fds);
    lab_tel_totals before = lab_tel_totals_of(LAB_EV_PUSH);
    const int N = 1000;
    long sum = 0, falses = 0;
    for (int i = 1; i <= N; i++) {
        bool ret = i % 10 != 0;
        push("src", i, ret);
        if (i > FRAME_BUDGET) sum += i, falses += !ret;
    }
    lab_ev *rare = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(rare, "n", N);
    lab_ev_emit(rare);
    push("src", 7, true);                   /* the frame's budget is spent: folded */
    push("src", 9, false);
    lab_tel_close(1000);
    lab_tel_totals after = lab_tel_totals_of(LAB_EV_PUSH);
    ck_assert_uint_eq(after.events - before.events, N + 2);
    ck_assert_uint_eq(after.bytes - before.bytes, (uint64_t)N * (N + 1) / 2 + 16);
    ck_assert_uint_eq(after.falses - before.falses, N / 10 + 1);

    char *text = read_and_close(fds), *save = NULL;
    cJSON *ev = parse_line(&save, text);
    for (int i = 1; i <= FRAME_BUDGET; i++) {         /* the first pass as they are */
        ck_assert_ptr_nonnull(ev);
        ck_assert_str_eq(ev_name(ev), "push");
        ck_assert_int_eq(ev_field(ev, "size"), i);
        cJSON_Delete(ev);
        ev = parse_line(&save, NULL);
    }
    ck_assert_ptr_nonnull(ev);                        /* the rest: one line */
    ck_assert_str_eq(ev_name(ev), "coalesced");
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "of")->valuestring, "push");
    ck_assert_int_eq(ev_field(ev, "events"), N - FRAME_BUDGET);
    ck_assert_int_eq(ev_field(ev, "size_sum"), sum);
    ck_assert_int_eq(ev_field(ev, "false_count"), falses);
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "stream")->valuestring, "src");
    ck_assert_int_eq(ev_field(ev, "size"), N);        /* the last one's state */
    ck_assert_int_eq(ev_field(ev, "len"), 2 * N);
    ck_assert_int_eq(ev_field(ev, "ret"), 0);
    cJSON_Delete(ev);
    ev = parse_line(&save, NULL);                     /* the rare event, after it */
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev_name(ev), "summary");
    cJSON_Delete(ev);
    ev = parse_line(&save, NULL);                     /* the two after, folded, at close */
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(ev_name(ev), "coalesced");
    ck_assert_int_eq(ev_field(ev, "events"), 2);
    ck_assert_int_eq(ev_field(ev, "size_sum"), 16);
    ck_assert_int_eq(ev_field(ev, "false_count"), 1);
    ck_assert_int_eq(ev_field(ev, "size"), 9);
    cJSON_Delete(ev);
    ck_assert_ptr_null(parse_line(&save, NULL));
    free(text);
}
END_TEST

/* Within one stream the lines come in the order of their last events: a
 * drain that came after the last false write is read after it (the gauge
 * ends "drained"), and a write passing through flushes its stream's older
 * folds first.  Another stream's folds are not held to that order. */
START_TEST(a_streams_folds_keep_the_order_of_their_last_events)
{
    int fds[2];
    open_in_frame_mode(fds);
    for (int i = 0; i < 3 * FRAME_BUDGET; i++) {     /* writes, then drains, folded */
        lab_ev *e = lab_ev_new(LAB_EV(WRITE));
        lab_ev_str(e, "stream", "sink");
        lab_ev_int(e, "size", 1);
        lab_ev_bool(e, "ret", false);
        lab_ev_emit(e);
    }
    for (int i = 0; i < 3 * FRAME_BUDGET; i++) lab_tel_stream(LAB_EV(DRAIN), "sink");
    for (int i = 0; i < 2 * FRAME_BUDGET; i++) push("other", 1, true);
    lab_tel_stream(LAB_EV(PAUSE), "sink");           /* passes: sink's folds go first */
    lab_tel_close(1000);
    char *text = read_and_close(fds), *save = NULL;
    int order = 0, write_fold = -1, drain_fold = -1, pause_line = -1;
    for (cJSON *ev = parse_line(&save, text); ev; ev = parse_line(&save, NULL), order++) {
        const cJSON *of = cJSON_GetObjectItem(ev, "of");
        if (!strcmp(ev_name(ev), "coalesced") && !strcmp(of->valuestring, "write")) write_fold = order;
        if (!strcmp(ev_name(ev), "coalesced") && !strcmp(of->valuestring, "drain")) drain_fold = order;
        if (!strcmp(ev_name(ev), "pause")) pause_line = order;
        cJSON_Delete(ev);
    }
    ck_assert_int_ge(write_fold, 0);
    ck_assert_int_gt(drain_fold, write_fold);
    ck_assert_int_gt(pause_line, drain_fold);
    free(text);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return CHECK_RUN("telemetry", 30, NULL, NULL,
                     off_means_no_event_objects, every_line_is_json_with_required_fields,
                     stalled_reader_costs_nothing_and_drops_are_counted,
                     a_rare_event_waits_for_the_reader,
                     forked_child_does_not_repeat_parent_lines, threads_write_whole_lines,
                     ring_wraps_around_whole_records, full_ring_drops_and_counts,
                     record_lines_are_cjson_lines, a_flow_record_is_the_builders_record,
                     stamps_follow_the_clock,
                     producers_keep_their_order_and_exact_totals,
                     forked_child_has_its_own_rings,
                     the_loops_flush_wakes_the_formatter_only_when_a_record_waits,
                     a_forked_child_starts_its_formatter_only_when_it_reports_much,
                     a_frame_folds_a_burst_into_a_coalesced_line,
                     a_streams_folds_keep_the_order_of_their_last_events);
}
