# lab/runtime — the C runtime: loop, pool, telemetry, streams (and, later,
# child processes, IPC).  Installed, with its headers, because the grader
# compiles student code against it.
pkglib_LIBRARIES += lab/runtime/liblab.a
lab_runtime_liblab_a_SOURCES = \
	lab/runtime/errors.c \
	lab/runtime/fs.c \
	lab/runtime/fs_stream.c \
	lab/runtime/gzip.c \
	lab/runtime/grow.c \
	lab/runtime/grow.h \
	lab/runtime/gzip_stream.c \
	lab/runtime/http_client.c \
	lab/runtime/http_conn.h \
	lab/runtime/http_msg.c \
	lab/runtime/http_out.c \
	lab/runtime/http_server.c \
	lab/runtime/http_stream.c \
	lab/runtime/exec.c \
	lab/runtime/fdstream.c \
	lab/runtime/fork.c \
	lab/runtime/ipc.c \
	lab/runtime/lag.c \
	lab/runtime/loop.c \
	lab/runtime/net.c \
	lab/runtime/pool.c \
	lab/runtime/tcp.c \
	lab/runtime/process.c \
	lab/runtime/process_child.c \
	lab/runtime/process_child.h \
	lab/runtime/telemetry.c \
	lab/runtime/chunk.c \
	lab/runtime/range.c \
	lab/runtime/chunkq.c \
	lab/runtime/destroy.c \
	lab/runtime/emitter.c \
	lab/runtime/finished.c \
	lab/runtime/pipe.c \
	lab/runtime/pipeline.c \
	lab/runtime/readable.c \
	lab/runtime/stream.c \
	lab/runtime/stream_impl.h \
	lab/runtime/transform.c \
	lab/runtime/writable.c
pkginclude_HEADERS += \
	lab/runtime/chunk.h \
	lab/runtime/range.h \
	lab/runtime/emitter.h \
	lab/runtime/errors.h \
	lab/runtime/fs.h \
	lab/runtime/fs_stream.h \
	lab/runtime/gzip.h \
	lab/runtime/gzip_stream.h \
	lab/runtime/http.h \
	lab/runtime/http_stream.h \
	lab/runtime/exec.h \
	lab/runtime/fdstream.h \
	lab/runtime/fork.h \
	lab/runtime/ipc.h \
	lab/runtime/lag.h \
	lab/runtime/loop.h \
	lab/runtime/net.h \
	lab/runtime/pool.h \
	lab/runtime/process.h \
	lab/runtime/stream.h \
	lab/runtime/tcp.h \
	lab/runtime/telemetry.h
