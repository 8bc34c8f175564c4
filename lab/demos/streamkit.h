/*
 * streamkit.h — small helpers the Chapter 2 (streams) demos share.
 *
 * None of this is stream machinery (that is lab/runtime/streams/stream.h); it is
 * the bench around the experiment: measuring the process's memory, making
 * a scratch directory with a generated input file and removing it after,
 * listing which files the process still has open, timing.
 */
#ifndef LAB_STREAMKIT_H
#define LAB_STREAMKIT_H

#include "loop.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- memory ------------------------------------------------------------ */

/* Resident set size now, in bytes (/proc/self/statm), or 0 if unknown. */
uint64_t kit_rss(void);
/* The highest RSS this process has reached (VmHWM in /proc/self/status). */
uint64_t kit_peak_rss(void);

/* Emits a `mem` event every every_ms with the RSS, without keeping the
 * loop alive.  first/max/last are what it saw (max is also refreshed from
 * VmHWM at stop, so a peak between two samples is not missed). */
typedef struct kit_mem {
    lab_timer timer;
    uint64_t first, max, last, samples;
} kit_mem;
void kit_mem_start(lab_loop *loop, kit_mem *m, uint64_t every_ms);
void kit_mem_sample(kit_mem *m);        /* one sample now (emits `mem`) */
void kit_mem_stop(kit_mem *m);

/* ---- a scratch directory ----------------------------------------------- */

typedef struct kit_tmp {
    char dir[PATH_MAX];        /* "" until made */
} kit_tmp;

/* Makes $TMPDIR/nodelab-TAG.XXXXXX (or /tmp/...).  Returns 0 or -errno.
 * Until kit_tmp_remove(), a SIGTERM, SIGINT or SIGHUP removes the
 * directory and the files named by kit_tmp_path() before the process
 * dies of it (one scratch directory per process, 8 files at most). */
int kit_tmp_make(kit_tmp *t, const char *tag);
/* dir/name into buf; returns buf.  Name every file you create in the
 * directory through this, so a signal can remove it. */
char *kit_tmp_path(const kit_tmp *t, const char *name, char *buf, size_t size);
/* Removes every file in the directory, then the directory. */
void kit_tmp_remove(kit_tmp *t);

/* ---- generated inputs -------------------------------------------------- */

typedef enum {
    KIT_LOG,       /* web-server-like log lines, some with e-mail addresses */
    KIT_CSV,       /* CSV with a header, quoted fields, embedded commas,
                      quotes and newlines */
    KIT_TEXT,      /* mixed text with multi-byte UTF-8 characters */
} kit_kind;

/* Writes size bytes of that kind to path (created or truncated; removed
 * again on failure).  Text is cut at exactly size; CSV ends with the first
 * whole row that reaches it.  The same arguments give the same bytes.
 * pct: for KIT_LOG, the percentage of lines carrying an address.
 * Returns 0 or -errno. */
int kit_gen_file(const char *path, uint64_t size, kit_kind kind, int pct);
/* The same, but it stops after the first 1 MiB block that ends past
 * deadline_us (lab_clock_us() time; 0: no deadline), so a demo given a
 * short --duration still gets an input, smaller than asked.  *written
 * (may be NULL): the bytes written. */
int kit_gen_file_until(const char *path, uint64_t size, kit_kind kind, int pct,
                       uint64_t deadline_us, uint64_t *written);
/* The same generator into memory: fills buf with exactly len bytes, lines
 * numbered from *line (updated).  Used by the in-memory sources. */
void kit_gen_fill(char *buf, size_t len, kit_kind kind, int pct, uint64_t *line);

/* "in" parameter handling shared by the file demos: the user's path, or a
 * generated file in t of `size` bytes (kind, pct as kit_gen_file).  Writes
 * the path into buf.  Generating is part of the demo's run: it may take a
 * third of d->duration_ms (the input is smaller than asked if that is not
 * enough: an `input` event {size, asked, cut_short} says what was made),
 * and what it took is taken off d->duration_ms (call it before
 * lab_demo_deadline).  A size the scratch file system has no room for is
 * refused before anything is written.  On failure prints one line on
 * stderr and returns -1. */
struct lab_demo;
int kit_input(struct lab_demo *d, const char *given, kit_tmp *t, uint64_t size,
              kit_kind kind, int pct, char *buf, size_t bufsize);

/* A file named `name` in the scratch directory t (made if need be), into
 * buf.  Returns 0, or -1 after one line on stderr. */
int kit_scratch(const char *demo, kit_tmp *t, const char *name, char *buf, size_t bufsize);

/* A demo that turns the file `in` into the file `out` (its parameters
 * "in", "out" and "size"): kit_files_open() resolves both (a generated
 * input, a scratch output named out_name when not given), reads the
 * input's size and emits `files` {in, out, size}.  (A generated input
 * counts against d's duration, as in kit_input.)  Returns 0, or -1 after
 * one line on stderr.  kit_files_close() removes the scratch directory,
 * and an output file the user named if the run r did not complete (its
 * time ran out, or it failed: a half-written file would pass for a whole
 * one), saying so in one line on stderr.  r is NULL before a run. */
struct lab_demo;
typedef struct kit_files {
    kit_tmp tmp;
    char in[PATH_MAX], out[PATH_MAX];
    uint64_t size;
    bool user_out;             /* out= was given: the user's file */
    struct timespec opened;    /* when (the file system's clock) */
    const char *demo;          /* its name, for messages */
} kit_files;
int kit_files_open(struct lab_demo *d, kit_files *f, kit_kind kind, int pct,
                   const char *out_name);
struct kit_run;
void kit_files_close(kit_files *f, const struct kit_run *r);

/* ---- descriptors ------------------------------------------------------- */

/* An `fds` event listing the open descriptors that name a file under
 * prefix (e.g. the scratch directory): {label, count, total, open:
 * [{fd, path}]}.  Returns how many matched. */
int kit_fds_event(const char *label, const char *prefix);

/* ---- one pipeline's outcome ------------------------------------------- */

/* What the file demos record about their pipeline(): pass kit_run_done
 * as its callback with the kit_run as argument.  It notes the time and
 * the error, stops `sampler` (if set) and cancels the demo's deadline.
 * A pipeline torn down because the demo's time ran out is not a failure:
 * the demo did what it was asked (run for its duration), so it is noted
 * as `stopped` and the demo exits 0 with `completed` false. */
struct lab_err;
typedef struct kit_run {
    struct lab_demo *demo;
    lab_timer *sampler;
    uint64_t start_us, end_us;
    bool done, failed, stopped;
    char code[40], message[160];
} kit_run;
void kit_run_start(kit_run *r, struct lab_demo *d, lab_timer *sampler);
void kit_run_done(const struct lab_err *err, void *arg);
uint64_t kit_run_us(const kit_run *r);      /* so far, or start to end */
/* Adds completed, elapsed_ms and error (if any) to a summary. */
struct lab_ev;
void kit_run_fields(struct lab_ev *e, const kit_run *r);
/* The exit status: 0, or 1 after printing the error on stderr. */
int kit_run_status(const kit_run *r);

/* A repeating timer that does not keep the loop alive (samplers). */
void kit_every(lab_loop *loop, lab_timer *t, uint64_t ms, lab_timer_cb *cb, void *data);

/* ---- a slow sink ------------------------------------------------------- */

/* A writable whose every write completes later, from a timer: the shape of
 * a disk or a socket that takes its time.  The delay is read from the
 * demo's parameter `delay_key` at each write (so it can change live);
 * every completed byte is added to *written (may be NULL).  Returns the
 * stream (yours to unref), named `name`, with mark hwm. */
struct lab_stream;
struct lab_stream *kit_slow_sink(lab_loop *loop, const char *name, size_t hwm,
                                 const struct lab_demo *d, const char *delay_key,
                                 uint64_t *written);

/* ---- numbers ----------------------------------------------------------- */

/* bytes over us microseconds, in bytes per second (0 if us is 0). */
double kit_rate(uint64_t bytes, uint64_t us);

#endif
