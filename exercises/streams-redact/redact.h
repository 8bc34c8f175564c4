/*
 * redact.h — exercise streams-redact: the API you implement.
 *
 * A Transform stream (stream.h) that anonymises a log as it streams
 * through: every e-mail address is replaced by "[REDACTED]", everything
 * else passes unchanged.
 *
 * What counts as an e-mail address here (a simplification of RFC 5322
 * that catches what real logs contain):
 *
 *   local part   one or more of  A-Z a-z 0-9 . _ % + -
 *   "@"
 *   domain       two or more labels joined by single dots, a label being
 *                one or more of  A-Z a-z 0-9 -
 *
 * The address reaches as far as possible on both sides: in
 * "mail bob.smith@example.co.uk." the address is
 * "bob.smith@example.co.uk" (the last dot ends the sentence, since no
 * label follows it), so the line becomes "mail [REDACTED].".  "a@b",
 * "@home", "x @ y.com" and "foo@.com" are not addresses.
 *
 * The input is a log: lines ending in "\n".  An address never contains a
 * newline, but it may be cut in two by a chunk boundary, and the
 * transform must still find it.
 */
#ifndef REDACT_H
#define REDACT_H

#include "stream.h"

#include <stdint.h>

/* Creates the transform; hwm is the mark of both sides (0: 16384).
 * NULL on out of memory.  The caller owns one reference. */
lab_stream *redact_new(lab_loop *loop, size_t hwm);

/* Addresses replaced so far. */
uint64_t redact_count(const lab_stream *s);

#endif
