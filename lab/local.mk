# lab — the `nodelab` program: CLI, course catalog, Markdown, demos, TUI.
bin_PROGRAMS += nodelab
nodelab_SOURCES = \
	lab/main.c \
	lab/cli/cli.h \
	lab/cli/cmd_child.c \
	lab/cli/cmd_demo.c \
	lab/cli/cmd_list.c \
	lab/cli/cmd_read.c \
	lab/cli/cmd_init.c \
	lab/cli/cmd_check.c \
	lab/cli/cmd_hint.c \
	lab/cli/student.c \
	lab/cli/student.h \
	lab/cli/format.c \
	lab/course/catalog.c \
	lab/course/catalog.h \
	lab/course/paths.c \
	lab/course/paths.h \
	lab/course/progress.c \
	lab/course/progress.h \
	lab/course/workspace.c \
	lab/course/workspace.h \
	lab/doc/markdown.c \
	lab/doc/markdown.h \
	lab/doc/doctag.c \
	lab/doc/doctag.h \
	lab/demos/demo.c \
	lab/demos/demo.h \
	lab/demos/registry.c \
	lab/demos/child_demo.c \
	lab/demos/child_demo.h \
	lab/demos/child_compute.c \
	lab/demos/child_errors.c \
	lab/demos/child_exec.c \
	lab/demos/child_execfile.c \
	lab/demos/child_fork.c \
	lab/demos/child_gzip.c \
	lab/demos/child_ipc_cost.c \
	lab/demos/child_spawn.c \
	lab/demos/cluster_http.c \
	lab/demos/cluster_demo.c \
	lab/demos/cluster_demo.h \
	lab/demos/cluster_scheduling.c \
	lab/demos/cluster_single_vs_many.c \
	lab/demos/cluster_respawn.c \
	lab/demos/cluster_graceful.c \
	lab/demos/cluster_cpu_heavy.c \
	lab/demos/cluster_pitfalls.c \
	lab/demos/cluster_lifecycle.c \
	lab/demos/cluster_ipc.c \
	lab/demos/cluster_logs.c \
	lab/demos/cluster_external_lb.c \
	lab/demos/loop_blocking.c \
	lab/demos/loop_layers.c \
	lab/demos/loop_threadpool.c \
	lab/demos/test_fixtures.c \
	lab/demos/buffers_binary.c \
	lab/demos/streamkit.c \
	lab/demos/streamkit.h \
	lab/demos/streams_backpressure.c \
	lab/demos/streams_csv_json.c \
	lab/demos/streams_errors.c \
	lab/demos/streams_gzip.c \
	lab/demos/streams_http.c \
	lab/demos/streams_proxy.c \
	lab/demos/streams_hwm_sweep.c \
	lab/demos/streams_modes.c \
	lab/demos/streams_pipe_copy.c \
	lab/demos/streams_read_chunks.c \
	lab/demos/streams_readfile_vs_stream.c \
	lab/demos/streams_redact.c
# Chapter 5: shutdown.graceful and its SQLite database.
nodelab_SOURCES += lab/demos/shutdown_demo.h lab/demos/shutdown_db.c \
	lab/demos/shutdown_server.c lab/demos/shutdown_graceful.c
EXTRA_DIST += lab/demos/demos.list
# bench.firehose: telemetry at a million events a second (bench/telemetry.sh).
nodelab_SOURCES += lab/demos/bench_firehose.c
nodelab_LDADD = lab/tui/libnltui.a grader/libgrade.a $(RUNTIME_LIBS) $(NCURSES_LIBS)
nodelab_LDADD += $(SQLITE3_LIBS)
AM_CPPFLAGS += $(SQLITE3_CFLAGS)
nodelab_LDADD += $(HIREDIS_LIBS)
# Chapter 5: the thread demos (actors, shared memory, transfer).
nodelab_SOURCES += lab/demos/threads_demo.h lab/demos/threads_demo.c \
	lab/demos/threads_actors.c lab/demos/threads_shared_memory.c \
	lab/demos/threads_transfer.c
# Chapter 6: process pipelines (together.pipeline, together.analytics).
nodelab_SOURCES += lab/demos/together_demo.h lab/demos/together_demo.c \
	lab/demos/together_pipeline.c lab/demos/together_analytics.c
nobase_dist_pkgdata_DATA += data/analytics.py
# Chapter 6: parallel gzip (together.parallel-gzip).
nodelab_SOURCES += lab/demos/together_parallel_gzip.c
# Chapter 6: CPU jobs from clustered workers to a pool of forked children (together.jobs).
nodelab_SOURCES += lab/demos/jobpool.h lab/demos/jobpool.c lab/demos/together_jobs.c \
	lab/demos/together_jobs.h lab/demos/together_jobs_worker.c

# Chapter 6: uploads streamed to disk by clustered workers (together.uploads).
nodelab_SOURCES += lab/demos/together_uploads.h lab/demos/together_uploads.c \
	lab/demos/together_uploads_worker.c
# Chapter 6: the whole system: uploads -> gzip children -> disk, records in SQLite (together.system).
nodelab_SOURCES += lab/demos/together_system.h lab/demos/together_system.c \
	lab/demos/together_system_worker.c lab/demos/system_db.c
