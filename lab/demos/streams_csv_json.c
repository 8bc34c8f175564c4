/*
 * streams_csv_json.c — demo `streams.csv-json`: CSV rows in, JSON objects
 * out, through two Transforms:
 *
 *   createReadStream(csv) → csv parser → stringify → createWriteStream(out)
 *      bytes                bytes → objects   objects → NDJSON bytes
 *
 * The parser's writable side takes bytes and its readable side is in
 * object mode: one cJSON object per row, keyed by the header row.  Its
 * mark therefore counts objects (16 by default), not bytes.  The parser is
 * a small state machine (RFC 4180): a field in double quotes may hold
 * commas, newlines and doubled quotes (""), and a chunk may end anywhere
 * — in the middle of a field, between the two quotes of "", between \r
 * and \n — so every bit of state survives from one chunk to the next.
 * Counts: rows parsed, objects emitted, quoted and multi-line fields.
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "grow.h"
#include "streamkit.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED };

typedef struct {
    /* parser state, kept across chunks */
    int state;
    char *field;
    size_t flen, fcap;
    bool quoted, multiline;
    char **row;                /* the fields of the row so far */
    size_t nrow, rowcap;
    char **header;
    size_t nheader;
    /* counts */
    uint64_t rows, objects, fields, quoted_fields, multiline_fields, bytes_out;
    int samples_left;
} csv;

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *reader, *parser, *stringify, *writer;
    csv p;
    lab_timer progress;
    kit_files files;
    kit_run run;
} csvdemo;

/* ---- the parser -------------------------------------------------------- */

static void field_add(csv *p, char c)
{
    p->field = lab_grow_or_die(p->field, &p->fcap, p->flen + 2, 1, 64);
    p->field[p->flen++] = c;
    if (c == '\n' && p->quoted) p->multiline = true;
}

static void field_end(csv *p)
{
    if (!p->quoted && p->flen && p->field[p->flen - 1] == '\r') p->flen--;  /* CRLF */
    p->row = lab_grow_or_die(p->row, &p->rowcap, p->nrow + 1, sizeof *p->row, 8);
    p->row[p->nrow++] = strndup(p->field ? p->field : "", p->flen);
    p->fields++;
    p->quoted_fields += p->quoted;
    p->multiline_fields += p->multiline;
    p->flen = 0;
    p->quoted = p->multiline = false;
    p->state = FIELD_START;
}

static void free_object(void *o) { cJSON_Delete(o); }

/* A complete row: the header is kept, every other row becomes an object
 * pushed to the readable (object mode) side. */
static void row_end(lab_stream *s, csv *p)
{
    field_end(p);
    if (!p->header) {
        p->header = p->row;
        p->nheader = p->nrow;
        p->row = NULL;
        p->nrow = p->rowcap = 0;
        return;
    }
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < p->nrow; i++) {
        char key[32];                  /* a row longer than the header */
        snprintf(key, sizeof key, "field%zu", i + 1);
        cJSON_AddStringToObject(o, i < p->nheader ? p->header[i] : key, p->row[i]);
        free(p->row[i]);
    }
    p->nrow = 0;
    p->rows++;
    lab_readable_push(s, lab_chunk_object(o, 0, free_object));
}

static void parse(lab_stream *s, csv *p, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        switch (p->state) {
        case FIELD_START:
            if (c == '"') { p->quoted = true; p->state = QUOTED; break; }
            p->state = UNQUOTED;       /* an ordinary first character */
            /* fall through */
        case UNQUOTED:
            if (c == ',') field_end(p);
            else if (c == '\n') row_end(s, p);
            else field_add(p, c);
            break;
        case QUOTED:
            if (c == '"') p->state = QUOTE_IN_QUOTED;
            else field_add(p, c);
            break;
        case QUOTE_IN_QUOTED:          /* "" is a quote; anything else ends it */
            if (c == '"') { field_add(p, '"'); p->state = QUOTED; }
            else if (c == ',') field_end(p);
            else if (c == '\n') row_end(s, p);
            else if (c != '\r') { field_add(p, c); p->state = UNQUOTED; }
            break;
        }
    }
}

static void parser_transform(lab_stream *s, const lab_chunk *c)
{
    csvdemo *x = lab_stream_data(s);
    parse(s, &x->p, c->data, c->len);
    lab_transform_done(s, NULL);
}

static void parser_flush(lab_stream *s)
{
    csvdemo *x = lab_stream_data(s);
    csv *p = &x->p;
    if (p->state == QUOTED) {
        lab_err e = lab_err_make("ERR_CSV_UNTERMINATED", "a quoted field is not closed at the end of the input");
        lab_flush_done(s, &e);
        return;
    }
    if (p->flen || p->nrow || p->state != FIELD_START) row_end(s, p);  /* no final newline */
    lab_flush_done(s, NULL);
}

/* ---- the stringifier: objects to JSON lines ---------------------------- */

static void stringify_transform(lab_stream *s, const lab_chunk *c)
{
    csvdemo *x = lab_stream_data(s);
    char *json = cJSON_PrintUnformatted(c->data);
    size_t n = strlen(json);
    lab_chunk out = lab_chunk_alloc(n + 1);
    memcpy(out.data, json, n);
    ((char *)out.data)[n] = '\n';
    x->p.objects++;
    x->p.bytes_out += n + 1;
    if (x->p.samples_left > 0) {
        x->p.samples_left--;
        lab_ev *e = lab_ev_new("object");
        lab_ev_int(e, "n", (int64_t)x->p.objects);
        lab_ev_str(e, "json", json);
        lab_ev_emit(e);
    }
    free(json);
    lab_readable_push(s, out);
    lab_transform_done(s, NULL);
}

static const lab_stream_ops parser_ops = { .transform = parser_transform, .flush = parser_flush };
static const lab_stream_ops stringify_ops = { .transform = stringify_transform };

/* ---- running it -------------------------------------------------------- */

static void on_progress(lab_timer *t)
{
    csvdemo *x = t->data;
    lab_ev *e = lab_ev_new("progress");
    lab_ev_int(e, "rows", (int64_t)x->p.rows);
    lab_ev_int(e, "objects", (int64_t)x->p.objects);
    lab_ev_int(e, "bytes_in", (int64_t)lab_fs_stream_bytes(x->reader));
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d)
{
    lab_stream_destroy(((csvdemo *)d->data)->reader, NULL);
}

static void free_parser(csv *p)
{
    for (size_t i = 0; i < p->nheader; i++) free(p->header[i]);
    for (size_t i = 0; i < p->nrow; i++) free(p->row[i]);
    free(p->header);
    free(p->row);
    free(p->field);
}

static int run(lab_demo *d)
{
    csvdemo x = { .demo = d };
    x.p.samples_left = (int)lab_demo_int(d, "samples");
    d->data = &x;
    lab_demo_announce(d);
    if (kit_files_open(d, &x.files, KIT_CSV, 0, "rows.ndjson") < 0) {
        kit_files_close(&x.files, NULL);
        return 1;
    }
    x.loop = lab_loop_new();
    lab_fs_stream_opts ro = { .stream = { .name = "reader", .hwm = (size_t)lab_demo_int(d, "chunk") } };
    lab_fs_stream_opts wo = { .stream = { .name = "writer" } };
    x.reader = lab_fs_read_stream(x.loop, x.files.in, &ro);
    x.parser = lab_transform_new(x.loop, &parser_ops,
        &(lab_stream_opts){ .name = "csv", .readable_object_mode = true }, &x);
    x.stringify = lab_transform_new(x.loop, &stringify_ops,
        &(lab_stream_opts){ .name = "stringify", .writable_object_mode = true }, &x);
    x.writer = lab_fs_write_stream(x.loop, x.files.out, &wo);
    kit_run_start(&x.run, d, &x.progress);
    lab_pipeline((lab_stream *[]){ x.reader, x.parser, x.stringify, x.writer }, 4,
                 kit_run_done, &x.run);
    kit_every(x.loop, &x.progress, 100, on_progress, &x);
    lab_demo_deadline(d, x.loop, on_deadline);
    lab_loop_run(x.loop);

    on_progress(&x.progress);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    kit_run_fields(e, &x.run);
    lab_ev_int(e, "rows", (int64_t)x.p.rows);
    lab_ev_int(e, "objects", (int64_t)x.p.objects);
    lab_ev_int(e, "columns", (int64_t)x.p.nheader);
    lab_ev_int(e, "fields", (int64_t)x.p.fields);
    lab_ev_int(e, "quoted_fields", (int64_t)x.p.quoted_fields);
    lab_ev_int(e, "multiline_fields", (int64_t)x.p.multiline_fields);
    lab_ev_int(e, "bytes_in", (int64_t)lab_fs_stream_bytes(x.reader));
    lab_ev_int(e, "bytes_out", (int64_t)lab_fs_stream_bytes(x.writer));
    lab_ev_emit(e);
    lab_stream_unref(x.reader);
    lab_stream_unref(x.parser);
    lab_stream_unref(x.stringify);
    lab_stream_unref(x.writer);
    lab_loop_free(x.loop);
    free_parser(&x.p);
    kit_files_close(&x.files, &x.run);
    return kit_run_status(&x.run);
}

const lab_demo_def lab_demo_streams_csv_json = {
    .name = "streams.csv-json",
    .chapter = 2,
    .summary = "CSV rows to JSON objects through two Transforms (cJSON)",
    .shows = "`progress`: rows parsed and objects emitted; quoted fields with commas, "
             "quotes and newlines survive chunk boundaries anywhere (try chunk=7)",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "CSV file with a header row (default: a generated one of `size` bytes)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where the JSON lines go (default: a scratch file, removed after)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 1 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated CSV when `in` is not given", false },
        { "chunk", LAB_PARAM_INT, 16 << 10, 1, 16 << 20, NULL, "bytes",
          "bytes per read: small chunks cut rows, fields and quotes anywhere", false },
        { "samples", LAB_PARAM_INT, 3, 0, 100, NULL, "objects",
          "how many `object` events show an emitted object", false },
    },
    .run = run,
};
