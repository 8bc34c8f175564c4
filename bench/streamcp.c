/*
 * streamcp.c — the benchmark's copy program: IN to OUT through the
 * runtime's streams, with telemetry off (nothing watches a benchmark).
 *
 *   streamcp [-u] [-z] [-n] [-w] [-r] [-m BYTES] IN OUT
 *
 *     (default)  pipeline(createReadStream(IN), createWriteStream(OUT))
 *     -u         ... with an upper-casing Transform between them
 *                (Node: a Transform doing chunk.map(c => a-z ? c - 32 : c))
 *     -z         ... with a gzip Transform (level 6) between them
 *     -m BYTES   both marks (default: Node's 64 KiB read, 16 KiB write)
 *     -n         reads try the page cache on the loop thread first
 *                (lab_fs_set_nowait_reads; Node's way, every read on the
 *                pool, is the default)
 *     -w         writes to a regular file run on the loop thread
 *                (lab_fs_set_loop_writes)
 *     -r         the read stream pushes file ranges, not bytes, and the
 *                write stream copies them in the kernel (range.h: what
 *                cat does with copy_file_range)
 *
 * Prints one line, "elapsed_us=N peak_rss=N", and exits 0, or says what
 * failed and exits 1.  `bench/streams.sh` runs it next to cat, tr, gzip
 * and node.
 */
#include "fs_stream.h"
#include "gzip_stream.h"
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Branch-free, on restrict parameters (the two never overlap), so the
 * compiler can do 16 bytes at a time.  -O2's "very cheap" vectoriser
 * refuses any loop that needs a scalar tail, so this one function asks
 * for the ordinary cost model (what -O3 uses). */
__attribute__((optimize("vect-cost-model=dynamic")))
static void upper_bytes(unsigned char *restrict o, const unsigned char *restrict p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        o[i] = (unsigned char)(p[i] - ((unsigned char)(p[i] - 'a') < 26) * 32);
}

static void upper(lab_stream *s, const lab_chunk *in)
{
    lab_chunk out = lab_chunk_alloc(in->len);
    upper_bytes(out.data, in->data, in->len);
    lab_readable_push(s, out);
    lab_transform_done(s, NULL);
}

static const lab_stream_ops upper_ops = { .transform = upper };

static lab_err result;
static bool failed;

static void done(const lab_err *err, void *arg)
{
    if (err) {
        failed = true;
        result = *err;
    }
}

static unsigned long long peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

int main(int argc, char **argv)
{
    bool up = false, gz = false, ranges = false;
    size_t mark = 0;
    int c;
    while ((c = getopt(argc, argv, "uznwrm:h")) != -1) {
        if (c == 'u') up = true;
        else if (c == 'z') gz = true;
        else if (c == 'n') lab_fs_set_nowait_reads(true);
        else if (c == 'w') lab_fs_set_loop_writes(true);
        else if (c == 'r') ranges = true;
        else if (c == 'm') mark = (size_t)strtoull(optarg, NULL, 10);
        else {
            fprintf(stderr, "usage: streamcp [-u] [-z] [-n] [-w] [-r] [-m BYTES] IN OUT\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: streamcp [-u] [-z] [-n] [-w] [-r] [-m BYTES] IN OUT\n");
        return 2;
    }
    lab_loop *loop = lab_loop_new();
    lab_fs_stream_opts ro = { .stream = { .hwm = mark }, .file_ranges = ranges };
    lab_fs_stream_opts wo = { .stream = { .hwm = mark } };
    lab_stream *chain[3];
    size_t n = 0;
    chain[n++] = lab_fs_read_stream(loop, argv[optind], &ro);
    if (up) chain[n++] = lab_transform_new(loop, &upper_ops, &(lab_stream_opts){ .hwm = mark }, NULL);
    if (gz) chain[n++] = lab_gzip_stream(loop, LAB_GZIP, &(lab_gzip_opts){ .level = 6 });
    chain[n++] = lab_fs_write_stream(loop, argv[optind + 1], &wo);
    uint64_t t0 = lab_clock_us();
    lab_pipeline(chain, n, done, NULL);
    for (size_t i = 0; i < n; i++) lab_stream_unref(chain[i]);
    lab_loop_run(loop);
    uint64_t us = lab_clock_us() - t0;
    lab_loop_free(loop);
    if (failed) {
        fprintf(stderr, "streamcp: %s\n", result.message);
        return 1;
    }
    printf("elapsed_us=%llu peak_rss=%llu\n", (unsigned long long)us, peak_rss());
    return 0;
}
