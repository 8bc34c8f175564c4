/* streamkit.c — the bench around the Chapter 2 experiments (streamkit.h). */
#define _GNU_SOURCE
#include "streamkit.h"
#include "events.h"
#include "demo.h"
#include "stream.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ---- memory ------------------------------------------------------------ */

uint64_t kit_rss(void)
{
    /* statm: size resident shared ... in pages.  One read() of a tiny
     * file, cheap enough to sample every few milliseconds. */
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    unsigned long long size, resident;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
    return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t kit_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

void kit_mem_sample(kit_mem *m)
{
    uint64_t rss = kit_rss();
    if (!m->samples++) m->first = rss;
    if (rss > m->max) m->max = rss;
    m->last = rss;
    lab_ev *e = lab_ev_new(LAB_EV(MEM));
    lab_ev_int(e, "rss", (int64_t)rss);
    lab_ev_emit(e);
}

static void on_mem_timer(lab_timer *t) { kit_mem_sample(t->data); }

void kit_mem_start(lab_loop *loop, kit_mem *m, uint64_t every_ms)
{
    memset(m, 0, sizeof *m);
    lab_timer_init(loop, &m->timer);
    m->timer.data = m;
    kit_mem_sample(m);
    lab_timer_start(&m->timer, on_mem_timer, every_ms, every_ms);
    lab_timer_unref(&m->timer);        /* watching must not keep us running */
}

void kit_mem_stop(kit_mem *m)
{
    lab_timer_stop(&m->timer);
    kit_mem_sample(m);
}

/* ---- a scratch directory ----------------------------------------------- */

/* The lab stops a demo with SIGTERM (restart, quit) and Ctrl-C sends
 * SIGINT: either way the demo's scratch files, maybe gigabytes, must not
 * stay behind.  The handler may only make async-signal-safe calls:
 * unlink() the files handed out by kit_tmp_path(), rmdir(), then die of
 * the same signal. */
#define MAX_SCRATCH 8
static char scratch_dir[PATH_MAX];
static char scratch_files[MAX_SCRATCH][PATH_MAX];
static volatile sig_atomic_t nscratch;
/* And the output file the user named, while it is being written: a run
 * stopped half-way must not leave half a file that looks whole. */
static char user_out_file[PATH_MAX];
static volatile sig_atomic_t have_user_out;

static void on_stop_signal(int sig)
{
    for (int i = 0; i < nscratch; i++) unlink(scratch_files[i]);
    if (have_user_out) unlink(user_out_file);
    if (scratch_dir[0]) rmdir(scratch_dir);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_stop_handlers(void)
{
    static bool installed;
    if (installed) return;
    installed = true;
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void remove_on_signals(const char *dir)
{
    nscratch = 0;
    snprintf(scratch_dir, sizeof scratch_dir, "%s", dir);
    install_stop_handlers();
}

int kit_tmp_make(kit_tmp *t, const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    snprintf(t->dir, sizeof t->dir, "%s/nodelab-%s.XXXXXX", base, tag);
    if (!mkdtemp(t->dir)) {
        int err = errno;
        t->dir[0] = '\0';
        return -err;
    }
    remove_on_signals(t->dir);
    return 0;
}

char *kit_tmp_path(const kit_tmp *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->dir, name);
    bool known = false;
    for (int i = 0; i < nscratch; i++) known |= strcmp(scratch_files[i], buf) == 0;
    if (!known && nscratch < MAX_SCRATCH && strcmp(t->dir, scratch_dir) == 0) {
        snprintf(scratch_files[nscratch], PATH_MAX, "%s", buf);
        nscratch++;                    /* only now may the handler use it */
    }
    return buf;
}

void kit_tmp_remove(kit_tmp *t)
{
    if (!t->dir[0]) return;
    if (strcmp(t->dir, scratch_dir) == 0) {
        nscratch = 0;
        scratch_dir[0] = '\0';
    }
    DIR *d = opendir(t->dir);
    if (d) {
        struct dirent *de;
        char path[PATH_MAX + 256];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", t->dir, de->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(t->dir);
    t->dir[0] = '\0';
}

/* ---- generated inputs -------------------------------------------------- */

static uint64_t next_rand(uint64_t *s)      /* xorshift64*: fast, seeded */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static const char *const first[] = { "alice", "bob", "chen", "dana", "emil",
    "fatima", "goran", "hana", "ivan", "jules", "kofi", "lena" };
static const char *const last[] = { "smith", "okafor", "tanaka", "novak",
    "garcia", "muller", "rossi", "dubois" };
static const char *const domains[] = { "example.com", "mail.example.org",
    "corp.test", "uni.example.edu" };
static const char *const paths[] = { "/api/items", "/login", "/static/app.js",
    "/api/orders", "/health", "/search?q=streams" };
static const char *const words[] = { "stream", "café", "naïve", "buffer",
    "€42", "日本語", "backpressure", "🚀", "pipe", "Ünïcode", "drain", "mark" };

#define N(a) (sizeof a / sizeof a[0])

/* One line of the given kind into out (at most 512 bytes); returns its
 * length.  line is the line number (0 is the CSV header). */
static size_t gen_line(char *out, kit_kind kind, int pct, uint64_t line)
{
    uint64_t s = line * 0x9E3779B97F4A7C15ULL + 1;
    uint64_t r = next_rand(&s), r2 = next_rand(&s);
    const char *fn = first[r % N(first)], *ln = last[(r >> 8) % N(last)];
    const char *dom = domains[(r >> 16) % N(domains)];
    int n;
    switch (kind) {
    case KIT_LOG:
        n = snprintf(out, 512, "2026-11-23T%02u:%02u:%02u.%03uZ 10.0.%u.%u GET %s/%u %u %u",
                     (unsigned)(line / 3600000 % 24), (unsigned)(line / 60000 % 60),
                     (unsigned)(line / 1000 % 60), (unsigned)(line % 1000),
                     (unsigned)(r2 % 256), (unsigned)(r2 >> 8) % 256,
                     paths[(r >> 24) % N(paths)], (unsigned)(r2 >> 16) % 100000,
                     (r2 >> 40) % 10 ? 200u : 404u, (unsigned)(r2 >> 44) % 20000);
        if ((int)((r >> 32) % 100) < pct)
            n += snprintf(out + n, 512 - (size_t)n, " user=%s.%s@%s", fn, ln, dom);
        if ((int)((r >> 40) % 100) < pct / 4)      /* now and then, two */
            n += snprintf(out + n, 512 - (size_t)n, " cc=%s@%s", ln, dom);
        out[n++] = '\n';
        return (size_t)n;
    case KIT_CSV:
        if (line == 0)
            return (size_t)snprintf(out, 512, "id,name,email,note,amount\n");
        /* A name with a comma must be quoted; a note may hold a newline
         * or a quote (doubled inside quotes), as RFC 4180 says. */
        n = snprintf(out, 512, "%llu,", (unsigned long long)line);
        if (r2 % 3 == 0) n += snprintf(out + n, 512 - (size_t)n, "\"%s, %s\",", ln, fn);
        else n += snprintf(out + n, 512 - (size_t)n, "%s %s,", fn, ln);
        n += snprintf(out + n, 512 - (size_t)n, "%s@%s,", fn, dom);
        switch ((r2 >> 8) % 4) {
        case 0: n += snprintf(out + n, 512 - (size_t)n, "plain note,"); break;
        case 1: n += snprintf(out + n, 512 - (size_t)n, "\"two\nlines\","); break;
        case 2: n += snprintf(out + n, 512 - (size_t)n, "\"said \"\"hi\"\", left\","); break;
        default: n += snprintf(out + n, 512 - (size_t)n, ","); break;
        }
        n += snprintf(out + n, 512 - (size_t)n, "%u.%02u\n",
                      (unsigned)(r2 >> 16) % 1000, (unsigned)(r2 >> 32) % 100);
        return (size_t)n;
    case KIT_TEXT:
    default:
        n = 0;
        for (int w = 0; w < 8; w++)
            n += snprintf(out + n, 512 - (size_t)n, "%s%s", w ? " " : "",
                          words[next_rand(&s) % N(words)]);
        out[n++] = '\n';
        return (size_t)n;
    }
}

void kit_gen_fill(char *buf, size_t len, kit_kind kind, int pct, uint64_t *line)
{
    char tmp[512];
    size_t off = 0;
    while (off < len) {
        size_t n = gen_line(tmp, kind, pct, (*line)++);
        if (n > len - off) n = len - off;          /* the last line is cut */
        memcpy(buf + off, tmp, n);
        off += n;
    }
}

int kit_gen_file(const char *path, uint64_t size, kit_kind kind, int pct)
{
    return kit_gen_file_until(path, size, kind, pct, 0, NULL);
}

int kit_gen_file_until(const char *path, uint64_t size, kit_kind kind, int pct,
                       uint64_t deadline_us, uint64_t *written)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    enum { BLOCK = 1 << 20 };
    char *block = malloc(BLOCK + 512);
    if (!block) { close(fd); unlink(path); return -ENOMEM; }
    uint64_t line = 0, done = 0;
    int err = 0;
    while (done < size && !err && !(deadline_us && done && lab_clock_us() >= deadline_us)) {
        size_t len = 0;
        while (len < BLOCK && done + len < size)
            len += gen_line(block + len, kind, pct, line++);
        /* Text is cut at exactly `size`; CSV keeps its last row whole (a
         * row cut in half would be malformed), so it may run a row over. */
        if (kind != KIT_CSV && done + len > size) len = (size_t)(size - done);
        for (size_t off = 0; off < len && !err;) {
            ssize_t w = write(fd, block + off, len - off);
            if (w < 0 && errno != EINTR) err = errno;
            if (w > 0) off += (size_t)w;
        }
        done += len;
    }
    free(block);
    if (close(fd) < 0 && !err) err = errno;
    if (err) unlink(path);
    if (written) *written = done;
    return -err;
}

/* The scratch directory, made on first use. */
static int need_tmp(const char *demo, kit_tmp *t)
{
    if (t->dir[0] || kit_tmp_make(t, "demo") == 0) return 0;
    fprintf(stderr, "nodelab: demo %s: cannot make a scratch directory: %s\n",
            demo, strerror(errno));
    return -1;
}

/* Refuses a generated input the scratch file system cannot hold (with
 * some room left for the demo's own output and everyone else). */
static int check_room(const char *demo, const kit_tmp *t, uint64_t size)
{
    struct statvfs fs;
    if (statvfs(t->dir, &fs) < 0) return 0;            /* cannot tell: try */
    uint64_t avail = (uint64_t)fs.f_bavail * fs.f_frsize, margin = 64u << 20;
    if (size + margin <= avail) return 0;
    fprintf(stderr, "nodelab: demo %s: a %llu-byte input does not fit in %s (%llu bytes "
            "free): set a smaller size, or TMPDIR to a larger file system\n", demo,
            (unsigned long long)size, t->dir, (unsigned long long)avail);
    return -1;
}

int kit_input(lab_demo *d, const char *given, kit_tmp *t, uint64_t size,
              kit_kind kind, int pct, char *buf, size_t bufsize)
{
    const char *demo = d->def->name;
    if (given && *given) {
        if (access(given, R_OK) < 0) {
            fprintf(stderr, "nodelab: demo %s: cannot read in='%s': %s\n", demo,
                    given, strerror(errno));
            return -1;
        }
        snprintf(buf, bufsize, "%s", given);
        return 0;
    }
    if (need_tmp(demo, t) < 0 || check_room(demo, t, size) < 0) return -1;
    kit_tmp_path(t, "input", buf, bufsize);
    /* Making the input may take a third of the run, no more: a slow disk
     * or a large size gives a smaller input (the `input` event says so),
     * never a demo that overruns its --duration before it starts. */
    uint64_t start = lab_clock_us(), made = 0;
    int err = kit_gen_file_until(buf, size, kind, pct, start + d->duration_ms * 1000 / 3, &made);
    if (err < 0) {
        fprintf(stderr, "nodelab: demo %s: cannot write the generated input %s: %s\n",
                demo, buf, strerror(-err));
        return -1;
    }
    lab_ev *e = lab_ev_new("input");
    lab_ev_int(e, "size", (int64_t)made);
    lab_ev_int(e, "asked", (int64_t)size);
    lab_ev_bool(e, "cut_short", made < size);
    lab_ev_emit(e);
    /* What is left of the duration is the demo's. */
    uint64_t spent_ms = (lab_clock_us() - start) / 1000;
    d->duration_ms = d->duration_ms > spent_ms + 1 ? d->duration_ms - spent_ms : 1;
    return 0;
}

int kit_scratch(const char *demo, kit_tmp *t, const char *name, char *buf, size_t bufsize)
{
    if (need_tmp(demo, t) < 0) return -1;
    kit_tmp_path(t, name, buf, bufsize);
    return 0;
}

int kit_files_open(lab_demo *d, kit_files *f, kit_kind kind, int pct,
                   const char *out_name)
{
    const char *name = d->def->name, *out = lab_demo_str(d, "out");
    memset(f, 0, sizeof *f);
    if (kit_input(d, lab_demo_str(d, "in"), &f->tmp, (uint64_t)lab_demo_int(d, "size"),
                  kind, pct, f->in, sizeof f->in) < 0)
        return -1;
    f->demo = name;
    f->user_out = *out != '\0';
    if (*out) {
        snprintf(f->out, sizeof f->out, "%s", out);
        snprintf(user_out_file, sizeof user_out_file, "%s", out);
        have_user_out = 1;             /* only now may the handler use it */
        clock_gettime(CLOCK_REALTIME_COARSE, &f->opened);
        install_stop_handlers();
    }
    else if (kit_scratch(name, &f->tmp, out_name, f->out, sizeof f->out) < 0) return -1;
    struct stat st;
    f->size = stat(f->in, &st) == 0 ? (uint64_t)st.st_size : 0;
    lab_ev *e = lab_ev_new("files");
    lab_ev_str(e, "in", f->in);
    lab_ev_str(e, "out", f->out);
    lab_ev_int(e, "size", (int64_t)f->size);
    lab_ev_emit(e);
    return 0;
}

/* True if this run wrote path: it was changed since the demo opened it
 * (a file it could not even open, say read-only, is the user's still). */
static bool written_since(const char *path, const struct timespec *t)
{
    struct stat st;
    if (stat(path, &st) < 0) return false;
    return st.st_mtim.tv_sec > t->tv_sec ||
           (st.st_mtim.tv_sec == t->tv_sec && st.st_mtim.tv_nsec >= t->tv_nsec);
}

void kit_files_close(kit_files *f, const kit_run *r)
{
    have_user_out = 0;
    if (f->user_out && r && r->start_us && !(r->done && !r->failed && !r->stopped) &&
        written_since(f->out, &f->opened) && unlink(f->out) == 0)
        fprintf(stderr, "nodelab: demo %s: %s removed: the run did not complete%s\n", f->demo,
                f->out, r->stopped ? " (its --duration ran out; give it more time)" : "");
    kit_tmp_remove(&f->tmp);
}

/* ---- one pipeline's outcome ------------------------------------------- */

void kit_run_start(kit_run *r, lab_demo *d, lab_timer *sampler)
{
    memset(r, 0, sizeof *r);
    r->demo = d;
    r->sampler = sampler;
    r->start_us = lab_clock_us();
}

void kit_run_done(const lab_err *err, void *arg)
{
    kit_run *r = arg;
    r->done = true;
    r->end_us = lab_clock_us();
    if (err && r->demo->expired) {
        r->stopped = true;             /* on_deadline tore it down */
    } else if (err) {
        r->failed = true;
        snprintf(r->code, sizeof r->code, "%s", err->code);
        snprintf(r->message, sizeof r->message, "%s", err->message);
    }
    if (r->sampler) lab_timer_stop(r->sampler);
    lab_demo_deadline_cancel(r->demo);
}

uint64_t kit_run_us(const kit_run *r)
{
    return (r->end_us ? r->end_us : lab_clock_us()) - r->start_us;
}

void kit_run_fields(lab_ev *e, const kit_run *r)
{
    lab_ev_bool(e, "completed", r->done && !r->failed && !r->stopped);
    lab_ev_int(e, "elapsed_ms", (int64_t)(kit_run_us(r) / 1000));
    if (r->failed) lab_ev_str(e, "error", r->code);
    if (r->stopped) lab_ev_bool(e, "stopped_at_duration", true);
}

int kit_run_status(const kit_run *r)
{
    if (!r->failed) return 0;
    fprintf(stderr, "nodelab: demo %s: %s\n", r->demo->def->name, r->message);
    return 1;
}

void kit_every(lab_loop *loop, lab_timer *t, uint64_t ms, lab_timer_cb *cb, void *data)
{
    lab_timer_init(loop, t);
    t->data = data;
    lab_timer_start(t, cb, ms, ms);
    lab_timer_unref(t);
}

/* ---- descriptors ------------------------------------------------------- */

int kit_fds_event(const char *label, const char *prefix)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    cJSON *open_ = lab_tel_on() ? cJSON_CreateArray() : NULL;
    int matched = 0, total = 0;
    struct dirent *de;
    size_t plen = strlen(prefix);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char link[300], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0) continue;                /* the DIR's own descriptor, gone */
        target[n] = '\0';
        total++;
        if (plen && strncmp(target, prefix, plen) != 0) continue;
        matched++;
        if (open_) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "fd", atoi(de->d_name));
            cJSON_AddStringToObject(o, "path", target);
            cJSON_AddItemToArray(open_, o);
        }
    }
    closedir(d);
    lab_ev *e = lab_ev_new("fds");
    lab_ev_str(e, "label", label);
    lab_ev_int(e, "count", matched);
    lab_ev_int(e, "total", total - 1);
    lab_ev_json(e, "open", open_);
    lab_ev_emit(e);
    return matched;
}

/* ---- a slow sink ------------------------------------------------------- */

typedef struct slow_sink {
    lab_timer timer;
    lab_stream *s;
    const lab_demo *demo;
    const char *delay_key;
    uint64_t *written;
    size_t len;                /* the chunk in flight */
    bool busy;                 /* a write waits for the timer */
} slow_sink;

static void on_sink_timer(lab_timer *t)
{
    slow_sink *k = t->data;
    k->busy = false;
    if (k->written) *k->written += k->len;
    lab_write_done(k->s, NULL);
    lab_stream_unref(k->s);            /* the timer's reference */
}

static void sink_write(lab_stream *s, const lab_chunk *chunk)
{
    slow_sink *k = lab_stream_data(s);
    k->len = chunk->len;
    k->busy = true;
    lab_stream_ref(s);                 /* we will call back: stay alive */
    lab_timer_start(&k->timer, on_sink_timer,
                    (uint64_t)lab_demo_int(k->demo, k->delay_key), 0);
}

static void sink_destroy(lab_stream *s, const lab_err *err)
{
    slow_sink *k = lab_stream_data(s);
    if (k->busy) {                     /* the write in flight is dropped */
        lab_timer_stop(&k->timer);
        k->busy = false;
        lab_stream_unref(s);
    }
    lab_destroy_done(s, err);
}

static void sink_free(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops slow_sink_ops = {
    .write = sink_write, .destroy = sink_destroy, .free = sink_free,
};

lab_stream *kit_slow_sink(lab_loop *loop, const char *name, size_t hwm,
                          const lab_demo *d, const char *delay_key,
                          uint64_t *written)
{
    slow_sink *k = calloc(1, sizeof *k);
    if (!k) abort();
    k->demo = d;
    k->delay_key = delay_key;
    k->written = written;
    lab_timer_init(loop, &k->timer);
    k->timer.data = k;
    lab_stream_opts o = { .name = name, .hwm = hwm };
    k->s = lab_writable_new(loop, &slow_sink_ops, &o, k);
    if (!k->s) abort();
    return k->s;
}

/* ---- numbers ----------------------------------------------------------- */

double kit_rate(uint64_t bytes, uint64_t us)
{
    return us ? (double)bytes * 1e6 / (double)us : 0.0;
}
