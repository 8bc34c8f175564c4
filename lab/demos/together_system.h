/*
 * together_system.h — the parts of demo `together.system`, the whole
 * chapter in one program:
 *
 *   together_system.c         the primary: forks the workers (Node's rr),
 *                             drives the load (the built-in uploads or
 *                             wrk), restarts and stops the cluster, and
 *                             audits files against records at the end;
 *   together_system_worker.c  a worker: each upload's body is piped into
 *                             a `gzip -c` child and the child's output
 *                             into a file, its record kept in SQLite;
 *   system_db.c               the job records (one owner of the schema).
 *
 * The server's contract, per request:
 *   PUT or POST /upload/NAME  201 {"name","bytes_in","bytes_out","crc32",
 *                             "record"}: DIR/NAME.gz holds the body,
 *                             gzipped, AND its record says `stored` —
 *                             the record is committed before the 201;
 *                             500: the gzip child died (the record says
 *                             failed, no file); 400/404/405: a bad name,
 *                             path or method (no record).
 */
#ifndef LAB_TOGETHER_SYSTEM_H
#define LAB_TOGETHER_SYSTEM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char dir[PATH_MAX];        /* the files, and records.db */
    char db[PATH_MAX + 16];
    int level;                 /* gzip -1 .. -9 */
    char crash_name[40];       /* this upload's gzip child is killed half-way */
    uint64_t sample_ms;        /* `system_worker` events */
    int port;
} system_cfg;

/* A cluster worker's main (lab_child_main; arg: a system_cfg). */
int system_worker_main(void *arg);

/* ---- the records (system_db.c) ------------------------------------------------------
 *
 * One row per upload: received -> compressing -> stored | failed.  Every
 * worker writes its own rows through its own connection: see system_db.c
 * for why, and for what that asks of SQLite (WAL, busy_timeout). */

typedef struct sysdb sysdb;

enum { REC_RECEIVED, REC_COMPRESSING, REC_STORED, REC_FAILED, REC_NSTATES };
extern const char *const sysdb_state_names[REC_NSTATES];

/* Makes the file and its table (the primary, before any worker): 0, or
 * -1 with why filled. */
int sysdb_create(const char *path, char *why, size_t n);
/* A connection (a worker's, or the primary's for counting); NULL: why. */
sysdb *sysdb_open(const char *path, char *why, size_t n);
void sysdb_close(sysdb *db);

/* A worker's writes: each one a transaction of its own, committed when
 * the call returns.  sysdb_received returns the row's id (-1: failed). */
int64_t sysdb_received(sysdb *db, const char *name, int worker_pid);
int sysdb_compressing(sysdb *db, int64_t id, int child_pid);
int sysdb_stored(sysdb *db, int64_t id, uint64_t bytes_in, uint64_t bytes_out, uint32_t crc);
int sysdb_failed(sysdb *db, int64_t id, uint64_t bytes_in, const char *reason);

/* Rows in each state now (counts[REC_NSTATES]). */
int sysdb_counts(sysdb *db, int64_t *counts);
/* The primary, once every worker is gone: rows still received or
 * compressing belonged to a worker that was killed; they are failed. */
int sysdb_abandon(sysdb *db, const char *reason);

/* One row, for the audit. */
typedef struct {
    int64_t id;
    char name[104];
    int state;
    int worker_pid, child_pid;
    int64_t bytes_in, bytes_out;
    uint32_t crc;
} sysdb_row;
/* Calls fn for every row, in id order; 0 or -1. */
int sysdb_each(sysdb *db, void (*fn)(const sysdb_row *r, void *arg), void *arg);

#endif
