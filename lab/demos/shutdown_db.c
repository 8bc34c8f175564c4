/*
 * shutdown_db.c — the database of demo `shutdown.graceful` (see
 * shutdown_demo.h): an actor that owns one SQLite connection.
 *
 * SQLite calls block (a commit writes the log, maybe fsyncs it), so they
 * must not run on the server's loop.  They run on a worker thread of their
 * own, which is the only thread that ever touches the connection — no
 * locking needed — and which receives "insert" messages and answers each
 * with the new row's id once the row is committed.  The server answers the
 * HTTP request only then: an acknowledged request is a committed row.
 *
 * The database is in WAL mode with synchronous=NORMAL: a commit appends
 * to the write-ahead log with write(), which puts it in the kernel's page
 * cache.  A killed process (SIGKILL) therefore loses no committed row; a
 * power cut could lose the last ones (synchronous=FULL would fsync each
 * commit, and pay for it).  The next opener replays the log.
 */
#define _GNU_SOURCE
#include "shutdown_demo.h"
#include "port.h"
#include "telemetry.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA "CREATE TABLE IF NOT EXISTS requests (" \
               " id INTEGER PRIMARY KEY AUTOINCREMENT," \
               " req INTEGER NOT NULL, pid INTEGER NOT NULL, at_us INTEGER NOT NULL)"

/* Opens path for writing, in WAL mode, with the table, and makes sure the
 * write lock can be had.  Returns the connection, or NULL with why. */
static sqlite3 *open_db(const char *path, int flags, int busy_ms, int *rc, char *why, size_t n)
{
    sqlite3 *db = NULL;
    *rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (*rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, busy_ms);
        *rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; " SCHEMA ";"
                           "BEGIN IMMEDIATE; COMMIT;", NULL, NULL, NULL);
    }
    if (*rc == SQLITE_OK) return db;
    if (*rc == SQLITE_BUSY || *rc == SQLITE_LOCKED)
        snprintf(why, n, "is locked by another process (SQLITE_BUSY)");
    else if (*rc == SQLITE_NOTADB)
        snprintf(why, n, "is not an SQLite database");
    else
        snprintf(why, n, "cannot be opened: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(*rc));
    sqlite3_close(db);
    return NULL;
}

/* ---- the actor ------------------------------------------------------------------ */

typedef struct {
    lab_worker *self;
    sqlite3 *db;
    sqlite3_stmt *insert;
    uint64_t commits;
} actor;

static __thread actor me;

static void reply(lab_port *port, const db_msg *m) { lab_port_post(port, m, sizeof *m); }

static void close_db(void)
{
    sqlite3_finalize(me.insert);
    me.insert = NULL;
    if (me.db) sqlite3_close(me.db);
    me.db = NULL;
}

/* One request, one row, one transaction (autocommit: the INSERT is its
 * own transaction, committed when the statement completes). */
static void insert(lab_port *port, const db_msg *in)
{
    db_msg out = { .type = DB_ACK, .req = in->req };
    sqlite3_bind_int64(me.insert, 1, (sqlite3_int64)in->req);
    sqlite3_bind_int64(me.insert, 2, getpid());
    sqlite3_bind_int64(me.insert, 3, (sqlite3_int64)lab_tel_now());
    int rc = sqlite3_step(me.insert);
    sqlite3_reset(me.insert);
    if (rc == SQLITE_DONE) {
        out.row = sqlite3_last_insert_rowid(me.db);
        me.commits++;
    } else {
        out.rc = rc;
        snprintf(out.text, sizeof out.text, "%s", sqlite3_errmsg(me.db));
    }
    reply(port, &out);
}

static void on_message(lab_port *port, const lab_message *msg)
{
    db_msg in;
    if (msg->data.len != sizeof in) return;
    memcpy(&in, msg->data.data, sizeof in);
    if (in.type == DB_INSERT) {
        insert(port, &in);
    } else if (in.type == DB_CLOSE) {
        close_db();
        lab_ev *e = lab_ev_new("db");
        lab_ev_str(e, "phase", "closed");
        lab_ev_int(e, "commits", (int64_t)me.commits);
        lab_ev_emit(e);
        reply(port, &(db_msg){ .type = DB_CLOSED });
        lab_port_close(port);          /* nothing left: the thread ends, exit 0 */
    }
}

void sdb_teardown(lab_worker *self) { close_db(); }

/* The error's name, as an errno name names a system error. */
static const char *code_name(int rc)
{
    switch (rc) {
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_FULL: return "SQLITE_FULL";
    default: return "SQLITE_ERROR";
    }
}

int sdb_main(lab_worker *self, lab_loop *loop)
{
    const char *path = lab_worker_data(self, NULL);
    char why[160];
    int rc;
    me = (actor){ .self = self };
    me.db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 2000, &rc, why, sizeof why);
    if (!me.db) {
        lab_worker_fail(self, code_name(rc), "database %s %s", path, why);
        return 0;
    }
    rc = sqlite3_prepare_v2(me.db, "INSERT INTO requests (req, pid, at_us) VALUES (?, ?, ?)", -1,
                            &me.insert, NULL);
    if (rc != SQLITE_OK) {
        lab_worker_fail(self, code_name(rc), "database %s: %s", path, sqlite3_errmsg(me.db));
        return 0;
    }
    db_msg ready = { .type = DB_READY };
    sqlite3_stmt *count;
    if (sqlite3_prepare_v2(me.db, "SELECT count(*) FROM requests", -1, &count, NULL) == SQLITE_OK &&
        sqlite3_step(count) == SQLITE_ROW)
        ready.row = sqlite3_column_int64(count, 0);
    sqlite3_finalize(count);
    lab_ev *e = lab_ev_new("db");
    lab_ev_str(e, "phase", "open");
    lab_ev_str(e, "path", path);
    lab_ev_str(e, "journal", "wal");
    lab_ev_int(e, "rows", ready.row);
    lab_ev_emit(e);
    lab_port *parent = lab_worker_parent_port(self);
    reply(parent, &ready);
    return lab_port_on_message(parent, loop, on_message);
}

/* ---- from outside the actor ------------------------------------------------------ */

const char *sdb_check(const char *path)
{
    static __thread char why[200];
    struct stat st;
    if (!*path) return NULL;
    const char *dir_ok = lab_param_output_file(path);
    if (dir_ok) return dir_ok;
    if (stat(path, &st) < 0) return NULL;            /* made at start */
    int rc;
    sqlite3 *db = open_db(path, SQLITE_OPEN_READWRITE, 500, &rc, why, sizeof why);
    if (!db) return why;
    sqlite3_close(db);
    return NULL;
}

int sdb_audit(const char *path, int server_pid, const int64_t *acked, size_t n,
              int64_t *rows, int64_t *acked_present, char *why, size_t whysize)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *one = NULL, *count = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM requests WHERE pid = ?", -1, &count, NULL);
    }
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "SELECT 1 FROM requests WHERE id = ?", -1, &one, NULL);
    if (rc == SQLITE_OK) sqlite3_bind_int64(count, 1, server_pid);
    if (rc == SQLITE_OK && sqlite3_step(count) == SQLITE_ROW) {
        *rows = sqlite3_column_int64(count, 0);
        *acked_present = 0;
        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_int64(one, 1, acked[i]);
            if (sqlite3_step(one) == SQLITE_ROW) (*acked_present)++;
            sqlite3_reset(one);
        }
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(db);
    }
    if (rc != SQLITE_OK) snprintf(why, whysize, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_finalize(one);
    sqlite3_finalize(count);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}
