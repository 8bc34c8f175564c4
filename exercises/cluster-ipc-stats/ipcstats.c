/*
 * ipcstats.c — exercise cluster-ipc-stats.  Your file: make the tests
 * pass.
 *
 * Right now the workers answer but count nothing and tell nobody, and the
 * primary's table stays empty.
 *
 * TODO:
 *   1. stats_on_request: count each request (each worker process has its
 *      own copy of your variables);
 *   2. stats_start_reporting: a repeating lab_timer that sends
 *      {"type":"stats","requests":N} with lab_cluster_self_send — and
 *      does not keep the loop alive;
 *   3. stats_on_message: keep one entry per worker id, with its last
 *      total and how many reports came; ignore other messages;
 *   4. stats_total: add up the last totals.
 */
#include "ipcstats.h"

#include <cjson/cJSON.h>

void stats_on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    lab_http_end(res, "ok\n", 3, NULL, NULL);     /* TODO: count it */
}

void stats_start_reporting(lab_cluster_self *self, uint64_t every_ms)
{
    /* TODO: report every every_ms. */
}

void stats_on_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    /* TODO: update the table (w->cluster->data). */
}

uint64_t stats_total(const stats_table *t)
{
    return 0;                                       /* TODO */
}
