# lab/runtime — the C runtime, one folder per concept, in the order the
# chapters teach them: the loop (and its pool), streams, files and zlib,
# sockets and HTTP, processes and IPC, and the telemetry every part reports
# through.  Installed, with its public headers, because the grader compiles
# student code against it.
RT = lab/runtime

pkglib_LIBRARIES += lab/runtime/liblab.a
lab_runtime_liblab_a_SOURCES = \
	$(RT)/loop/loop.c $(RT)/loop/pool.c $(RT)/loop/lag.c \
	$(RT)/loop/emitter.c $(RT)/loop/errors.c $(RT)/loop/grow.c $(RT)/loop/grow.h \
	$(RT)/loop/mem.c $(RT)/loop/mem.h \
	$(RT)/telemetry/telemetry.c \
	$(RT)/streams/stream.c $(RT)/streams/stream_impl.h $(RT)/streams/readable.c \
	$(RT)/streams/writable.c $(RT)/streams/transform.c $(RT)/streams/destroy.c \
	$(RT)/streams/pipe.c $(RT)/streams/pipeline.c $(RT)/streams/finished.c \
	$(RT)/streams/chunk.c $(RT)/streams/chunkq.c $(RT)/streams/range.c \
	$(RT)/io/fs.c $(RT)/io/fs_stream.c $(RT)/io/fdstream.c \
	$(RT)/io/gzip.c $(RT)/io/gzip_stream.c \
	$(RT)/net/tcp.c $(RT)/net/net.c $(RT)/net/http_conn.h $(RT)/net/http_msg.c \
	$(RT)/net/http_out.c $(RT)/net/http_server.c $(RT)/net/http_client.c \
	$(RT)/net/http_stream.c \
	$(RT)/process/process.c $(RT)/process/process_child.c $(RT)/process/process_child.h \
	$(RT)/process/exec.c $(RT)/process/fork.c $(RT)/process/ipc.c
# Chapter 3: the cluster (primary, handles, worker side, supervision).
lab_runtime_liblab_a_SOURCES += \
	$(RT)/cluster/cluster_impl.h $(RT)/cluster/proto.c $(RT)/cluster/primary.c \
	$(RT)/cluster/handles.c $(RT)/cluster/worker.c $(RT)/cluster/supervise.c
lab_runtime_liblab_a_SOURCES += $(RT)/net/loadgen.c $(RT)/net/loadgen_upload.c
# Chapter 5: worker threads, shared memory, graceful shutdown.
lab_runtime_liblab_a_SOURCES += \
	$(RT)/threads/port.c $(RT)/threads/port_impl.h $(RT)/threads/thread_worker.c \
	$(RT)/threads/shared.c $(RT)/threads/shutdown.c
# Chapter 6: parallel gzip (pigz's blocks on the pool).
lab_runtime_liblab_a_SOURCES += $(RT)/io/pgzip.c

# The public headers: what a demo, a test or a student's file may include.
RUNTIME_PUBLIC_H = \
	$(RT)/loop/loop.h $(RT)/loop/pool.h $(RT)/loop/lag.h $(RT)/loop/emitter.h \
	$(RT)/loop/errors.h \
	$(RT)/telemetry/telemetry.h \
	$(RT)/streams/stream.h $(RT)/streams/chunk.h $(RT)/streams/range.h \
	$(RT)/io/fs.h $(RT)/io/fs_stream.h $(RT)/io/fdstream.h $(RT)/io/gzip.h \
	$(RT)/io/gzip_stream.h \
	$(RT)/net/tcp.h $(RT)/net/net.h $(RT)/net/http.h $(RT)/net/http_stream.h \
	$(RT)/process/process.h $(RT)/process/exec.h $(RT)/process/fork.h \
	$(RT)/process/ipc.h
RUNTIME_PUBLIC_H += $(RT)/cluster/cluster.h $(RT)/net/loadgen.h
RUNTIME_PUBLIC_H += $(RT)/threads/port.h $(RT)/threads/worker.h \
	$(RT)/threads/shared.h $(RT)/threads/shutdown.h
RUNTIME_PUBLIC_H += $(RT)/io/pgzip.h
pkginclude_HEADERS += $(RUNTIME_PUBLIC_H)
# The sources themselves, beside the chapters: the reader shows the regions
# the chapters quote ("```c doc:NAME", lab/doc/doctag.h) as they are now.
nobase_dist_pkgdata_DATA += $(lab_runtime_liblab_a_SOURCES) $(RUNTIME_PUBLIC_H)

# In the build tree the public headers are also gathered, flat, into
# lab/runtime/include: the same set `make install` puts in pkgincludedir,
# so the grader compiles a student's file against exactly what an
# installed nodelab offers (and nothing private, such as stream_impl.h).
all-local: lab/runtime/include/.stamp
lab/runtime/include/.stamp: $(RUNTIME_PUBLIC_H)
	$(AM_V_GEN)rm -rf lab/runtime/include && $(MKDIR_P) lab/runtime/include && \
	for h in $(RUNTIME_PUBLIC_H); do cp "$(srcdir)/$$h" lab/runtime/include/; done && touch $@
clean-local: clean-runtime-include
clean-runtime-include:
	rm -rf lab/runtime/include
.PHONY: clean-runtime-include

# The telemetry vocabulary: one list of event names (events.h).
lab_runtime_liblab_a_SOURCES += $(RT)/telemetry/events.c
# Telemetry as records in per-thread rings, made JSON by a formatter thread.
lab_runtime_liblab_a_SOURCES += $(RT)/telemetry/ring.c $(RT)/telemetry/ring.h \
	$(RT)/telemetry/record.c $(RT)/telemetry/record.h \
	$(RT)/telemetry/formatter.c $(RT)/telemetry/tel_impl.h
lab_runtime_liblab_a_SOURCES += $(RT)/telemetry/frame.c
lab_runtime_liblab_a_SOURCES += $(RT)/telemetry/stamp.c
RUNTIME_PUBLIC_H += $(RT)/telemetry/events.h

# The runtime again, compiled under ThreadSanitizer, for the exercises
# whose tests run under it ("sanitize": "thread"; grader/build.c links
# it).  TSan sees synchronisation only where it is compiled in: linked
# with the plain liblab.a, the runtime's own atomics (a channel's
# reference count) are invisible to it and it reports races that are not
# there.  In a --enable-tsan build liblab.a already is this library.
TSAN_RT_CFLAGS = $(NL_CFLAGS) -fsanitize=thread -fno-omit-frame-pointer -g
if !TSAN
pkglib_LIBRARIES += lab/runtime/liblab_tsan.a
lab_runtime_liblab_tsan_a_SOURCES = $(lab_runtime_liblab_a_SOURCES)
lab_runtime_liblab_tsan_a_CFLAGS = $(TSAN_RT_CFLAGS)
endif
