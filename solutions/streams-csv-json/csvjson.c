/*
 * csvjson.c — exercise streams-csv-json, reference solution.
 *
 * The parser is a state machine fed one byte at a time.  Everything it
 * needs to resume after a chunk boundary lives in the struct: the state,
 * the field being built, the fields of the record so far, and whether a
 * "\r" is waiting to see if a "\n" follows.  So a boundary anywhere, even
 * between the two quotes of a "" pair, changes nothing: the next chunk
 * continues exactly where the last one stopped.
 */
#include "csvjson.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    FIELD_START,               /* nothing of this field read yet */
    UNQUOTED,                  /* in a plain field */
    QUOTED,                    /* inside quotes */
    QUOTE_IN_QUOTED,           /* a quote inside quotes: "" or the end? */
    AFTER_QUOTED,              /* the closing quote was seen */
} csv_state;

typedef struct text {
    char *data;
    size_t len, cap;
} text;

typedef struct record {
    char **fields;
    size_t n, cap;
} record;

typedef struct csv {
    csv_state state;
    bool cr;                   /* a "\r" outside quotes, not yet placed */
    bool quoted;               /* the current record has a quoted field */
    text field;
    record rec;
    record header;
    bool have_header;
    text out;                  /* JSON lines for the chunk in hand */
    uint64_t rows;
    bool nomem;
} csv;

static void add(csv *c, text *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->len + n + 1) cap *= 2;
        char *d = realloc(t->data, cap);
        if (!d) { c->nomem = true; return; }
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, p, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void add_byte(csv *c, char b) { add(c, &c->field, &b, 1); }

static void clear_record(record *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->fields[i]);
    r->n = 0;
}

/* The field in hand is complete: move it to the record. */
static void end_field(csv *c)
{
    record *r = &c->rec;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **f = realloc(r->fields, cap * sizeof *f);
        if (!f) { c->nomem = true; return; }
        r->fields = f;
        r->cap = cap;
    }
    char *s = strdup(c->field.data ? c->field.data : "");
    if (!s) { c->nomem = true; return; }
    r->fields[r->n++] = s;
    c->field.len = 0;
    if (c->field.data) c->field.data[0] = '\0';
    c->state = FIELD_START;
}

/* One JSON line for the record, keyed by the header. */
static void emit_object(csv *c)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < c->header.n; i++) {
        const char *v = i < c->rec.n ? c->rec.fields[i] : "";
        if (!cJSON_AddStringToObject(obj, c->header.fields[i], v)) break;
    }
    char *json = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!json) { c->nomem = true; return; }
    add(c, &c->out, json, strlen(json));
    add(c, &c->out, "\n", 1);
    free(json);
    c->rows++;
}

/* The record in hand is complete (a "\n", or the end of the input). */
static void end_record(csv *c)
{
    end_field(c);
    bool empty = c->rec.n == 1 && c->rec.fields[0][0] == '\0' && !c->quoted;
    if (!empty) {
        if (!c->have_header) {
            record tmp = c->header;            /* swap: rec becomes header */
            c->header = c->rec;
            c->rec = tmp;
            c->have_header = true;
        } else {
            emit_object(c);
        }
    }
    clear_record(&c->rec);
    c->quoted = false;
}

static void feed_byte(csv *c, char b)
{
    if (c->cr) {                               /* was the "\r" a line end? */
        c->cr = false;
        if (b != '\n') {
            if (c->state == FIELD_START) c->state = UNQUOTED;
            add_byte(c, '\r');
        }
    }
    switch (c->state) {
    case QUOTED:
        if (b == '"') c->state = QUOTE_IN_QUOTED;
        else add_byte(c, b);
        return;
    case QUOTE_IN_QUOTED:
        if (b == '"') {                        /* "" inside quotes */
            add_byte(c, '"');
            c->state = QUOTED;
            return;
        }
        c->state = AFTER_QUOTED;
        break;                                 /* b is after the field */
    case FIELD_START:
        if (b == '"') {
            c->state = QUOTED;
            c->quoted = true;
            return;
        }
        break;
    default:
        break;
    }
    /* Outside quotes. */
    if (b == ',') end_field(c);
    else if (b == '\n') end_record(c);
    else if (b == '\r') c->cr = true;
    else {
        if (c->state == FIELD_START) c->state = UNQUOTED;
        add_byte(c, b);
    }
}

static void push_out(lab_stream *s, csv *c)
{
    if (c->out.len) lab_readable_push(s, lab_chunk_copy(c->out.data, c->out.len));
    c->out.len = 0;
}

static void csv_transform(lab_stream *s, const lab_chunk *chunk)
{
    csv *c = lab_stream_data(s);
    const char *p = chunk->data;
    for (size_t i = 0; i < chunk->len && !c->nomem; i++) feed_byte(c, p[i]);
    if (c->nomem) {
        lab_err e = lab_err_sys(ENOMEM, "csv");
        lab_transform_done(s, &e);
        return;
    }
    push_out(s, c);
    lab_transform_done(s, NULL);
}

static void csv_flush(lab_stream *s)
{
    csv *c = lab_stream_data(s);
    if (c->state == QUOTED) {
        lab_err e = lab_err_make(CSV_ERR_UNTERMINATED,
                                 "unterminated quoted field at the end of the input");
        lab_flush_done(s, &e);
        return;
    }
    c->cr = false;                             /* a last "\r" ends the line */
    if (c->state != FIELD_START || c->rec.n > 0) end_record(c);
    push_out(s, c);
    lab_flush_done(s, NULL);
}

static void csv_free(lab_stream *s)
{
    csv *c = lab_stream_data(s);
    clear_record(&c->rec);
    clear_record(&c->header);
    free(c->rec.fields);
    free(c->header.fields);
    free(c->field.data);
    free(c->out.data);
    free(c);
}

static const lab_stream_ops csv_ops = {
    .transform = csv_transform,
    .flush = csv_flush,
    .free = csv_free,
};

lab_stream *csv_json_new(lab_loop *loop, size_t hwm)
{
    csv *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    lab_stream_opts o = { .name = "csv-json", .hwm = hwm };
    lab_stream *s = lab_transform_new(loop, &csv_ops, &o, c);
    if (!s) free(c);
    return s;
}

uint64_t csv_json_rows(const lab_stream *s)
{
    const csv *c = lab_stream_data(s);
    return c->rows;
}
