/*
 * events.h — the telemetry vocabulary: every event name the runtime emits,
 * and the names of the demos' events that the lab draws, in one list.
 *
 * An event name is a contract between two programs: the runtime writes
 * "drain", the lab (lab/tui/model.c) and scripts read it.  Spelt as a
 * string literal in both, a typo on either side is a silent gauge that
 * never moves.  So the names live here once: emitters write
 * lab_ev_new(LAB_EV(DRAIN)), the lab turns a name it reads back into an
 * id with lab_ev_lookup() and switches on it.  docs/telemetry.md says what
 * each event means and which fields it carries.
 *
 * A demo's own events (a `heartbeat`, a `chunk`) need no entry: the lab
 * logs any event it has no use for as "name key=value...".  Add a name
 * here when the runtime emits it, or when the lab draws it.
 */
#ifndef LAB_EVENTS_H
#define LAB_EVENTS_H

/* X(ID, "name"), grouped as docs/telemetry.md is. */
#define LAB_EVENT_LIST(X)                                                     \
    /* streams (streams/stream.h) */                                          \
    X(STREAM, "stream")   X(WRITE, "write")     X(WRITTEN, "written")         \
    X(DRAIN, "drain")     X(PUSH, "push")       X(DATA, "data")               \
    X(PAUSE, "pause")     X(RESUME, "resume")   X(END, "end")                 \
    X(FINISH, "finish")   X(CLOSE, "close")     X(ERROR, "error")             \
    X(PIPE, "pipe")       X(UNPIPE, "unpipe")                                 \
    /* the loop, its pool, memory, the telemetry itself */                    \
    X(LAG, "lag")         X(POOL, "pool")       X(MEM, "mem")                 \
    X(DROPPED, "dropped") X(COALESCED, "coalesced")                           \
    /* files, sockets, gzip, HTTP (io/, net/) */                              \
    X(FS, "fs")           X(OPEN, "open")       X(LISTENING, "listening")     \
    X(CONNECTION, "connection") X(CONNECT, "connect")                         \
    X(SOCKET_CLOSE, "socket_close") X(GZIP, "gzip")                           \
    X(REQUEST, "request") X(RESPONSE, "response")                             \
    /* processes (process/) */                                                \
    X(SPAWN, "spawn")     X(EXIT, "exit")       X(KILL, "kill")               \
    X(TIMEOUT, "timeout") X(MAXBUFFER, "maxbuffer") X(EXEC, "exec")           \
    X(IPC, "ipc")         X(DISCONNECT, "disconnect")                         \
    /* threads, shared memory, graceful shutdown (threads/) */                \
    X(WORKER, "worker")   X(MESSAGE, "message") X(MAILBOX, "mailbox")         \
    X(PORT, "port")       X(SHARED, "shared")   X(ATOMICS, "atomics")         \
    X(SHUTDOWN, "shutdown")                                                   \
    /* clusters (cluster/), the load generator (net/loadgen.c), and the      \
     * Chapter 3 demos' events the cluster dashboard draws (`worker`: above) */ \
    X(CLUSTER, "cluster") X(SCHEDULE, "schedule")                           \
    X(RESPAWN, "respawn") X(WORKER_STATS, "worker_stats")                     \
    X(LOAD, "load")       X(LOAD_START, "load_start") X(LOAD_DONE, "load_done") \
    X(SERVING, "serving") X(STEP, "step")       X(LOG, "log")                 \
    X(QUEUE, "queue")     X(RSS, "rss")         X(COMPONENT, "component")     \
    X(CACHE, "cache")     X(ROUNDTRIP, "roundtrip")                           \
    /* the Chapter 6 demos (lab/demos/together_*.c) */                       \
    X(HOP, "hop")         X(AGGREGATE, "aggregate")                           \
    /* together.jobs: the job pool (lab/demos/jobpool.c) and request latency */ \
    X(JOB, "job")         X(JOB_POOL, "job_pool") X(JOB_CHILD, "job_child")   \
    X(LATENCY, "latency")                                                     \
    /* every demo (lab/demos/demo.h), and results the lab draws */            \
    X(DEMO, "demo")       X(PARAM, "param")     X(SUMMARY, "summary")         \
    X(RESULT, "result")   X(SWEEP, "sweep")                                   \
    /* parallel gzip (io/pgzip.c) and its demo (together.parallel-gzip) */    \
    X(PGZIP, "pgzip")     X(PGZIP_BLOCK, "pgzip_block")                       \
    X(PGZIP_PROGRESS, "pgzip_progress")                                       \
    /* the Chapter 5 demos' events the lab's dashboards draw */               \
    X(REQUEST_START, "request_start") X(STOP, "stop") X(DB, "db")             \
    X(STAGE, "stage") X(COUNT_RESULT, "count") X(PINGPONG, "pingpong")       \
    X(ACTORS, "actors")   X(NOCOPY, "nocopy")                               \
    /* together.uploads (lab/demos/together_uploads*.c) */                   \
    X(UPLOAD, "upload")   X(UPLOAD_DONE, "upload_done")                       \
    X(UPLOAD_WORKER, "upload_worker") X(UPLOAD_SENT, "upload_sent")            \
    /* together.system (lab/demos/together_system*.c) */                     \
    X(SYSTEM, "system")   X(SYSTEM_WORKER, "system_worker")                   \
    X(SYSTEM_UPLOAD, "system_upload")

typedef enum {
#define LAB_EV_ENUM_(id, name) LAB_EV_##id,
    LAB_EVENT_LIST(LAB_EV_ENUM_)
#undef LAB_EV_ENUM_
    LAB_EV_COUNT,
    LAB_EV_OTHER = LAB_EV_COUNT        /* a name not in the list */
} lab_ev_id;

extern const char *const lab_ev_names[LAB_EV_COUNT];

/* The name of an event: lab_ev_new(LAB_EV(WRITE)). */
#define LAB_EV(id) (lab_ev_names[LAB_EV_##id])

/* The id of a name, or LAB_EV_OTHER (also for NULL). */
lab_ev_id lab_ev_lookup(const char *name);

#endif
