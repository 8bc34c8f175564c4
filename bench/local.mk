# bench — programs `make bench` runs next to cat, tr, gzip and node.
noinst_PROGRAMS += bench/streamcp
bench_streamcp_SOURCES = bench/streamcp.c
bench_streamcp_LDADD = $(RUNTIME_LIBS)
# `bench` is distributed as a directory (Makefile.am): leave out what an
# in-tree build put there.
dist-hook:
	rm -rf $(distdir)/bench/.deps $(distdir)/bench/.dirstamp \
	    $(distdir)/bench/streamcp $(distdir)/bench/*.o
