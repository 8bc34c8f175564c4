# tests — Check units for the runtime, shell tests for the CLI.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	NODELAB='$(abs_top_builddir)/nodelab'; NODE='$(NODE)'; CC='$(CC)'; \
	NL_TEST_CFLAGS='$(SANITIZE_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)'; \
	NL_TEST_LIBS='$(SANITIZE_CFLAGS) $(CJSON_LIBS) $(ZLIB_LIBS) $(HTTP_PARSER_LIBS) $(CHECK_LIBS) -lm'; \
	export top_srcdir top_builddir NODELAB NODE CC NL_TEST_CFLAGS NL_TEST_LIBS;

check_PROGRAMS += tests/test_loop tests/test_telemetry
tests_test_loop_SOURCES = tests/test_loop.c
tests_test_loop_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_loop_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
tests_test_telemetry_SOURCES = tests/test_telemetry.c
tests_test_telemetry_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_telemetry_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)

TESTS += tests/test_loop tests/test_telemetry tests/cli.sh tests/demo_loop.sh tests/exercises.sh
EXTRA_DIST += tests/lib.sh tests/cli.sh tests/demo_loop.sh tests/exercises.sh tests/exercise_main.c

# The I/O layer: files on the pool, TCP on the loop, gzip, HTTP.
check_PROGRAMS += tests/test_fs
tests_test_fs_SOURCES = tests/test_fs.c tests/fdcount.h
tests_test_fs_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_fs_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_fs
check_PROGRAMS += tests/test_tcp
tests_test_tcp_SOURCES = tests/test_tcp.c tests/fdcount.h
tests_test_tcp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_tcp_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_tcp
check_PROGRAMS += tests/test_gzip tests/gz_tool
tests_test_gzip_SOURCES = tests/test_gzip.c
tests_test_gzip_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_gzip_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
tests_gz_tool_SOURCES = tests/gz_tool.c
tests_gz_tool_LDADD = $(RUNTIME_LIBS)
TESTS += tests/test_gzip tests/gzip.sh
EXTRA_DIST += tests/gzip.sh
check_PROGRAMS += tests/test_http
tests_test_http_SOURCES = tests/test_http.c tests/fdcount.h
tests_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_http_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_http
