/*
 * worker.h — worker threads, as Node's worker_threads.
 *
 * A worker is a thread with an event loop of its own.  It shares the
 * process (same PID, same memory) but, by convention, nothing else: the
 * parent and the worker talk through a channel (port.h) — the parent calls
 * lab_worker_post(), the worker's parentPort delivers it; the worker posts
 * on its parentPort, the parent's on_message receives it.  That is the
 * actor model: no variable is written by two threads, so there is nothing
 * to lock and no race to lose.
 *
 *     Node                                   nodelab
 *     new Worker(file, { workerData })       lab_worker_new(loop, &opts)
 *     worker.on('online'|'message'|          opts.on_online, on_message,
 *               'error'|'exit')                   on_error, on_exit
 *     worker.postMessage(v[, transfer])      lab_worker_post, _post_chunk,
 *                                            _transfer
 *     worker.terminate()                     lab_worker_terminate
 *     worker.ref() / unref()                 lab_worker_ref / _unref
 *     worker.threadId                        lab_worker_thread_id
 *     (in the worker)
 *     the script's top level                 opts.main(self, loop)
 *     workerData                             lab_worker_data(self, &len)
 *     parentPort                             lab_worker_parent_port(self)
 *     process.exit(code)                     lab_worker_exit(self, code)
 *     throw (uncaught)                       lab_worker_fail(self, ...), or
 *                                            main returning non-zero
 *
 * The life of a worker, and its events on the parent's loop, in order:
 *   online    the thread runs, its loop exists; main() is about to run.
 *   message   each message it posted, in the order it posted them.
 *   error     it failed (see "uncaught" below).
 *   exit      code: 0 when its loop ran out of work, N after
 *             lab_worker_exit(N), 1 after a failure or terminate().
 * Every message the worker posted is delivered before its exit (Node
 * drains the port first, too).  After on_exit returns the lab_worker is
 * freed: do not touch it.
 *
 * "Uncaught", in C.  A JavaScript exception unwinds the stack to the
 * event loop; C has no exceptions, so a worker *declares* its failure:
 * main() returns non-zero (a negative errno, or any other number), or any
 * callback calls lab_worker_fail().  Either one means what an uncaught
 * throw means in Node: `error` (code, message), then `exit` 1, and the
 * worker's loop stops — lab_worker_fail() returns, so return from your
 * callback right after it; what the worker posts after it is dropped.
 * What C cannot contain is a crash: a segfault in any thread kills the
 * whole process, parent included.  Isolation from crashes needs
 * processes (Chapter 4).
 *
 * terminate() cannot stop C code in the middle of a computation (Node
 * interrupts the JavaScript engine; killing a C thread would leave its
 * locks and memory in any state).  It stops the worker's loop at the next
 * callback boundary; a long computation should check
 * lab_worker_terminating() now and then.  Exit code 1, as in Node.
 *
 * Liveness: a worker keeps the parent's loop alive until its `exit`,
 * unless unref'd (then the parent's loop may end first; call
 * lab_worker_terminate() and run the loop again to collect it, as every
 * worker must exit before its parent's loop is freed).  Inside, the
 * worker's loop runs like any: a started parentPort (on_message) keeps it
 * alive until closed, as `parentPort.on('message')` does in Node.
 *
 * Signals are not delivered to workers (they block every signal, as
 * Node's do); the main thread's loop gets them.
 *
 * Telemetry: `worker` events (phase spawn, online, error, exit) with the
 * thread id, the OS thread id and, at exit, the CPU time the thread used;
 * its ports report `message`/`mailbox` (port.h).  docs/threads.md.
 */
#ifndef LAB_WORKER_H
#define LAB_WORKER_H

#include "loop.h"
#include "port.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_worker lab_worker;

/* The worker's body, on its own thread: set things up on loop (listen on
 * the parentPort, start timers...) and return 0; the loop then runs until
 * nothing is left.  Non-zero means it failed (see "uncaught" above). */
typedef int lab_worker_main(lab_worker *self, lab_loop *loop);

typedef struct lab_worker_options {
    const char *name;          /* for telemetry (at most 31 bytes) */
    lab_worker_main *main;
    /* workerData.  With worker_data_len > 0 the bytes are copied (Node's
     * structured clone: the worker gets its own).  With 0 the pointer is
     * handed over as it is — for what is meant to be shared or moved: a
     * lab_shared region (SharedArrayBuffer), a port (a transfer list). */
    const void *worker_data;
    size_t worker_data_len;
    /* On the worker thread, after its loop has ended however it ended,
     * before its loop is freed: free what main() set up.  Optional. */
    void (*teardown)(lab_worker *self);

    /* The parent's side: called on the parent's loop.  All optional. */
    void (*on_online)(lab_worker *w);
    void (*on_message)(lab_worker *w, const lab_message *msg);
    void (*on_error)(lab_worker *w, const char *code, const char *message);
    void (*on_exit)(lab_worker *w, int code);
    void *data;                /* yours: lab_worker_user_data() */
} lab_worker_options;

/* Starts the thread.  NULL with errno set (EINVAL: no main; EAGAIN: no
 * thread could be created; ENOMEM, EMFILE). */
lab_worker *lab_worker_new(lab_loop *loop, const lab_worker_options *opts);

/* The parent's side.  Post and transfer follow port.h (copy; move and
 * detach); after the worker's end they return -EPIPE. */
int lab_worker_post(lab_worker *w, const void *data, size_t len);
int lab_worker_post_chunk(lab_worker *w, const lab_chunk *c);
int lab_worker_transfer(lab_worker *w, lab_chunk *c);
/* Asks the worker to stop (see above); its `exit` follows, code 1 unless
 * it had already ended.  Refs the worker, as Node does, so the parent's
 * loop waits for that `exit`. */
void lab_worker_terminate(lab_worker *w);
void lab_worker_ref(lab_worker *w);
void lab_worker_unref(lab_worker *w);
int lab_worker_thread_id(const lab_worker *w);
const char *lab_worker_name(const lab_worker *w);
void *lab_worker_user_data(const lab_worker *w);
/* CPU time the worker's thread has used so far, in microseconds (until
 * on_exit returns; any thread may ask). */
uint64_t lab_worker_cpu_us(const lab_worker *w);

/* Inside the worker (self is main()'s argument). */
lab_port *lab_worker_parent_port(lab_worker *self);
const void *lab_worker_data(const lab_worker *self, size_t *len);
lab_loop *lab_worker_loop(const lab_worker *self);
void lab_worker_exit(lab_worker *self, int code);
void lab_worker_fail(lab_worker *self, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool lab_worker_terminating(const lab_worker *self);

/* True on a thread that is not a worker (threadId 0): Node's isMainThread. */
bool lab_is_main_thread(void);

#endif
