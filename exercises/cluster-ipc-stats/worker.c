/* worker.c — exercise cluster-ipc-stats: a worker's body (given; do not
 * edit).  An HTTP server on the cluster's port that reports its load. */
#include "ipcstats.h"

static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status < 0) lab_loop_stop(srv->loop);
}

int stats_worker_main(void *arg)
{
    const stats_worker_cfg *cfg = arg;
    lab_loop *loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", cfg->port, stats_on_request, on_listening) < 0)
        return 1;
    stats_start_reporting(self, cfg->every_ms);
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}
