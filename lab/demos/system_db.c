/*
 * system_db.c — the upload records of demo `together.system`
 * (together_system.h): the one module that knows the table.
 *
 * Who writes the records?  A Node user would open the database in every
 * worker (better-sqlite3, synchronous) rather than send each record to
 * the primary over IPC: the primary would become a bottleneck that every
 * upload waits on, and an IPC round trip would sit between the commit and
 * the 201.  So each worker has its own connection and writes its own rows.
 *
 * Several writer processes on one SQLite file is fine, with two settings:
 *   - WAL: readers (the primary's counts) never block writers, and a
 *     commit is an append to the log (synchronous=NORMAL: a write(), no
 *     fsync — a killed process loses nothing committed; a power cut could
 *     lose the last commits);
 *   - busy_timeout: only one writer at a time holds the write lock.
 *     Without a timeout, a worker that finds it held gets SQLITE_BUSY at
 *     once and its record would be lost; with it, SQLite retries for up to
 *     that long.  Our transactions are one statement each (microseconds),
 *     so the wait is short — but it does block the worker's loop, as
 *     better-sqlite3 does: keep transactions tiny.
 */
#include "together_system.h"
#include "mem.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_MS 5000

const char *const sysdb_state_names[REC_NSTATES] = { "received", "compressing", "stored", "failed" };

struct sysdb {
    sqlite3 *db;
    sqlite3_stmt *received, *compressing, *stored, *failed;
};

#define SCHEMA "CREATE TABLE IF NOT EXISTS uploads (" \
    " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL," \
    " state TEXT NOT NULL, worker_pid INTEGER, child_pid INTEGER," \
    " bytes_in INTEGER NOT NULL DEFAULT 0, bytes_out INTEGER NOT NULL DEFAULT 0," \
    " crc32 INTEGER, reason TEXT," \
    " received_at INTEGER, compressing_at INTEGER, ended_at INTEGER)"

/* Milliseconds since the epoch, in SQL: the rows' times. */
#define NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

static sqlite3 *open_conn(const char *path, int flags, char *why, size_t n)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, BUSY_MS);
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) return db;
    snprintf(why, n, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return NULL;
}

int sysdb_create(const char *path, char *why, size_t n)
{
    sqlite3 *db = open_conn(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, why, n);
    if (!db) return -1;
    int rc = sqlite3_exec(db, SCHEMA, NULL, NULL, NULL);
    if (rc != SQLITE_OK) snprintf(why, n, "%s: %s", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

sysdb *sysdb_open(const char *path, char *why, size_t n)
{
    sqlite3 *c = open_conn(path, SQLITE_OPEN_READWRITE, why, n);
    if (!c) return NULL;
    sysdb *db = lab_xcalloc(1, sizeof *db);
    db->db = c;
    const struct { sqlite3_stmt **st; const char *sql; } stmts[] = {
        { &db->received, "INSERT INTO uploads (name, state, worker_pid, received_at)"
                         " VALUES (?, 'received', ?, " NOW_MS ")" },
        { &db->compressing, "UPDATE uploads SET state = 'compressing', child_pid = ?,"
                            " compressing_at = " NOW_MS " WHERE id = ?" },
        { &db->stored, "UPDATE uploads SET state = 'stored', bytes_in = ?, bytes_out = ?,"
                       " crc32 = ?, ended_at = " NOW_MS " WHERE id = ?" },
        { &db->failed, "UPDATE uploads SET state = 'failed', bytes_in = ?, reason = ?,"
                       " ended_at = " NOW_MS " WHERE id = ?" },
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        if (sqlite3_prepare_v2(c, stmts[i].sql, -1, stmts[i].st, NULL) != SQLITE_OK) {
            snprintf(why, n, "%s: %s", path, sqlite3_errmsg(c));
            sysdb_close(db);
            return NULL;
        }
    }
    return db;
}

void sysdb_close(sysdb *db)
{
    if (!db) return;
    sqlite3_finalize(db->received);
    sqlite3_finalize(db->compressing);
    sqlite3_finalize(db->stored);
    sqlite3_finalize(db->failed);
    sqlite3_close(db->db);
    free(db);
}

/* Runs a bound statement to its end: one transaction (autocommit). */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int64_t sysdb_received(sysdb *db, const char *name, int worker_pid)
{
    sqlite3_bind_text(db->received, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(db->received, 2, worker_pid);
    return run(db->received) == 0 ? sqlite3_last_insert_rowid(db->db) : -1;
}

int sysdb_compressing(sysdb *db, int64_t id, int child_pid)
{
    sqlite3_bind_int(db->compressing, 1, child_pid);
    sqlite3_bind_int64(db->compressing, 2, id);
    return run(db->compressing);
}

int sysdb_stored(sysdb *db, int64_t id, uint64_t bytes_in, uint64_t bytes_out, uint32_t crc)
{
    sqlite3_bind_int64(db->stored, 1, (sqlite3_int64)bytes_in);
    sqlite3_bind_int64(db->stored, 2, (sqlite3_int64)bytes_out);
    sqlite3_bind_int64(db->stored, 3, crc);
    sqlite3_bind_int64(db->stored, 4, id);
    return run(db->stored);
}

int sysdb_failed(sysdb *db, int64_t id, uint64_t bytes_in, const char *reason)
{
    sqlite3_bind_int64(db->failed, 1, (sqlite3_int64)bytes_in);
    sqlite3_bind_text(db->failed, 2, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(db->failed, 3, id);
    return run(db->failed);
}

static int state_of(const unsigned char *s)
{
    for (int i = 0; s && i < REC_NSTATES; i++)
        if (strcmp((const char *)s, sysdb_state_names[i]) == 0) return i;
    return -1;
}

int sysdb_counts(sysdb *db, int64_t *counts)
{
    sqlite3_stmt *st;
    memset(counts, 0, REC_NSTATES * sizeof *counts);
    if (sqlite3_prepare_v2(db->db, "SELECT state, count(*) FROM uploads GROUP BY state", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int s = state_of(sqlite3_column_text(st, 0));
        if (s >= 0) counts[s] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int sysdb_abandon(sysdb *db, const char *reason)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "UPDATE uploads SET state = 'failed', reason = ?,"
                           " ended_at = " NOW_MS " WHERE state IN ('received', 'compressing')",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, reason, -1, SQLITE_TRANSIENT);
    int rc = run(st);
    int changed = sqlite3_changes(db->db);
    sqlite3_finalize(st);
    return rc == 0 ? changed : -1;
}

int sysdb_each(sysdb *db, void (*fn)(const sysdb_row *r, void *arg), void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT id, name, state, worker_pid, child_pid, bytes_in,"
                           " bytes_out, crc32 FROM uploads ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sysdb_row r = { .id = sqlite3_column_int64(st, 0),
                        .state = state_of(sqlite3_column_text(st, 2)),
                        .worker_pid = sqlite3_column_int(st, 3),
                        .child_pid = sqlite3_column_int(st, 4),
                        .bytes_in = sqlite3_column_int64(st, 5),
                        .bytes_out = sqlite3_column_int64(st, 6),
                        .crc = (uint32_t)sqlite3_column_int64(st, 7) };
        snprintf(r.name, sizeof r.name, "%s", (const char *)sqlite3_column_text(st, 1));
        fn(&r, arg);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
