/* test_fs_stream.c — file read/write streams (lab/runtime/io/fs_stream.h). */
#include "fs_stream.h"
#include "range.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char trace[4096];
static int datas;
static size_t biggest;

static void note(const char *fmt, const char *a, const char *b)
{
    char line[256];
    snprintf(line, sizeof line, fmt, a, b);
    if (*trace) strcat(trace, " ");
    strcat(trace, line);
}

/* Records the lifecycle events of a stream as "name:event" words. */
static void on_ev(lab_stream *s, const lab_event *ev, void *arg)
{
    if (ev->type == LAB_ON_DATA) {
        datas++;
        if (ev->chunk->len > biggest) biggest = ev->chunk->len;
        return;
    }
    if (ev->type == LAB_ON_ERROR) note("%s:error:%s", arg, ev->err->code);
    else note("%s:%s", arg, lab_stream_event_name(ev->type));
}

static void watch(lab_stream *s, const char *name)
{
    lab_stream_event evs[] = { LAB_ON_END, LAB_ON_FINISH, LAB_ON_CLOSE, LAB_ON_ERROR };
    for (size_t i = 0; i < 4; i++) lab_stream_on(s, evs[i], on_ev, (void *)name);
}

static void setup(void)
{
    tmpdir_make(dir, "nl-fss");
    trace[0] = '\0';
    datas = 0;
    biggest = 0;
}

static void teardown(void) { tmpdir_remove(dir); }

static char *path_of(const char *name)
{
    static char p[2][128];
    static int i;
    i ^= 1;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static char *make_input(const char *name, size_t len)
{
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (char)(i * 7 + i / 4096);
    FILE *f = fopen(path_of(name), "w");
    fwrite(data, 1, len, f);
    fclose(f);
    return data;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *p = malloc(*len + 1);
    ck_assert_uint_eq(fread(p, 1, *len, f), *len);
    fclose(f);
    return p;
}

/* The file at path holds exactly len bytes, equal to data. */
static void expect_file(const char *path, const char *data, size_t len)
{
    size_t got_len;
    char *got = slurp(path, &got_len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got_len, len);
    ck_assert(memcmp(got, data, len) == 0);
    free(got);
}

static int range_datas;
static void on_data_count(lab_stream *s, const lab_event *ev, void *arg)
{
    if (lab_chunk_is_range(ev->chunk) && !ev->chunk->data) range_datas++;
    on_ev(s, ev, arg);
}

/* Copies 5 chunks and a bit with pipe(); with ranges, the chunks only name
 * the bytes and the kernel copies them, with the same events. */
static void copy_file(bool ranges, bool loop_writes)
{
    size_t len = 5 * 65536 + 999;
    char *data = make_input("in", len);
    char in[128], out[128];
    strcpy(in, path_of("in"));
    strcpy(out, path_of("out"));
    int fds_before = fd_count();
    range_datas = 0;
    lab_fs_set_loop_writes(loop_writes);
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts ro = { .file_ranges = ranges };
    lab_stream *r = lab_fs_read_stream(loop, in, &ro);
    lab_stream *w = lab_fs_write_stream(loop, out, NULL);
    watch(r, "r");
    watch(w, "w");
    lab_stream_on(r, LAB_ON_DATA, on_data_count, "r");
    lab_pipe(r, w, true);
    ck_assert_uint_eq(lab_readable_hwm(r), 65536);
    ck_assert_uint_eq(lab_writable_hwm(w), 16384);
    lab_loop_run(loop);
    lab_fs_set_loop_writes(false);
    ck_assert_uint_eq(lab_fs_stream_bytes(r), len);
    ck_assert_uint_eq(lab_fs_stream_bytes(w), len);
    ck_assert_int_eq(lab_fs_stream_fd(w), -1);
    lab_stream_unref(r);
    lab_stream_unref(w);
    lab_loop_free(loop);
    /* Node's order: r end first, w finish before w close.  The reader's
     * close and the writer's last write are pool jobs racing (in Node
     * too), so r close may come anywhere after r end. */
    ck_assert_msg(strcmp(trace, "r:end w:finish r:close w:close") == 0 ||
                  strcmp(trace, "r:end w:finish w:close r:close") == 0 ||
                  strcmp(trace, "r:end r:close w:finish w:close") == 0,
                  "%s", trace);
    ck_assert_int_eq(datas, 6);
    ck_assert_int_eq(range_datas, ranges ? 6 : 0);
    ck_assert_uint_eq(biggest, 65536);
    expect_file(out, data, len);
    ck_assert_int_eq(fd_count(), fds_before);   /* the ranges' dup too */
    free(data);
}

START_TEST(pipe_copies_a_file_in_64k_chunks) { copy_file(false, false); }
END_TEST

START_TEST(file_ranges_copy_in_the_kernel_with_the_same_events)
{
    copy_file(true, false);                         /* copies on the pool */
}
END_TEST

START_TEST(file_ranges_copy_on_the_loop_thread_too)
{
    copy_file(true, true);
}
END_TEST

/* A transform wants bytes: lab_writable_write() reads each range in. */
static size_t passed;
static int pipeline_errors = -1;
static void on_pipeline_done(const lab_err *err, void *arg) { pipeline_errors = err != NULL; }
static void pass_bytes(lab_stream *s, const lab_chunk *in)
{
    ck_assert(!lab_chunk_is_range(in));
    ck_assert_ptr_nonnull(in->data);
    passed += in->len;
    lab_readable_push(s, lab_chunk_ref(in));
    lab_transform_done(s, NULL);
}

START_TEST(file_ranges_become_bytes_where_bytes_are_wanted)
{
    size_t len = 3 * 65536 + 5;
    char *data = make_input("in", len);
    char in[128], out[128];
    strcpy(in, path_of("in"));
    strcpy(out, path_of("out"));
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    static const lab_stream_ops pass_ops = { .transform = pass_bytes };
    lab_fs_stream_opts ro = { .file_ranges = true };
    passed = 0;
    lab_stream *chain[] = { lab_fs_read_stream(loop, in, &ro),
                            lab_transform_new(loop, &pass_ops, NULL, NULL),
                            lab_fs_write_stream(loop, out, NULL) };
    lab_pipeline(chain, 3, on_pipeline_done, NULL);
    lab_loop_run(loop);
    ck_assert_int_eq(pipeline_errors, 0);
    for (int i = 0; i < 3; i++) lab_stream_unref(chain[i]);
    lab_loop_free(loop);
    ck_assert_uint_eq(passed, len);
    expect_file(out, data, len);
    ck_assert_int_eq(fd_count(), fds_before);
    free(data);
}
END_TEST

static void on_write_cb(lab_stream *s, const lab_err *err, void *arg)
{
    note("cb:%s%s", err ? err->code : "ok", "");
}

START_TEST(missing_file_errors_then_closes)
{
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    lab_stream *r = lab_fs_read_stream(loop, path_of("nope"), NULL);
    watch(r, "r");
    lab_readable_resume(r);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "r:error:ENOENT r:close");
    char want[256];
    snprintf(want, sizeof want, "ENOENT: no such file or directory, open '%s'",
             path_of("nope"));
    ck_assert_str_eq(lab_stream_errored(r)->message, want);
    ck_assert_int_eq(lab_stream_errored(r)->errnum, ENOENT);
    lab_stream_unref(r);

    /* A write stream into a missing directory: the same, and a write made
     * before the open failed reports the error too. */
    trace[0] = '\0';
    lab_stream *w = lab_fs_write_stream(loop, path_of("no/such/dir"), NULL);
    watch(w, "w");
    lab_writable_write(w, lab_chunk_str("lost"), on_write_cb, NULL);
    lab_writable_end(w);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "cb:ENOENT w:error:ENOENT w:close");   /* as node */
    ck_assert_uint_eq(lab_writable_total(w), 0);
    lab_stream_unref(w);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(full_disk_errors_and_never_finishes)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = { 100000, RLIM_INFINITY };
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    lab_stream *w = lab_fs_write_stream(loop, path_of("full"), NULL);
    watch(w, "w");
    static char block[30000];
    for (int i = 0; i < 10; i++)          /* 300 000 bytes into 100 000 */
        lab_writable_write(w, lab_chunk_static(block, sizeof block), NULL, NULL);
    lab_writable_end(w);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:error:EFBIG w:close");
    ck_assert(!lab_writable_finished(w));
    ck_assert_str_eq(lab_stream_errored(w)->message, "EFBIG: file too large, write");
    /* Exactly what reached the file, and no write counted as done beyond it. */
    struct stat st;
    ck_assert_int_eq(stat(path_of("full"), &st), 0);
    ck_assert_int_eq(st.st_size, 100000);
    ck_assert_uint_eq(lab_fs_stream_bytes(w), 100000);
    ck_assert_uint_le(lab_writable_total(w), 100000);
    lab_stream_unref(w);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* A disk with no room at all: /dev/full answers every write with ENOSPC. */
START_TEST(no_space_left_is_ENOSPC)
{
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .flags = O_WRONLY };
    lab_stream *w = lab_fs_write_stream(loop, "/dev/full", &o);
    watch(w, "w");
    lab_writable_write(w, lab_chunk_str("no room"), on_write_cb, NULL);
    lab_writable_end(w);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "cb:ENOSPC w:error:ENOSPC w:close");   /* as node */
    ck_assert_str_eq(lab_stream_errored(w)->message, "ENOSPC: no space left on device, write");
    ck_assert(!lab_writable_finished(w));
    ck_assert_uint_eq(lab_fs_stream_bytes(w), 0);
    ck_assert_uint_eq(lab_writable_total(w), 0);
    lab_stream_unref(w);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* A slow disk (write_ms_per_mib, not in Node): 64 KiB at 100 ms per MiB
 * take at least 6 ms of the loop's clock, write() says false meanwhile
 * and 'drain' follows; the bytes arrive whole. */
static void on_drain_note(lab_stream *s, const lab_event *ev, void *arg)
{
    note("%s:drain%s", arg, "");
    lab_writable_end(s);
}

START_TEST(slow_disk_says_false_then_drains)
{
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .write_ms_per_mib = 100 };
    lab_stream *w = lab_fs_write_stream(loop, path_of("slow"), &o);
    watch(w, "w");
    lab_stream_on(w, LAB_ON_DRAIN, on_drain_note, "w");
    static char block[16384];
    memset(block, 'x', sizeof block);
    bool said = true;
    for (int i = 0; i < 4; i++)
        said = lab_writable_write(w, lab_chunk_static(block, sizeof block), NULL, NULL) && said;
    ck_assert(!said);
    uint64_t t0 = lab_loop_now(loop);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "w:drain w:finish w:close");
    ck_assert_uint_ge(lab_loop_now(loop) - t0, 6);      /* never shorter */
    struct stat st;
    ck_assert_int_eq(stat(path_of("slow"), &st), 0);
    ck_assert_int_eq(st.st_size, 65536);
    ck_assert_uint_eq(lab_fs_stream_bytes(w), 65536);
    lab_stream_unref(w);
    lab_loop_free(loop);
}
END_TEST

/* destroy() while the slow disk makes a write wait: the wait ends at once
 * (not after the minute 64 KiB would take), nothing is written or counted. */
static void destroy_once_open(lab_timer *t)
{
    lab_stream *w = t->data;
    if (lab_fs_stream_fd(w) < 0) return;     /* still opening: next time */
    lab_timer_stop(t);
    lab_stream_destroy(w, NULL);
}

START_TEST(destroy_ends_a_slow_disk_wait)
{
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .write_ms_per_mib = 1000000 };
    lab_stream *w = lab_fs_write_stream(loop, path_of("waits"), &o);
    watch(w, "w");
    static char block[65536];
    lab_writable_write(w, lab_chunk_static(block, sizeof block), on_write_cb, NULL);
    lab_timer t;
    lab_timer_init(loop, &t);
    t.data = w;
    lab_timer_start(&t, destroy_once_open, 1, 1);
    uint64_t t0 = lab_loop_now(loop);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "cb:ERR_STREAM_DESTROYED w:close");
    ck_assert_uint_lt(lab_loop_now(loop) - t0, 30000);  /* 64 KiB would take 61 s */
    struct stat st;
    ck_assert_int_eq(stat(path_of("waits"), &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_uint_eq(lab_fs_stream_bytes(w), 0);
    lab_stream_unref(w);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

static char range_got[64];
static void on_range_data(lab_stream *s, const lab_event *ev, void *arg)
{
    strncat(range_got, ev->chunk->data, ev->chunk->len);
}

START_TEST(reads_a_byte_range_in_small_chunks)
{
    FILE *f = fopen(path_of("abc"), "w");
    fputs("abcdefghijklmnopqrstuvwxyz", f);
    fclose(f);
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .stream = { .hwm = 4 }, .start = 3, .has_end = true, .end = 12 };
    lab_stream *r = lab_fs_read_stream(loop, path_of("abc"), &o);
    range_got[0] = '\0';
    lab_stream_on(r, LAB_ON_DATA, on_range_data, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(range_got, "defghijklm");      /* end is inclusive */
    lab_stream_unref(r);
    lab_loop_free(loop);
}
END_TEST

/* start and end hold for ranges too; read(n) takes a range whole. */
START_TEST(file_ranges_keep_start_and_end)
{
    FILE *f = fopen(path_of("abc"), "w");
    fputs("abcdefghijklmnopqrstuvwxyz", f);
    fclose(f);
    char out[128];
    strcpy(out, path_of("out"));
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .stream = { .hwm = 4 }, .start = 3, .has_end = true,
                             .end = 12, .file_ranges = true };
    lab_stream *r = lab_fs_read_stream(loop, path_of("abc"), &o);
    lab_stream *w = lab_fs_write_stream(loop, out, NULL);
    lab_pipe(r, w, true);
    lab_loop_run(loop);
    lab_stream_unref(r);
    lab_stream_unref(w);
    lab_loop_free(loop);
    expect_file(out, "defghijklm", 10);             /* end is inclusive */
}
END_TEST

/* read(n) in paused mode: a range has no bytes to cut, so it comes out
 * whole whatever n asks, and the buffer's length drops by what it was. */
static size_t read_lens[8], nreads;
static void read_two(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_chunk c;
    while (nreads < 8 && lab_readable_read(s, 2, &c)) {
        ck_assert(lab_chunk_is_range(&c));
        read_lens[nreads++] = c.len;
        lab_chunk_release(&c);
    }
}

START_TEST(file_ranges_come_out_of_read_whole)
{
    FILE *f = fopen(path_of("abc"), "w");
    fputs("abcdefghij", f);
    fclose(f);
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .stream = { .hwm = 4 }, .file_ranges = true };
    lab_stream *r = lab_fs_read_stream(loop, path_of("abc"), &o);
    nreads = 0;
    lab_stream_on(r, LAB_ON_READABLE, read_two, NULL);
    lab_loop_run(loop);
    lab_stream_unref(r);
    lab_loop_free(loop);
    ck_assert_uint_eq(nreads, 3);                   /* 4 + 4 + 2 bytes */
    ck_assert_uint_eq(read_lens[0], 4);
    ck_assert_uint_eq(read_lens[1], 4);
    ck_assert_uint_eq(read_lens[2], 2);
}
END_TEST

/* A pipe cannot seek, so it has no ranges to name: the stream reads
 * bytes from it as usual. */
START_TEST(file_ranges_from_a_pipe_read_bytes)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "hello pipe", 10), 10);
    close(p[1]);
    char out[128];
    strcpy(out, path_of("out"));
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts o = { .use_fd = true, .fd = p[0], .file_ranges = true };
    lab_stream *r = lab_fs_read_stream(loop, NULL, &o);
    lab_stream *w = lab_fs_write_stream(loop, out, NULL);
    range_datas = 0;
    lab_stream_on(r, LAB_ON_DATA, on_data_count, "r");
    lab_pipe(r, w, true);
    lab_loop_run(loop);
    lab_stream_unref(r);
    lab_stream_unref(w);
    lab_loop_free(loop);
    ck_assert_int_eq(range_datas, 0);
    expect_file(out, "hello pipe", 10);
}
END_TEST

static void destroy_on_data(lab_stream *s, const lab_event *ev, void *arg)
{
    datas++;
    lab_stream_destroy(s, NULL);
}

START_TEST(destroy_mid_read_closes_the_file)
{
    free(make_input("big", 1 << 20));
    int fds_before = fd_count();
    lab_loop *loop = lab_loop_new();
    lab_stream *r = lab_fs_read_stream(loop, path_of("big"), NULL);
    watch(r, "r");
    lab_stream_on(r, LAB_ON_DATA, destroy_on_data, NULL);
    lab_loop_run(loop);
    ck_assert_int_eq(datas, 1);
    ck_assert_str_eq(trace, "r:close");
    ck_assert(lab_stream_closed(r));
    lab_stream_unref(r);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

int main(void)
{
    return CHECK_RUN("fs_stream", 30, setup, teardown,
                     pipe_copies_a_file_in_64k_chunks,
                     file_ranges_copy_in_the_kernel_with_the_same_events,
                     file_ranges_copy_on_the_loop_thread_too,
                     file_ranges_become_bytes_where_bytes_are_wanted,
                     file_ranges_keep_start_and_end,
                     file_ranges_come_out_of_read_whole,
                     file_ranges_from_a_pipe_read_bytes,
                     missing_file_errors_then_closes,
                     full_disk_errors_and_never_finishes, no_space_left_is_ENOSPC,
                     slow_disk_says_false_then_drains, destroy_ends_a_slow_disk_wait,
                     reads_a_byte_range_in_small_chunks,
                     destroy_mid_read_closes_the_file);
}
