/* build.c — compiling and linking a submission (see build.h). */
#include "config.h"
#include "build.h"
#include "layout.h"
#include "course/paths.h"
#include "sandbox.h"
#include "symbols.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NL_EX_CC
#define NL_EX_CC "cc"
#endif
#ifndef NL_EX_CFLAGS
#define NL_EX_CFLAGS "-std=gnu11 -pthread"
#endif
#ifndef NL_EX_LIBS
#define NL_EX_LIBS "-lcjson -lz -lhttp_parser -pthread -lcheck_pic -lrt -lm -lsubunit"
#endif
#ifndef NL_EX_SANITIZE
#define NL_EX_SANITIZE ""
#endif

/* Warnings help a student; optimisation stays low so a compile is quick. */
#define WARN_FLAGS "-Wall -Wextra -Wno-unused-parameter -O1 -g -fno-lto -fdiagnostics-color=never"

/* An exercise that asks for ThreadSanitizer ("sanitize": "thread") gets
 * it whatever the build's own choice; it excludes AddressSanitizer. */
#define TSAN_FLAGS "-fsanitize=thread -fno-omit-frame-pointer"

static bool wants_tsan(const nl_manifest *m) { return m && m->sanitize == NL_SANITIZE_THREAD; }

const char *nl_build_cc(void) { return NL_EX_CC; }
const char *nl_build_cflags(const nl_manifest *m)
{
    return wants_tsan(m) ? NL_EX_CFLAGS " " TSAN_FLAGS : NL_EX_CFLAGS " " NL_EX_SANITIZE;
}
const char *nl_build_libs(const nl_manifest *m)
{
    return wants_tsan(m) ? TSAN_FLAGS " " NL_EX_LIBS : NL_EX_SANITIZE " " NL_EX_LIBS;
}
bool nl_build_sanitized(const nl_manifest *m) { return wants_tsan(m) || NL_EX_SANITIZE[0] != '\0'; }
bool nl_build_tsan(const nl_manifest *m) { return wants_tsan(m) || strstr(NL_EX_SANITIZE, "=thread"); }

/* The runtime and the runner to link.  ThreadSanitizer must see the
 * runtime's own synchronisation (its atomics), so a TSan exercise links
 * copies compiled with it (liblab_tsan.a, lab/runtime/local.mk) — unless
 * this is a --enable-tsan build, whose liblab.a is compiled with it. */
static void runtime_libs(const nl_manifest *m, char *lab, char *runner, size_t len)
{
    bool other = wants_tsan(m) && !strstr(NL_EX_SANITIZE, "=thread");
    snprintf(lab, len, "%s/liblab%s.a", nl_lib_dir(), other ? "_tsan" : "");
    snprintf(runner, len, "%s/libnlrunner%s.a", nl_lib_dir(), other ? "_tsan" : "");
}

const char *const *nl_build_hidden(const char *root, const char *const *extra)
{
    static const char *list[40];
    size_t n = 0;
    list[n++] = nl_data_dir();
    if (root) list[n++] = root;
    for (const char *const *e = extra; e && *e && n < 38; e++) list[n++] = *e;
    list[n] = NULL;
    return list;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* cc [cflags] ARGS... as an argv (NULL-ended, malloc'd). */
static char **compiler_argv(const nl_manifest *m, const char *const *args)
{
    char **argv = NULL;
    size_t n = nl_split_words(NL_EX_CC, &argv, 0);
    n = nl_split_words(nl_build_cflags(m), &argv, n);
    n = nl_split_words(WARN_FLAGS, &argv, n);
    for (const char *const *a = args; *a; a++) {
        argv = realloc(argv, (n + 2) * sizeof *argv);
        argv[n++] = strdup(*a);
        argv[n] = NULL;
    }
    return argv;
}

static char *object_for(const char *dir, const char *src)
{
    size_t n = strlen(dir) + strlen(src) + 4;
    char *o = malloc(n);
    snprintf(o, n, "%s/%.*s.o", dir, (int)(strlen(src) - 2), src);
    return o;
}

int nl_prepare(const nl_manifest *m, const char *root, nl_prepared *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    double t0 = nl_now_ms();
    size_t n = strlen(root) + strlen(m->id) + 16;
    p->dir = malloc(n);
    snprintf(p->dir, n, "%s/ex-%s", root, m->id);
    if (nl_make_dirs(p->dir, 0700) < 0) {
        snprintf(err, errlen, "%s: %s", p->dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < m->nfiles; i++) p->tests_per_submission |= has_suffix(m->files[i], ".h");
    p->objs = calloc(m->ntests + m->nprovided + 1, sizeof *p->objs);
    if (p->tests_per_submission) {
        /* Compiled per submission, with the student's header: their
         * symbols are not known here, and a clash fails the link. */
        p->syms = nl_symbols_of(p->objs, 0);
        p->ms = nl_now_ms() - t0;
        return 0;
    }
    /* The instructor's sources, compiled where they are so that Check
     * reports "test_x.c:41", with the exercise's own headers. */
    char inc1[4200], inc2[4200];
    snprintf(inc1, sizeof inc1, "-I%s", m->dir);
    snprintf(inc2, sizeof inc2, "-I%s", nl_include_dir());
    char *const *lists[] = { m->tests, m->provided };
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            const char *src = lists[l][i];
            if (!has_suffix(src, ".c")) continue;
            char *obj = object_for(p->dir, src);
            const char *args[] = { inc1, inc2, "-c", src, "-o", obj, NULL };
            char **argv = compiler_argv(m, args);
            char *out = NULL;
            int st = nl_run_tool(argv, m->dir, 120, &out);
            nl_free_argv(argv);
            if (st != 0) {
                snprintf(err, errlen, "%s/%s does not compile (an exercise bug): %.300s", m->dir, src,
                         out ? out : "");
                free(out);
                free(obj);
                return -1;
            }
            free(out);
            p->objs[p->nobjs++] = obj;
        }
    p->syms = nl_symbols_of(p->objs, p->nobjs);
    p->ms = nl_now_ms() - t0;
    return 0;
}

void nl_prepared_free(nl_prepared *p)
{
    for (size_t i = 0; i < p->nobjs; i++) free(p->objs[i]);
    free(p->objs);
    nl_symset_free(p->syms);
    if (p->dir) nl_remove_tree(p->dir);
    free(p->dir);
    memset(p, 0, sizeof *p);
}

/* The compiler, by absolute path: the sandbox has no PATH lookup of the
 * host's, and only /usr is there. */
static char *resolve_cc(void)
{
    char **words = NULL;
    nl_split_words(NL_EX_CC, &words, 0);
    char *found = NULL;
    if (words[0] && strchr(words[0], '/')) found = strdup(words[0]);
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    for (char *dir = strtok(copy, ":"); dir && !found && words[0]; dir = strtok(NULL, ":")) {
        char cand[4200];
        snprintf(cand, sizeof cand, "%s/%s", dir, words[0]);
        if (access(cand, X_OK) == 0) found = strdup(cand);
    }
    free(copy);
    nl_free_argv(words);
    return found;
}

/* Copies from_dir/name to to_dir/name; 0 or -1 with err set. */
static int copy_named(const char *from_dir, const char *name, const char *to_dir, char *err, size_t errlen)
{
    char from[8500], to[8500];
    snprintf(from, sizeof from, "%s/%s", from_dir, name);
    snprintf(to, sizeof to, "%s/%s", to_dir, name);
    if (nl_copy_file(from, to, 0644) == 0) return 0;
    snprintf(err, errlen, "%s: %s", from, strerror(errno));
    return -1;
}

/* Copies the student's files and the headers they may include into the
 * folder the compile sandbox sees as /work. */
static int stage(const nl_prepared *p, const char *files_dir, const char *work, nl_built *b,
                 char *err, size_t errlen)
{
    char inc[4300];
    snprintf(inc, sizeof inc, "%s/include", work);
    if (nl_make_dirs(inc, 0755) < 0) { snprintf(err, errlen, "%s: %s", inc, strerror(errno)); return -1; }
    const nl_manifest *m = p->m;
    for (size_t i = 0; i < m->nfiles; i++)
        if (copy_named(files_dir, m->files[i], work, err, errlen) < 0) return -1;
    b->sha256 = nl_hash_files(m, work);
    for (size_t i = 0; i < m->nprovided; i++)
        if (has_suffix(m->provided[i], ".h") && copy_named(m->dir, m->provided[i], inc, err, errlen) < 0)
            return -1;
    /* The runtime's headers, unless the exercise gives one of that name. */
    DIR *d = opendir(nl_include_dir());
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char mine[8500], ignored[64];
        snprintf(mine, sizeof mine, "%s/%s", inc, e->d_name);
        if (has_suffix(e->d_name, ".h") && !nl_is_file(mine))
            copy_named(nl_include_dir(), e->d_name, inc, ignored, sizeof ignored);
    }
    if (d) closedir(d);
    return 0;
}

/* Keeps the lines of compiler output that are about the student's files. */
static char *only_student_lines(const nl_manifest *m, const char *out)
{
    nl_buf b = { 0 };
    for (const char *line = out; *line;) {
        size_t len = strcspn(line, "\n");
        for (size_t i = 0; i < m->nfiles; i++)
            if (!strncmp(line, m->files[i], strlen(m->files[i])) && line[strlen(m->files[i])] == ':') {
                nl_buf_add(&b, line, len);
                nl_buf_puts(&b, "\n");
                break;
            }
        line += len + (line[len] == '\n');
    }
    return nl_buf_take(&b);
}

/* Runs the compiler in a sandbox on `sources` (names relative to work). */
static int compile_boxed(const nl_manifest *m, const char *work, const char *root, const char *const *hide,
                         const char *const *sources, int *status, char **output, char *err, size_t errlen)
{
    char *cc = resolve_cc();
    if (!cc) { snprintf(err, errlen, "compiler '%s' not found in PATH", NL_EX_CC); return -1; }
    const char *args[64];
    size_t n = 0;
    args[n++] = "-I.";
    args[n++] = "-Iinclude";
    args[n++] = "-c";
    for (const char *const *s = sources; *s && n < 62; s++) args[n++] = *s;
    args[n] = NULL;
    char **argv = compiler_argv(m, args);
    nl_box_spec spec = {
        .exe = cc, .argv = argv, .work_host = work, .hide = nl_build_hidden(root, hide),
        .wall_s = 120, .cpu_s = 60, .mem_mb = nl_build_sanitized(NULL) ? 0 : 2048, .procs = 16,
        .fsize_mb = 64, .nofile = 128, .tmpfs_mb = 128, .output_half = 16384, .tmp = root,
    };
    nl_box_result r;
    int rc = nl_box_run(&spec, &r, err, errlen);
    nl_free_argv(argv);
    free(cc);
    if (rc < 0) return -1;
    if (r.setup_failed) {
        snprintf(err, errlen, "%s", r.output);
        nl_box_result_free(&r);
        return -1;
    }
    *status = r.timed_out ? -1 : r.status;
    *output = r.output;
    r.output = NULL;
    if (r.timed_out) {
        nl_buf b = { 0 };
        nl_buf_printf(&b, "%sthe compiler was stopped after %.0f s\n", *output, spec.wall_s);
        free(*output);
        *output = nl_buf_take(&b);
    }
    nl_box_result_free(&r);
    return 0;
}

static void push(char ***argv, size_t *n, const char *s)
{
    *argv = realloc(*argv, (*n + 2) * sizeof **argv);
    (*argv)[(*n)++] = strdup(s);
    (*argv)[*n] = NULL;
}

/* Links outside the sandbox: the objects are compiler output, and the
 * student's were checked; the linker reads no file they could name. */
static void link_program(const nl_prepared *p, char **objs, const char *box, nl_built *b)
{
    char **argv = NULL;
    size_t n = nl_split_words(NL_EX_CC, &argv, 0);
    char exe[4300], runner[4300], lab[4300];
    snprintf(exe, sizeof exe, "%s/tests", box);
    runtime_libs(p->m, lab, runner, sizeof lab);
    push(&argv, &n, "-o");
    push(&argv, &n, exe);
    for (char **o = objs; *o; o++) push(&argv, &n, *o);
    for (size_t i = 0; i < p->nobjs; i++) push(&argv, &n, p->objs[i]);
    push(&argv, &n, runner);
    push(&argv, &n, lab);
    nl_split_words(nl_build_libs(p->m), &argv, n);
    char *out = NULL;
    int st = nl_run_tool(argv, box, 120, &out);
    nl_free_argv(argv);
    if (st != 0) {
        b->status = "compile error";
        b->diagnostics = out;
        return;
    }
    free(out);
    /* Execute-only: the sandboxed uid can run it, not copy the tests'
     * code out of it.  A sanitizer build needs it readable: exec'ing an
     * unreadable file makes the process non-dumpable, and ASan then
     * cannot read its options from /proc/self/environ. */
    chmod(exe, nl_build_sanitized(p->m) ? 0755 : 0711);
}

int nl_build(const nl_prepared *p, const char *files_dir, const char *root,
             const char *const *hide, nl_built *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    const nl_manifest *m = p->m;
    char *work = NULL, *box = NULL;
    size_t n = strlen(root) + 16;
    work = malloc(n);
    box = malloc(n);
    snprintf(work, n, "%s/cc", root);
    snprintf(box, n, "%s/box", root);
    int rc = -1;
    char **objs = calloc(m->nfiles + m->ntests + m->nprovided + 1, sizeof *objs);
    size_t nobjs = 0;
    /* The compile's folder is for the compile's uid alone: it may hold the
     * tests' sources, which a test run in basic mode must not read. */
    if (mkdir(work, 0700) < 0 || mkdir(box, 0711) < 0) {
        snprintf(err, errlen, "%s: %s", root, strerror(errno));
        goto out;
    }
    if (stage(p, files_dir, work, b, err, errlen) < 0) goto out;
    const char *sources[64];
    size_t ns = 0;
    for (size_t i = 0; i < m->nfiles && ns < 63; i++)
        if (has_suffix(m->files[i], ".c")) sources[ns++] = m->files[i];
    sources[ns] = NULL;
    double t0 = nl_now_ms();
    int st;
    char *output = NULL;
    if (compile_boxed(m, work, root, hide, sources, &st, &output, err, errlen) < 0) goto out;
    if (st != 0) {
        b->status = "compile error";
        b->diagnostics = output;
        rc = 0;
        goto out;
    }
    if (output && *output) b->warnings = output;
    else free(output);
    for (size_t i = 0; i < ns; i++) {
        objs[nobjs] = object_for(work, sources[i]);
        char *why = nl_symbols_check(p, objs[nobjs], sources[i]);
        nobjs++;
        if (why) { b->status = "refused"; b->diagnostics = why; rc = 0; goto out; }
    }
    if (p->tests_per_submission) {
        /* The student's header is part of the tests' compile: do that in a
         * sandbox too, and show only what concerns the student's files. */
        char *const *lists[] = { m->tests, m->provided };
        const char *tsrc[64];
        size_t nt = 0;
        for (int l = 0; l < 2; l++)
            for (size_t i = 0; lists[l][i] && nt < 63; i++) {
                if (!has_suffix(lists[l][i], ".c")) continue;
                if (copy_named(m->dir, lists[l][i], work, err, errlen) < 0) goto out;
                tsrc[nt++] = lists[l][i];
                objs[nobjs++] = object_for(work, lists[l][i]);
            }
        tsrc[nt] = NULL;
        if (compile_boxed(m, work, root, hide, tsrc, &st, &output, err, errlen) < 0) goto out;
        if (st != 0) {
            char *mine = only_student_lines(m, output);
            nl_buf d = { 0 };
            nl_buf_printf(&d, "The tests do not compile with your files; keep the declarations "
                          "the exercise gave you.\n%s", mine);
            free(mine);
            free(output);
            b->status = "compile error";
            b->diagnostics = nl_buf_take(&d);
            rc = 0;
            goto out;
        }
        free(output);
    }
    b->compile_ms = nl_now_ms() - t0;
    t0 = nl_now_ms();
    link_program(p, objs, box, b);
    b->link_ms = nl_now_ms() - t0;
    if (!b->status) { b->box = box; box = NULL; }
    rc = 0;
out:
    nl_free_argv(objs);
    free(work);
    free(box);
    return rc;
}

void nl_built_free(nl_built *b)
{
    free(b->diagnostics);
    free(b->warnings);
    free(b->box);
    free(b->sha256);
    memset(b, 0, sizeof *b);
}
