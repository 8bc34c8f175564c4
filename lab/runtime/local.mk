# lab/runtime — the C runtime: loop, pool, telemetry (and, later, streams,
# child processes, IPC).  Installed, with its headers, because the grader
# compiles student code against it.
pkglib_LIBRARIES += lab/runtime/liblab.a
lab_runtime_liblab_a_SOURCES = \
	lab/runtime/errors.c \
	lab/runtime/exec.c \
	lab/runtime/fork.c \
	lab/runtime/ipc.c \
	lab/runtime/lag.c \
	lab/runtime/loop.c \
	lab/runtime/pool.c \
	lab/runtime/process.c \
	lab/runtime/process_child.c \
	lab/runtime/process_child.h \
	lab/runtime/telemetry.c
pkginclude_HEADERS += \
	lab/runtime/errors.h \
	lab/runtime/exec.h \
	lab/runtime/fork.h \
	lab/runtime/ipc.h \
	lab/runtime/lag.h \
	lab/runtime/loop.h \
	lab/runtime/pool.h \
	lab/runtime/process.h \
	lab/runtime/telemetry.h
