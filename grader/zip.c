/* zip.c — a minimal zip writer (see zip.h). */
#include "config.h"
#include "zip.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct nl_zip {
    nl_buf data;               /* local headers and file data */
    nl_buf central;            /* the central directory, appended at the end */
    unsigned count;
};

static void le16(nl_buf *b, unsigned v) { unsigned char x[2] = { v & 0xff, (v >> 8) & 0xff }; nl_buf_add(b, x, 2); }
static void le32(nl_buf *b, uint32_t v) { le16(b, v & 0xffff); le16(b, v >> 16); }

nl_zip *nl_zip_new(void) { return calloc(1, sizeof(nl_zip)); }

/* Raw deflate (no zlib header), as zip's method 8 wants. */
static unsigned char *deflate_raw(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) { free(out); return NULL; }
    return out;
}

int nl_zip_add(nl_zip *z, const char *name, const void *data, size_t len, unsigned mode)
{
    size_t clen;
    unsigned char *packed = deflate_raw(data, len, &clen);
    if (!packed || len > 0xffffffffu) { free(packed); return -1; }
    uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), data, (uInt)len);
    uint32_t offset = (uint32_t)z->data.len;
    unsigned nlen = (unsigned)strlen(name);
    /* DOS date 1 Jan 2024 00:00: a fixed stamp keeps bundles reproducible. */
    unsigned dos_time = 0, dos_date = ((2024 - 1980) << 9) | (1 << 5) | 1;
    le32(&z->data, 0x04034b50);
    le16(&z->data, 20); le16(&z->data, 0x0800); le16(&z->data, 8);   /* version, UTF-8 names, deflate */
    le16(&z->data, dos_time); le16(&z->data, dos_date);
    le32(&z->data, crc); le32(&z->data, (uint32_t)clen); le32(&z->data, (uint32_t)len);
    le16(&z->data, nlen); le16(&z->data, 0);
    nl_buf_add(&z->data, name, nlen);
    nl_buf_add(&z->data, packed, clen);
    free(packed);
    le32(&z->central, 0x02014b50);
    le16(&z->central, (3 << 8) | 20);    /* made by Unix: the mode below is honoured */
    le16(&z->central, 20); le16(&z->central, 0x0800); le16(&z->central, 8);
    le16(&z->central, dos_time); le16(&z->central, dos_date);
    le32(&z->central, crc); le32(&z->central, (uint32_t)clen); le32(&z->central, (uint32_t)len);
    le16(&z->central, nlen); le16(&z->central, 0); le16(&z->central, 0);
    le16(&z->central, 0); le16(&z->central, 0);
    le32(&z->central, (uint32_t)(0100000 | (mode & 0777)) << 16);
    le32(&z->central, offset);
    nl_buf_add(&z->central, name, nlen);
    z->count++;
    return 0;
}

char *nl_zip_finish(nl_zip *z, size_t *len)
{
    uint32_t start = (uint32_t)z->data.len;
    nl_buf_add(&z->data, z->central.s, z->central.len);
    le32(&z->data, 0x06054b50);
    le16(&z->data, 0); le16(&z->data, 0);
    le16(&z->data, z->count); le16(&z->data, z->count);
    le32(&z->data, (uint32_t)z->central.len); le32(&z->data, start);
    le16(&z->data, 0);
    *len = z->data.len;
    char *out = nl_buf_take(&z->data);
    nl_buf_free(&z->central);
    free(z);
    return out;
}
