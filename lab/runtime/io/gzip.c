/*
 * gzip.c — the gzip/gunzip engine (see gzip.h).
 *
 * zlib does the real work; this file decides how to call it: which window
 * bits select the gzip wrapper, how a step maps to one deflate()/inflate()
 * call, and how zlib's return codes become errors with Node's names.
 */
#include "gzip.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 15 = a 32 KiB window (the largest); +16 = gzip header and trailer
 * instead of zlib's.  Node's Gzip and Gunzip use the same numbers. */
#define GZIP_WINDOW_BITS (15 + 16)
#define MEM_LEVEL 8
/* -15: the same window, and no wrapper at all (raw deflate). */
#define RAW_WINDOW_BITS (-15)

const char *lab_gzip_code_name(int zerr)
{
    switch (zerr) {
    case Z_OK:            return "Z_OK";
    case Z_STREAM_END:    return "Z_STREAM_END";
    case Z_NEED_DICT:     return "Z_NEED_DICT";
    case Z_ERRNO:         return "Z_ERRNO";
    case Z_STREAM_ERROR:  return "Z_STREAM_ERROR";
    case Z_DATA_ERROR:    return "Z_DATA_ERROR";
    case Z_MEM_ERROR:     return "Z_MEM_ERROR";
    case Z_BUF_ERROR:     return "Z_BUF_ERROR";
    case Z_VERSION_ERROR: return "Z_VERSION_ERROR";
    default:              return "Z_UNKNOWN";
    }
}

/* zlib's own allocations follow the runtime's policy (mem.h). */
static voidpf zalloc_or_die(voidpf opaque, uInt items, uInt size)
{
    return lab_xcalloc(items, size);
}
static void zfree(voidpf opaque, voidpf p) { free(p); }

static int fail(lab_gzip *z, int zerr, const char *fallback)
{
    z->zerr = zerr;
    z->code = lab_gzip_code_name(zerr);
    snprintf(z->message, sizeof z->message, "%s",
             z->zs.msg && zerr != Z_BUF_ERROR ? z->zs.msg : fallback);
    return -1;
}

int lab_gzip_init(lab_gzip *z, lab_gzip_mode mode, int level)
{
    memset(z, 0, sizeof *z);
    z->mode = mode;
    z->level = level < 0 ? 6 : level > 9 ? 9 : level;
    z->zs.zalloc = zalloc_or_die;
    z->zs.zfree = zfree;
    int rc = mode == LAB_GUNZIP
        ? inflateInit2(&z->zs, GZIP_WINDOW_BITS)
        : deflateInit2(&z->zs, z->level, Z_DEFLATED,
                       mode == LAB_GZIP ? GZIP_WINDOW_BITS : RAW_WINDOW_BITS,
                       MEM_LEVEL, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) return fail(z, rc, "zlib initialisation failed");
    z->ready = true;
    return 0;
}

void lab_gzip_input(lab_gzip *z, const void *in, size_t len)
{
    z->zs.next_in = (Bytef *)in;
    z->zs.avail_in = (uInt)len;
    z->bytes_in += len;
}

size_t lab_gzip_pending(const lab_gzip *z) { return z->zs.avail_in; }

/* After one gzip member ends, what follows is another member (inflate it
 * too), zero padding (ignore it) or garbage (inflate says what is wrong). */
static bool only_zeros_left(const z_stream *zs)
{
    for (uInt i = 0; i < zs->avail_in; i++)
        if (zs->next_in[i] != 0) return false;
    return true;
}

static int inflate_step(lab_gzip *z, int flush)
{
    z_stream *zs = &z->zs;
    if (z->ended) {
        if (zs->avail_in == 0 || only_zeros_left(zs)) {
            zs->avail_in = 0;
            return Z_STREAM_END;
        }
        inflateReset(zs);                 /* the next member */
        z->ended = false;
    }
    int rc = inflate(zs, flush);
    while (rc == Z_STREAM_END && zs->avail_in > 0 && zs->next_in[0] != 0) {
        inflateReset(zs);
        rc = inflate(zs, flush);
    }
    if (rc == Z_STREAM_END) {
        z->ended = true;
        if (only_zeros_left(zs)) zs->avail_in = 0;
    }
    return rc;
}

ssize_t lab_gzip_step(lab_gzip *z, void *out, size_t cap, int flush,
                      bool *more)
{
    *more = false;
    if (z->zerr || !z->ready) return -1;
    z_stream *zs = &z->zs;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int rc;
    if (z->mode != LAB_GUNZIP) {
        if (z->ended) return 0;           /* the trailer is out: nothing more */
        rc = deflate(zs, flush);
        if (rc == Z_STREAM_END) z->ended = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)  /* BUF: nothing to do */
            return fail(z, rc, "deflate failed");
    } else {
        rc = inflate_step(z, flush);
        if (rc == Z_NEED_DICT) return fail(z, Z_NEED_DICT, "Missing dictionary");
        if (rc == Z_BUF_ERROR && zs->avail_out != 0 && flush == Z_FINISH &&
            !z->ended)
            return fail(z, Z_BUF_ERROR, "unexpected end of file");
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return fail(z, rc, "inflate failed");
    }
    size_t produced = cap - zs->avail_out;
    z->bytes_out += produced;
    *more = zs->avail_out == 0;
    return (ssize_t)produced;
}

void lab_gzip_reset(lab_gzip *z)
{
    if (!z->ready || z->zerr) return;
    if (z->mode == LAB_GUNZIP) inflateReset(&z->zs);
    else deflateReset(&z->zs);
    z->ended = false;
    z->bytes_in = z->bytes_out = 0;
}

void lab_gzip_end(lab_gzip *z)
{
    if (!z->ready) return;
    if (z->mode != LAB_GUNZIP) deflateEnd(&z->zs);
    else inflateEnd(&z->zs);
    z->ready = false;
}

int lab_gzip_write(lab_gzip *z, const void *in, size_t len, int flush,
                   void *buf, size_t cap, lab_gzip_out_cb *out, void *arg)
{
    lab_gzip_input(z, in, len);
    bool more;
    do {
        ssize_t n = lab_gzip_step(z, buf, cap, flush, &more);
        if (n < 0) return -1;
        if (n > 0 && out(arg, buf, (size_t)n) != 0) return -1;
        if (n == 0 && !more) break;       /* no progress possible */
    } while (more || lab_gzip_pending(z) > 0);
    return 0;
}
