/*
 * record.c — events as records, and records as JSON lines (see record.h).
 *
 * The JSON side copies cJSON's printing rules exactly (cJSON 1.7: numbers
 * in print_number(), strings in print_string_ptr()), so that a line is the
 * same bytes whichever path made it: tests, parity traces and scripts
 * compare them.  tests/test_telemetry.c checks the two against each other.
 */
#include "record.h"
#include "mem.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---------------------------------------------------------- */

static void reserve(lab_rec_buf *b, size_t more)
{
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap * 2;
    while (cap < b->len + more) cap *= 2;
    unsigned char *p = lab_xmalloc(cap);
    memcpy(p, b->buf, b->len);
    if (b->buf != b->inline_buf) free(b->buf);
    b->buf = p;
    b->cap = cap;
}

void lab_rec_begin(lab_rec_buf *b, const char *name, uint64_t ts, int pid)
{
    size_t n = strlen(name);
    if (n > 255) n = 255;
    b->buf = b->inline_buf;
    b->cap = sizeof b->inline_buf;
    b->len = sizeof(lab_rec) + n;
    lab_rec *r = (lab_rec *)b->buf;
    r->h.kind = LAB_REC_EVENT;
    r->ts = ts;
    r->pid = pid;
    r->pid_null = 0;
    r->name_len = (uint8_t)n;
    memcpy(b->buf + sizeof(lab_rec), name, n);
}

void lab_rec_field(lab_rec_buf *b, int type, const char *key, const void *value, size_t n)
{
    size_t klen = strlen(key);
    if (klen > 255) klen = 255;
    int counted = type == LAB_F_STR || type == LAB_F_JSON;
    reserve(b, 2 + klen + (counted ? 4 : 0) + n);
    unsigned char *p = b->buf + b->len;
    *p++ = (unsigned char)type;
    *p++ = (unsigned char)klen;
    memcpy(p, key, klen);
    p += klen;
    if (counted) {
        uint32_t len = (uint32_t)n;
        memcpy(p, &len, 4);
        p += 4;
    }
    if (n) memcpy(p, value, n);        /* an empty value may come as NULL */
    b->len = (size_t)(p + n - b->buf);
}

void lab_rec_set_pid(lab_rec_buf *b, int pid)
{
    lab_rec *r = (lab_rec *)b->buf;
    r->pid = pid > 0 ? pid : 0;
    r->pid_null = pid <= 0;
}

lab_rec *lab_rec_end(lab_rec_buf *b)
{
    reserve(b, 8);                              /* the alignment's padding */
    lab_rec *r = (lab_rec *)b->buf;
    r->size = (uint16_t)(b->len > UINT16_MAX ? 0 : b->len);
    r->h.len = lab_ring_align(b->len);
    memset(b->buf + b->len, 0, r->h.len - b->len);   /* type 0: no more fields */
    return r;
}

void lab_rec_release(lab_rec_buf *b)
{
    if (b->buf && b->buf != b->inline_buf) free(b->buf);
    b->buf = NULL;
}

/* ---- the data path's shape, in place ----------------------------------- */

/* A field's type, key length and key: the key is a constant, so the copy
 * is a few moves, not a call. */
#define PUT_KEY(p, type, key) \
    ((p)[0] = (type), (p)[1] = sizeof key - 1, memcpy((p) + 2, key, sizeof key - 1), \
     (p) += 2 + sizeof key - 1)

static unsigned char *put_int(unsigned char *p, int64_t v) { memcpy(p, &v, 8); return p + 8; }

uint32_t lab_rec_flow_len(const lab_rec_flow_fields *f)
{
    size_t n = sizeof(lab_rec) + f->name_len +
               2 + 6 + 4 + f->stream_len +         /* "stream": STR */
               2 + 4 + 8 +                         /* "size": INT */
               2 + 3 + 8 +                         /* "len": INT */
               2 + 3 + 8 +                         /* "hwm": INT */
               2 + 3 + 1;                          /* "ret": BOOL */
    return lab_ring_align(n);
}

lab_rec *lab_rec_flow(void *slot, uint32_t slot_len, uint64_t ts, int pid,
                      const lab_rec_flow_fields *f)
{
    lab_rec *r = slot;
    unsigned char *p = (unsigned char *)slot + sizeof(lab_rec);
    r->h.kind = LAB_REC_EVENT;
    r->h.len = slot_len;
    r->ts = ts;
    r->pid = pid;
    r->pid_null = 0;
    r->name_len = (uint8_t)f->name_len;
    memcpy(p, f->name, f->name_len);
    p += f->name_len;
    PUT_KEY(p, LAB_F_STR, "stream");
    uint32_t n = (uint32_t)f->stream_len;
    memcpy(p, &n, 4);
    memcpy(p + 4, f->stream, n);
    p += 4 + n;
    PUT_KEY(p, LAB_F_INT, "size");
    p = put_int(p, f->size);
    PUT_KEY(p, LAB_F_INT, "len");
    p = put_int(p, f->len);
    PUT_KEY(p, LAB_F_INT, "hwm");
    p = put_int(p, f->hwm);
    PUT_KEY(p, LAB_F_BOOL, "ret");
    *p++ = f->ret;
    r->size = (uint16_t)(p - (unsigned char *)slot);
    memset(p, 0, slot_len - r->size);              /* type 0: no more fields */
    return r;
}

/* ---- reading fields ---------------------------------------------------- */

typedef struct {
    int type;
    const char *key;
    size_t klen;
    const unsigned char *val;
    size_t n;                  /* STR/JSON: the value's length */
} field;

/* The end of the fields: size when it fits in 16 bits, else len (long
 * records end at len, their padding a run of type-0 bytes). */
static const unsigned char *fields_end(const lab_rec *r)
{
    return (const unsigned char *)r + (r->size ? r->size : r->h.len);
}

static const unsigned char *next_field(const unsigned char *p, const unsigned char *end, field *f)
{
    if (p >= end || *p == 0) return NULL;
    f->type = p[0];
    f->klen = p[1];
    f->key = (const char *)p + 2;
    p += 2 + f->klen;
    switch (f->type) {
    case LAB_F_INT: case LAB_F_NUM: f->n = 8; break;
    case LAB_F_BOOL: f->n = 1; break;
    case LAB_F_NULL: f->n = 0; break;
    default: {
        uint32_t len;
        memcpy(&len, p, 4);
        p += 4;
        f->n = len;
    }
    }
    f->val = p;
    return p + f->n;
}

#define FIELDS(r) ((const unsigned char *)(r) + sizeof(lab_rec) + (r)->name_len)

/* A field's value by key (the first one set), for the formatter's frame
 * mode (frame.c): true when the record has it. */
bool lab_rec_get(const lab_rec *r, const char *key, lab_rec_value *out)
{
    size_t klen = strlen(key);
    const unsigned char *p = FIELDS(r), *end = fields_end(r);
    field f;
    while ((p = next_field(p, end, &f))) {
        if (f.klen != klen || memcmp(f.key, key, klen) != 0) continue;
        out->type = f.type;
        out->n = f.n;
        out->str = (const char *)f.val;
        out->i = 0;
        if (f.type == LAB_F_INT) memcpy(&out->i, f.val, 8);
        else if (f.type == LAB_F_BOOL) out->i = *f.val;
        return true;
    }
    return false;
}

void lab_rec_copy_fields(lab_rec_buf *b, const lab_rec *from)
{
    const unsigned char *p = FIELDS(from), *end = fields_end(from);
    while (p < end && *p) {
        field f;
        const unsigned char *next = next_field(p, end, &f);
        reserve(b, (size_t)(next - p));
        memcpy(b->buf + b->len, p, (size_t)(next - p));
        b->len += (size_t)(next - p);
        p = next;
    }
    lab_rec *r = (lab_rec *)b->buf;
    r->pid = from->pid;
    r->pid_null = from->pid_null;
}

/* ---- JSON -------------------------------------------------------------- */

static size_t print_int(char *out, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    size_t len = 0;
    if (v < 0) out[len++] = '-';
    while (n) out[len++] = tmp[--n];
    return len;
}

/* cJSON 1.7.15 prints every number with %1.15g, or %1.17g when that does
 * not read back as the same double.  For a whole number below 10^15 that
 * is its digits (and "-0" for minus zero): printed here without printf,
 * the common case by far (sizes, lengths, times). */
size_t lab_json_number(char *out, double d)
{
    if (isnan(d) || isinf(d)) { memcpy(out, "null", 4); return 4; }
    if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d && !(d == 0 && signbit(d)))
        return print_int(out, (int64_t)d);
    /* At most 24 characters ("-2.2250738585072014e-308") and a NUL. */
    int n = snprintf(out, 25, "%1.15g", d);
    double test;
    double big = fabs(d);
    if (sscanf(out, "%lg", &test) != 1 || !(fabs(test - d) <= (fabs(test) > big ? fabs(test) : big) * DBL_EPSILON))
        n = snprintf(out, 25, "%1.17g", d);
    return (size_t)n;
}

size_t lab_json_string(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 32 && c != '"' && c != '\\') { *o++ = (char)c; continue; }
        *o++ = '\\';
        switch (c) {
        case '\\': *o++ = '\\'; break;
        case '"': *o++ = '"'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[c >> 4]; *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    return (size_t)(o - out);
}

size_t lab_rec_json_max(const lab_rec *r)
{
    return 64 + 6u * r->h.len;
}

static char *put(char *o, const char *s, size_t n) { memcpy(o, s, n); return o + n; }

size_t lab_rec_format(const lab_rec *r, char *out)
{
    char *o = out;
    o = put(o, "{\"ts\":", 6);
    o += lab_json_number(o, (double)r->ts);
    o = put(o, ",\"ev\":", 6);
    o += lab_json_string(o, (const char *)r + sizeof(lab_rec), r->name_len);
    o = put(o, ",\"pid\":", 7);
    if (r->pid_null) o = put(o, "null", 4);
    else o += lab_json_number(o, (double)r->pid);
    const unsigned char *p = FIELDS(r), *end = fields_end(r);
    field f;
    while ((p = next_field(p, end, &f))) {
        *o++ = ',';
        o += lab_json_string(o, f.key, f.klen);
        *o++ = ':';
        switch (f.type) {
        case LAB_F_INT: { int64_t v; memcpy(&v, f.val, 8); o += lab_json_number(o, (double)v); break; }
        case LAB_F_NUM: { double v; memcpy(&v, f.val, 8); o += lab_json_number(o, v); break; }
        case LAB_F_BOOL: o = *f.val ? put(o, "true", 4) : put(o, "false", 5); break;
        case LAB_F_NULL: o = put(o, "null", 4); break;
        case LAB_F_STR: o += lab_json_string(o, (const char *)f.val, f.n); break;
        default: o = put(o, (const char *)f.val, f.n); break;      /* JSON */
        }
    }
    *o++ = '}';
    return (size_t)(o - out);
}

/* The way events were made before records: kept for the json-direct path
 * (NODELAB_TELEMETRY=json-direct, the benchmark's old row) and the tests. */
cJSON *lab_rec_to_cjson(const lab_rec *r)
{
    cJSON *obj = cJSON_CreateObject();
    char name[256];
    memcpy(name, (const char *)r + sizeof(lab_rec), r->name_len);
    name[r->name_len] = '\0';
    cJSON_AddNumberToObject(obj, "ts", (double)r->ts);
    cJSON_AddStringToObject(obj, "ev", name);
    if (r->pid_null) cJSON_AddNullToObject(obj, "pid");
    else cJSON_AddNumberToObject(obj, "pid", (double)r->pid);
    const unsigned char *p = FIELDS(r), *end = fields_end(r);
    field f;
    while ((p = next_field(p, end, &f))) {
        char key[256];
        memcpy(key, f.key, f.klen);
        key[f.klen] = '\0';
        cJSON *v;
        switch (f.type) {
        case LAB_F_INT: { int64_t x; memcpy(&x, f.val, 8); v = cJSON_CreateNumber((double)x); break; }
        case LAB_F_NUM: { double x; memcpy(&x, f.val, 8); v = cJSON_CreateNumber(x); break; }
        case LAB_F_BOOL: v = cJSON_CreateBool(*f.val); break;
        case LAB_F_NULL: v = cJSON_CreateNull(); break;
        default: {                             /* STR, and JSON: printed as it is */
            char *s = lab_xmalloc(f.n + 1);
            memcpy(s, f.val, f.n);
            s[f.n] = '\0';
            v = f.type == LAB_F_STR ? cJSON_CreateString(s) : cJSON_CreateRaw(s);
            free(s);
        }
        }
        cJSON_AddItemToObject(obj, key, v);
    }
    return obj;
}
