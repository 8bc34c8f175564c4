/*
 * record.h — one telemetry event as bytes (internal to the telemetry).
 *
 * lab_ev_new() and its setters write an event into a small buffer on the
 * calling thread as a record: a fixed header, the event's name, then its
 * fields in the order they were set, each a type byte, its key and its
 * value.  No JSON is made there.  The record is copied into the thread's
 * ring (ring.h) and turned into a JSON line later, by the telemetry's
 * formatter (telemetry.c), with lab_rec_format(): byte for byte the line
 * cJSON_PrintUnformatted() made of the same event before records existed.
 *
 * docs/telemetry.md has the layout as a table ("Records").
 */
#ifndef LAB_RECORD_H
#define LAB_RECORD_H

#include "ring.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_REC_EVENT 1u       /* lab_ring_hdr.kind of an event */

/* The header: 32 bytes.  The name (name_len bytes, no NUL) follows. */
typedef struct {
    lab_ring_hdr h;            /* len: the whole record, 8-aligned */
    uint64_t seq;              /* the process's event number: the order of events */
    uint64_t ts;               /* microseconds since time 0 */
    int32_t pid;               /* the emitter, or what lab_ev_pid() set */
    uint8_t pid_null;          /* lab_ev_pid(e, 0): "pid":null */
    uint8_t name_len;
    uint16_t size;             /* bytes used before alignment (len may pad) */
} lab_rec;

/* Field types.  Each field is: type (1 byte), key length (1), the key,
 * then the value: INT int64, NUM double, BOOL 1 byte, NULL nothing, STR
 * and JSON a uint32 length and that many bytes (JSON: a value already
 * printed by cJSON).  Values are unaligned: copied with memcpy. */
enum { LAB_F_INT = 1, LAB_F_NUM, LAB_F_BOOL, LAB_F_NULL, LAB_F_STR, LAB_F_JSON };

/* A record being built: the buffer grows past its inline part only for
 * an event with long strings. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    unsigned char inline_buf[448];
} lab_rec_buf;

void lab_rec_begin(lab_rec_buf *b, const char *name, uint64_t ts, int pid);
void lab_rec_field(lab_rec_buf *b, int type, const char *key, const void *value, size_t n);
void lab_rec_set_pid(lab_rec_buf *b, int pid);        /* pid <= 0: null */
/* Sets the header's lengths; returns the finished record. */
lab_rec *lab_rec_end(lab_rec_buf *b);
void lab_rec_release(lab_rec_buf *b);

/* The data path's busiest shape — a stream's push, write, data... with
 * {stream, size, len, hwm, ret} — written straight into its ring slot:
 * the same bytes lab_rec_begin/field/end would make, without building
 * them first.  lab_rec_flow_len() is the slot's length. */
typedef struct {
    const char *name;          /* the event */
    size_t name_len;
    const char *stream;
    size_t stream_len;
    int64_t size, len, hwm;
    bool ret;
} lab_rec_flow_fields;
uint32_t lab_rec_flow_len(const lab_rec_flow_fields *f);
lab_rec *lab_rec_flow(void *slot, uint32_t slot_len, uint64_t ts, int pid,
                      const lab_rec_flow_fields *f);

/* A field read back (frame.c): its type, an INT or BOOL value in i, a
 * STR or JSON value as str and n bytes (not NUL-terminated). */
typedef struct {
    int type;
    int64_t i;
    const char *str;
    size_t n;
} lab_rec_value;
bool lab_rec_get(const lab_rec *r, const char *key, lab_rec_value *out);
/* Appends from's fields, in order, to a record being built, and takes its
 * pid: the coalesced line carries the last event's state as it was. */
void lab_rec_copy_fields(lab_rec_buf *b, const lab_rec *from);

/* The most bytes lab_rec_format() writes for a record (every string byte
 * escaped as \u00XX). */
size_t lab_rec_json_max(const lab_rec *r);
/* Writes the event's JSON line (no newline) to out; returns its length. */
size_t lab_rec_format(const lab_rec *r, char *out);
/* The same event as a cJSON object (the old way; tests compare the two). */
struct cJSON;
struct cJSON *lab_rec_to_cjson(const lab_rec *r);

/* A number printed as cJSON prints it: %1.15g or, when that loses
 * precision, %1.17g; null for NaN and infinities.  At most 24 bytes (out
 * needs room for 25: a NUL may follow).  */
size_t lab_json_number(char *out, double d);
/* A string quoted and escaped as cJSON does. */
size_t lab_json_string(char *out, const char *s, size_t n);

#endif
