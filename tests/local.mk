# tests — Check units for the runtime, shell tests for the CLI.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	NODELAB='$(abs_top_builddir)/nodelab'; NODE='$(NODE)'; CC='$(CC)'; \
	NL_TEST_CFLAGS='$(SANITIZE_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)'; \
	NL_TEST_LIBS='$(SANITIZE_CFLAGS) $(CJSON_LIBS) $(ZLIB_LIBS) $(HTTP_PARSER_LIBS) $(CHECK_LIBS) -lm'; \
	export top_srcdir top_builddir NODELAB NODE CC NL_TEST_CFLAGS NL_TEST_LIBS;

# A Check program tests/test_NAME is tests/test_NAME.c (automake's default
# _SOURCES) linked with the runtime and Check (the default LDADD, which
# every program outside tests/ overrides with its own _LDADD).  Check's
# cflags only add its include path, harmless for the other objects.
LDADD = $(RUNTIME_LIBS) $(CHECK_LIBS)
AM_CPPFLAGS += $(CHECK_CFLAGS)
EXTRA_DIST += tests/check_run.h tests/iotest.h

UNIT_TESTS = tests/test_loop tests/test_telemetry \
	tests/test_tui_model tests/test_tui_exercise
tests_test_tui_model_SOURCES = tests/test_tui_model.c lab/tui/model.c lab/tui/model_log.c \
	lab/tui/model_ipc.c lab/tui/model_result.c lab/tui/model_cluster.c \
	lab/tui/model_shutdown.c lab/tui/model_threads.c lab/tui/model_jobs.c
tests_test_tui_exercise_SOURCES = tests/test_tui_exercise.c lab/tui/exercise_report.c
# The cluster view's model (lab/tui/model_cluster.c).
UNIT_TESTS += tests/test_tui_cluster tests/test_tui_shutdown
tests_test_tui_shutdown_SOURCES = tests/test_tui_shutdown.c lab/tui/model.c lab/tui/model_log.c \
	lab/tui/model_ipc.c lab/tui/model_result.c lab/tui/model_cluster.c \
	lab/tui/model_shutdown.c lab/tui/model_threads.c lab/tui/model_jobs.c
tests_test_tui_cluster_SOURCES = tests/test_tui_cluster.c lab/tui/model.c lab/tui/model_log.c \
	lab/tui/model_ipc.c lab/tui/model_result.c lab/tui/model_cluster.c \
	lab/tui/model_shutdown.c lab/tui/model_threads.c lab/tui/model_jobs.c
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS) tests/tui.sh tests/cli.sh tests/demo_loop.sh tests/exercises.sh
EXTRA_DIST += tests/lib.sh tests/tui.sh tests/tui/fixture-chapter.md \
	tests/cli.sh tests/demo_loop.sh tests/exercises.sh

# Chapter 4: child processes and IPC.
CHILD_TESTS = tests/test_process tests/test_exec tests/test_ipc tests/test_reliability
check_PROGRAMS += $(CHILD_TESTS)
TESTS += $(CHILD_TESTS)

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
	transform-stall write-after-end write-hwm0 write-hwm10 \
	end-callback
check_PROGRAMS += tests/parity/parity tests/test_stream
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
IO_TESTS = tests/test_fs tests/test_tcp tests/test_gzip tests/test_http \
	tests/test_fs_stream tests/test_net tests/test_gzip_stream tests/test_http_stream
check_PROGRAMS += $(IO_TESTS)
TESTS += $(IO_TESTS)
check_PROGRAMS += tests/gz_tool
tests_gz_tool_LDADD = $(RUNTIME_LIBS)
TESTS += tests/gzip.sh
EXTRA_DIST += tests/gzip.sh

# Chapter 4: the child_process scenarios, traced in C and compared with
# node's traces (tests/parity/child_*.js, recorded as *.expected).
CHILD_PARITY = \
	child_missing child_eacces child_exit_code child_late_output child_kill \
	child_stdin_cat child_exec_maxbuffer child_exec_timeout child_exec_failed \
	child_execfile_enoent child_shell_vs_file child_fork_worker \
	child_send_after_disconnect child_early_close child_burst child_send_false \
	child_unhandled_error child_stdio_sockets child_stdout_reset
CHILD_PARITY += child_stdin_big_write child_pipeline_jam
CHILD_PARITY += child_job_retry
CHILD_PARITY += child_gzip_killed
check_PROGRAMS += tests/parity/child-parity
tests_parity_child_parity_SOURCES = tests/parity/child_parity.c \
	tests/parity/driver.c tests/parity/driver.h
tests_parity_child_parity_LDADD = $(RUNTIME_LIBS)
TESTS += tests/parity_child.sh tests/demo_child.sh
EXTRA_DIST += tests/parity_child.sh tests/demo_child.sh \
	tests/parity/child_lib.js tests/parity/child/worker.js tests/parity/child/ipc.js \
	tests/parity/child/unhandled.js \
	$(CHILD_PARITY:%=tests/parity/%.js) $(CHILD_PARITY:%=tests/parity/%.expected)

# `make parity` re-records node's child_process traces too.
parity: parity-child
parity-child: tests/parity/child-parity nodelab
	$(SHELL) $(srcdir)/tests/parity/record.sh $(srcdir) tests/parity/child-parity '$(NODE)' '$(abs_top_builddir)/nodelab'
.PHONY: parity-child

# The grader (tests/grader*.sh, tests/student.sh; the hostile corpus in tests/hostile/).
TESTS += tests/grader.sh tests/grader_batch.sh tests/grader_hostile.sh tests/grader_bundle.sh tests/student.sh
TESTS += tests/grader_workflow.sh
EXTRA_DIST += tests/grader_workflow.sh
EXTRA_DIST += tests/grader.sh tests/grader_batch.sh tests/grader_hostile.sh tests/grader_bundle.sh tests/student.sh \
	tests/hostile

# Chapter 2 demos: their --json numbers show what the chapter claims.
TESTS += tests/demo_streams.sh
EXTRA_DIST += tests/demo_streams.sh

# Chapter 1's quiz (exercises/loop-choose): one changed answer fails it.
TESTS += tests/loop_choose.sh
EXTRA_DIST += tests/loop_choose.sh

# Chapters 1 and 4: excerpts still in the runtime, links, widths.
TESTS += tests/chapters.sh
EXTRA_DIST += tests/chapters.sh tests/chapter_checks.sh

# The lab's model against any telemetry line (tests/fuzz/fuzz_model.c).
# make check replays the seed corpus and every input that once broke the
# model (tests/fuzz/regress/) through the harness; `make fuzz` runs
# libFuzzer on it for FUZZ_SECONDS (clang and libclang-rt-14-dev: not in
# CI's list, a developer's tool).  A crash it finds goes into
# tests/fuzz/regress/ with its fix.
FUZZ_MODEL_SOURCES = lab/tui/model.c lab/tui/model_log.c lab/tui/model_ipc.c \
	lab/tui/model_result.c lab/tui/model_cluster.c \
	lab/tui/model_shutdown.c lab/tui/model_threads.c lab/tui/model_jobs.c tests/fuzz/fuzz_model.c
FUZZ_MODEL_SOURCES += lab/tui/model_system.c
check_PROGRAMS += tests/fuzz/replay
tests_fuzz_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_MODEL_SOURCES)
tests_fuzz_replay_LDADD = $(RUNTIME_LIBS)
TESTS += tests/fuzz_replay.sh
EXTRA_DIST += tests/fuzz_replay.sh tests/fuzz/seed.sh tests/fuzz/corpus tests/fuzz/regress

FUZZ_CC = clang
FUZZ_SECONDS = 120
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
tests/fuzz/fuzz_model: $(FUZZ_MODEL_SOURCES:%=$(srcdir)/%) lab/tui/model.h lab/tui/model_impl.h
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) \
	  -o $@ $(FUZZ_MODEL_SOURCES:%=$(srcdir)/%) $(srcdir)/lab/runtime/telemetry/events.c \
	  $(CJSON_LIBS) -lm
fuzz: tests/fuzz/fuzz_model
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	$(MKDIR_P) tests/fuzz/work tests/fuzz/found
	tests/fuzz/fuzz_model -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -artifact_prefix=tests/fuzz/found/ -dict=$(srcdir)/tests/fuzz/telemetry.dict \
	  tests/fuzz/work $(srcdir)/tests/fuzz/corpus
CLEANFILES += tests/fuzz/fuzz_model
.PHONY: fuzz

# Chapter 3: the cluster scenarios, traced in C and compared with node's
# traces (tests/parity/cluster/cluster_*.js, recorded as *.expected).
CLUSTER_PARITY = \
	cluster_listen_two cluster_disconnect_one cluster_kill cluster_exit_start \
	cluster_message cluster_disconnect_inflight cluster_rr_even cluster_port_in_use
CLUSTER_PARITY += cluster_upload_cut
check_PROGRAMS += tests/parity/cluster-parity
tests_parity_cluster_parity_SOURCES = tests/parity/cluster_parity.c \
	tests/parity/driver.c tests/parity/driver.h
tests_parity_cluster_parity_LDADD = $(RUNTIME_LIBS)
TESTS += tests/parity_cluster.sh
EXTRA_DIST += tests/parity_cluster.sh tests/parity/cluster/cluster_lib.js \
	$(CLUSTER_PARITY:%=tests/parity/cluster/%.js) \
	$(CLUSTER_PARITY:%=tests/parity/cluster/%.expected)

# `make parity` re-records node's cluster traces too.
parity: parity-cluster
parity-cluster: tests/parity/cluster-parity
	PARITY_DIR=$(srcdir)/tests/parity/cluster $(SHELL) $(srcdir)/tests/parity/record.sh \
		$(srcdir) tests/parity/cluster-parity '$(NODE)'
.PHONY: parity-cluster
check_PROGRAMS += tests/test_cluster
TESTS += tests/test_cluster
TESTS += tests/demo_cluster.sh
EXTRA_DIST += tests/demo_cluster.sh
TESTS += tests/demo_cluster2.sh
EXTRA_DIST += tests/demo_cluster2.sh

# Chapter 5: worker threads, shared memory, graceful shutdown
# (lab/runtime/threads).
THREADS_TESTS = tests/test_worker tests/test_shared tests/test_shutdown
check_PROGRAMS += $(THREADS_TESTS)
TESTS += $(THREADS_TESTS)
EXTRA_DIST += tests/trace.h

# Chapter 5: the worker_threads and Atomics scenarios, traced in C and
# compared with node's traces (tests/parity/threads/*.js, *.expected).
THREADS_PARITY = atomics-values atomics-notify message-order transfer-detach worker-failures
check_PROGRAMS += tests/parity/threads/threads-parity
tests_parity_threads_threads_parity_SOURCES = tests/parity/threads/threads_parity.c \
	tests/parity/driver.c tests/parity/driver.h
tests_parity_threads_threads_parity_LDADD = $(RUNTIME_LIBS)
TESTS += tests/parity_threads.sh
EXTRA_DIST += tests/parity_threads.sh \
	$(THREADS_PARITY:%=tests/parity/threads/%.js) \
	$(THREADS_PARITY:%=tests/parity/threads/%.expected)

# `make parity` re-records node's worker_threads traces too.
parity: parity-threads
parity-threads: tests/parity/threads/threads-parity
	PARITY_DIR=$(srcdir)/tests/parity/threads $(SHELL) $(srcdir)/tests/parity/record.sh $(srcdir) tests/parity/threads/threads-parity '$(NODE)'
.PHONY: parity-threads

# Chapter 5: demo shutdown.graceful, its contract and its audit.
TESTS += tests/demo_shutdown.sh
EXTRA_DIST += tests/demo_shutdown.sh tests/demo_shutdown.py

# The runtime's own Check tests: `make check-runtime` runs them alone, e.g.
# in a ThreadSanitizer build (./configure --enable-tsan; README.md).  A new
# runtime test (threads, workers, shared memory) is added here as well.
RUNTIME_CHECK_TESTS = tests/test_loop tests/test_telemetry tests/test_stream \
	$(IO_TESTS) $(CHILD_TESTS) $(THREADS_TESTS)
check-runtime:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(RUNTIME_CHECK_TESTS)'
.PHONY: check-runtime
# Under ThreadSanitizer every test runs several times slower: longer limits,
# and fewer spawns (the race detector needs interleavings, not counts).
if TSAN
AM_TESTS_ENVIRONMENT += CK_TIMEOUT_MULTIPLIER=5 NL_TEST_SPAWNS=1000; \
	export CK_TIMEOUT_MULTIPLIER NL_TEST_SPAWNS;
endif

# Chapter 3: its programs compile and run as the text says (a cluster on
# one port, a graceful stop, IPC), its excerpts are still in the runtime.
TESTS += tests/chapter3.sh
EXTRA_DIST += tests/chapter3.sh

# Chapter 5: the thread demos, judged by their events.
TESTS += tests/demo_threads.sh
EXTRA_DIST += tests/demo_threads.sh

# Chapter 3 exercises: verify (solution full marks, starter 0) and a class
# of wrong solutions that must each lose the tests guarding them.
TESTS += tests/cluster_exercises.sh
EXTRA_DIST += tests/cluster_exercises.sh

# Chapter 5's text against the runtime and the demo registry.
TESTS += tests/chapter5.sh
EXTRA_DIST += tests/chapter5.sh
TESTS += tests/threads_exercises.sh
EXTRA_DIST += tests/threads_exercises.sh

# Chapter 6: the process pipelines (together.pipeline, together.analytics).
TESTS += tests/demo_together.sh
EXTRA_DIST += tests/demo_together.sh

# Chapter 6: parallel gzip (lab/runtime/io/pgzip.c) and its demo's output
# through gzip and pigz.
check_PROGRAMS += tests/test_pgzip
TESTS += tests/test_pgzip tests/pgzip.sh
EXTRA_DIST += tests/pgzip.sh

# Chapter 6: uploads streamed to disk by clustered workers (together.uploads).
TESTS += tests/demo_uploads.sh
EXTRA_DIST += tests/demo_uploads.sh
check_PROGRAMS += tests/test_upload
TESTS += tests/test_upload

# `make check-sanitized` (in a ./configure --enable-sanitizers build; CI's
# second stage): the suite again under ASan and UBSan, without the scripts
# that spend their minutes compiling and re-grading reference solutions or
# polling a terminal (they ran uninstrumented in the first stage, and the
# code they drive — the grader, the lab — is exercised here by grader.sh,
# student.sh and the lab's model tests).  grader_hostile.sh is left out
# too: in such a build the grader compiles the students' code with the
# sanitizers as well, and ASan's reserved shadow memory cannot live under
# the sandbox's memory limit (the memory bomb then times out instead of
# running out of memory) — a different program from the one students get.
# Fewer spawns in test_process: its ten thousand find leaks and zombies,
# not memory errors.
SANITIZER_SKIP = tests/tui.sh tests/exercises.sh tests/grader_batch.sh \
	tests/grader_bundle.sh tests/grader_workflow.sh tests/grader_hostile.sh \
	tests/cluster_exercises.sh tests/threads_exercises.sh
check-sanitized:
	NL_TEST_SPAWNS=2000 $(MAKE) $(AM_MAKEFLAGS) check \
	    TESTS='$(filter-out $(SANITIZER_SKIP),$(TESTS))'
.PHONY: check-sanitized

# Chapter 6: CPU jobs from clustered workers to a pool of forked children (together.jobs).
TESTS += tests/demo_jobs.sh
EXTRA_DIST += tests/demo_jobs.sh

# The demos' shared parameter code (lab/demos/demo.c): live text parameters.
UNIT_TESTS += tests/test_demo
tests_test_demo_SOURCES = tests/test_demo.c lab/demos/demo.c

# Chapter 6: the whole system: uploads -> gzip children -> disk, records in SQLite (together.system).
TESTS += tests/demo_system.sh
EXTRA_DIST += tests/demo_system.sh
# The model of together.system's overview (lab/tui/model_system.c), in every program that links model.c.
tests_test_tui_model_SOURCES += lab/tui/model_system.c
tests_test_tui_shutdown_SOURCES += lab/tui/model_system.c
tests_test_tui_cluster_SOURCES += lab/tui/model_system.c
