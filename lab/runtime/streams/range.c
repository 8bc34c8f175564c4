/*
 * range.c — chunks that name bytes in a file (see range.h).
 *
 * Two kinds of lab_buf do the work, told apart by their release hook:
 *   the file     data[] holds the dup'd descriptor; release closes it;
 *   a range      data[] holds the offset; opaque points at the file, on
 *                which the range holds a reference; release drops it.
 */
#include "range.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void release_file(lab_buf *b)
{
    int fd;
    memcpy(&fd, b->data, sizeof fd);
    close(fd);
    free(b);
}

lab_buf *lab_range_file(int fd)
{
    lab_buf *b = lab_buf_new(sizeof fd);
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) {
        free(b);
        return NULL;
    }
    memcpy(b->data, &own, sizeof own);
    b->release = release_file;
    return b;
}

static void release_range(lab_buf *b)
{
    lab_buf_unref(b->opaque);
    free(b);
}

lab_chunk lab_range_chunk(lab_buf *file, int64_t offset, size_t len)
{
    lab_buf *b = lab_buf_new(sizeof offset);
    memcpy(b->data, &offset, sizeof offset);
    b->opaque = lab_buf_ref(file);
    b->release = release_range;
    return (lab_chunk){ NULL, len, b };
}

bool lab_chunk_is_range(const lab_chunk *c)
{
    return c->buf && c->buf->release == release_range;
}

int lab_range_fd(const lab_chunk *c)
{
    int fd;
    memcpy(&fd, ((lab_buf *)c->buf->opaque)->data, sizeof fd);
    return fd;
}

int64_t lab_range_offset(const lab_chunk *c)
{
    int64_t off;
    memcpy(&off, c->buf->data, sizeof off);
    return off;
}

lab_chunk lab_range_slice(const lab_chunk *c, size_t off, size_t len)
{
    return lab_range_chunk(c->buf->opaque, lab_range_offset(c) + (int64_t)off, len);
}

lab_chunk lab_range_load(lab_chunk c)
{
    if (!lab_chunk_is_range(&c)) return c;
    lab_chunk out = lab_chunk_alloc(c.len);
    int err = 0;
    for (size_t done = 0; !err && done < c.len;) {
        ssize_t n = pread(lab_range_fd(&c), (char *)out.data + done, c.len - done,
                          lab_range_offset(&c) + (int64_t)done);
        if (n > 0) done += (size_t)n;
        else if (n == 0) err = EIO;             /* the file shrank */
        else if (errno != EINTR) err = errno;
    }
    lab_chunk_release(&c);
    if (err) {
        lab_chunk_release(&out);
        errno = err;
    }
    return out;
}
