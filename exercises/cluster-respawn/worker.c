/* worker.c — exercise cluster-respawn: a worker's body (given; do not
 * edit).  A tiny HTTP server on the cluster's port — or, with crash set,
 * a worker that dies as soon as it is online, as one with a bad config
 * would. */
#include "respawn.h"

#include <stdlib.h>

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    lab_http_end(res, "ok\n", 3, NULL, NULL);
}

static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status < 0) lab_loop_stop(srv->loop);
}

int respawn_worker_main(void *arg)
{
    const respawn_worker_cfg *cfg = arg;
    lab_loop *loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    if (cfg->crash) return 1;
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", cfg->port, on_request, on_listening) < 0)
        return 1;
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}
