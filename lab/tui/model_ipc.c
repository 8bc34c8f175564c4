/*
 * model_ipc.c — IPC messages, each listed and counted once.
 *
 * Both ends of a channel may report a message: the sender when it queues
 * it (`ipc` with dir "send"), the receiver when it has parsed it ("recv").
 * Counting reports would count every message twice.  A channel (from → to)
 * keeps its order, so the n-th send and the n-th recv on it are the same
 * message: whichever report comes first lists it, the second completes it
 * with the time between the two.  Reports without a dir count as messages.
 */
#include "model_impl.h"

#include <string.h>

/* The channel from → to, added on first sight (NULL when the table is
 * full: the message then counts on its own). */
static model_ipc_channel *ipc_channel(model *m, int from, int to)
{
    for (int i = 0; i < m->nipc_channels; i++)
        if (m->ipc_channels[i].from == from && m->ipc_channels[i].to == to)
            return &m->ipc_channels[i];
    if (m->nipc_channels == MODEL_IPC_CHANNELS) return NULL;
    model_ipc_channel *c = &m->ipc_channels[m->nipc_channels++];
    *c = (model_ipc_channel){ from, to, 0, 0 };
    return c;
}

/* The newest listed message of a channel numbered lo..hi-1, if it is
 * still in the ring (a coalesced report lists only its last message). */
static model_ipc_entry *ipc_entry(model *m, int channel, int64_t lo, int64_t hi)
{
    for (int i = m->ipc_count - 1; i >= 0; i--) {
        model_ipc_entry *x = &m->ipc[(m->ipc_head + i) % MODEL_IPC];
        if (x->channel == channel && x->seq >= lo && x->seq < hi) return x;
    }
    return NULL;
}

static void ipc_body(model_ipc_entry *x, const cJSON *ev)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(ev, "body");
    if (cJSON_IsString(body)) { model_copy(x->body, sizeof x->body, body->valuestring); return; }
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    model_copy(x->body, sizeof x->body, text);
    cJSON_free(text);
}

/* Each end that has telemetry reports the message: the second report of
 * the same message completes its entry (and gives the latency) instead of
 * counting it again.  A coalesced report (e->n messages, frame mode) is
 * messages seq .. seq+n-1 of its end: those the other end reported already
 * are not counted again, the rest are, and its last message is listed. */
void model_on_ipc(event *e)
{
    model *m = e->m;
    int from = to_int(ev_num(e->ev, "from", 0)), to = to_int(ev_num(e->ev, "to", 0));
    const char *dir = ev_str(e->ev, "dir");
    bool send = dir && !strcmp(dir, "send"), recv = dir && !strcmp(dir, "recv");
    model_ipc_channel *c = (send || recv) ? ipc_channel(m, from, to) : NULL;
    int channel = c ? (int)(c - m->ipc_channels) : -1;
    int64_t n = e->n, seq = -1, seen = 0;
    if (c) {
        int64_t *mine = send ? &c->sends : &c->recvs, other = send ? c->recvs : c->sends;
        seq = *mine;
        *mine = add_sat(*mine, n);
        seen = other - seq < 0 ? 0 : other - seq > n ? n : other - seq;
        if (seen > 0) {                                 /* the other end came first */
            model_ipc_entry *x = ipc_entry(m, channel, seq, seq + seen);
            if (x) {
                int64_t sent_ts = send ? e->ts : x->ts, recv_ts = send ? x->ts : e->ts;
                x->sent = x->received = true;
                x->ts = sent_ts;
                x->latency_us = recv_ts > sent_ts ? recv_ts - sent_ts : 0;
            }
            if (seen == n) return;                      /* listed (or gone from the ring) */
        }
        seq += n - 1;
    }
    int64_t fresh = n - seen;
    model_ipc_entry *x = &m->ipc[(m->ipc_head + m->ipc_count) % MODEL_IPC];
    if (m->ipc_count == MODEL_IPC) m->ipc_head = (m->ipc_head + 1) % MODEL_IPC;
    else m->ipc_count++;
    m->ipc_total = add_sat(m->ipc_total, fresh);
    *x = (model_ipc_entry){ .ts = e->ts, .from = from, .to = to, .sent = send || !recv,
                            .received = recv, .latency_us = -1, .channel = channel,
                            .seq = seq, .bytes = to_i64(ev_num(e->ev, "bytes", 0)) };
    ipc_body(x, e->ev);
    model_proc *pf = model_proc_get(m, from), *pt = model_proc_get(m, to);
    if (pf) pf->ipc_out = add_sat(pf->ipc_out, fresh);
    if (pt) pt->ipc_in = add_sat(pt->ipc_in, fresh);
}

const model_ipc_entry *model_ipc_at(const model *m, int i)
{
    if (i < 0 || i >= m->ipc_count) return NULL;
    return &m->ipc[(m->ipc_head + i) % MODEL_IPC];
}

