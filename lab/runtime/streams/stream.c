/*
 * stream.c — what every stream has: creation and lifetime, listeners and
 * emitting (with the telemetry every event produces), errors, accessors.
 *
 * The sides live in readable.c and writable.c, the transform glue in
 * transform.c, destroy() in destroy.c, and the plumbing between streams in
 * pipe.c, finished.c and pipeline.c.
 */
#include "stream_impl.h"
#include "events.h"
#include "grow.h"
#include "errors.h"
#include "telemetry.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

lab_err lab_err_make(const char *code, const char *fmt, ...)
{
    lab_err e = { 0 };
    snprintf(e.code, sizeof e.code, "%s", code ? code : "ERR");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return e;
}

/* libuv's wording: "ENOENT: no such file or directory, open 'x'". */
lab_err lab_err_sys(int errnum, const char *what)
{
    char desc[96];
    snprintf(desc, sizeof desc, "%s", strerror(errnum));
    desc[0] = (char)tolower((unsigned char)desc[0]);
    const char *name = lab_errno_name(errnum);
    lab_err e = what ? lab_err_make(name, "%s: %s, %s", name, desc, what)
                     : lab_err_make(name, "%s: %s", name, desc);
    e.errnum = errnum;
    return e;
}

/* The ERR_* codes the machinery raises, with Node's messages. */
lab_err lab_err_node(const char *code)
{
    static const struct { const char *code, *msg; } msgs[] = {
        { LAB_ERR_WRITE_AFTER_END, "write after end" },
        { LAB_ERR_PREMATURE_CLOSE, "Premature close" },
        { LAB_ERR_PUSH_AFTER_EOF, "stream.push() after EOF" },
        { LAB_ERR_UNSHIFT_AFTER_END, "stream.unshift() after end event" },
        { LAB_ERR_MULTIPLE_CALLBACK, "Callback called multiple times" },
        { LAB_ERR_CANNOT_PIPE, "Cannot pipe, not readable" },
        { "ABORT_ERR", "The operation was aborted" },
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        if (strcmp(msgs[i].code, code) == 0)
            return lab_err_make(code, "%s", msgs[i].msg);
    return lab_err_make(code, "%s", code);
}

/* ---- creation ---------------------------------------------------------- */

static const char *const kind_names[] = { "readable", "writable", "duplex",
                                          "transform" };

/* Node's getHighWaterMark(): the side's own mark, else the shared one,
 * else the default for the mode. */
static size_t resolve_hwm(size_t side, size_t both, bool object_mode)
{
    size_t v = side ? side : both;
    if (v == LAB_HWM_ZERO) return 0;
    if (v) return v;
    return object_mode ? LAB_HWM_DEFAULT_OBJECTS : LAB_HWM_DEFAULT_BYTES;
}

static lab_stream *stream_new(lab_loop *loop, enum lab_stream_kind kind,
                              const lab_stream_ops *ops,
                              const lab_stream_opts *o, void *data)
{
    static const lab_stream_opts defaults;
    if (!o) o = &defaults;
    lab_stream *s = lab_xcalloc(1, sizeof *s);
    s->loop = loop;
    s->ops = ops;
    s->data = data;
    s->kind = kind;
    s->refs = 1;
    s->quiet = o->quiet;
    s->auto_destroy = !o->no_auto_destroy;
    s->emit_close = !o->no_emit_close;
    s->allow_half_open = !o->no_half_open;
    snprintf(s->name, sizeof s->name, "%s", o->name ? o->name : kind_names[kind]);
    lab_emitter_init(&s->em);

    bool duplex = kind == LAB_K_DUPLEX || kind == LAB_K_TRANSFORM;
    if (kind != LAB_K_WRITABLE) {
        s->r = lab_xcalloc(1, sizeof *s->r);
        lab_readable_init_state(s->r, o, duplex);
        s->r->hwm = resolve_hwm(duplex ? o->readable_hwm : 0, o->hwm,
                                s->r->object_mode);
    }
    if (kind != LAB_K_READABLE) {
        s->w = lab_xcalloc(1, sizeof *s->w);
        lab_writable_init_state(s->w, o, duplex);
        s->w->hwm = resolve_hwm(duplex ? o->writable_hwm : 0, o->hwm,
                                s->w->object_mode);
    }
    return s;
}

/* The `stream` event: a name the lab can give a gauge, and what kind of
 * stream it is, with the marks of the sides it has.  Reported when the
 * stream gets its name (at creation, and again if it is renamed). */
static void tel_declare(const lab_stream *s)
{
    if (!lab_stream_tel(s)) return;
    lab_ev *e = lab_ev_new(LAB_EV(STREAM));
    lab_ev_str(e, "stream", s->name);
    lab_ev_str(e, "kind", kind_names[s->kind]);
    if (s->r) lab_ev_int(e, "readable_hwm", (int64_t)s->r->hwm);
    if (s->w) lab_ev_int(e, "writable_hwm", (int64_t)s->w->hwm);
    lab_ev_emit(e);
}

static lab_stream *declared(lab_stream *s)
{
    if (s) tel_declare(s);
    return s;
}

lab_stream *lab_readable_new(lab_loop *loop, const lab_stream_ops *ops,
                             const lab_stream_opts *opts, void *data)
{
    if (!ops || !ops->read) return NULL;
    return declared(stream_new(loop, LAB_K_READABLE, ops, opts, data));
}

lab_stream *lab_writable_new(lab_loop *loop, const lab_stream_ops *ops,
                             const lab_stream_opts *opts, void *data)
{
    if (!ops || (!ops->write && !ops->writev)) return NULL;
    return declared(stream_new(loop, LAB_K_WRITABLE, ops, opts, data));
}

lab_stream *lab_duplex_new(lab_loop *loop, const lab_stream_ops *ops,
                           const lab_stream_opts *opts, void *data)
{
    if (!ops || !ops->read || (!ops->write && !ops->writev)) return NULL;
    return declared(stream_new(loop, LAB_K_DUPLEX, ops, opts, data));
}

lab_stream *lab_transform_new(lab_loop *loop, const lab_stream_ops *ops,
                              const lab_stream_opts *opts, void *data)
{
    if (!ops || !ops->transform) return NULL;
    /* Node: a readable mark of 0 makes the writable mark 0 unless given. */
    lab_stream_opts o = opts ? *opts : (lab_stream_opts){ 0 };
    size_t rh = o.readable_hwm ? o.readable_hwm : o.hwm;
    if (rh == LAB_HWM_ZERO && !o.writable_hwm) o.writable_hwm = LAB_HWM_ZERO;
    lab_stream *s = stream_new(loop, LAB_K_TRANSFORM, ops, &o, data);
    if (s) s->r->sync = false;      /* Transform: readableState.sync = false */
    return declared(s);
}

/* ---- lifetime ---------------------------------------------------------- */

lab_stream *lab_stream_ref(lab_stream *s)
{
    s->refs++;
    return s;
}

static void stream_free(lab_stream *s)
{
    if (s->ops && s->ops->free) s->ops->free(s);
    for (size_t i = 0; i < s->nattach; i++)
        s->attach[i].release(s->attach[i].p);
    free(s->attach);
    lab_emitter_free(&s->em);
    if (s->r) lab_readable_free_state(s->r);
    if (s->w) lab_writable_free_state(s->w);
    free(s->r);
    free(s->w);
    free(s);
}

void lab_stream_unref(lab_stream *s)
{
    if (s && --s->refs == 0) stream_free(s);
}

void lab_stream_attach(lab_stream *s, void *p, void (*release)(void *))
{
    s->attach = lab_grow_or_die(s->attach, &s->attach_cap, s->nattach + 1, sizeof *s->attach, 4);
    s->attach[s->nattach].p = p;
    s->attach[s->nattach].release = release;
    s->nattach++;
}

void lab_stream_detach(lab_stream *s, void *p)
{
    for (size_t i = 0; i < s->nattach; i++)
        if (s->attach[i].p == p) {
            s->attach[i] = s->attach[--s->nattach];
            return;
        }
}

bool lab_stream_lacks(const lab_stream *s, const void *side, const char *fn)
{
    if (side) return false;
    fprintf(stderr, "nodelab: %s() on stream %s (a %s) has nothing to do\n",
            fn, s->name, kind_names[s->kind]);
    return true;
}

/* ---- deferring to the next tick ---------------------------------------- */

void lab_stream_defer(lab_stream *s, lab_callback *cb)
{
    lab_stream_ref(s);
    lab_next_tick(s->loop, cb, s);
}

typedef struct {
    lab_stream *s;
    lab_stream_err_fn *fn;
    void *arg;
    bool has_err;
    lab_err err;
} deferred_err;

static void run_deferred_err(lab_loop *loop, void *p)
{
    deferred_err *d = p;
    d->fn(d->s, d->has_err ? &d->err : NULL, d->arg);
    lab_stream_unref(d->s);
    free(d);
}

/* Only rare paths (failures, callbacks owed an error) come here, so the
 * small allocation per call costs nothing that matters. */
void lab_stream_defer_err(lab_stream *s, lab_stream_err_fn *fn,
                          const lab_err *err, void *arg)
{
    deferred_err *d = lab_xcalloc(1, sizeof *d);
    d->s = lab_stream_ref(s);
    d->fn = fn;
    d->arg = arg;
    if (err) { d->err = *err; d->has_err = true; }
    lab_next_tick(s->loop, run_deferred_err, d);
}

/* ---- listeners --------------------------------------------------------- */

static const char *const event_names[LAB_ON_COUNT_] = {
    "data", "readable", "end", "pause", "resume", "drain", "prefinish",
    "finish", "close", "error", "pipe", "unpipe",
};

const char *lab_stream_event_name(lab_stream_event ev)
{
    return ev >= 0 && ev < LAB_ON_COUNT_ ? event_names[ev] : "?";
}

/* on() and once() go through Readable.prototype.on, which starts the flow
 * for 'data' and switches to paused mode for 'readable';
 * prependListener() is EventEmitter's own and does neither. */
static int add_listener(lab_stream *s, lab_stream_event ev, lab_listener *fn,
                        void *arg, bool once, bool prepend)
{
    if (lab_emitter_add(&s->em, ev, (lab_fnptr)fn, arg, once, prepend) < 0)
        return -1;
    if (s->r && !prepend) lab_readable_on_listener(s, ev);
    return 0;
}

int lab_stream_on(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg)
{
    return add_listener(s, ev, fn, arg, false, false);
}

int lab_stream_once(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg)
{
    return add_listener(s, ev, fn, arg, true, false);
}

int lab_stream_prepend(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg)
{
    return add_listener(s, ev, fn, arg, false, true);
}

bool lab_stream_off(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg)
{
    bool found = lab_emitter_remove(&s->em, ev, (lab_fnptr)fn, arg);
    if (s->r) lab_readable_off_listener(s, ev);
    return found;
}

size_t lab_stream_listener_count(const lab_stream *s, lab_stream_event ev)
{
    return lab_emitter_count(&s->em, ev);
}

/* ---- emitting, and the telemetry each event produces ------------------- */

bool lab_stream_tel(const lab_stream *s) { return !s->quiet && lab_tel_on(); }

void lab_stream_tel_flow(const lab_stream *s, const char *ev, size_t size,
                         size_t len, size_t hwm, bool ret)
{
    lab_tel_flow(ev, s->name, (int64_t)size, (int64_t)len, (int64_t)hwm, ret);
}

/* The telemetry name of each stream event (events.h); 'readable' and
 * 'prefinish' are not part of the vocabulary. */
static const lab_ev_id tel_ids[LAB_ON_COUNT_] = {
    [LAB_ON_DATA] = LAB_EV_DATA, [LAB_ON_READABLE] = LAB_EV_OTHER,
    [LAB_ON_END] = LAB_EV_END, [LAB_ON_PAUSE] = LAB_EV_PAUSE,
    [LAB_ON_RESUME] = LAB_EV_RESUME, [LAB_ON_DRAIN] = LAB_EV_DRAIN,
    [LAB_ON_PREFINISH] = LAB_EV_OTHER, [LAB_ON_FINISH] = LAB_EV_FINISH,
    [LAB_ON_CLOSE] = LAB_EV_CLOSE, [LAB_ON_ERROR] = LAB_EV_ERROR,
    [LAB_ON_PIPE] = LAB_EV_PIPE, [LAB_ON_UNPIPE] = LAB_EV_UNPIPE,
};

static void tel_event(const lab_stream *s, const lab_event *ev)
{
    if (tel_ids[ev->type] == LAB_EV_OTHER) return;
    lab_ev *e = lab_ev_new(lab_ev_names[tel_ids[ev->type]]);
    lab_ev_str(e, "stream", s->name);
    switch (ev->type) {
    case LAB_ON_DATA:
        lab_ev_int(e, "size", s->r && s->r->object_mode ? 1 : (int64_t)ev->chunk->len);
        /* What the chunk left in the buffer: a gauge follows it down. */
        if (s->r) lab_ev_int(e, "len", (int64_t)s->r->length);
        break;
    case LAB_ON_END:
        lab_ev_int(e, "bytes", (int64_t)s->r->total);
        break;
    case LAB_ON_FINISH:
        lab_ev_int(e, "bytes", (int64_t)s->w->total);
        break;
    case LAB_ON_ERROR:
        lab_ev_str(e, "code", ev->err->code);
        lab_ev_str(e, "message", ev->err->message);
        break;
    case LAB_ON_PIPE: case LAB_ON_UNPIPE:
        lab_ev_str(e, "src", ev->src ? ev->src->name : NULL);
        break;
    default: break;
    }
    lab_ev_emit(e);
}

typedef struct { lab_stream *s; const lab_event *ev; } emit_ctx;

static void invoke(lab_fnptr fn, void *arg, void *ctx)
{
    emit_ctx *c = ctx;
    ((lab_listener *)fn)(c->s, c->ev, arg);
}

bool lab_stream_emit(lab_stream *s, const lab_event *ev)
{
    if (lab_stream_tel(s)) tel_event(s, ev);
    /* doc:stream-emit */
    lab_stream_ref(s);                 /* a listener may drop the last ref */
    emit_ctx c = { s, ev };
    unsigned long fired = s->em.once_fired;
    bool heard = lab_emitter_emit(&s->em, ev->type, invoke, &c);
    /* end doc:stream-emit */
    /* A once-listener removes itself through removeListener in Node, with
     * the same side effects as lab_stream_off(). */
    if (s->r && fired != s->em.once_fired)
        lab_readable_off_listener(s, ev->type);
    /* doc:stream-unhandled-error */
    if (!heard && ev->type == LAB_ON_ERROR)
        /* Node would throw here and end the process. */
        fprintf(stderr, "nodelab: unhandled 'error' on stream %s: %s: %s\n",
                s->name, ev->err->code, ev->err->message);
    /* end doc:stream-unhandled-error */
    lab_stream_unref(s);
    return heard;
}

void lab_stream_emit_simple(lab_stream *s, lab_stream_event type)
{
    lab_event ev = { .type = type };
    lab_stream_emit(s, &ev);
}

/* ---- accessors --------------------------------------------------------- */

void *lab_stream_data(const lab_stream *s) { return s->data; }
void lab_stream_set_data(lab_stream *s, void *data) { s->data = data; }
lab_loop *lab_stream_loop(const lab_stream *s) { return s->loop; }
const char *lab_stream_name(const lab_stream *s) { return s->name; }
void lab_stream_set_name(lab_stream *s, const char *name)
{
    snprintf(s->name, sizeof s->name, "%s", name ? name : kind_names[s->kind]);
    tel_declare(s);
}
bool lab_stream_is_readable_side(const lab_stream *s) { return s->r != NULL; }
bool lab_stream_is_writable_side(const lab_stream *s) { return s->w != NULL; }
bool lab_stream_destroyed(const lab_stream *s) { return s->destroyed; }
bool lab_stream_closed(const lab_stream *s) { return s->closed; }
const lab_err *lab_stream_errored(const lab_stream *s)
{
    return s->errored ? &s->err : NULL;
}

/* checkError(): the first error sticks. */
void lab_stream_set_error(lab_stream *s, const lab_err *err)
{
    if (err && !s->errored) {
        s->err = *err;
        s->errored = true;
    }
}
