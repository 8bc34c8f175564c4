/*
 * upper.h — exercise streams-uppercase: the API you implement.
 *
 * A Transform stream (stream.h) that upper-cases text on its way through
 * and counts the characters it has seen.  Whatever is written to it comes
 * out of its readable side, so it fits in a pipe() or a pipeline() like
 * any other stream:
 *
 *     file → upper → file
 *
 * Text arrives in chunks cut wherever the producer cut them: a chunk may
 * end in the middle of a word, or in the middle of a multi-byte UTF-8
 * character.  Your transform must give the same result however the input
 * is cut.
 */
#ifndef UPPER_H
#define UPPER_H

#include "stream.h"

#include <stdbool.h>
#include <stdint.h>

/* Creates the transform.  hwm is the highWaterMark of both sides (0:
 * the default, 16384 bytes).
 *   - Every ASCII letter a-z becomes A-Z; every other byte (digits,
 *     punctuation, the bytes of non-ASCII characters) passes unchanged.
 *   - With summary true, once the input has ended the transform adds one
 *     last line to its output: "[N characters]\n", N being the count
 *     below.  With summary false, output is exactly as long as input.
 * Returns NULL on out of memory.  The caller owns one reference
 * (lab_stream_unref). */
lab_stream *upper_new(lab_loop *loop, size_t hwm, bool summary);

/* Characters that have gone through the transform so far: characters,
 * not bytes.  The input is UTF-8, where a character takes 1 to 4 bytes:
 * "naïve" is 5 characters in 6 bytes. */
uint64_t upper_count(const lab_stream *s);

#endif
