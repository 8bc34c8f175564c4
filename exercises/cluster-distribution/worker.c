/* worker.c — exercise cluster-distribution: a worker's body (given; do
 * not edit).  It runs in each process the cluster forks. */
#include "distribution.h"

#include <stdlib.h>

int dist_log_fd = -1;

/* A server that cannot listen is the worker's end, as in Node. */
static void on_listening(lab_http_server *srv, int status, const char *errmsg)
{
    if (status < 0) lab_loop_stop(srv->loop);
}

int dist_worker_main(void *arg)
{
    int port = *(const int *)arg;
    lab_loop *loop = lab_loop_new();
    lab_cluster_self *self = lab_cluster_self_open(loop);
    if (!self) return 70;
    static lab_http_server srv;
    if (lab_cluster_http_listen(self, &srv, "127.0.0.1", port, dist_on_request, on_listening) < 0)
        return 1;
    lab_loop_run(loop);
    lab_loop_free(loop);
    return 0;
}
