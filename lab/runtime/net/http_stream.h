/*
 * http_stream.h — HTTP bodies as streams: a response (or a client's
 * request) as a Writable, a request (or a client's response) body as a
 * Readable, so that a file can be piped to a client:
 *
 *   on_request(srv, req, res):
 *       lab_http_set_header(res, "Content-Type", "text/plain");
 *       lab_stream *file = lab_fs_read_stream(loop, path, NULL);
 *       lab_stream *body = lab_http_out_stream(res, NULL);
 *       lab_pipeline((lab_stream *[]){ file, body }, 2, done, NULL);
 *
 * The writable's write() completes when the socket has handed the bytes
 * to the kernel, so its length is what the socket holds: write() returns
 * false at 16 KiB waiting (as a net.Socket), and a slow client stalls the
 * file read, not the server's memory.  end() ends the message; 'finish'
 * comes when everything is out.  If the connection goes first, the stream
 * is destroyed without an error ('close' only, as Node's res), which a
 * pipeline reports as ERR_STREAM_PREMATURE_CLOSE; the write that was in
 * flight is dropped, never counted as written.
 *
 * The readable pauses the connection (no more socket reads) when push()
 * returns false and resumes it on _read; a connection lost mid-body
 * destroys it with {code "ECONNRESET", message "aborted"}.  destroy() on
 * either stream closes the connection, as Node's req/res.destroy() do.
 *
 * Each adapter takes over the object's callbacks (on_data/on_end/on_abort/
 * on_release, or on_drain/on_finish/on_close) and its `data` field.
 */
#ifndef LAB_HTTP_STREAM_H
#define LAB_HTTP_STREAM_H

#include "http.h"
#include "stream.h"

/* name default "http-out#<conn>" / "http-in#<conn>" (the connection's
 * handle id); hwm 16 KiB. */
lab_stream *lab_http_out_stream(lab_loop *loop, lab_http_out *o,
                                const lab_stream_opts *opts);
lab_stream *lab_http_msg_stream(lab_loop *loop, lab_http_msg *m,
                                const lab_stream_opts *opts);

#endif
