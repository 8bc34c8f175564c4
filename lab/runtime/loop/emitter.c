/*
 * emitter.c — ordered listener lists (see emitter.h for the rules).
 */
#include "emitter.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

void lab_emitter_init(lab_emitter *em) { memset(em, 0, sizeof *em); }

void lab_emitter_free(lab_emitter *em)
{
    for (int i = 0; i < LAB_EMITTER_MAX_EVENTS; i++) free(em->lists[i].items);
    memset(em, 0, sizeof *em);
}

static lab_listener_list *list_of(lab_emitter *em, int event)
{
    if (event < 0 || event >= LAB_EMITTER_MAX_EVENTS) return NULL;
    return &em->lists[event];
}

int lab_emitter_add(lab_emitter *em, int event, lab_fnptr fn, void *arg,
                    bool once, bool prepend)
{
    lab_listener_list *l = list_of(em, event);
    if (!l || !fn) return -1;
    if (l->len == l->cap) {
        unsigned cap = l->cap ? l->cap * 2 : 4;
        l->items = lab_xrealloc(l->items, cap * sizeof *l->items);
        l->cap = cap;
    }
    unsigned at = prepend ? 0 : l->len;
    memmove(&l->items[at + 1], &l->items[at], (l->len - at) * sizeof *l->items);
    l->items[at] = (lab_listener_entry){ fn, arg, ++em->next_id, once };
    l->len++;
    return 0;
}

static void remove_at(lab_listener_list *l, unsigned i)
{
    memmove(&l->items[i], &l->items[i + 1], (l->len - i - 1) * sizeof *l->items);
    l->len--;
}

/* Node's removeListener searches from the end: the most recent copy goes. */
bool lab_emitter_remove(lab_emitter *em, int event, lab_fnptr fn, void *arg)
{
    lab_listener_list *l = list_of(em, event);
    if (!l) return false;
    for (unsigned i = l->len; i-- > 0;)
        if (l->items[i].fn == fn && l->items[i].arg == arg) {
            remove_at(l, i);
            return true;
        }
    return false;
}

void lab_emitter_remove_all(lab_emitter *em, int event)
{
    for (int i = 0; i < LAB_EMITTER_MAX_EVENTS; i++)
        if (event < 0 || event == i) em->lists[i].len = 0;
}

size_t lab_emitter_count(const lab_emitter *em, int event)
{
    if (event < 0 || event >= LAB_EMITTER_MAX_EVENTS) return 0;
    return em->lists[event].len;
}

bool lab_emitter_has(const lab_emitter *em, int event, lab_fnptr fn, void *arg)
{
    if (event < 0 || event >= LAB_EMITTER_MAX_EVENTS) return false;
    const lab_listener_list *l = &em->lists[event];
    for (unsigned i = 0; i < l->len; i++)
        if (l->items[i].fn == fn && l->items[i].arg == arg) return true;
    return false;
}

/* A once-listener is still due if its registration (by id) is still in the
 * list; taking it out before the call is what makes it "once". */
static bool take_once(lab_listener_list *l, unsigned long id)
{
    for (unsigned i = 0; i < l->len; i++)
        if (l->items[i].id == id) {
            remove_at(l, i);
            return true;
        }
    return false;
}

bool lab_emitter_emit(lab_emitter *em, int event, lab_emit_invoke *invoke,
                      void *ctx)
{
    lab_listener_list *l = list_of(em, event);
    if (!l || l->len == 0) return false;

    /* The common case, one plain listener, needs no copy: Node calls a
     * lone handler directly too. */
    if (l->len == 1 && !l->items[0].once) {
        lab_listener_entry e = l->items[0];
        invoke(e.fn, e.arg, ctx);
        return true;
    }

    /* Otherwise walk a snapshot, so listeners added or removed by a
     * listener do not change who this emit calls. */
    lab_listener_entry stack[LAB_EMIT_STACK];
    unsigned n = l->len;
    lab_listener_entry *snap = n <= LAB_EMIT_STACK ? stack
                                                    : lab_xmalloc(n * sizeof *snap);
    memcpy(snap, l->items, n * sizeof *snap);
    for (unsigned i = 0; i < n; i++) {
        if (snap[i].once) {
            if (!take_once(&em->lists[event], snap[i].id)) continue;
            em->once_fired++;
        }
        invoke(snap[i].fn, snap[i].arg, ctx);
    }
    if (snap != stack) free(snap);
    return true;
}
