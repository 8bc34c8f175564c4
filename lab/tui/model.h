/*
 * model.h — what a running demo looks like, built from its telemetry.
 *
 * The dashboard never reads events itself: every JSON line goes through
 * model_feed(), which updates this one structure, and the screen draws the
 * structure.  Nothing here knows any demo by name.  Things appear as the
 * events name them: a stream gauge when a write/push for a new stream
 * arrives, a process row on spawn (or on the first event of a new pid), a
 * lag meter on the first lag sample, a bar per thread or per worker, and so
 * on — so a demo written tomorrow gets a dashboard today.  (The event
 * names are lab/runtime/telemetry/events.h; what they carry is
 * docs/telemetry.md.)
 *
 * No curses here: tests/test_tui_model.c feeds recorded lines and checks
 * the numbers.
 */
#ifndef NL_TUI_MODEL_H
#define NL_TUI_MODEL_H

#include "events.h"
#include "model_cluster.h"
#include "model_shutdown.h"
#include "model_threads.h"
#include "model_jobs.h"
#include "model_system.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_STREAMS 12
#define MODEL_MAX_PROCS 128            /* a cluster of 64 workers, and then some */
#define MODEL_MAX_BARS 12
#define MODEL_MAX_PARAMS 16
#define MODEL_MAX_NAMES 32
#define MODEL_MAX_RESULTS 8            /* `result` rows kept */
#define MODEL_ROW_FIELDS 10            /* fields of one result row */
#define MODEL_MAX_FIELDS 32            /* fields of the summary */
#define MODEL_PAUSES 16                /* pauses remembered (lag correction) */
#define MODEL_LOG 256              /* log lines kept */
#define MODEL_IPC 64               /* IPC messages kept */
#define MODEL_IPC_CHANNELS 160     /* directed channels paired (64 workers x 2, and more) */
#define MODEL_BUCKETS 120          /* history kept: 120 x 250 ms = 30 s */
#define MODEL_BUCKET_US 250000

/* A history: one value per 250 ms of demo time, newest last. */
typedef struct {
    double v[MODEL_BUCKETS];
    int64_t head;              /* bucket number of the newest value, -1 none */
    bool keep_max;             /* true: a bucket keeps its largest sample;
                                  false: a bucket sums what was added */
} model_series;

/* One side's buffer.  The readable side fills with push and empties with
 * data (each says the length it leaves); the writable side fills with
 * write and empties as writes complete (`written`).  end, finish and close
 * empty it. */
typedef struct {
    bool seen;                 /* this side has reported */
    int64_t len, hwm;          /* bytes (objects) buffered now, the mark */
    int64_t max_chunk;         /* the largest chunk put in */
} model_buffer;

typedef enum { KIND_UNKNOWN, KIND_READABLE, KIND_WRITABLE, KIND_DUPLEX, KIND_TRANSFORM } model_kind;

typedef struct {
    char name[32];             /* as reported ("child:1874:stdout") */
    model_kind kind;           /* from the `stream` event, else from the sides seen */
    model_buffer r, w;
    int64_t writes, falses, drains;     /* write(); falses: write() said false */
    int64_t pushes, push_falses, datas, pauses, resumes;
    int64_t bytes_in, bytes_out;   /* written or pushed / delivered (data) */
    int64_t burst;             /* writes returning true since the last false */
    bool need_drain, paused, ended, finished, closed, errored;
} model_stream;

/* RUNNING until an exit event (EXITED, with its code or signal) or until
 * it is seen to be gone: not in /proc, or the demo ended and took its
 * process group with it (GONE). */
typedef enum { PROC_RUNNING, PROC_EXITED, PROC_GONE } proc_state;

typedef struct {
    int pid, ppid;
    char role[32];             /* "demo", the spawned file, a role field */
    proc_state state;
    char sys_state;            /* from /proc: 'R', 'S', 'T'... or 0 */
    int code;                  /* exit status, or -1 */
    char signal[16];           /* "SIGKILL", or "" */
    int64_t events, requests, ipc_in, ipc_out;  /* each IPC message once */
    int64_t rss;               /* bytes, 0 unknown */
    int64_t rss_peak;          /* the highest it reached (samples, peak_rss, VmHWM) */
    bool rss_from_event;       /* a mem event said so (else /proc did) */
} model_proc;

typedef enum {
    LOG_BACKPRESSURE = 1,      /* write false, drain, pause, resume */
    LOG_STREAM = 2,            /* end, finish, close */
    LOG_PROCESS = 4,           /* spawn, exit */
    LOG_ERROR = 8,
    LOG_DEMO = 16,             /* demo, param, summary, dropped */
    LOG_OTHER = 32,            /* everything else, as key=value */
} log_kind;

typedef struct {
    int64_t ts;
    int pid;
    log_kind kind;
    int repeat;                /* the same thing happened this many times */
    char text[136];
} model_log_entry;

/* The last of a run of falses on one stream: what the log line says. */
typedef struct {
    int stream;                /* index in streams[] */
    bool write;                /* write() (else push()) */
    bool stale;                /* the line does not say these numbers yet */
    int64_t size, len, hwm;
} model_false_run;

/* One IPC message, listed once however many ends reported it: the sender
 * when it queues it (dir "send"), the receiver when it parses it ("recv").
 * Messages on one channel (from → to) arrive in the order they were sent,
 * so the n-th send and the n-th recv of a channel are the same message. */
typedef struct {
    int64_t ts;                /* sent (or received, if only the receiver said) */
    int from, to;
    int64_t bytes;
    bool sent, received;       /* which ends reported it */
    int64_t latency_us;        /* received - sent, when both did; else -1 */
    int channel;               /* index in ipc_channels[] (pairing) */
    int64_t seq;               /* its number on that channel, from 0 */
    char body[72];
} model_ipc_entry;

/* A channel's counts: how many sends and how many receives were reported. */
typedef struct {
    int from, to;
    int64_t sends, recvs;
} model_ipc_channel;

typedef struct {
    char label[24];
    int64_t count;             /* (a sweep point: its bytes per second) */
} model_bar;

typedef struct {
    char key[32];
    bool is_str;
    double value;
    char str[48];
} model_param;

/* A field of a result or of the summary, its value worded in full
 * (model_fmt_value): what the result panel prints. */
typedef struct {
    char key[28];
    char text[44];
} model_field;

/* One `result` event: a row of the result table, named by its first text
 * field (the approach, the way, the run...). */
typedef struct {
    char label[28];
    model_field f[MODEL_ROW_FIELDS];
    int nf;
} model_row;

typedef struct model {
    /* The demo: from its first event, and from `nodelab demo`'s exit. */
    char demo[48];
    int chapter, demo_pid;
    int64_t first_ts, last_ts;
    model_param params[MODEL_MAX_PARAMS];
    int nparams;
    char param_note[128];      /* the last `param` reply, for the status line */
    bool param_rejected;
    bool exited, crashed;
    int exit_code;             /* -1 when killed by a signal */
    char exit_signal[16];
    char summary[256];         /* the summary as one line, for the log */
    model_field summary_fields[MODEL_MAX_FIELDS];   /* and field by field */
    int nsummary;

    /* Results a demo came for: `result` rows, `sweep` points (a bar per
     * point: label from its first field, value its bytes_per_s). */
    model_row results[MODEL_MAX_RESULTS];
    int nresults;
    model_bar sweep[MODEL_MAX_BARS];
    int nsweep;

    /* Times the lab held the demo stopped (demo time, µs): a timer due
     * meanwhile fires late, and that lateness is not the loop's. */
    struct { int64_t from, to; } pauses[MODEL_PAUSES];
    int npauses;

    model_stream streams[MODEL_MAX_STREAMS];
    int nstreams;
    /* `stream` events of streams that have not reported anything else
     * yet (many never do: a child's stdin nobody writes to): a gauge
     * takes its kind and marks from here when it appears. */
    struct { char name[32]; model_kind kind; int64_t rhwm, whwm; } declared[MODEL_MAX_STREAMS * 2];
    int ndeclared;
    model_proc procs[MODEL_MAX_PROCS];
    int nprocs;

    /* Shares: work per thread (events with a "thread" field) and requests
     * per process.  The dashboard draws whichever has data. */
    model_bar threads[MODEL_MAX_BARS];
    int nthreads;
    model_bar workers[MODEL_MAX_BARS];
    int nworkers;

    /* Histories. */
    model_series bytes;        /* delivered (data), or written if no data */
    model_series written;
    model_series requests;
    model_series lag;          /* worst lag per bucket, ms */
    model_series busy, queued; /* pool */
    model_series rss;          /* sum over live processes */
    bool has_data_events;

    double lag_last, lag_max;
    int64_t lag_samples;
    bool has_pool;
    int pool_busy, pool_queued, pool_size, pool_max_queued;

    model_log_entry log[MODEL_LOG];
    int log_head, log_count;   /* ring: oldest at log_head */
    int64_t log_total;         /* lines ever added (the ring forgets) */
    /* Falses in a row share the newest line (model_log.c).  A firehose
     * sends thousands a second and a frame shows one: the numbers of the
     * run are kept here, and the line is worded when it is read. */
    model_false_run run;
    model_ipc_entry ipc[MODEL_IPC];
    int ipc_head, ipc_count;
    int64_t ipc_total;         /* messages, each counted once */
    model_ipc_channel ipc_channels[MODEL_IPC_CHANNELS];
    int nipc_channels;

    /* Every event name seen, with its count and its handler (looked up
     * once per name, not once per event: a demo may send 30 000 a second). */
    struct { char name[24]; int64_t count; int id; } names[MODEL_MAX_NAMES];
    int nnames, last_name;
    int64_t counts[LAB_EV_COUNT + 1];  /* per vocabulary id (events.h) */
    int64_t events, dropped, bad_lines, errors;

    model_cluster cluster;     /* a cluster's primary and workers (model_cluster.c) */
    model_shutdown shutdown;   /* a graceful shutdown (model_shutdown.c) */
    model_threads threads_view;   /* counters, actors (model_threads.c) */
    model_jobs jobs;           /* a pool of job children (model_jobs.c) */
    model_system system;       /* an upload system's overview (model_system.c) */
} model;

void model_init(model *m);
/* One JSON line (without its newline).  Returns 0, or -1 if the line was
 * not a JSON object with "ev" (counted in bad_lines). */
int model_feed(model *m, const char *line, size_t len);
/* Moves every history to now_us (demo time) so a quiet demo shows zeros. */
void model_tick(model *m, int64_t now_us);
/* An RSS figure and the peak (VmHWM) read from /proc by the screen (mem
 * events take priority for the RSS); sys_state 0: the process is gone. */
void model_set_proc_sample(model *m, int pid, int64_t rss, int64_t peak, char sys_state);

/* The lab stopped the demo from one demo time to another (SIGSTOP). */
void model_pause(model *m, int64_t from_us, int64_t to_us);

model_stream *model_stream_find(model *m, const char *name);
/* Is this buffer past the mark by more than its largest chunk (a writer
 * that went on after write() said false)?  Past the mark by less is normal:
 * write() said false and the writer stopped; a readable is often past it. */
bool model_buffer_abnormal(const model_stream *s, const model_buffer *b);
/* "readable", "transform"... */
const char *model_kind_name(model_kind k);
/* A stream's name for people: "child:1874:stdout" → "child 1874 stdout". */
void model_stream_label(const model_stream *s, char *buf, size_t size);
/* How many events of that kind arrived. */
int64_t model_seen(const model *m, lab_ev_id id);
model_proc *model_proc_find(model *m, int pid);
const model_param *model_param_find(const model *m, const char *key);
int64_t model_count(const model *m, const char *ev);

/* The last n values of a history, oldest first, into out; returns n. */
int model_series_last(const model_series *s, double *out, int n);
/* Sum of the `buckets` complete buckets before the newest one. */
double model_series_recent(const model_series *s, int buckets);

/* model_log.c: the i-th log line (0 = oldest) among those whose kind is
 * in mask, and how many there are.  (Not const: reading words the newest
 * line if a run of falses moved it on.) */
int model_log_count(const model *m, int mask);
const model_log_entry *model_log_at(model *m, int mask, int i);
const model_ipc_entry *model_ipc_at(const model *m, int i);

/* "00:07.391" from microseconds. */
void model_fmt_ts(char *buf, size_t size, int64_t us);
/* A JSON value in full: integers with every digit, fractions without an
 * exponent (1010.2, not 1.01e+03); with units, a byte count or rate named
 * so by its key ("peak_rss", "bytes_per_s") reads 130.0 MiB, 326.1 MiB/s. */
struct cJSON;
void model_fmt_value(char *buf, size_t size, const char *key, const struct cJSON *v, bool units);

/* model_log.c: the log line for one event (kept apart: it is all words).
 * pid is the emitter, subject the process the event is about (model.c). */
void model_log_event(model *m, const struct cJSON *ev, lab_ev_id id, const char *name, int pid,
                     int subject, int64_t ts);
/* A write() or push() that returned false (model.c calls it directly). */
void model_log_false(model *m, model_stream *s, bool write, int64_t size, int pid, int64_t ts);
/* Words the newest line now if a run of falses left it unworded (before
 * the stream it names goes away). */
void model_log_settle(model *m);
void model_log_add(model *m, int64_t ts, int pid, log_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
