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
EXTRA_DIST += tests/lib.sh tests/cli.sh tests/demo_loop.sh tests/exercises.sh tests/exercise_main.c
