/*
 * together_system.c — demo `together.system`: Chapter 6's whole system in
 * one program, and the primary of it.
 *
 *   load (built-in uploads, or wrk)
 *        │  PUT /upload/NAME
 *        ▼
 *   this process: the primary ── rr ──▶ workers (together_system_worker.c)
 *                                          req ──▶ gzip -c child ──▶ NAME.gz
 *                                          record in SQLite: received →
 *                                          compressing → stored | failed
 *
 * The primary forks the workers, sends the uploads (at most `concurrency`
 * at once, `uploads` in all, each of `size` bytes), and can, while they
 * run: restart the workers one at a time (restart_after=N, or `r`), and
 * stop everything gracefully (SIGTERM, term_after=N, or `q`): no new
 * uploads, the ones in flight finish, then the workers exit.
 *
 * At the end it audits what is left, from outside: every record is read
 * back from SQLite; a stored record must have its NAME.gz, and the file,
 * gunzipped, must have the record's size and CRC-32 (and the CRC the
 * client computed as it sent); a failed record must have no file; every
 * upload the client saw acknowledged (201) must have a stored record.
 * Those counts — measured, not assumed — are the summary.
 */
#include "cluster_demo.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"
#include "together_system.h"
#include "together_uploads.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_UPLOADS 1000
#define MAX_MEM 128            /* workers over the whole run, restarts included */

typedef struct system_demo system_demo;

/* One upload the built-in client sends, and what became of it. */
typedef struct {
    system_demo *h;
    int id;
    char name[32];
    uint64_t cut_at;
    lab_upload *up;            /* while it runs */
    bool started, done;
    uint64_t sent;
    uint32_t crc;              /* of the bytes sent */
    int status;
    pid_t worker_pid;
    char error[48];
    bool stored_record;        /* the audit found its record stored */
} sender;

/* A worker over its life (the cluster forgets one after it exits). */
typedef struct {
    pid_t pid;
    int id;
    uint64_t base_rss, peak_rss;
    int stored;                /* 201s the client got from it */
    int exit_code;             /* -1: still running, or a signal */
    bool after_disconnect;
} worker_row;

struct system_demo {
    cluster_demo k;
    system_cfg cfg;
    bool own_dir;
    sender *senders;
    int nsenders, next, in_flight, concurrency;
    uint64_t size;
    bool text;                 /* log lines (compress) or random bytes (do not) */
    int acked, failed, refused;
    uint64_t bytes_sent_ok;
    /* the load: wrk instead of the built-in uploads */
    bool wrk;
    lab_process *wrk_proc;
    char wrk_out[4096];
    size_t wrk_len;
    int wrk_code;
    /* restart and shutdown */
    int restart_after, term_after;
    const char *restart_state;         /* "", "running", "done" */
    int restarts, failed_during_restart, failed_at_restart_start;
    int restart_old_id, restart_total, restart_replaced;   /* its progress */
    const char *stopped_by;
    int in_flight_at_stop;
    bool stopping, load_done, ended;   /* ended: every worker is gone */
    lab_signal sig_term, sig_int;
    lab_timer sample;
    int64_t last_acked;
    uint64_t last_sample_us;
    worker_row mem[MAX_MEM];
    int nmem;
};

/* ---- the workers, over their lives --------------------------------------------------- */

static worker_row *row_of(system_demo *h, pid_t pid, int id)
{
    for (int i = 0; i < h->nmem; i++) {
        if (h->mem[i].pid != pid) continue;
        if (!h->mem[i].id) h->mem[i].id = id;     /* first named by the client */
        return &h->mem[i];
    }
    if (h->nmem == MAX_MEM || !pid) return NULL;
    worker_row *m = &h->mem[h->nmem++];
    *m = (worker_row){ .pid = pid, .id = id, .exit_code = -1 };
    return m;
}

static void on_stats(lab_cluster_worker *w)
{
    system_demo *h = w->cluster->data;
    worker_row *m = row_of(h, w->pid, w->id);
    if (!m) return;
    if (!m->base_rss) m->base_rss = w->stats.rss;
    if (w->stats.rss > m->peak_rss) m->peak_rss = w->stats.rss;
}

/* Live workers now. */
static int workers_alive(const system_demo *h)
{
    int n = 0;
    for (size_t i = 0; h->k.cl && i < lab_cluster_count(h->k.cl); i++)
        n += !lab_cluster_get(h->k.cl, i)->dead;
    return n;
}

static void on_worker_exit(lab_cluster_worker *w, int code, int sig)
{
    system_demo *h = w->cluster->data;
    if (!strcmp(h->restart_state, "running") && w->id <= h->restart_old_id) h->restart_replaced++;
    worker_row *m = row_of(h, w->pid, w->id);
    if (!m) return;
    m->exit_code = sig ? -sig : code;
    m->after_disconnect = w->exited_after_disconnect;
}

/* ---- restart and stop ---------------------------------------------------------------- */

static void try_finish(system_demo *h);

static void start_restart(system_demo *h, const char *why)
{
    if (h->stopping || !h->k.cl || h->k.cl->restarting) return;
    int old_id = 0, total = workers_alive(h);
    for (size_t i = 0; i < lab_cluster_count(h->k.cl); i++)
        if (lab_cluster_get(h->k.cl, i)->id > old_id) old_id = lab_cluster_get(h->k.cl, i)->id;
    if (lab_cluster_restart(h->k.cl) < 0) return;
    h->restarts++;
    h->restart_old_id = old_id;            /* every worker up to this one is replaced */
    h->restart_total = total;
    h->restart_replaced = 0;
    h->restart_state = "running";
    h->failed_at_restart_start = h->failed;
    lab_ev *e = lab_ev_new(LAB_EV(STEP));
    lab_ev_str(e, "phase", "rolling restart");
    lab_ev_str(e, "why", why);
    lab_ev_int(e, "acked", h->acked);
    lab_ev_int(e, "in_flight", h->in_flight);
    lab_ev_emit(e);
}

/* The graceful stop: no new uploads; the ones in flight finish on their
 * workers (which stop taking connections and exit once they are idle). */
static void stop_all(system_demo *h, const char *why)
{
    if (h->stopping) return;
    h->stopping = true;
    h->stopped_by = why;
    h->in_flight_at_stop = h->in_flight;
    lab_ev *e = lab_ev_new(LAB_EV(STEP));
    lab_ev_str(e, "phase", "graceful stop");
    lab_ev_str(e, "why", why);
    lab_ev_int(e, "in_flight", h->in_flight);
    lab_ev_int(e, "acked", h->acked);
    lab_ev_emit(e);
    if (h->wrk_proc) lab_process_kill(h->wrk_proc, SIGINT);   /* wrk reports and exits */
    cluster_demo_stop(&h->k);
}

static void on_signal(lab_signal *sig, int signum)
{
    stop_all(sig->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_deadline(lab_demo *d) { stop_all(d->data, "deadline"); }

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    system_demo *h = d->data;
    if (strcmp(cmd, "restart") == 0) start_restart(h, "key");
    else if (strcmp(cmd, "shutdown") == 0) stop_all(h, "key");
}

/* ---- the built-in load --------------------------------------------------------------- */

static void start_more(system_demo *h);

static void sender_event(const sender *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(UPLOAD_SENT));
    lab_ev_int(e, "id", s->id);
    lab_ev_str(e, "name", s->name);
    lab_ev_int(e, "size", (int64_t)s->h->size);
    lab_ev_int(e, "sent", (int64_t)s->sent);
    lab_ev_int(e, "crc32", s->crc);
    lab_ev_int(e, "status", s->status);
    if (s->worker_pid) lab_ev_int(e, "worker_pid", s->worker_pid);
    if (s->error[0]) lab_ev_str(e, "error", s->error);
    lab_ev_emit(e);
}

static void upload_ended(lab_upload *up)
{
    sender *s = up->data;
    system_demo *h = s->h;
    s->up = NULL;
    s->done = true;
    s->sent = up->sent;
    s->crc = up->crc;
    s->status = up->status;
    s->worker_pid = up->worker_pid;
    snprintf(s->error, sizeof s->error, "%s", up->error);
    lab_upload_free(up);
    h->in_flight--;
    if (s->status == 201) {
        h->acked++;
        h->bytes_sent_ok += s->sent;
        worker_row *m = row_of(h, s->worker_pid, 0);
        if (m) m->stored++;
    } else if (!s->status && !s->sent) {
        h->refused++;                      /* never reached a worker */
    } else {
        h->failed++;
    }
    sender_event(s);
    if (h->restart_after && h->acked == h->restart_after && !h->restarts)
        start_restart(h, "restart_after");
    if (h->term_after && h->acked == h->term_after)
        kill(getpid(), SIGTERM);           /* a real signal, as an operator sends it */
    start_more(h);
    try_finish(h);
}

static void start_more(system_demo *h)
{
    while (!h->stopping && h->in_flight < h->concurrency && h->next < h->nsenders) {
        sender *s = &h->senders[h->next++];
        char path[64];
        snprintf(path, sizeof path, "/upload/%s", s->name);
        lab_upload_options o = { .port = h->k.port, .path = path, .size = h->size,
                                 .cut_at = s->cut_at, .start = (uint64_t)s->id * 1000003,
                                 .text = h->text,
                                 .on_done = upload_ended, .data = s };
        s->started = true;
        h->in_flight++;
        s->up = lab_upload_start(h->k.loop, &o);
        if (!s->up) {
            h->in_flight--;
            s->done = true;
            h->failed++;
            snprintf(s->error, sizeof s->error, "cannot start");
        }
    }
}

/* Every upload has ended, or the stop let the last in flight finish. */
static void try_finish(system_demo *h)
{
    if (h->load_done || h->in_flight > 0 || h->wrk_proc) return;
    /* A restart the operator asked for is not cut short by the end of the
     * load: the stop waits for it (on_sample calls again). */
    if (!h->stopping && h->k.cl && h->k.cl->restarting) return;
    if (!h->stopping && !h->wrk && h->next < h->nsenders) return;
    h->load_done = true;
    if (!h->stopped_by) h->stopped_by = "done";
    cluster_demo_stop(&h->k);
}

/* ---- wrk ------------------------------------------------------------------------------- */

/* POST bodies of `size` bytes, each to a path of its own (wrk-T-N.bin:
 * thread, count), so that every request is a new upload. */
static bool write_wrk_script(system_demo *h, char *path, size_t n)
{
    snprintf(path, n, "%s/.upload.lua", h->cfg.dir);
    FILE *f = fopen(path, "we");
    if (!f) return false;
    fprintf(f, "-- together.system: every request uploads %llu bytes to a new name\n"
               "wrk.method = \"POST\"\n"
               "wrk.body = string.rep(\"x\", %llu)\n"
               "wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n"
               "local threads = 0\n"
               "function setup(thread) thread:set(\"tid\", threads); threads = threads + 1 end\n"
               "local n = 0\n"
               "function request()\n"
               "  n = n + 1\n"
               "  return wrk.format(nil, \"/upload/wrk-\" .. tid .. \"-\" .. n .. \".bin\")\n"
               "end\n",
            (unsigned long long)h->size, (unsigned long long)h->size);
    return fclose(f) == 0;
}

static void on_wrk_data(lab_process *p, int fd, const char *buf, size_t len)
{
    system_demo *h = p->data;
    if (len == 0) return;                  /* its end (buf is NULL then) */
    size_t room = sizeof h->wrk_out - 1 - h->wrk_len;
    if (len > room) len = room;
    memcpy(h->wrk_out + h->wrk_len, buf, len);
    h->wrk_len += len;
    h->wrk_out[h->wrk_len] = 0;
}

static void on_wrk_close(lab_process *p, int code, int sig)
{
    system_demo *h = p->data;
    h->wrk_proc = NULL;
    h->wrk_code = sig ? -sig : code;
    try_finish(h);
}

static void start_wrk(system_demo *h)
{
    char script[PATH_MAX + 16], url[64], conns[16], secs[16], bin[PATH_MAX];
    if (!cluster_demo_which("wrk", bin, sizeof bin) || !write_wrk_script(h, script, sizeof script)) {
        snprintf(h->k.fatal, sizeof h->k.fatal, "load=wrk: cannot start wrk");
        stop_all(h, "wrk");
        return;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", h->k.port);
    snprintf(conns, sizeof conns, "-c%d", h->concurrency);
    snprintf(secs, sizeof secs, "-d%llds", (long long)lab_demo_int(h->k.demo, "wrk_s"));
    char *argv[] = { bin, "-t1", conns, secs, "--timeout", "30s", "-s", script, url, NULL };
    lab_spawn_options o = { .file = bin, .argv = argv, .on_data = on_wrk_data,
                            .on_close = on_wrk_close, .data = h, .pdeathsig = SIGKILL };
    o.stdio_count = 3;
    o.stdio[0].kind = LAB_STDIO_IGNORE;
    o.stdio[1].kind = LAB_STDIO_PIPE;
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    h->wrk_proc = lab_spawn(h->k.loop, &o);
    if (!h->wrk_proc) stop_all(h, "wrk");
}

/* wrk's own counts, from its report: "262 requests in 2.06s", "Non-2xx or
 * 3xx responses: N", "Socket errors: connect A, read B, write C, timeout
 * D", "Requests/sec: R" (-1: not in the report). */
static void wrk_fields(system_demo *h, lab_ev *e)
{
    long long requests = -1, non2xx = 0, c = 0, r = 0, w = 0, t = 0;
    double rps = -1;
    const char *p;
    if ((p = strstr(h->wrk_out, " requests in "))) {
        while (p > h->wrk_out && p[-1] >= '0' && p[-1] <= '9') p--;
        requests = atoll(p);
    }
    if ((p = strstr(h->wrk_out, "Non-2xx or 3xx responses:"))) non2xx = atoll(p + 25);
    if ((p = strstr(h->wrk_out, "Socket errors:")))
        sscanf(p, "Socket errors: connect %lld, read %lld, write %lld, timeout %lld", &c, &r, &w, &t);
    if ((p = strstr(h->wrk_out, "Requests/sec:"))) rps = atof(p + 13);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "exit_code", h->wrk_code);
    cJSON_AddNumberToObject(o, "requests", (double)requests);
    cJSON_AddNumberToObject(o, "non_2xx", (double)non2xx);
    cJSON_AddNumberToObject(o, "socket_errors", (double)(c + r + w + t));
    cJSON_AddNumberToObject(o, "requests_per_s", rps);
    lab_ev_json(e, "wrk", o);
}

/* ---- what the dashboard sees ------------------------------------------------------------ */

static void on_sample(lab_timer *t)
{
    system_demo *h = t->data;
    if (h->restarts && h->k.cl && !h->k.cl->restarting && !strcmp(h->restart_state, "running")) {
        /* A stop cancels the restart's remaining steps. */
        h->restart_state = h->restart_replaced >= h->restart_total ? "done" : "cut short";
        h->failed_during_restart += h->failed - h->failed_at_restart_start;
        lab_ev *e = lab_ev_new(LAB_EV(STEP));
        lab_ev_str(e, "phase", "restart done");
        lab_ev_int(e, "failed", h->failed - h->failed_at_restart_start);
        lab_ev_emit(e);
        try_finish(h);
    }
    /* The records by state, counted by the primary through a connection
     * of its own, opened for the count and closed again: a connection
     * open across a fork (a restart forks) would share SQLite's locks
     * with the child, which SQLite forbids. */
    int64_t counts[REC_NSTATES] = { 0 };
    char why[PATH_MAX + 200];
    sysdb *reader = sysdb_open(h->cfg.db, why, sizeof why);
    if (reader) sysdb_counts(reader, counts);
    sysdb_close(reader);
    uint64_t now = lab_clock_us();
    double secs = (double)(now - h->last_sample_us) / 1e6;
    lab_ev *e = lab_ev_new(LAB_EV(SYSTEM));
    lab_ev_str(e, "phase", h->ended ? "done" : h->stopping ? "stopping"
                           : !strcmp(h->restart_state, "running") ? "restarting"
                           : h->load_done ? "finishing" : "loading");
    lab_ev_int(e, "uploads", h->wrk ? -1 : h->nsenders);
    lab_ev_int(e, "started", h->next);
    lab_ev_int(e, "in_flight", h->in_flight);
    lab_ev_int(e, "acked", h->acked);
    lab_ev_int(e, "failed", h->failed);
    lab_ev_int(e, "refused", h->refused);
    lab_ev_num(e, "acked_per_s", secs > 0 ? (double)(h->acked - h->last_acked) / secs : 0);
    cJSON *rec = cJSON_CreateObject();
    for (int i = 0; i < REC_NSTATES; i++)
        cJSON_AddNumberToObject(rec, sysdb_state_names[i], (double)counts[i]);
    lab_ev_json(e, "records", rec);
    lab_ev_str(e, "restart", h->restart_state);
    lab_ev_int(e, "restarts", h->restarts);
    lab_ev_int(e, "restart_replaced", h->restart_replaced);
    lab_ev_int(e, "restart_total", h->restart_total);
    lab_ev_str(e, "stopped_by", h->stopped_by);
    lab_ev_int(e, "workers", workers_alive(h));
    lab_ev_emit(e);
    h->last_acked = h->acked;
    h->last_sample_us = now;
}

/* ---- the audit, once every worker is gone ------------------------------------------------ */

typedef struct {
    system_demo *h;
    int stored, failed, other, matched, mismatched, failed_with_file, children_left;
    int acked_lost;
    uint64_t bytes_in, bytes_out;
    cJSON *bad;                /* the first few rows that did not match */
} audit;

/* The file gunzipped with zlib: its size and CRC-32 (-1: unreadable). */
static int64_t gunzip_crc(const char *path, uint32_t *crc)
{
    gzFile f = gzopen(path, "rb");
    if (!f) return -1;
    unsigned char *buf = lab_xmalloc(1 << 16);
    uLong c = crc32(0, NULL, 0);
    int64_t total = 0;
    int n;
    while ((n = gzread(f, buf, 1 << 16)) > 0) {
        c = crc32(c, buf, (uInt)n);
        total += n;
    }
    int err;
    gzerror(f, &err);
    gzclose(f);
    free(buf);
    *crc = (uint32_t)c;
    return n < 0 || (err != Z_OK && err != Z_STREAM_END) ? -1 : total;
}

/* A process still there (a zombie is gone: only its parent's wait left). */
static bool alive(pid_t pid)
{
    char path[64], st[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return false;
    bool live = fgets(st, sizeof st, f) && !strstr(st, ") Z ");
    fclose(f);
    return live;
}

static const sender *sender_named(system_demo *h, const char *name)
{
    for (int i = 0; i < h->nsenders; i++)
        if (strcmp(h->senders[i].name, name) == 0) return &h->senders[i];
    return NULL;
}

static void bad_row(audit *a, const sysdb_row *r, const char *why)
{
    if (cJSON_GetArraySize(a->bad) >= 8) return;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "name", r->name);
    cJSON_AddStringToObject(b, "state", r->state >= 0 ? sysdb_state_names[r->state] : "?");
    cJSON_AddStringToObject(b, "why", why);
    cJSON_AddItemToArray(a->bad, b);
}

static void audit_row(const sysdb_row *r, void *arg)
{
    audit *a = arg;
    char path[PATH_MAX + 120];
    snprintf(path, sizeof path, "%s/%s.gz", a->h->cfg.dir, r->name);
    struct stat st;
    bool file = stat(path, &st) == 0;
    if (r->child_pid && alive(r->child_pid)) a->children_left++;
    if (r->state == REC_FAILED) {
        a->failed++;
        if (file) { a->failed_with_file++; bad_row(a, r, "a failed record with a file"); }
        return;
    }
    if (r->state != REC_STORED) { a->other++; return; }
    a->stored++;
    uint32_t crc = 0;
    int64_t size = file ? gunzip_crc(path, &crc) : -1;
    const sender *s = a->h->wrk ? NULL : sender_named(a->h, r->name);
    bool same = size == r->bytes_in && crc == r->crc && st.st_size == r->bytes_out &&
                (!s || (s->crc == r->crc && s->sent == (uint64_t)r->bytes_in));
    if (same) {
        a->matched++;
        a->bytes_in += (uint64_t)r->bytes_in;
        a->bytes_out += (uint64_t)r->bytes_out;
    } else {
        a->mismatched++;
        bad_row(a, r, !file ? "no file" : size < 0 ? "not a whole gzip file" : "differs");
    }
}

/* Names with a stored record, for the acknowledged-but-lost count. */
static void note_stored(const sysdb_row *r, void *arg)
{
    system_demo *h = arg;
    for (int i = 0; i < h->nsenders; i++)
        if (r->state == REC_STORED && strcmp(h->senders[i].name, r->name) == 0)
            h->senders[i].stored_record = true;
}

/* Partial files a killed worker could not remove: we do. */
static int sweep(system_demo *h, int *gz_files)
{
    DIR *d = opendir(h->cfg.dir);
    int removed = 0;
    *gz_files = 0;
    if (!d) return 0;
    struct dirent *e;
    char path[PATH_MAX + 300];
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 3 && e->d_name[0] != '.' && strcmp(e->d_name + n - 3, ".gz") == 0) ++*gz_files;
        if (!upload_is_partial(e->d_name)) continue;
        snprintf(path, sizeof path, "%s/%s", h->cfg.dir, e->d_name);
        if (unlink(path) == 0) removed++;
    }
    closedir(d);
    return removed;
}

static cJSON *worker_rows(system_demo *h, int *left)
{
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; i < h->nmem; i++) {
        worker_row *m = &h->mem[i];
        if (!m->id) continue;              /* a pid only the client named */
        *left += alive(m->pid);
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "id", m->id);
        cJSON_AddNumberToObject(w, "pid", m->pid);
        cJSON_AddNumberToObject(w, "stored", m->stored);
        cJSON_AddNumberToObject(w, "base_rss", (double)m->base_rss);
        cJSON_AddNumberToObject(w, "peak_rss", (double)m->peak_rss);
        cJSON_AddNumberToObject(w, "exit_code", m->exit_code);
        cJSON_AddBoolToObject(w, "exited_after_disconnect", m->after_disconnect);
        cJSON_AddItemToArray(rows, w);
    }
    return rows;
}

/* Returns true when nothing acknowledged was lost and every record and
 * file agree. */
static bool summary(system_demo *h)
{
    char why[PATH_MAX + 200];
    int gz_files = 0, partials = sweep(h, &gz_files), abandoned = 0;
    audit a = { .h = h, .bad = cJSON_CreateArray() };
    sysdb *db = sysdb_open(h->cfg.db, why, sizeof why);
    if (db) {
        abandoned = sysdb_abandon(db, "its worker was killed");
        sysdb_each(db, audit_row, &a);
        sysdb_each(db, note_stored, h);
        sysdb_close(db);
    }
    for (int i = 0; i < h->nsenders; i++) {
        if (h->senders[i].status == 201 && !h->senders[i].stored_record) a.acked_lost++;
    }
    int left = 0;
    cJSON *workers = worker_rows(h, &left);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "load", h->wrk ? "wrk" : "builtin");
    if (!h->wrk) lab_ev_int(e, "uploads", h->nsenders);
    lab_ev_int(e, "started", h->next);
    if (!h->wrk) {                         /* (wrk counts its own: below) */
        lab_ev_int(e, "ok", h->acked);
        lab_ev_int(e, "failed", h->failed);
        lab_ev_int(e, "refused", h->refused);
    }
    lab_ev_int(e, "bytes_in", (int64_t)a.bytes_in);
    lab_ev_int(e, "bytes_out", (int64_t)a.bytes_out);
    lab_ev_num(e, "ratio", a.bytes_in ? (double)a.bytes_out / (double)a.bytes_in : 0);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddNumberToObject(rec, "stored", a.stored);
    cJSON_AddNumberToObject(rec, "failed", a.failed);
    cJSON_AddNumberToObject(rec, "other", a.other);
    cJSON_AddNumberToObject(rec, "abandoned", abandoned);
    cJSON_AddNumberToObject(rec, "matched_files", a.matched);
    cJSON_AddNumberToObject(rec, "mismatched", a.mismatched);
    cJSON_AddNumberToObject(rec, "failed_with_file", a.failed_with_file);
    cJSON_AddNumberToObject(rec, "gz_files_on_disk", gz_files);
    lab_ev_json(e, "records", rec);
    lab_ev_int(e, "acked_lost", a.acked_lost);
    lab_ev_int(e, "partials_removed", partials);
    lab_ev_json(e, "workers", workers);
    cJSON *rs = cJSON_CreateObject();
    cJSON_AddNumberToObject(rs, "restarts", h->restarts);
    cJSON_AddStringToObject(rs, "state", h->restart_state);
    cJSON_AddNumberToObject(rs, "failed_during", h->failed_during_restart);
    lab_ev_json(e, "restart", rs);
    cJSON *sd = cJSON_CreateObject();
    cJSON_AddStringToObject(sd, "by", h->stopped_by ? h->stopped_by : "done");
    cJSON_AddNumberToObject(sd, "in_flight_at_stop", h->in_flight_at_stop);
    cJSON_AddNumberToObject(sd, "workers_left", left);
    cJSON_AddNumberToObject(sd, "children_left", a.children_left);
    cJSON_AddNumberToObject(sd, "killed_at_deadline", h->k.cl ? (double)h->k.cl->killed_at_deadline : 0);
    lab_ev_json(e, "shutdown", sd);
    if (h->wrk) wrk_fields(h, e);
    lab_ev_json(e, "bad", a.bad);
    lab_ev_str(e, "dir", h->own_dir ? NULL : h->cfg.dir);
    lab_ev_emit(e);
    return a.acked_lost == 0 && a.mismatched == 0 && a.failed_with_file == 0 && left == 0 &&
           a.children_left == 0 && db != NULL;
}

/* ---- the start ------------------------------------------------------------------------------ */

static void on_ready(cluster_demo *k)
{
    system_demo *h = k->data;
    if (h->stopping || h->next || h->wrk_proc) return;   /* (a restart's workers) */
    h->last_sample_us = lab_clock_us();
    if (h->wrk) start_wrk(h);
    else start_more(h);
    try_finish(h);
}

static void on_stopped(cluster_demo *k)
{
    system_demo *h = k->data;
    lab_timer_stop(&h->sample);
    /* The signal watchers stay (unref'd) until the audit is written: a
     * SIGTERM that comes now, with everything already stopping, is
     * nothing to act on, but with its default action it would kill us
     * before the audit. */
    /* Whatever the client still has in flight can no longer be answered. */
    for (int i = 0; i < h->nsenders; i++)
        if (h->senders[i].up) lab_upload_abort(h->senders[i].up, "the cluster stopped");
    if (h->wrk_proc) lab_process_kill(h->wrk_proc, SIGKILL);
}

static const char *check_load(const char *v)
{
    return !strcmp(v, "builtin") || !strcmp(v, "wrk") ? NULL : "builtin or wrk";
}

static const char *check_body(const char *v)
{
    return !strcmp(v, "text") || !strcmp(v, "random") ? NULL : "text or random";
}

/* The parameters that depend on each other: one line, exit 2. */
static bool check_params(lab_demo *d, int uploads)
{
    const char *names[] = { "cut", "crash", "restart_after", "term_after" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int64_t v = lab_demo_int(d, names[i]);
        if (v > uploads) {
            fprintf(stderr, "nodelab: together.system: %s=%lld is past uploads=%d\n", names[i],
                    (long long)v, uploads);
            return false;
        }
    }
    return true;
}

static bool prepare(system_demo *h, lab_demo *d)
{
    const char *out = lab_demo_str(d, "out");
    char why[PATH_MAX + 200];
    if (*out) {
        snprintf(h->cfg.dir, sizeof h->cfg.dir, "%s", out);
    } else if (cluster_demo_tmpdir(h->cfg.dir, sizeof h->cfg.dir, "system")) {
        h->own_dir = true;
    } else {
        fprintf(stderr, "nodelab: together.system: cannot make a temporary directory: %s\n",
                strerror(errno));
        return false;
    }
    snprintf(h->cfg.db, sizeof h->cfg.db, "%s/records.db", h->cfg.dir);
    if (sysdb_create(h->cfg.db, why, sizeof why) < 0) {
        fprintf(stderr, "nodelab: together.system: records %s\n", why);
        return false;
    }
    return true;
}

static int run(lab_demo *d)
{
    system_demo *h = lab_xcalloc(1, sizeof *h);
    h->wrk = strcmp(lab_demo_str(d, "load"), "wrk") == 0;
    h->nsenders = h->wrk ? 0 : (int)lab_demo_int(d, "uploads");
    char bin[PATH_MAX];
    if (!check_params(d, (int)lab_demo_int(d, "uploads"))) {
        free(h);
        return 2;
    }
    if (h->wrk && !cluster_demo_which("wrk", bin, sizeof bin)) {
        fprintf(stderr, "nodelab: together.system: load=wrk needs wrk, which is not installed "
                        "(apt-get install wrk)\n");
        free(h);
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    if (!prepare(h, d)) {
        free(h);
        return 1;
    }
    lab_loop *loop = lab_loop_new();
    h->cfg.level = (int)lab_demo_int(d, "level");
    h->cfg.sample_ms = (uint64_t)lab_demo_int(d, "sample_ms");
    h->cfg.port = 0;                       /* a free one: the `serving` event names it */
    int crash = (int)lab_demo_int(d, "crash"), cut = (int)lab_demo_int(d, "cut");
    if (crash) snprintf(h->cfg.crash_name, sizeof h->cfg.crash_name, "upload-%d.bin", crash);
    h->size = (uint64_t)lab_demo_int(d, "size");
    h->text = strcmp(lab_demo_str(d, "body"), "text") == 0;
    h->concurrency = (int)lab_demo_int(d, "concurrency");
    h->restart_after = (int)lab_demo_int(d, "restart_after");
    h->term_after = (int)lab_demo_int(d, "term_after");
    h->restart_state = "";
    h->senders = lab_xcalloc((size_t)h->nsenders + 1, sizeof *h->senders);
    for (int i = 0; i < h->nsenders; i++) {
        sender *s = &h->senders[i];
        *s = (sender){ .h = h, .id = i + 1 };
        if (cut == s->id) s->cut_at = h->size / 2 ? h->size / 2 : 1;
        snprintf(s->name, sizeof s->name, "upload-%d.bin", s->id);
    }

    cluster_demo_init(&h->k, d, loop);
    d->data = h;
    h->k.data = h;
    h->k.worker_main = system_worker_main;
    h->k.worker_arg = &h->cfg;
    h->k.on_ready = on_ready;
    h->k.on_stopped = on_stopped;
    h->k.extra.stop_timeout_ms = (uint64_t)lab_demo_int(d, "stop_timeout_ms");
    h->k.extra.on_stats = on_stats;
    h->k.extra.on_exit = on_worker_exit;
    h->k.extra.data = h;
    lab_ev *e = lab_ev_new(LAB_EV(SERVING));
    lab_ev_str(e, "dir", h->cfg.dir);
    lab_ev_str(e, "records", h->cfg.db);   /* (not "db": that names a Chapter 5 server) */
    lab_ev_emit(e);
    lab_timer_init(loop, &h->sample);
    h->sample.data = h;
    if (cluster_demo_start(&h->k, LAB_CLUSTER_RR, false)) {
        lab_timer_start(&h->sample, on_sample, h->cfg.sample_ms, h->cfg.sample_ms);
        lab_timer_unref(&h->sample);
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
    h->ended = true;
    on_sample(&h->sample);                 /* the records' last counts */
    bool whole = summary(h);
    lab_signal_stop(&h->sig_term);
    lab_signal_stop(&h->sig_int);
    int rc = cluster_demo_finish(&h->k);
    if (rc == 0 && !whole) {
        fprintf(stderr, "nodelab: together.system: the audit failed: an acknowledged upload "
                        "lost, a record without its file, or a process left (see the summary)\n");
        rc = 1;
    }
    if (h->own_dir) cluster_demo_rmdir(h->cfg.dir);
    lab_loop_free(loop);
    free(h->senders);
    free(h);
    return rc;
}

const lab_demo_def lab_demo_together_system = {
    .name = "together.system",
    .chapter = 6,
    .summary = "the whole system: clustered uploads → gzip children → disk, records in SQLite, "
               "rolling restart, graceful stop",
    .shows = "system_worker: each worker's gzip children and their stdin's fill (backpressure "
             "from a child to the socket); system: uploads acknowledged per second and the "
             "records by state, read from SQLite; step: the rolling restart and the graceful "
             "stop; the summary: every acknowledged upload has a stored record and a file that "
             "gunzips to exactly what was sent",
    .duration_s = 120,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "uploads", LAB_PARAM_INT, 24, 0, MAX_UPLOADS, NULL, "uploads",
          "uploads the built-in load sends in all (0: none, only serve: curl -T FILE "
          "http://127.0.0.1:PORT/upload/NAME, the port in the serving event)", false },
        { "concurrency", LAB_PARAM_INT, 4, 1, 64, NULL, "uploads",
          "uploads in flight at once (wrk: its connections)", false },
        { "size", LAB_PARAM_INT, 4 << 20, 1, 64 << 20, NULL, "bytes",
          "each upload's body (up to 64M)", false },
        { "body", LAB_PARAM_STR, 0, 0, 0, "text", "text/random",
          "what the built-in load sends: log lines (gzip shrinks them) or random bytes "
          "(it cannot: ratio 1.0, all the CPU for nothing)", false, check_body },
        { "level", LAB_PARAM_INT, 6, 1, 9, NULL, "1-9",
          "gzip's compression level (9: slower children, more backpressure)", false },
        { "load", LAB_PARAM_STR, 0, 0, 0, "builtin", "builtin/wrk",
          "who sends: the built-in uploads, or wrk (POSTs of `size` bytes for wrk_s seconds)",
          false, check_load },
        { "wrk_s", LAB_PARAM_INT, 3, 1, 60, NULL, "s", "load=wrk: how long wrk runs", false },
        { "restart_after", LAB_PARAM_INT, 0, 0, MAX_UPLOADS, NULL, "uploads",
          "a rolling restart once this many uploads are acknowledged (0: only with r)", false },
        { "term_after", LAB_PARAM_INT, 0, 0, MAX_UPLOADS, NULL, "uploads",
          "SIGTERM to ourselves once this many are acknowledged: the graceful stop "
          "mid-load (0: never)", false },
        { "cut", LAB_PARAM_INT, 0, 0, MAX_UPLOADS, NULL, "upload",
          "this upload (1..) is cut off half-way by its client (0: none)", false },
        { "crash", LAB_PARAM_INT, 0, 0, MAX_UPLOADS, NULL, "upload",
          "this upload's gzip child is killed half-way (0: none)", false },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "keep the files and records.db here (default: a temporary directory, removed)",
          false, upload_check_dir },
        { "stop_timeout_ms", LAB_PARAM_INT, 15000, 100, 120000, NULL, "ms",
          "graceful stop and restart: a worker still busy after this is killed", false },
        { "sample_ms", LAB_PARAM_INT, 200, 10, 10000, NULL, "ms",
          "how often system and system_worker events are sent", false },
    },
    .keys = {
        { 'r', "restart", "rolling restart of the workers", "restart" },
        { 'q', "shutdown", "graceful stop: finish the uploads in flight, then exit", "stop" },
    },
    .lab_sets = { "size=8388608", "uploads=60", "level=9" },   /* about 20 s to watch */
    .run = run,
};
