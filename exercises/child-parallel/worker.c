/* worker.c — exercise child-parallel: the worker's body (given; do not edit).
 * It runs in the child process made by lab_fork_call(). */
#include "parallel.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sum_worker_log_fd = -1;

static void on_message(lab_ipc *ch, cJSON *msg, int fd)
{
    double from = cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "from"));
    double to = cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "to"));
    if (from != from || to != to) return;          /* NaN: not a request */
    int64_t sum = 0;
    for (int64_t i = (int64_t)from; i < (int64_t)to; i++) sum += i;
    if (sum_worker_log_fd >= 0) {                  /* the tests' evidence */
        char line[96];
        int n = snprintf(line, sizeof line, "%d %lld %lld\n", (int)getpid(),
                         (long long)from, (long long)to);
        if (write(sum_worker_log_fd, line, (size_t)n) < 0) { /* the test will notice */ }
    }
    cJSON *reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(reply, "sum", (double)sum);
    cJSON_AddNumberToObject(reply, "pid", getpid());
    lab_ipc_send(ch, reply, NULL, NULL);
    cJSON_Delete(reply);
}

int sum_worker_main(void *arg)
{
    lab_loop *loop = lab_loop_new();
    lab_ipc *ch = lab_ipc_from_env(loop);
    if (!ch) return 3;
    ch->on_message = on_message;
    lab_loop_run(loop);                            /* until the parent disconnects */
    lab_loop_free(loop);
    return 0;
}
