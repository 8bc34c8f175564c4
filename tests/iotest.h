/* iotest.h — what the I/O tests share (tests only, header-only):
 *   fd_count()        descriptors open now: "every descriptor closed" is
 *                     this number before and after;
 *   thread_count()    threads of this process now;
 *   refused_port()    a port that refuses connections, held by a socket
 *                     bound but never listening (so nobody else takes it);
 *   tmpdir_make/remove()  a scratch directory for one test;
 *   sink_buf, sink_ops    a writable that keeps everything written to it
 *                         (lab_writable_new(loop, &sink_ops, opts, &buf)).
 * main()'s body is check_run.h's CHECK_RUN. */
#ifndef NL_TEST_IOTEST_H
#define NL_TEST_IOTEST_H

#include "stream.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static inline int thread_count(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static inline int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;                 /* the directory's own descriptor */
}

/* A bound, non-listening socket answers every SYN with a RST.  Close
 * *hold when done. */
static inline int refused_port(int *hold)
{
    *hold = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(bind(*hold, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(*hold, (struct sockaddr *)&sa, &len);
    return ntohs(sa.sin_port);
}

/* Makes /tmp/TAG.XXXXXX into dir (64 bytes); tmpdir_remove(dir) takes it
 * away with everything in it. */
static inline void tmpdir_make(char dir[64], const char *tag)
{
    snprintf(dir, 64, "/tmp/%s.XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void tmpdir_remove(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A sink that keeps everything written to it (free b->p after). */
typedef struct { unsigned char *p; size_t len, cap; } sink_buf;

static inline void sink_write(lab_stream *s, const lab_chunk *c)
{
    sink_buf *b = lab_stream_data(s);
    if (b->len + c->len > b->cap) {
        b->cap = (b->len + c->len) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, c->data, c->len);
    b->len += c->len;
    lab_write_done(s, NULL);
}

static const lab_stream_ops sink_ops = { .write = sink_write };

#endif
