/*
 * telemetry.c — JSON Lines events on a non-blocking descriptor (see the
 * header for the promises this file keeps).
 */
#include "telemetry.h"
#include "events.h"
#include "errors.h"
#include "loop.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lines waiting for the reader.  Small on purpose: a reader that falls
 * this far behind is not reading, and the demo must not pay for it. */
#define TEL_BUFFER_CAP (256 * 1024)

/* Threads: the loop thread and the pool's threads all report.  Everything
 * here is read and written with the lock held, except `fd`, which every
 * event reads first to learn whether telemetry is on at all: an atomic,
 * read without the lock (a relaxed load costs what a plain one does), and
 * read again under the lock before anything is written. */
static struct {
    atomic_int fd;             /* -1: off */
    uint64_t epoch_us;
    char *buf;                 /* whole lines only */
    size_t len;
    uint64_t written, dropped, dropped_unreported;
    pthread_mutex_t lock;
    bool atfork_installed;
} tel = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static int tel_fd(void) { return atomic_load_explicit(&tel.fd, memory_order_relaxed); }

struct lab_ev { cJSON *obj; };

/* ---- fork safety ------------------------------------------------------- */

static void atfork_prepare(void) { pthread_mutex_lock(&tel.lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&tel.lock); }
/* The child must not re-send the parent's buffered lines. */
static void atfork_child(void)
{
    tel.len = 0;
    tel.dropped_unreported = 0;
    pthread_mutex_init(&tel.lock, NULL);
}

/* ---- opening and closing ----------------------------------------------- */

void lab_tel_set_epoch(uint64_t epoch_us) { tel.epoch_us = epoch_us; }
uint64_t lab_tel_epoch(void) { return tel.epoch_us; }
uint64_t lab_tel_now(void) { return lab_clock_us() - tel.epoch_us; }
bool lab_tel_on(void) { return tel_fd() >= 0; }
int lab_tel_fd(void) { return tel_fd(); }

void lab_tel_open(int fd)
{
    if (!tel.atfork_installed) {
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
        tel.atfork_installed = true;
    }
    if (tel.epoch_us == 0) tel.epoch_us = lab_clock_us();
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    pthread_mutex_lock(&tel.lock);
    if (!tel.buf) tel.buf = lab_xmalloc(TEL_BUFFER_CAP);
    atomic_store(&tel.fd, fd);
    pthread_mutex_unlock(&tel.lock);
}

bool lab_tel_open_from_env(void)
{
    const char *fdv = getenv("NODELAB_TELEMETRY_FD");
    const char *epv = getenv("NODELAB_EPOCH_US");
    if (!fdv || !*fdv) return false;
    char *end;
    long fd = strtol(fdv, &end, 10);
    if (*end || fd < 0 || fd > 1 << 20 || fcntl((int)fd, F_GETFD) < 0) return false;
    if (epv && *epv) lab_tel_set_epoch(strtoull(epv, NULL, 10));
    lab_tel_open((int)fd);
    return true;
}

/* Writes whole lines, at most PIPE_BUF bytes per write(), so that a write
 * to a pipe is atomic.  Call with the lock held. */
static void flush_locked(void)
{
    size_t off = 0;
    while (off < tel.len) {
        size_t n = 0;                  /* whole lines that fit in PIPE_BUF */
        const char *p = tel.buf + off;
        while (off + n < tel.len) {
            const char *nl = memchr(p + n, '\n', tel.len - off - n);
            size_t line = (size_t)(nl - (p + n)) + 1;
            if (n > 0 && n + line > PIPE_BUF) break;
            n += line;                 /* a single long line goes alone */
            if (n >= PIPE_BUF) break;
        }
        ssize_t w = write(tel_fd(), p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                tel.len = 0;           /* reader gone: nothing to keep */
                atomic_store(&tel.fd, -1);
                return;
            }
            break;
        }
        off += (size_t)w;
        if ((size_t)w < n) {
            /* Only a long line or a non-pipe can be cut: keep the rest. */
            break;
        }
    }
    if (off == 0) return;              /* a stalled reader costs no copying */
    memmove(tel.buf, tel.buf + off, tel.len - off);
    tel.len -= off;
}

void lab_tel_flush(void)
{
    if (tel_fd() < 0) return;
    pthread_mutex_lock(&tel.lock);
    if (tel_fd() >= 0 && tel.len > 0) flush_locked();
    pthread_mutex_unlock(&tel.lock);
}

/* Reads one counter under the lock. */
static uint64_t locked_read(const uint64_t *counter)
{
    pthread_mutex_lock(&tel.lock);
    uint64_t v = *counter;
    pthread_mutex_unlock(&tel.lock);
    return v;
}

bool lab_tel_pending(void)
{
    pthread_mutex_lock(&tel.lock);
    bool pending = tel_fd() >= 0 && tel.len > 0;
    pthread_mutex_unlock(&tel.lock);
    return pending;
}
uint64_t lab_tel_written(void) { return locked_read(&tel.written); }
uint64_t lab_tel_dropped(void) { return locked_read(&tel.dropped); }

void lab_tel_close(int timeout_ms)
{
    if (tel_fd() < 0) return;
    /* Let a slow reader catch up for a little while: the last events of a
     * demo (its summary) are the ones people look for.  Never longer. */
    uint64_t deadline = lab_clock_us() + (uint64_t)timeout_ms * 1000u;
    pthread_mutex_lock(&tel.lock);
    if (tel_fd() >= 0) flush_locked();
    while (tel_fd() >= 0 && tel.len > 0 && lab_clock_us() < deadline) {
        struct pollfd pfd = { .fd = tel_fd(), .events = POLLOUT };
        int left = (int)((deadline - lab_clock_us()) / 1000u);
        if (poll(&pfd, 1, left > 0 ? left : 1) < 0 && errno != EINTR) break;
        flush_locked();
    }
    atomic_store(&tel.fd, -1);
    tel.len = 0;
    pthread_mutex_unlock(&tel.lock);
}

/* ---- building events --------------------------------------------------- */

lab_ev *lab_ev_new(const char *name)
{
    if (tel_fd() < 0) return NULL;         /* the cheap path */
    lab_ev *e = lab_xmalloc(sizeof *e);
    e->obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(e->obj, "ts", (double)lab_tel_now());
    cJSON_AddStringToObject(e->obj, "ev", name);
    cJSON_AddNumberToObject(e->obj, "pid", (double)getpid());
    return e;
}

void lab_ev_str(lab_ev *e, const char *key, const char *value)
{
    if (!e) return;
    if (value) cJSON_AddStringToObject(e->obj, key, value);
    else cJSON_AddNullToObject(e->obj, key);
}

void lab_ev_int(lab_ev *e, const char *key, int64_t value)
{
    if (e) cJSON_AddNumberToObject(e->obj, key, (double)value);
}

void lab_ev_num(lab_ev *e, const char *key, double value)
{
    if (e) cJSON_AddNumberToObject(e->obj, key, value);
}

void lab_ev_bool(lab_ev *e, const char *key, bool value)
{
    if (e) cJSON_AddBoolToObject(e->obj, key, value);
}

void lab_ev_null(lab_ev *e, const char *key)
{
    if (e) cJSON_AddNullToObject(e->obj, key);
}

void lab_ev_pid(lab_ev *e, int pid)
{
    if (e) cJSON_ReplaceItemInObjectCaseSensitive(e->obj, "pid",
                                                  pid > 0 ? cJSON_CreateNumber(pid) : cJSON_CreateNull());
}

void lab_ev_json(lab_ev *e, const char *key, cJSON *value)
{
    if (e) cJSON_AddItemToObject(e->obj, key, value);
    else cJSON_Delete(value);
}

/* Appends one line to the buffer, or counts it as dropped. */
static bool append_line(const char *line, size_t n)
{
    if (tel.len + n + 1 > TEL_BUFFER_CAP) return false;
    memcpy(tel.buf + tel.len, line, n);
    tel.buf[tel.len + n] = '\n';
    tel.len += n + 1;
    return true;
}

void lab_ev_emit(lab_ev *e)
{
    if (!e) return;
    char *line = cJSON_PrintUnformatted(e->obj);
    cJSON_Delete(e->obj);
    free(e);
    if (!line) return;
    pthread_mutex_lock(&tel.lock);
    if (tel_fd() >= 0) {
        flush_locked();                    /* make room if the reader did */
        if (tel.dropped_unreported && tel.len + 128 < TEL_BUFFER_CAP) {
            char note[128];
            int n = snprintf(note, sizeof note,
                             "{\"ts\":%llu,\"ev\":\"dropped\",\"pid\":%d,\"count\":%llu}",
                             (unsigned long long)lab_tel_now(), (int)getpid(),
                             (unsigned long long)tel.dropped_unreported);
            if (append_line(note, (size_t)n)) tel.dropped_unreported = 0;
        }
        if (append_line(line, strlen(line))) {
            tel.written++;
        } else {
            tel.dropped++;
            tel.dropped_unreported++;
        }
        flush_locked();
    }
    pthread_mutex_unlock(&tel.lock);
    free(line);
}

void lab_tel_stream(const char *ev, const char *stream)
{
    lab_ev *e = lab_ev_new(ev);
    lab_ev_str(e, "stream", stream);
    lab_ev_emit(e);
}

void lab_tel_error(const char *stream, int err, const char *message)
{
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    lab_ev_str(e, "stream", stream);
    lab_ev_str(e, "code", err > 0 ? lab_errno_name(err) : "ERR");
    lab_ev_str(e, "message", message ? message : (err > 0 ? strerror(err) : ""));
    lab_ev_emit(e);
}
