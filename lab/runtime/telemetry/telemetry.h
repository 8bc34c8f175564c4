/*
 * telemetry.h — how the runtime tells the world what it is doing.
 *
 * Every module reports its actions as events: one JSON object per line
 * (JSON Lines) written to a telemetry descriptor, usually a pipe read by
 * the TUI, by `nodelab demo`, or by a test.  Each line carries
 *   ts   microseconds since the demo started
 *   ev   the event name ("write", "drain", "spawn", "lag", ...)
 *   pid  the process that emitted it
 * plus the event's own fields (docs/telemetry.md lists them all).
 *
 * Two promises:
 *   - Cheap when off: lab_ev_new() returns NULL and every other call is a
 *     no-op on NULL, so an unobserved program pays one branch per event.
 *   - Never blocks: the descriptor is non-blocking.  Lines the reader has
 *     not taken wait in a bounded buffer; when that is full, new events are
 *     dropped and counted, and the next line that gets through is preceded
 *     by {"ev":"dropped","count":N}.
 *
 * Safe to call from any thread.  After fork() the child starts with an
 * empty buffer (pthread_atfork), writing to the same descriptor: a line is
 * written whole in one write() of at most PIPE_BUF bytes, so lines from
 * several processes never interleave mid-line.
 */
#ifndef LAB_TELEMETRY_H
#define LAB_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

/* Starts reporting to fd (made non-blocking).  Time 0 is now, unless a
 * start time was inherited: see lab_tel_set_epoch(). */
void lab_tel_open(int fd);
/* In a program started by a demo: reports to the demo's telemetry pipe,
 * NODELAB_TELEMETRY_FD, on the demo's clock, NODELAB_EPOCH_US.  Returns
 * false (and stays off) when the variables are absent or the descriptor
 * is not open — e.g. the demo did not pass it down. */
bool lab_tel_open_from_env(void);
/* Flushes what it can within timeout_ms, then stops reporting. */
void lab_tel_close(int timeout_ms);
bool lab_tel_on(void);
/* The descriptor events go to, or -1. */
int lab_tel_fd(void);
/* Sets time 0 (lab_clock_us() units), e.g. from NODELAB_EPOCH_US so that a
 * program exec'd by a demo shares the demo's clock. */
void lab_tel_set_epoch(uint64_t epoch_us);
uint64_t lab_tel_epoch(void);
/* Microseconds since time 0. */
uint64_t lab_tel_now(void);

/* Writes buffered lines without blocking.  The loop calls this each turn. */
void lab_tel_flush(void);
/* True when lines are waiting for the reader. */
bool lab_tel_pending(void);
/* Totals since lab_tel_open(): lines written and lines dropped. */
uint64_t lab_tel_written(void);
uint64_t lab_tel_dropped(void);

/* Building one event.  All setters accept NULL (telemetry off). */
typedef struct lab_ev lab_ev;
lab_ev *lab_ev_new(const char *name);
void lab_ev_str(lab_ev *e, const char *key, const char *value); /* NULL → null */
void lab_ev_int(lab_ev *e, const char *key, int64_t value);
void lab_ev_num(lab_ev *e, const char *key, double value);
void lab_ev_bool(lab_ev *e, const char *key, bool value);
void lab_ev_null(lab_ev *e, const char *key);
/* Adds any cJSON value (object, array); the event takes ownership. */
struct cJSON;
void lab_ev_json(lab_ev *e, const char *key, struct cJSON *value);
/* For events about another process (spawn, exit): "pid" names that
 * process instead of the emitter. */
void lab_ev_pid(lab_ev *e, int pid);
/* Serialises, queues and frees the event. */
void lab_ev_emit(lab_ev *e);

/* Shorthand for the most common shapes. */
void lab_tel_stream(const char *ev, const char *stream);       /* end, drain... */
void lab_tel_error(const char *stream, int err, const char *message);

#endif
