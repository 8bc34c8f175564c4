/*
 * together_uploads.c — demo `together.uploads`: large uploads streamed to
 * disk by clustered workers, with constant memory.
 *
 *   this process (the primary)            workers (together_uploads_worker.c)
 *   ──────────────────────────            ────────────────────────────────────
 *   forks `workers`, hands out            PUT /upload/NAME:
 *   connections (rr)            ───────►      req.pipe(createWriteStream(DIR/.NAME.part-…))
 *   the load generator's uploads              'finish' → rename to NAME → 201
 *   (loadgen.h) send `uploads` bodies of `size`
 *   bytes at once, each with its         every sample_ms: `upload` (per upload:
 *   CRC-32                                bytes, pauses, the file's buffer vs
 *                                         its mark) and `upload_worker` (RSS,
 *   reads each worker's RSS from          bytes/s)
 *   /proc; at the end reads every
 *   file back and compares it with what it sent.
 *
 * What to watch: a worker's RSS stays where it started while hundreds of
 * MiB go through it, because pipe() stops reading the socket whenever the
 * file's write() says false.  disk_slow=MS makes every MiB written take
 * that long (a slow disk): the pauses last longer, the clients slow down
 * to the disk's pace, and memory still does not move.
 *
 * Bad input and failures, each leaving no file behind: cut=N closes upload
 * N half-way (the worker sees the body cut off and removes its partial
 * file); max_bytes=B refuses an upload over B bytes with 413 (at once from
 * its Content-Length, or, with chunked=1, as the bytes pass B); a full disk
 * is 507.  SIGTERM (or the end of --duration) aborts the uploads in flight
 * and stops the cluster gracefully: files answered 201 stay whole, partial
 * files go, no worker is left.  Partials of a worker killed outright are
 * removed by the primary at the end.
 */
#include "cluster_demo.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"
#include "together_uploads.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_UPLOADS 8

typedef struct uploads_demo uploads_demo;

/* One upload the built-in client sends, and what became of it. */
typedef struct sender {
    uploads_demo *h;
    int id;
    char name[32];
    uint64_t size;             /* the body's length */
    uint64_t cut_at;           /* the client hangs up after this many bytes (0: never) */
    uint64_t start;            /* where in the load generator's pattern it begins */
    lab_upload *up;            /* while it runs */
    bool done, cut;
    bool cut_by_hand;          /* the `cut` command (x in the lab) */
    /* When it has ended (copied from the upload). */
    uint64_t sent;
    uint32_t crc;              /* of the bytes sent */
    int status;                /* the answer's, or 0 */
    pid_t worker_pid;          /* X-Worker-Pid */
    char error[48];
    char response[256];
    /* The file, read back at the end. */
    int64_t file_size;         /* -1: no file */
    uint32_t file_crc;
} sender;

typedef struct {
    pid_t pid;
    int id;
    uint64_t base_rss, peak_rss;
} worker_mem;

struct uploads_demo {
    cluster_demo k;
    upload_cfg cfg;
    bool own_dir;              /* a temp dir of ours, removed at the end */
    sender senders[MAX_UPLOADS];
    int nsenders, left;
    bool chunked, stopping;
    const char *stopped_by;
    lab_signal sig_term, sig_int;
    lab_timer sample;
    worker_mem mem[LAB_CLUSTER_MAX_WORKERS];
    int nmem;
    int partials_removed;
    uint64_t started_us, ended_us;     /* the first byte sent, the last answer */
};

/* ---- the client: the load generator's uploads (loadgen.h) ------------------------ */

static void all_sent(uploads_demo *h);

static void sender_event(const sender *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(UPLOAD_SENT));
    lab_ev_int(e, "id", s->id);
    lab_ev_str(e, "name", s->name);
    lab_ev_int(e, "size", (int64_t)s->size);
    lab_ev_int(e, "sent", (int64_t)s->sent);
    lab_ev_int(e, "crc32", s->crc);
    lab_ev_int(e, "status", s->status);
    lab_ev_bool(e, "cut", s->cut);
    if (s->worker_pid) lab_ev_int(e, "worker_pid", s->worker_pid);
    if (s->error[0]) lab_ev_str(e, "error", s->error);
    if (s->response[0]) lab_ev_str(e, "response", s->response);
    lab_ev_emit(e);
}

static void sender_done(sender *s, const char *error)
{
    if (s->done) return;
    s->done = true;
    if (error && !s->error[0]) snprintf(s->error, sizeof s->error, "%s", error);
    sender_event(s);
    if (--s->h->left == 0) all_sent(s->h);
}

/* The upload ended (answered, cut, failed, abandoned): what it did is
 * kept in the sender, the upload is freed. */
static void upload_ended(lab_upload *up)
{
    sender *s = up->data;
    s->up = NULL;
    s->sent = up->sent;
    s->crc = up->crc;
    s->status = up->status;
    s->worker_pid = up->worker_pid;
    s->cut = up->cut || s->cut_by_hand;
    snprintf(s->response, sizeof s->response, "%s", up->response);
    snprintf(s->error, sizeof s->error, "%s", up->error);
    lab_upload_free(up);
    sender_done(s, NULL);
}

static void start_sender(uploads_demo *h, sender *s)
{
    char path[64];
    snprintf(path, sizeof path, "/upload/%s", s->name);
    lab_upload_options o = { .port = h->k.port, .path = path, .size = s->size,
                             .chunked = h->chunked, .cut_at = s->cut_at, .start = s->start,
                             .on_done = upload_ended, .data = s };
    s->up = lab_upload_start(h->k.loop, &o);
    if (!s->up) sender_done(s, "cannot start");
}

/* ---- memory, from /proc --------------------------------------------------------------- */

/* A process's highest resident memory (VmHWM), bytes; 0 if gone. */
static uint64_t vm_hwm(pid_t pid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

static worker_mem *mem_of(uploads_demo *h, const lab_cluster_worker *w)
{
    for (int i = 0; i < h->nmem; i++)
        if (h->mem[i].pid == w->pid) return &h->mem[i];
    if (h->nmem == LAB_CLUSTER_MAX_WORKERS) return NULL;
    worker_mem *m = &h->mem[h->nmem++];
    *m = (worker_mem){ .pid = w->pid, .id = w->id, .base_rss = cluster_demo_rss(w->pid) };
    return m;
}

/* Each live worker's RSS now and its peak so far, read by us from /proc
 * (the worker's own `upload_worker` events say the same from inside). */
static void sample_mem(uploads_demo *h, bool emit)
{
    for (size_t i = 0; h->k.cl && i < lab_cluster_count(h->k.cl); i++) {
        lab_cluster_worker *w = lab_cluster_get(h->k.cl, i);
        worker_mem *m = w->dead ? NULL : mem_of(h, w);
        if (!m) continue;
        uint64_t rss = cluster_demo_rss(w->pid), hwm = vm_hwm(w->pid);
        if (hwm > m->peak_rss) m->peak_rss = hwm;
        if (!emit) continue;
        lab_ev *e = lab_ev_new(LAB_EV(RSS));
        lab_ev_int(e, "id", w->id);
        lab_ev_int(e, "worker_pid", w->pid);
        lab_ev_int(e, "rss", (int64_t)rss);
        lab_ev_int(e, "peak_rss", (int64_t)m->peak_rss);
        lab_ev_int(e, "base_rss", (int64_t)m->base_rss);
        lab_ev_emit(e);
    }
}

static void on_sample(lab_timer *t) { sample_mem(t->data, true); }

/* ---- the end ------------------------------------------------------------------------------ */

/* Reads a kept file back: its size and CRC-32 (-1: no such file). */
static void read_back(uploads_demo *h, sender *s)
{
    char path[PATH_MAX + 40];
    snprintf(path, sizeof path, "%s/%s", h->cfg.dir, s->name);
    s->file_size = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    /* On the loop, at the end: nothing else is running any more. */
    unsigned char *buf = lab_xmalloc(1 << 20);
    uLong crc = crc32(0, NULL, 0);
    int64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, 1 << 20)) > 0) {
        crc = crc32(crc, buf, (uInt)n);
        total += n;
    }
    close(fd);
    free(buf);
    s->file_size = total;
    s->file_crc = (uint32_t)crc;
}

/* Every upload has ended: the files are checked while the workers still
 * live (their peak RSS is read now), then the cluster stops. */
static void all_sent(uploads_demo *h)
{
    h->ended_us = lab_clock_us();
    sample_mem(h, true);
    for (int i = 0; i < h->nsenders; i++) read_back(h, &h->senders[i]);
    if (!h->stopped_by) h->stopped_by = "done";
    cluster_demo_stop(&h->k);
}

/* SIGTERM, SIGINT, the deadline: the uploads in flight are abandoned (each
 * worker sees its body cut off and removes the partial file), then the
 * graceful stop lets the workers finish what they answer and exit. */
static void stop_all(uploads_demo *h, const char *why)
{
    if (h->stopping) return;
    h->stopping = true;
    h->stopped_by = why;
    for (int i = 0; i < h->nsenders; i++) {
        sender *s = &h->senders[i];
        if (s->up) lab_upload_abort(s->up, why);   /* upload_ended follows */
        else sender_done(s, why);                   /* never started */
    }
}

static void on_signal(lab_signal *sig, int signum)
{
    stop_all(sig->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
    cluster_demo_stop(&((uploads_demo *)sig->data)->k);
}

static void on_deadline(lab_demo *d)
{
    uploads_demo *h = d->data;
    stop_all(h, "deadline");
    cluster_demo_stop(&h->k);
}

/* `cut` (x in the lab): the first upload still sending hangs up now, as a
 * client whose connection dropped — watch its partial file go. */
static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    uploads_demo *h = d->data;
    if (strcmp(cmd, "cut") != 0) return;
    for (int i = 0; i < h->nsenders; i++) {
        sender *s = &h->senders[i];
        if (!s->up) continue;
        s->cut_by_hand = true;
        lab_upload_abort(s->up, "cut off by hand (cut)");
        return;
    }
}

static void on_stopped(cluster_demo *k)
{
    uploads_demo *h = k->data;
    lab_timer_stop(&h->sample);
    lab_signal_stop(&h->sig_term);
    lab_signal_stop(&h->sig_int);
}

/* A worker killed outright (SIGKILL at the stop's deadline) could not
 * remove its partial file: we do, once every worker is gone. */
static void sweep_partials(uploads_demo *h)
{
    DIR *d = opendir(h->cfg.dir);
    if (!d) return;
    struct dirent *e;
    char path[PATH_MAX + 300];
    while ((e = readdir(d))) {
        if (!upload_is_partial(e->d_name)) continue;
        snprintf(path, sizeof path, "%s/%s", h->cfg.dir, e->d_name);
        if (unlink(path) == 0) h->partials_removed++;
    }
    closedir(d);
}

static bool summary(uploads_demo *h)
{
    int ok = 0, exact = 0, failed = 0;
    uint64_t received = 0, max_growth = 0;
    bool bad = false;
    cJSON *files = cJSON_CreateArray();
    for (int i = 0; i < h->nsenders; i++) {
        sender *s = &h->senders[i];
        bool kept = s->status == 201;
        bool same = kept && s->file_size == (int64_t)s->size && s->sent == s->size &&
                    s->file_crc == s->crc;
        ok += kept;
        exact += same;
        failed += !kept;
        bad |= kept && !same;
        if (kept) received += s->size;
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", s->name);
        cJSON_AddNumberToObject(f, "size", (double)s->size);
        cJSON_AddNumberToObject(f, "status", s->status);
        cJSON_AddNumberToObject(f, "sent", (double)s->sent);
        cJSON_AddNumberToObject(f, "crc_sent", s->crc);
        cJSON_AddNumberToObject(f, "file_bytes", (double)s->file_size);
        if (s->file_size >= 0) cJSON_AddNumberToObject(f, "crc_file", s->file_crc);
        cJSON_AddBoolToObject(f, "exact", same);
        if (s->error[0]) cJSON_AddStringToObject(f, "error", s->error);
        cJSON_AddItemToArray(files, f);
    }
    cJSON *workers = cJSON_CreateArray();
    for (int i = 0; i < h->nmem; i++) {
        worker_mem *m = &h->mem[i];
        uint64_t growth = m->peak_rss > m->base_rss ? m->peak_rss - m->base_rss : 0;
        if (growth > max_growth) max_growth = growth;
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "id", m->id);
        cJSON_AddNumberToObject(w, "pid", m->pid);
        cJSON_AddNumberToObject(w, "base_rss", (double)m->base_rss);
        cJSON_AddNumberToObject(w, "peak_rss", (double)m->peak_rss);
        cJSON_AddNumberToObject(w, "growth", (double)growth);
        uint64_t bytes = 0;
        for (int j = 0; j < h->nsenders; j++)
            if (h->senders[j].worker_pid == m->pid && h->senders[j].status == 201)
                bytes += h->senders[j].size;
        cJSON_AddNumberToObject(w, "bytes", (double)bytes);
        cJSON_AddItemToArray(workers, w);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "uploads", h->nsenders);
    lab_ev_int(e, "ok", ok);
    lab_ev_int(e, "exact", exact);
    lab_ev_int(e, "failed", failed);
    lab_ev_int(e, "bytes_received", (int64_t)received);
    lab_ev_int(e, "max_rss_growth", (int64_t)max_growth);
    /* From the first byte sent to the last answer (the reading back
     * after is not counted). */
    uint64_t us = h->ended_us > h->started_us && h->started_us ? h->ended_us - h->started_us : 0;
    lab_ev_int(e, "elapsed_ms", (int64_t)(us / 1000));
    lab_ev_num(e, "mib_per_s", us ? (double)received / (1 << 20) / ((double)us / 1e6) : 0);
    lab_ev_int(e, "partials_removed", h->partials_removed);
    lab_ev_str(e, "stopped_by", h->stopped_by ? h->stopped_by : "done");
    lab_ev_str(e, "dir", h->own_dir ? NULL : h->cfg.dir);
    lab_ev_json(e, "files", files);
    lab_ev_json(e, "workers", workers);
    lab_ev_emit(e);
    return !bad;
}

/* ---- the start ------------------------------------------------------------------------------ */

static void on_ready(cluster_demo *k)
{
    uploads_demo *h = k->data;
    sample_mem(h, true);                   /* each worker's base, before a byte */
    uint64_t every = h->cfg.sample_ms;
    lab_timer_start(&h->sample, on_sample, every, every);
    lab_timer_unref(&h->sample);
    if (h->stopping) return;
    h->started_us = lab_clock_us();
    for (int i = 0; i < h->nsenders; i++) start_sender(h, &h->senders[i]);
}

const char *upload_check_dir(const char *v)
{
    struct stat st;
    if (!*v) return NULL;
    if (stat(v, &st) < 0 || !S_ISDIR(st.st_mode) || access(v, W_OK | X_OK) < 0)
        return "a directory that exists and that we may write in";
    return NULL;
}

static const char *check_sizes(const char *v)
{
    int64_t sizes[MAX_UPLOADS];
    if (!*v || lab_demo_parse_sizes(v, sizes, MAX_UPLOADS) > 0) return NULL;
    return "a list of up to 8 sizes, each 1..64M (e.g. 256k,16M): upload N gets the Nth, "
           "cycling";
}

static int run(lab_demo *d)
{
    uploads_demo *h = lab_xcalloc(1, sizeof *h);
    lab_loop *loop = lab_loop_new();
    const char *dir = lab_demo_str(d, "dir");
    if (*dir) {
        snprintf(h->cfg.dir, sizeof h->cfg.dir, "%s", dir);
    } else if (cluster_demo_tmpdir(h->cfg.dir, sizeof h->cfg.dir, "uploads")) {
        h->own_dir = true;
    } else {
        fprintf(stderr, "nodelab: %s: cannot make a temporary directory: %s\n",
                d->def->name, strerror(errno));
        free(h);
        lab_loop_free(loop);
        return 1;
    }
    h->cfg.max_bytes = (uint64_t)lab_demo_int(d, "max_bytes");
    h->cfg.disk_slow_ms = (uint64_t)lab_demo_int(d, "disk_slow");
    h->cfg.sample_ms = (uint64_t)lab_demo_int(d, "sample_ms");
    h->cfg.port = (int)lab_demo_int(d, "port");
    h->chunked = lab_demo_int(d, "chunked");
    h->nsenders = h->left = (int)lab_demo_int(d, "uploads");
    int cut = (int)lab_demo_int(d, "cut");
    int64_t sizes[MAX_UPLOADS];
    int nsizes = lab_demo_parse_sizes(lab_demo_str(d, "sizes"), sizes, MAX_UPLOADS);
    for (int i = 0; i < h->nsenders; i++) {
        sender *s = &h->senders[i];
        uint64_t size = nsizes > 0 ? (uint64_t)sizes[i % nsizes] : (uint64_t)lab_demo_int(d, "size");
        *s = (sender){ .h = h, .id = i + 1, .size = size,
                       .start = (uint64_t)i * 1000003, .file_size = -1 };
        if (cut == s->id) s->cut_at = s->size / 2 ? s->size / 2 : 1;
        snprintf(s->name, sizeof s->name, "upload-%d.bin", s->id);
    }

    cluster_demo_init(&h->k, d, loop);
    d->data = h;
    h->k.data = h;
    h->k.worker_main = upload_worker_main;
    h->k.worker_arg = &h->cfg;
    h->k.on_ready = on_ready;
    h->k.on_stopped = on_stopped;
    h->k.extra.stop_timeout_ms = (uint64_t)lab_demo_int(d, "stop_timeout_ms");
    lab_ev *e = lab_ev_new(LAB_EV(SERVING));
    lab_ev_str(e, "dir", h->cfg.dir);
    lab_ev_emit(e);
    lab_timer_init(loop, &h->sample);
    h->sample.data = h;
    if (cluster_demo_start(&h->k, LAB_CLUSTER_RR, false)) {
        lab_signal_init(loop, &h->sig_term);
        lab_signal_init(loop, &h->sig_int);
        h->sig_term.data = h->sig_int.data = h;
        lab_signal_start(&h->sig_term, on_signal, SIGTERM);
        lab_signal_start(&h->sig_int, on_signal, SIGINT);
        lab_signal_unref(&h->sig_term);
        lab_signal_unref(&h->sig_int);
        lab_demo_listen(d, loop, NULL, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    sweep_partials(h);
    bool exact = summary(h);
    int rc = cluster_demo_finish(&h->k);
    if (rc == 0 && !exact) {
        fprintf(stderr, "nodelab: %s: a file answered 201 differs from what was sent\n",
                d->def->name);
        rc = 1;
    }
    if (h->own_dir) cluster_demo_rmdir(h->cfg.dir);
    lab_loop_free(loop);
    free(h);
    return rc;
}

const lab_demo_def lab_demo_together_uploads = {
    .name = "together.uploads",
    .chapter = 6,
    .summary = "large uploads streamed to disk by clustered workers, memory flat",
    .shows = "upload events: each body's bytes, its pauses (the file's write() said false, "
             "the socket stopped being read) and the file's buffer against its mark; "
             "rss and upload_worker: each worker's RSS stays flat while hundreds of MiB pass; "
             "upload_sent and the summary: 201 and a byte-exact file, or no file at all",
    .duration_s = 120,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "", "1..64",
          "worker processes (default: one per online core)", false, cluster_demo_check_workers },
        { "uploads", LAB_PARAM_INT, 4, 0, MAX_UPLOADS, NULL, "uploads",
          "concurrent uploads the load generator sends (0: none, only serve: "
          "curl -T FILE http://127.0.0.1:PORT/upload/NAME)", false },
        { "port", LAB_PARAM_INT, 0, 0, 65535, NULL, "port",
          "127.0.0.1 port to serve (0: a free one, named in the serving event)", false },
        { "size", LAB_PARAM_INT, 32 << 20, 1, 256 << 20, NULL, "bytes",
          "each upload's body (up to 256M)", false },
        { "sizes", LAB_PARAM_STR, 0, 0, 0, "", "list",
          "instead of size: upload N gets the Nth of these (e.g. 256k,16M; cycling)", false,
          check_sizes },
        { "disk_slow", LAB_PARAM_INT, 0, 0, 10000, NULL, "ms/MiB",
          "a slow disk: each MiB written takes this long (100: 10 MiB/s; backpressure shows)",
          false },
        { "max_bytes", LAB_PARAM_INT, 0, 0, 1LL << 40, NULL, "bytes",
          "quota per upload: over it, 413 and no file (0: none)", false },
        { "chunked", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: send bodies without a Content-Length (the quota is met as bytes arrive)", false },
        { "cut", LAB_PARAM_INT, 0, 0, MAX_UPLOADS, NULL, "upload",
          "this upload (1..) is cut off half-way by the client (0: none)", false },
        { "dir", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where the files go (default: a temporary directory, removed after)", false,
          upload_check_dir },
        { "stop_timeout_ms", LAB_PARAM_INT, 5000, 100, 60000, NULL, "ms",
          "graceful stop: a worker still busy after this is killed (its partial files "
          "are then removed by the primary)", false },
        { "sample_ms", LAB_PARAM_INT, 200, 10, 10000, NULL, "ms",
          "how often upload, upload_worker and rss events are sent", false },
    },
    .keys = {
        { 'x', "cut", "cut an upload off (the client hangs up)", "cut" },
    },
    .lab_sets = { "disk_slow=400" },
    .run = run,
};
