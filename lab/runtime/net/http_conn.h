/*
 * http_conn.h — PRIVATE to http_*.c: one HTTP connection, the piece the
 * server and the client share.
 *
 * A connection owns a TCP handle and an http-parser.  Bytes read from the
 * socket are fed to the parser; the parser's callbacks fill the message
 * being parsed (conn->in) and call the side's hooks (server or client) at
 * the three moments that matter: a message begins, its head is complete,
 * it is complete.  A hook may pause the parser (the server does, after
 * each request, so pipelined requests are answered one at a time, in
 * order); the unparsed bytes wait in `pending` until it resumes.
 */
#ifndef LAB_HTTP_CONN_H
#define LAB_HTTP_CONN_H

#include "http.h"

#include <http_parser.h>

typedef struct http_exchange http_exchange;

typedef struct http_conn_hooks {
    int (*begin)(lab_http_conn *c);       /* set c->in */
    int (*head)(lab_http_conn *c);        /* return 1: the message has no body */
    int (*complete)(lab_http_conn *c);
    void (*eof)(lab_http_conn *c, const char *code);   /* code NULL: clean EOF */
    void (*parse_error)(lab_http_conn *c, const char *code, const char *message);
    void (*closed)(lab_http_conn *c);     /* the socket is closed: free */
} http_conn_hooks;

struct lab_http_conn {
    lab_tcp tcp;                   /* first: lab_http_abort() relies on it */
    http_parser parser;
    const http_conn_hooks *hooks;
    lab_http_msg *in;              /* the message being parsed */
    char *pending;                 /* read but not parsed (parser paused) */
    size_t pending_len;
    lab_timer idle;                /* keep-alive timeout (server), lazy */
    uint64_t idle_since;           /* loop ms the last response ended, or 0 */
    bool in_parser, closing, peer_ended, user_paused, parser_paused;
    bool fresh;                    /* server: accepted, no request begun yet */
    lab_write_req reject;          /* the 400 answer to a malformed request */

    lab_http_server *srv;          /* server side */
    lab_http_conn *next, *prev;
    http_exchange *cur;            /* the request being parsed or served */
    http_exchange *spare;          /* the last one, kept for the next request */

    lab_http_client *client;       /* client side */
};

/* A request and its response on the server. */
struct http_exchange {
    lab_http_msg req;
    lab_http_out res;
    lab_http_conn *conn;
    bool req_done, res_done;
};

/* Connection (http_msg.c). */
void http_conn_init(lab_http_conn *c, lab_loop *loop,
                    const http_conn_hooks *hooks, enum http_parser_type type);
int http_conn_read_start(lab_http_conn *c);
void http_conn_resume_parser(lab_http_conn *c);
void http_conn_update_reading(lab_http_conn *c);
void http_conn_feed_eof(lab_http_conn *c);
/* Closes the socket (later, if the parser is running); hooks->closed
 * follows from the loop. */
void http_conn_close(lab_http_conn *c);

/* Incoming messages (http_msg.c). */
void http_msg_init(lab_http_msg *m, lab_http_conn *c);
void http_msg_free(lab_http_msg *m);
/* http_msg_init for a message used before: its buffers are kept. */
void http_msg_reuse(lab_http_msg *m, lab_http_conn *c);

/* Outgoing messages (http_out.c). */
void http_out_init(lab_http_out *o, lab_tcp *tcp, bool is_request, size_t mark);
void http_out_free(lab_http_out *o);
/* http_out_init for a message used before: its buffers are kept. */
void http_out_reuse(lab_http_out *o, lab_tcp *tcp, bool is_request, size_t mark);
/* The connection went away: fail the message (on_close, once). */
void http_out_abort(lab_http_out *o, const char *code);
/* Who to tell that the message failed (just before the user's on_close)
 * and that it is over (after the user's on_finish / on_close). */
void http_out_set_owner(lab_http_out *o,
                        void (*aborting)(lab_http_out *o, void *owner),
                        void (*done)(lab_http_out *o, void *owner),
                        void *owner);

#endif
