# lab/tui — the lab's screens (`nodelab`, `nodelab open`).  Built as a
# library the nodelab program links, so the model can be unit-tested alone
# (tests/test_tui_model) and the exercise runner can be told, at build time,
# how exercises are compiled.
noinst_LIBRARIES += lab/tui/libnltui.a
lab_tui_libnltui_a_SOURCES = \
	lab/tui/app.c lab/tui/app.h \
	lab/tui/input.c \
	lab/tui/tui.c \
	lab/tui/ui.c lab/tui/ui.h \
	lab/tui/model.c lab/tui/model_log.c lab/tui/model.h \
	lab/tui/model_ipc.c lab/tui/model_result.c lab/tui/model_impl.h \
	lab/tui/model_cluster.c lab/tui/model_cluster.h \
	lab/tui/model_shutdown.c lab/tui/model_shutdown.h \
	lab/tui/model_threads.c lab/tui/model_threads.h \
	lab/tui/model_jobs.c lab/tui/model_jobs.h lab/tui/demo_jobs.c \
	lab/tui/model_system.c lab/tui/model_system.h lab/tui/demo_system.c \
	lab/tui/demo_proc.c lab/tui/demo_proc.h \
	lab/tui/doc_layout.c lab/tui/doc_layout.h \
	lab/tui/syntax.c lab/tui/syntax.h \
	lab/tui/exercise.c lab/tui/exercise_report.c lab/tui/exercise_runner.c \
	lab/tui/exercise.h \
	lab/tui/screen_home.c \
	lab/tui/screen_picker.c \
	lab/tui/screen_reader.c \
	lab/tui/screen_demo.c lab/tui/screen_demo.h lab/tui/demo_panels.c \
	lab/tui/demo_result.c lab/tui/demo_step.c \
	lab/tui/demo_cluster.c lab/tui/demo_shutdown.c lab/tui/demo_threads.c \
	lab/tui/screen_exercise.c \
	lab/tui/widget.h \
	lab/tui/widget_gauge.c \
	lab/tui/widget_sparkline.c \
	lab/tui/widget_bars.c \
	lab/tui/widget_table.c \
	lab/tui/widget_log.c \
	lab/tui/widget_doc.c \
	lab/tui/widget_box.c
# v on a dashboard: the runtime code its chapter section quotes.
lab_tui_libnltui_a_SOURCES += lab/tui/demo_source.c
