/* test_fs.c — file operations on the thread pool (lab/runtime/io/fs.h). */
#define _GNU_SOURCE   /* preadv2, RWF_NOWAIT */
#include "fs.h"
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    tmpdir_make(dir, "nl-fs");
    chmod(dir, 0755);
}

static void remove_dir(void) { tmpdir_remove(dir); }

static char *make_file(const char *name, const char *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

/* ---- reading a file in chunks through the pool -------------------------- */

#define CHUNK 65536
static struct {
    lab_loop *loop;
    lab_fs req;
    int fd;
    char chunk[CHUNK];
    char *got;
    size_t got_len, reads;
    int off_pool;          /* reads that ran on the loop thread (thread 0) */
    bool closed;
} rd;

static void on_closed(lab_fs *req)
{
    ck_assert_int_eq(req->result, 0);
    rd.closed = true;
}

/* Set around a lab_fs_read() or lab_fs_write() call: a callback that runs
 * while it is set came from inside the call, which must never happen. */
static bool in_fs_call;
static int early_callbacks;

static void on_read(lab_fs *req);

static void read_next(lab_fs *req)
{
    in_fs_call = true;
    lab_fs_read(rd.loop, req, rd.fd, rd.chunk, CHUNK, -1, on_read);
    in_fs_call = false;
}

static void on_read(lab_fs *req)
{
    if (in_fs_call) early_callbacks++;
    ck_assert_int_ge(req->result, 0);
    if (req->work.thread == 0) rd.off_pool++;
    if (req->result == 0) {               /* end of file */
        lab_fs_close(rd.loop, req, rd.fd, on_closed);
        return;
    }
    memcpy(rd.got + rd.got_len, rd.chunk, (size_t)req->result);
    rd.got_len += (size_t)req->result;
    rd.reads++;
    read_next(req);
}

static void on_opened(lab_fs *req)
{
    ck_assert_int_ge(req->result, 0);
    ck_assert_ptr_null(lab_fs_code(req));
    rd.fd = (int)req->result;
    /* O_CLOEXEC is always added: a spawned child must not inherit it. */
    ck_assert(fcntl(rd.fd, F_GETFD) & FD_CLOEXEC);
    read_next(req);
}

/* Writes 2.5 chunks and a bit (3 reads, the last one short), reads them
 * back chunk by chunk, checks every byte and descriptor; returns how many
 * reads (the end-of-file one included) ran on the loop thread. */
static int read_back(bool nowait)
{
    make_dir();
    size_t len = 5 * CHUNK / 2 + 123;
    char *data = malloc(len);
    srand(7);
    for (size_t i = 0; i < len; i++) data[i] = (char)rand();
    char *path = make_file("in.bin", data, len);
    int fds_before = fd_count();

    memset(&rd, 0, sizeof rd);
    early_callbacks = 0;
    lab_fs_set_nowait_reads(nowait);
    rd.loop = lab_loop_new();
    rd.got = malloc(len);
    ck_assert_int_eq(lab_fs_open(rd.loop, &rd.req, path, O_RDONLY, 0, on_opened), 0);
    ck_assert_int_eq(lab_loop_run(rd.loop), 0);
    lab_loop_free(rd.loop);
    lab_fs_set_nowait_reads(false);

    ck_assert(rd.closed);
    ck_assert_int_eq(early_callbacks, 0);
    ck_assert_uint_eq(rd.reads, 3);
    ck_assert_uint_eq(rd.got_len, len);
    ck_assert(memcmp(rd.got, data, len) == 0);
    ck_assert_int_eq(fd_count(), fds_before);
    free(rd.got);
    free(data);
    remove_dir();
    return rd.off_pool;
}

START_TEST(reads_a_file_in_chunks_on_the_pool)
{
    ck_assert_int_eq(read_back(false), 0);          /* Node's way, whatever the env */
}
END_TEST

/* Can the file system of the scratch directory answer RWF_NOWAIT reads?
 * ext4 and xfs can; tmpfs says EOPNOTSUPP (Linux 6.18), and then every
 * read must fall back to the pool. */
static bool nowait_reads_supported(void)
{
    make_dir();
    int fd = open(make_file("probe", "x", 1), O_RDONLY | O_CLOEXEC);
    char c;
    struct iovec v = { &c, 1 };
    bool ok = preadv2(fd, &v, 1, 0, RWF_NOWAIT) >= 0 || errno == EAGAIN;
    close(fd);
    remove_dir();
    return ok;
}

/* With the page-cache fast path on, a file just written is read on the
 * loop thread (thread 0), yet every callback still comes later, from the
 * loop, never from inside lab_fs_read().  Where the file system cannot
 * say, the same reads go to the pool, with the same results. */
START_TEST(cached_reads_skip_the_pool_when_asked)
{
    int on_loop = nowait_reads_supported() ? 4 : 0;   /* 3 chunks and the end */
    ck_assert_int_eq(read_back(true), on_loop);
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

static lab_fs err_req;
static char err_msg[256];
static void on_open_error(lab_fs *req)
{
    lab_fs_message(req, err_msg, sizeof err_msg);
}

static const char *open_and_fail(const char *path, int flags)
{
    lab_loop *loop = lab_loop_new();
    err_req.result = 0;
    ck_assert_int_eq(lab_fs_open(loop, &err_req, path, flags, 0644, on_open_error), 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return lab_fs_code(&err_req);
}

START_TEST(missing_file_is_ENOENT_with_nodes_message)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/nope.txt", dir);
    int fds_before = fd_count();
    ck_assert_str_eq(open_and_fail(path, O_RDONLY), "ENOENT");
    ck_assert_int_eq(err_req.result, -ENOENT);
    char want[256];
    snprintf(want, sizeof want,
             "ENOENT: no such file or directory, open '%s'", path);
    ck_assert_str_eq(err_msg, want);
    ck_assert_int_eq(fd_count(), fds_before);
    remove_dir();
}
END_TEST

/* Root reads anything, so the check runs as "nobody" in a child. */
START_TEST(unreadable_file_is_EACCES)
{
    make_dir();
    char *path = make_file("secret", "x", 1);
    chmod(path, 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0)) _exit(3);
        const char *code = open_and_fail(path, O_RDONLY);
        _exit(code && strcmp(code, "EACCES") == 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    remove_dir();
}
END_TEST

/* ---- a full disk: RLIMIT_FSIZE makes write() fail with EFBIG ------------ */

static struct { lab_loop *loop; lab_fs req; int fd; char *buf; int writes;
                size_t reported; ssize_t last; int on_loop; } wr;

static void on_write(lab_fs *req)
{
    if (in_fs_call) early_callbacks++;
    if (req->work.thread == 0) wr.on_loop++;
    wr.reported += req->written;
    wr.last = req->result;
    if (req->result < 0) return;          /* stop at the first failure */
    ck_assert_uint_eq((size_t)req->result, req->len);
    if (++wr.writes < 10)
        lab_fs_write(wr.loop, req, wr.fd, wr.buf, CHUNK, -1, on_write);
}

/* Writes 64 KiB chunks into a file limited to 100,000 bytes; returns how
 * many writes ran on the loop thread. */
static int write_until_full(bool loop_writes)
{
    make_dir();
    signal(SIGXFSZ, SIG_IGN);             /* else the kernel kills us */
    struct rlimit lim = { 100000, RLIM_INFINITY };
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    memset(&wr, 0, sizeof wr);
    early_callbacks = 0;
    lab_fs_set_loop_writes(loop_writes);
    wr.loop = lab_loop_new();
    wr.buf = calloc(1, CHUNK);
    wr.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(wr.fd, 0);
    in_fs_call = true;
    lab_fs_write(wr.loop, &wr.req, wr.fd, wr.buf, CHUNK, -1, on_write);
    in_fs_call = false;
    lab_loop_run(wr.loop);
    lab_loop_free(wr.loop);
    lab_fs_set_loop_writes(false);
    close(wr.fd);

    ck_assert_int_eq(early_callbacks, 0);
    ck_assert_int_eq(wr.last, -EFBIG);
    ck_assert_str_eq(lab_fs_code(&wr.req), "EFBIG");
    /* One chunk fitted whole; the second, failing, request still counts
     * the part that reached the file, and no more. */
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 100000);
    ck_assert_uint_eq(wr.reported, 100000);
    free(wr.buf);
    remove_dir();
    return wr.on_loop;
}

START_TEST(full_disk_reports_EFBIG_and_only_what_was_written)
{
    ck_assert_int_eq(write_until_full(false), 0);   /* Node's way: the pool */
}
END_TEST

/* The same with writes on the loop thread: the same results, the same
 * later callbacks, and no pool thread involved. */
START_TEST(loop_writes_keep_results_and_callback_order)
{
    ck_assert_int_eq(write_until_full(true), 2);
}
END_TEST

/* A pipe may block for ever, so its writes stay on the pool even then. */
static void on_pipe_write(lab_fs *req)
{
    ck_assert_int_eq(req->result, 5);
    ck_assert_int_ne(req->work.thread, 0);
}

START_TEST(loop_writes_leave_pipes_on_the_pool)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    lab_fs_set_loop_writes(true);
    lab_loop *loop = lab_loop_new();
    static lab_fs req;
    lab_fs_write(loop, &req, p[1], "hello", 5, -1, on_pipe_write);
    lab_loop_run(loop);
    lab_loop_free(loop);
    lab_fs_set_loop_writes(false);
    char got[8] = { 0 };
    ck_assert_int_eq(read(p[0], got, sizeof got), 5);
    ck_assert_str_eq(got, "hello");
    close(p[0]);
    close(p[1]);
}
END_TEST

/* ---- copying without the bytes entering the process -------------------- */

static lab_fs copy_req;
static void on_copied(lab_fs *req) { (void)req; }

/* Copies len bytes of in (from in_off) to out_fd with lab_fs_copy_range. */
static ssize_t copy_to(int out_fd, int in_fd, int64_t in_off, size_t len)
{
    lab_loop *loop = lab_loop_new();
    memset(&copy_req, 0, sizeof copy_req);
    ck_assert_int_eq(lab_fs_copy_range(loop, &copy_req, out_fd, -1, in_fd, in_off,
                                       len, on_copied), 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return copy_req.result;
}

START_TEST(copy_range_between_files_and_into_a_pipe)
{
    make_dir();
    size_t len = 200000;
    char *data = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (char)(i * 13);
    int in = open(make_file("in.bin", data, len), O_RDONLY | O_CLOEXEC);
    char out_path[128];
    snprintf(out_path, sizeof out_path, "%s/out.bin", dir);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(in, 0);
    ck_assert_int_ge(out, 0);

    /* file to file, from an offset: copy_file_range */
    ck_assert_int_eq(copy_to(out, in, 1000, 150000), 150000);
    ck_assert_uint_eq(copy_req.written, 150000);
    struct stat st;
    ck_assert_int_eq(fstat(out, &st), 0);
    ck_assert_int_eq(st.st_size, 150000);
    char *got = malloc(150000);
    int check = open(out_path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_eq(pread(check, got, 150000, 0), 150000);
    ck_assert(memcmp(got, data + 1000, 150000) == 0);
    close(check);

    /* into a pipe the kernel refuses: the same bytes, through a buffer */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(copy_to(p[1], in, 0, 5000), 5000);
    ck_assert_int_eq(read(p[0], got, 8000), 5000);
    ck_assert(memcmp(got, data, 5000) == 0);

    /* with loop writes: a file-to-file copy runs on the loop thread, a copy
     * into a pipe (refused by the kernel at once) still goes to the pool */
    lab_fs_set_loop_writes(true);
    ck_assert_int_eq(copy_to(out, in, 0, 1000), 1000);
    ck_assert_int_eq(copy_req.work.thread, 0);
    ck_assert_int_eq(copy_to(p[1], in, 0, 1000), 1000);
    ck_assert_int_ne(copy_req.work.thread, 0);
    ck_assert_int_eq(read(p[0], got, 8000), 1000);
    ck_assert(memcmp(got, data, 1000) == 0);
    lab_fs_set_loop_writes(false);

    /* asked for more than the file has: EIO, and written says the truth */
    ck_assert_int_eq(copy_to(out, in, len - 10, 100), -EIO);
    ck_assert_str_eq(lab_fs_code(&copy_req), "EIO");
    ck_assert_uint_eq(copy_req.written, 10);
    close(in);
    close(out);
    close(p[0]);
    close(p[1]);
    free(got);
    free(data);
    remove_dir();
}
END_TEST

/* ---- stat, fstat, fsync, unlink --------------------------------------- */

static int meta_step;
static lab_loop *meta_loop;
static char meta_path[128];
static void on_meta(lab_fs *req)
{
    switch (meta_step++) {
    case 0:
        ck_assert_int_eq(req->result, 0);
        ck_assert_int_eq(req->st.st_size, 11);
        lab_fs_unlink(meta_loop, req, meta_path, on_meta);
        break;
    case 1:
        ck_assert_int_eq(req->result, 0);
        lab_fs_stat(meta_loop, req, meta_path, on_meta);
        break;
    case 2:
        ck_assert_str_eq(lab_fs_code(req), "ENOENT");
        break;
    }
}

START_TEST(stat_unlink_then_stat_fails)
{
    make_dir();
    strcpy(meta_path, make_file("m", "hello world", 11));
    meta_loop = lab_loop_new();
    meta_step = 0;
    static lab_fs req;
    lab_fs_stat(meta_loop, &req, meta_path, on_meta);
    lab_loop_run(meta_loop);
    lab_loop_free(meta_loop);
    ck_assert_int_eq(meta_step, 3);
    remove_dir();
}
END_TEST

int main(void)
{
    return CHECK_RUN("fs", 30, NULL, NULL,
                     reads_a_file_in_chunks_on_the_pool,
                     cached_reads_skip_the_pool_when_asked,
                     missing_file_is_ENOENT_with_nodes_message,
                     unreadable_file_is_EACCES,
                     full_disk_reports_EFBIG_and_only_what_was_written,
                     loop_writes_keep_results_and_callback_order,
                     loop_writes_leave_pipes_on_the_pool,
                     copy_range_between_files_and_into_a_pipe,
                     stat_unlink_then_stat_fails);
}
