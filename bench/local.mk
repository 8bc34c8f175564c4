# bench — `make bench`: bench/run.sh runs every bench/*.sh side by side.
# The C programs the benchmarks time are built only for `make bench`.
EXTRA_PROGRAMS = bench/bench-child bench/streamcp
bench_bench_child_SOURCES = bench/bench_child.c
bench_bench_child_LDADD = $(RUNTIME_LIBS)
bench_streamcp_SOURCES = bench/streamcp.c
bench_streamcp_LDADD = $(RUNTIME_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)
bench: bench/bench-child bench/streamcp
# Listed file by file: `bench` is also the name of a (phony) target, so
# naming the directory in EXTRA_DIST would run the benchmarks in `make dist`.
EXTRA_DIST += bench/run.sh bench/child.sh bench/streams.sh bench/grader.sh \
	bench/tui.sh bench/child/spawn.js bench/child/ipc.js
# Chapter 3: bench/cluster.sh runs with the rest; the reliability runs
# (kills, rolling restart and SIGTERM under load) are a target of their own.
EXTRA_DIST += bench/cluster.sh bench/cluster/server.js bench/reliability/cluster.sh
EXTRA_DIST += bench/cluster/pids.lua
.PHONY: bench-reliability
bench-reliability: all
	top_builddir=$(abs_top_builddir) NODELAB=$(abs_top_builddir)/nodelab $(SHELL) $(srcdir)/bench/reliability/cluster.sh
# Chapter 5: bench/threads.sh (worker threads, atomics) against node.
EXTRA_PROGRAMS += bench/bench-threads
bench_bench_threads_SOURCES = bench/bench_threads.c
bench_bench_threads_LDADD = $(RUNTIME_LIBS)
bench: bench/bench-threads
EXTRA_DIST += bench/threads.sh bench/threads/counter.js bench/threads/post.js bench/lib.sh
# Chapter 6: bench/pgzip.sh (parallel gzip against gzip -6 and pigz -p 2).
EXTRA_DIST += bench/pgzip.sh
# Chapter 6: bench/uploads.sh (together.uploads against node's cluster and req.pipe(file)).
EXTRA_DIST += bench/uploads.sh bench/uploads/server.js
# Chapter 3: bench/floor-http, the least an HTTP server can do per request
# (recv, send, no parsing): bench/cluster.sh's ceiling row.
EXTRA_PROGRAMS += bench/floor-http
bench_floor_http_SOURCES = bench/floor_http.c
bench: bench/floor-http
