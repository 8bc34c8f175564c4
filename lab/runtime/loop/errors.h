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

#endif
