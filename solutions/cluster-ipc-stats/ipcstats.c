/*
 * ipcstats.c — exercise cluster-ipc-stats: the reference solution.
 */
#include "ipcstats.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <unistd.h>

/* ---- in a worker (each process has its own copy of these) ------------------- */

static uint64_t served;
static lab_timer report_timer;

void stats_on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    served++;
    lab_http_end(res, "ok\n", 3, NULL, NULL);
}

static void send_report(lab_timer *t)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "stats");
    cJSON_AddNumberToObject(m, "requests", (double)served);
    lab_cluster_self_send(t->data, m, NULL, NULL);
    cJSON_Delete(m);
}

void stats_start_reporting(lab_cluster_self *self, uint64_t every_ms)
{
    lab_timer_init(self->loop, &report_timer);
    report_timer.data = self;
    lab_timer_start(&report_timer, send_report, every_ms, every_ms);
    lab_timer_unref(&report_timer);    /* a disconnect still ends the loop */
}

/* ---- in the primary ------------------------------------------------------------ */

static stats_entry *entry_for(stats_table *t, const lab_cluster_worker *w)
{
    for (size_t i = 0; i < t->nworkers; i++)
        if (t->workers[i].id == w->id) return &t->workers[i];
    if (t->nworkers == STATS_MAX_WORKERS) return NULL;
    stats_entry *e = &t->workers[t->nworkers++];
    memset(e, 0, sizeof *e);
    e->id = w->id;
    e->pid = w->pid;
    return e;
}

void stats_on_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    if (fd >= 0) close(fd);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(msg, "requests");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "stats") != 0 || !cJSON_IsNumber(n)) return;
    stats_table *t = w->cluster->data;
    stats_entry *e = entry_for(t, w);
    if (!e) return;
    e->requests = (uint64_t)n->valuedouble;
    e->reports++;
    t->reports++;
}

uint64_t stats_total(const stats_table *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < t->nworkers; i++) sum += t->workers[i].requests;
    return sum;
}
