/*
 * csvjson.h — exercise streams-csv-json: the API you implement.
 *
 * A Transform stream (stream.h) that reads CSV and writes JSON Lines: one
 * JSON object per record, one per line, ready for the next stage of a
 * pipeline (a database loader, jq, another transform).
 *
 * The CSV (RFC 4180, as spreadsheets write it):
 *   - records end with "\n"; a "\r" right before that "\n" is dropped, so
 *     "\r\n" files work too;
 *   - fields are separated by ",";
 *   - a field that starts with a double quote is quoted: it runs to the
 *     next quote that is not doubled.  Inside, "," "\r" and "\n" are
 *     ordinary characters and "" stands for one quote:
 *         "she said ""hi"", then left"  →  she said "hi", then left
 *   - a quote anywhere else (a"b) is an ordinary character;
 *   - an empty line is not a record: it is skipped;
 *   - the first record is the header: its fields are the keys.
 *
 * The output, for each later record: one object with the header's keys in
 * order and the record's fields as string values, then "\n":
 *     name,age\nalice,30\n  →  {"name":"alice","age":"30"}\n
 * A record with fewer fields than the header gets "" for the missing
 * ones; fields beyond the header's count are dropped.  Any valid JSON
 * spelling of that object is accepted (cJSON_PrintUnformatted() gives
 * one).  Records come out as soon as they are complete, not at the end.
 *
 * A chunk may end anywhere: in the middle of a record, of a field, of a
 * quoted field, between the two quotes of a "" pair, between "\r" and
 * "\n".  The output must not depend on where.
 *
 * A quoted field still open when the input ends is an error: the stream
 * fails with code CSV_ERR_UNTERMINATED (lab_flush_done() with an error
 * made by lab_err_make(CSV_ERR_UNTERMINATED, ...)).
 */
#ifndef CSVJSON_H
#define CSVJSON_H

#include "stream.h"

#include <stdint.h>

#define CSV_ERR_UNTERMINATED "ERR_CSV_UNTERMINATED"

/* Creates the transform; hwm is the mark of both sides (0: 16384).
 * NULL on out of memory.  The caller owns one reference. */
lab_stream *csv_json_new(lab_loop *loop, size_t hwm);

/* Objects (records after the header) written so far. */
uint64_t csv_json_rows(const lab_stream *s);

#endif
