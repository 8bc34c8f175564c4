# grader — nodelab-grader and the grading engine the `nodelab` student
# commands share (libgrade.a), plus the test runner every test program is
# linked with (installed beside liblab.a: the installed grader links it).
noinst_LIBRARIES += grader/libgrade.a
# The student commands of `nodelab` (lab/cli/cmd_check.c ...) use it too.
AM_CPPFLAGS += -I$(srcdir)/grader
grader_libgrade_a_SOURCES = \
	grader/build.c grader/build.h \
	grader/elfsyms.c grader/elfsyms.h \
	grader/grade.c grader/grade.h \
	grader/jobs.c grader/jobs.h \
	grader/layout.c grader/layout.h \
	grader/manifest.c grader/manifest.h \
	grader/report.h grader/report_ci.c grader/report_json.c grader/report_text.c \
	grader/sandbox.c grader/sandbox.h grader/sandbox_fs.c grader/sandbox_fs.h \
	grader/sandbox_landlock.c grader/sandbox_landlock.h \
	grader/sandbox_reap.c grader/sandbox_reap.h \
	grader/session.c grader/session.h \
	grader/sha256.c grader/sha256.h \
	grader/suggest.c grader/suggest.h \
	grader/symbols.c grader/symbols.h \
	grader/util.c grader/util.h
# How exercises are compiled and linked, known to the installed grader.
grader_libgrade_a_CPPFLAGS = $(AM_CPPFLAGS) \
	-DNL_EX_CC='"$(CC)"' \
	-DNL_EX_CFLAGS='"-std=gnu11 -pthread $(CHECK_CFLAGS) $(CJSON_CFLAGS) $(ZLIB_CFLAGS) $(SQLITE3_CFLAGS)"' \
	-DNL_EX_SANITIZE='"$(SANITIZE_CFLAGS)"' \
	-DNL_EX_LIBS='"$(CJSON_LIBS) $(ZLIB_LIBS) $(HTTP_PARSER_LIBS) $(SQLITE3_LIBS) $(CHECK_LIBS) -lm -pthread"'

pkglib_LIBRARIES += lab/runtime/libnlrunner.a
lab_runtime_libnlrunner_a_SOURCES = grader/runner.c grader/util.c grader/util.h
lab_runtime_libnlrunner_a_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

bin_PROGRAMS += nodelab-grader
nodelab_grader_SOURCES = \
	grader/main.c grader/commands.h \
	grader/batch.c grader/bundle.c grader/gradebook.c grader/gradebook.h grader/verify.c grader/zip.c grader/zip.h \
	lab/course/catalog.c lab/course/paths.c
nodelab_grader_LDADD = grader/libgrade.a $(RUNTIME_LIBS)

# The Gradescope bundle's scripts: data, read by `nodelab-grader bundle`.
nobase_dist_pkgdata_DATA += grader/gradescope/setup.sh grader/gradescope/run_autograder
EXTRA_DIST += bench/run.sh bench/grader.sh

# The runner beside liblab_tsan.a (lab/runtime/local.mk), for exercises
# whose tests run under ThreadSanitizer: in an --enable-sanitizers build
# libnlrunner.a is AddressSanitizer's, which a TSan program cannot link.
if !TSAN
pkglib_LIBRARIES += lab/runtime/libnlrunner_tsan.a
lab_runtime_libnlrunner_tsan_a_SOURCES = $(lab_runtime_libnlrunner_a_SOURCES)
lab_runtime_libnlrunner_tsan_a_CFLAGS = $(TSAN_RT_CFLAGS) $(CHECK_CFLAGS)
endif
