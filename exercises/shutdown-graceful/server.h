/*
 * server.h — exercise shutdown-graceful: the API you implement.
 *
 * A small HTTP server that writes to SQLite: every `POST /` stores its
 * body as one row, and is answered 200 {"id":N} only once that row is
 * committed — an acknowledged request is a row on disk.  And it stops the
 * way a server should (shutdown.h):
 *
 *   SIGTERM → stop accepting (new connections are refused)
 *           → drain (the requests in flight finish and are answered)
 *           → close the database
 *           → exit 0
 *
 * with a deadline: if the drain takes longer than deadline_ms, or a second
 * signal comes, the process exits at once, non-zero.
 */
#ifndef SERVER_H
#define SERVER_H

#include "http.h"
#include "loop.h"
#include "shutdown.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Yours (server.c).  Opens the database at db_path (db_open), listens on
 * 127.0.0.1:port (0: any free port; *bound_port receives the one bound),
 * and sets up the graceful shutdown on loop with deadline_ms.  Then, as
 * the loop runs:
 *   POST /       the body (at most SERVER_BODY_MAX bytes; more: 413) goes
 *                into one row (db_insert); the answer, 200 with
 *                {"id":N}, is sent only after that; 500 if the insert
 *                failed;
 *   anything else  404, no row.
 * A request is in flight from its arrival (on_request) until its response
 * is over — finished, or its connection gone.
 * Returns 0, or -1 if the database cannot be opened or the port cannot be
 * bound (then nothing is left open or listening). */
int server_start(lab_loop *loop, const char *db_path, int port, uint64_t deadline_ms,
                 int *bound_port);

#define SERVER_BODY_MAX 1024

/* Given (db.c). */
/* Opens (creates) the database in WAL mode with the table
 * rows(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT).  NULL if it
 * cannot (one line on stderr says why). */
sqlite3 *db_open(const char *path);
/* Inserts one row and commits it.  Returns its id, or -1. */
int64_t db_insert(sqlite3 *db, const char *body, size_t len);
/* Closes the connection (the last one folds the WAL back into the
 * database file and removes it).  Returns 0, or -EBUSY. */
int db_close(sqlite3 *db);

#endif
