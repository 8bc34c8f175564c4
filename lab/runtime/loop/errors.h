/*
 * errors.h — naming failures the way Node does.
 *
 * Node reports a failed system call with err.code set to the errno's
 * symbolic name ("ENOENT", "EPIPE") and its own failures with ERR_* codes
 * ("ERR_STREAM_PREMATURE_CLOSE").  The runtime uses the same strings so a
 * student can compare a C trace with a Node one line by line.
 */
#ifndef LAB_ERRORS_H
#define LAB_ERRORS_H

/* "ENOENT" for ENOENT; "E?" followed by the number for an unknown value. */
const char *lab_errno_name(int err);
/* libuv's wording of the error, as Node prints it: strerror() with a lower
 * case first letter ("no such file or directory").  Thread-safe. */
const char *lab_errno_message(int err);

/* An 'error' event nobody listens to.  Node's EventEmitter throws it, and
 * an exception nobody catches ends the process: the error printed on
 * stderr, exit status 1.  The runtime does the same where Node's crash is
 * the lesson — a child process that could not start, with no on_error
 * (process.c).  emitter: what emitted it, as Node names the class
 * ("ChildProcess"); code and message: the error's.  Telemetry is flushed
 * first, so a dashboard sees the 'error' event before the end.  (Streams
 * keep running instead and only report it, so a demo can show what a
 * failure leaves open: see stream.h.) */
_Noreturn void lab_unhandled_error(const char *emitter, const char *code,
                                   const char *message);

#endif
