# bench — `make bench` (bench/run.sh runs every bench/*.sh).  The C side of
# the Chapter 4 benchmarks is a small program built only for that.
EXTRA_PROGRAMS = bench/bench-child
bench_bench_child_SOURCES = bench/bench_child.c
bench_bench_child_LDADD = $(RUNTIME_LIBS)
CLEANFILES += bench/bench-child
bench: bench/bench-child
EXTRA_DIST += bench/run.sh bench/child.sh bench/child/spawn.js bench/child/ipc.js
# bench — programs `make bench` runs next to cat, tr, gzip and node.
noinst_PROGRAMS += bench/streamcp
bench_streamcp_SOURCES = bench/streamcp.c
bench_streamcp_LDADD = $(RUNTIME_LIBS)
# `bench` is distributed as a directory (Makefile.am): leave out what an
# in-tree build put there.
dist-hook:
	rm -rf $(distdir)/bench/.deps $(distdir)/bench/.dirstamp \
	    $(distdir)/bench/streamcp $(distdir)/bench/bench-child $(distdir)/bench/*.o
