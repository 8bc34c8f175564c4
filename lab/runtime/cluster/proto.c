/*
 * proto.c — the cluster's messages on the IPC channel (cluster_impl.h has
 * the list), and what the primary and a worker both need: policy names,
 * the number of workers by default.
 */
#define _GNU_SOURCE
#include "cluster_impl.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Node numbers every message a process sends, the same counter for all
 * its channels (utils.js `seq`); replies name the number they answer. */
static int next_seq;

cJSON *cluster_msg(const char *act)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "cmd", CLUSTER_CMD);
    if (act) cJSON_AddStringToObject(m, "act", act);
    return m;
}

int cluster_send(lab_ipc *ch, cJSON *msg, int fd)
{
    if (!ch || !ch->connected) {
        cJSON_Delete(msg);
        return -1;
    }
    int seq = next_seq++;
    cJSON_AddNumberToObject(msg, "seq", seq);
    if (fd >= 0) lab_ipc_send_fd(ch, msg, fd, NULL, NULL);
    else lab_ipc_send(ch, msg, NULL, NULL);
    cJSON_Delete(msg);
    return seq;
}

const char *cluster_str(const cJSON *msg, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, key));
}

double cluster_num(const cJSON *msg, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

bool cluster_parse(const cJSON *msg, const char **act, int *seq, int *ack)
{
    const char *cmd = cluster_str(msg, "cmd");
    if (!cmd || strcmp(cmd, CLUSTER_CMD) != 0) return false;
    *act = cluster_str(msg, "act");
    *seq = (int)cluster_num(msg, "seq", -1);
    *ack = (int)cluster_num(msg, "ack", -1);
    return true;
}

/* ---- policies ------------------------------------------------------------- */

static const char *const sched_names[] = {
    [LAB_CLUSTER_RR] = "rr", [LAB_CLUSTER_NONE] = "none",
    [LAB_CLUSTER_REUSEPORT] = "reuseport",
};

const char *lab_cluster_sched_name(lab_cluster_sched s)
{
    return s >= LAB_CLUSTER_RR && s <= LAB_CLUSTER_REUSEPORT ? sched_names[s] : "rr";
}

lab_cluster_sched lab_cluster_sched_parse(const char *name)
{
    for (int s = LAB_CLUSTER_RR; s <= LAB_CLUSTER_REUSEPORT; s++)
        if (name && strcmp(name, sched_names[s]) == 0) return (lab_cluster_sched)s;
    return LAB_CLUSTER_SCHED_DEFAULT;
}

/* As primary.js: "rr" or "none" from the environment, anything else is
 * the platform's default, rr on Linux.  (reuseport is not Node's: only an
 * option asks for it.) */
lab_cluster_sched lab_cluster_sched_from_env(void)
{
    const char *v = getenv(LAB_CLUSTER_SCHED_ENV);
    if (v && strcmp(v, "none") == 0) return LAB_CLUSTER_NONE;
    return LAB_CLUSTER_RR;
}

int lab_cluster_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > LAB_CLUSTER_MAX_WORKERS) n = LAB_CLUSTER_MAX_WORKERS;
    return (int)n;
}

static const char *const state_names[] = {
    [LAB_WORKER_NONE] = "none", [LAB_WORKER_ONLINE] = "online",
    [LAB_WORKER_LISTENING] = "listening", [LAB_WORKER_DISCONNECTED] = "disconnected",
    [LAB_WORKER_DEAD] = "dead",
};

const char *lab_cluster_state_name(lab_worker_state s)
{
    return s <= LAB_WORKER_DEAD ? state_names[s] : "?";
}
