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

# Chapter 4: child processes and IPC.
check_PROGRAMS += tests/test_process
tests_test_process_SOURCES = tests/test_process.c tests/check_run.h
tests_test_process_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_process_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/test_exec
tests_test_exec_SOURCES = tests/test_exec.c
tests_test_exec_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_exec_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/test_ipc
tests_test_ipc_SOURCES = tests/test_ipc.c
tests_test_ipc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_ipc_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/test_reliability
tests_test_reliability_SOURCES = tests/test_reliability.c
tests_test_reliability_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_reliability_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_process tests/test_exec tests/test_ipc tests/test_reliability


check_PROGRAMS += tests/test_tui_model tests/test_tui_exercise
tests_test_tui_model_SOURCES = tests/test_tui_model.c lab/tui/model.c lab/tui/model_log.c
tests_test_tui_model_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_tui_model_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
tests_test_tui_exercise_SOURCES = tests/test_tui_exercise.c lab/tui/exercise_report.c
tests_test_tui_exercise_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_tui_exercise_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)

TESTS += tests/test_tui_model tests/test_tui_exercise tests/tui.sh
EXTRA_DIST += tests/tui.sh tests/tui/fixture-chapter.md
TESTS += tests/test_loop tests/test_telemetry tests/cli.sh tests/demo_loop.sh tests/exercises.sh
EXTRA_DIST += tests/lib.sh tests/cli.sh tests/demo_loop.sh tests/exercises.sh

# Chapter 2: its programs compile and run as the text says, its excerpts
# are still in the runtime, its links are complete.
TESTS += tests/chapter2.sh
EXTRA_DIST += tests/chapter2.sh tests/chapter_code.py

# Streams: parity with node (tests/parity/: NAME.js, its C twin in
# scenarios_*.c, node's trace in NAME.expected) and the core's unit tests.
PARITY_SCENARIOS = \
	cork-writev destroy-twice duplex-half-open flowing-states object-mode \
	paused-read pipe-error-sink pipe-error-source pipe-slow-sink \
	pipe-two-dests pipe-unpipe pipeline-error-middle pipeline-error-sink \
	pipeline-error-source pipeline-ok pipeline-premature transform-flush \
	transform-stall write-after-end write-hwm0 write-hwm10
check_PROGRAMS += tests/parity/parity tests/test_stream
tests_test_stream_SOURCES = tests/test_stream.c
tests_test_stream_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_stream_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
tests_parity_parity_SOURCES = tests/parity/parity.c tests/parity/parity.h \
	tests/parity/driver.c tests/parity/driver.h \
	tests/parity/scenarios_pipe.c tests/parity/scenarios_pipeline.c \
	tests/parity/scenarios_readable.c tests/parity/scenarios_transform.c \
	tests/parity/scenarios_writable.c
EXTRA_tests_parity_parity_DEPENDENCIES = tests/parity/scenarios.list
tests_parity_parity_LDADD = $(RUNTIME_LIBS)
TESTS += tests/test_stream tests/parity.sh
EXTRA_DIST += tests/parity.sh tests/parity/record.sh tests/parity/compare.sh tests/parity/lib.js \
	tests/parity/scenarios.list \
	$(PARITY_SCENARIOS:%=tests/parity/%.js) \
	$(PARITY_SCENARIOS:%=tests/parity/%.expected)

# `make parity`: re-record node's traces and compare the C ones with them.
parity: tests/parity/parity
	$(SHELL) $(srcdir)/tests/parity/record.sh $(srcdir) tests/parity/parity '$(NODE)'

# The I/O layer: files on the pool, TCP on the loop, gzip, HTTP, and
# their streams (lab/runtime/fs*, tcp, net, gzip*, http*).
check_PROGRAMS += tests/test_fs
tests_test_fs_SOURCES = tests/test_fs.c tests/iotest.h
tests_test_fs_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_fs_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_fs
check_PROGRAMS += tests/test_tcp
tests_test_tcp_SOURCES = tests/test_tcp.c tests/iotest.h
tests_test_tcp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_tcp_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_tcp
check_PROGRAMS += tests/test_gzip
tests_test_gzip_SOURCES = tests/test_gzip.c tests/iotest.h
tests_test_gzip_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_gzip_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_gzip
check_PROGRAMS += tests/test_http
tests_test_http_SOURCES = tests/test_http.c tests/iotest.h
tests_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_http_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_http
check_PROGRAMS += tests/test_fs_stream
tests_test_fs_stream_SOURCES = tests/test_fs_stream.c tests/iotest.h
tests_test_fs_stream_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_fs_stream_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_fs_stream
check_PROGRAMS += tests/test_net
tests_test_net_SOURCES = tests/test_net.c tests/iotest.h
tests_test_net_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_net_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_net
check_PROGRAMS += tests/test_gzip_stream
tests_test_gzip_stream_SOURCES = tests/test_gzip_stream.c tests/iotest.h
tests_test_gzip_stream_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_gzip_stream_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_gzip_stream
check_PROGRAMS += tests/test_http_stream
tests_test_http_stream_SOURCES = tests/test_http_stream.c tests/iotest.h
tests_test_http_stream_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_http_stream_LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
TESTS += tests/test_http_stream
check_PROGRAMS += tests/gz_tool
tests_gz_tool_SOURCES = tests/gz_tool.c
tests_gz_tool_LDADD = $(RUNTIME_LIBS)
TESTS += tests/gzip.sh
EXTRA_DIST += tests/gzip.sh

# Chapter 4: the child_process scenarios, traced in C and compared with
# node's traces (tests/parity/child_*.js, recorded as *.expected).
CHILD_PARITY = \
	child_missing child_eacces child_exit_code child_late_output child_kill \
	child_stdin_cat child_exec_maxbuffer child_exec_timeout child_exec_failed \
	child_execfile_enoent child_shell_vs_file child_fork_worker \
	child_send_after_disconnect child_early_close child_burst child_send_false
check_PROGRAMS += tests/parity/child-parity
tests_parity_child_parity_SOURCES = tests/parity/child_parity.c \
	tests/parity/driver.c tests/parity/driver.h
tests_parity_child_parity_LDADD = $(RUNTIME_LIBS)
TESTS += tests/parity_child.sh tests/demo_child.sh
EXTRA_DIST += tests/parity_child.sh tests/demo_child.sh \
	tests/parity/child_lib.js tests/parity/child/worker.js tests/parity/child/ipc.js \
	$(CHILD_PARITY:%=tests/parity/%.js) $(CHILD_PARITY:%=tests/parity/%.expected)

# `make parity` re-records node's child_process traces too.
parity: parity-child
parity-child: tests/parity/child-parity nodelab
	$(SHELL) $(srcdir)/tests/parity/record.sh $(srcdir) tests/parity/child-parity '$(NODE)' '$(abs_top_builddir)/nodelab'
.PHONY: parity-child

# The grader (tests/grader*.sh, tests/student.sh; the hostile corpus in tests/hostile/).
TESTS += tests/grader.sh tests/grader_batch.sh tests/grader_hostile.sh tests/grader_bundle.sh tests/student.sh
EXTRA_DIST += tests/grader.sh tests/grader_batch.sh tests/grader_hostile.sh tests/grader_bundle.sh tests/student.sh \
	tests/hostile

# Chapter 2 demos: their --json numbers show what the chapter claims.
TESTS += tests/demo_streams.sh
EXTRA_DIST += tests/demo_streams.sh
