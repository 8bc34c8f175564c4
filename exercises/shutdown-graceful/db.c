/* db.c — exercise shutdown-graceful: the database (given; do not edit). */
#include "server.h"

#include <errno.h>
#include <stdio.h>

sqlite3 *db_open(const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        /* WAL: a commit is an append to the log, durable once written —
         * a killed process loses no committed row. */
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " body TEXT NOT NULL)", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) return db;
    fprintf(stderr, "db_open: %s: %s\n", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return NULL;
}

int64_t db_insert(sqlite3 *db, const char *body, size_t len)
{
    sqlite3_stmt *st = NULL;
    int64_t id = -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO rows (body) VALUES (?)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, body, (int)len, SQLITE_TRANSIENT) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_DONE)   /* autocommit: committed here */
        id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(st);
    return id;
}

int db_close(sqlite3 *db)
{
    return sqlite3_close(db) == SQLITE_OK ? 0 : -EBUSY;
}
