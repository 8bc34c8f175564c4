/*
 * emitter.h — a small event emitter: Node's EventEmitter, in C.
 *
 * An emitter keeps, for each event type (a small integer chosen by the
 * module that owns the emitter), an ordered list of listeners.  A listener
 * is a (function, argument) pair: the pair is its identity, the way a
 * function object is in JavaScript, so adding the same pair twice calls it
 * twice and removing it removes the most recently added copy.
 *
 * The rules are Node's, because the order of listeners shows in traces
 * (pipe() relies on being the *first* 'error' listener of its
 * destination, for instance):
 *   - listeners run in the order they were added; lab_emitter_prepend()
 *     puts one in front;
 *   - a once-listener is removed just before it is called, and is called
 *     at most once even if an emit nested inside a listener reaches it
 *     first (Node's onceWrapper `fired` flag).  One difference: a
 *     once-listener removed by someone else during an emit is skipped by
 *     that emit (Node would still call it);
 *   - emit() calls the listeners that were registered when it started: a
 *     listener added during an emit is not called by that emit, and one
 *     removed during an emit *is still called* by it (Node copies the list
 *     before walking it).  So the state a listener points at must stay
 *     valid until the emit in progress returns: free it on a later tick
 *     (lab_next_tick), never from inside a listener of the same emitter.
 *
 * The emitter stores listener functions as a generic function pointer and
 * lets the owning module call them with their real type (C allows a
 * function pointer to be converted to another function pointer type and
 * back): see lab_emitter_emit().  stream.h is the main user.
 *
 * Storage: one small array per event type, grown on demand; emitting
 * allocates nothing unless more than LAB_EMIT_STACK listeners are
 * registered for one event.
 */
#ifndef LAB_EMITTER_H
#define LAB_EMITTER_H

#include <stdbool.h>
#include <stddef.h>

/* The most event types one emitter knows. */
#define LAB_EMITTER_MAX_EVENTS 16
/* Listeners copied on the stack by one emit before it falls back to malloc. */
#define LAB_EMIT_STACK 8

typedef void (*lab_fnptr)(void);   /* any listener, before the owner casts it */

typedef struct lab_listener_entry {
    lab_fnptr fn;
    void *arg;
    unsigned long id;      /* unique per registration (see once below) */
    bool once;
} lab_listener_entry;

typedef struct lab_listener_list {
    lab_listener_entry *items;
    unsigned len, cap;
} lab_listener_list;

/* doc:emitter-struct */
typedef struct lab_emitter {
    lab_listener_list lists[LAB_EMITTER_MAX_EVENTS];
    unsigned long next_id;
    unsigned long once_fired;  /* once-listeners removed by emits, ever */
} lab_emitter;
/* end doc:emitter-struct */

/* Calls one listener with its real type.  ctx is what the owner passed to
 * lab_emitter_emit() (the payload of the event, typically). */
typedef void lab_emit_invoke(lab_fnptr fn, void *arg, void *ctx);

void lab_emitter_init(lab_emitter *em);
/* Forgets every listener and frees the lists. */
void lab_emitter_free(lab_emitter *em);

/* Adds a listener at the end (on) or the front (prepend) of the event's
 * list; once: removed before its first call.  Returns 0, or -1 (event out
 * of range, or no function). */
int lab_emitter_add(lab_emitter *em, int event, lab_fnptr fn, void *arg,
                    bool once, bool prepend);
/* Removes the most recently added listener equal to (fn, arg).  Returns
 * true if one was found. */
bool lab_emitter_remove(lab_emitter *em, int event, lab_fnptr fn, void *arg);
/* Removes every listener of one event (or of all, with event -1). */
void lab_emitter_remove_all(lab_emitter *em, int event);
/* How many listeners the event has. */
size_t lab_emitter_count(const lab_emitter *em, int event);
/* True if (fn, arg) is registered for the event. */
bool lab_emitter_has(const lab_emitter *em, int event, lab_fnptr fn, void *arg);

/* Calls every listener registered for the event when the call starts, in
 * order, through invoke(fn, arg, ctx).  Returns false if there were none
 * (like EventEmitter.emit). */
bool lab_emitter_emit(lab_emitter *em, int event, lab_emit_invoke *invoke,
                      void *ctx);

#endif
