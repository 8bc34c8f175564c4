/*
 * symbols.c — which global symbols a student object may define.
 *
 * A definition in the student's object wins over the same name in a
 * library.  Defining exit() or fork() would change what the test runner
 * does; defining srunner_run() or tr_rtype() would change what it reports;
 * a constructor would run student code in the runner's own process before
 * main().  So a symbol is refused if it is main, a reserved name (leading
 * underscore), an IFUNC, or defined by anything else in the link: the C
 * library and the other shared libraries, Check, the runtime, the runner,
 * the exercise's tests and provided files.  With an "api" list in the
 * manifest, only the names listed are allowed at all.
 */
#include "config.h"
#include "symbols.h"
#include "build.h"
#include "course/paths.h"
#include "elfsyms.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing set: name -> who defines it. */
struct nl_symset {
    char **names;
    const char **owners;
    size_t cap, count;
};
typedef nl_symset symset;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static void set_add(symset *s, const char *name, const char *owner);

static void set_grow(symset *s)
{
    symset bigger = { calloc(s->cap ? s->cap * 2 : 4096, sizeof(char *)),
                      calloc(s->cap ? s->cap * 2 : 4096, sizeof(char *)),
                      s->cap ? s->cap * 2 : 4096, 0 };
    for (size_t i = 0; i < s->cap; i++)
        if (s->names[i]) { set_add(&bigger, s->names[i], s->owners[i]); free(s->names[i]); }
    free(s->names);
    free(s->owners);
    *s = bigger;
}

static const char *set_find(const symset *s, const char *name)
{
    if (!s->cap) return NULL;
    for (size_t i = hash(name) % s->cap; s->names[i]; i = (i + 1) % s->cap)
        if (strcmp(s->names[i], name) == 0) return s->owners[i];
    return NULL;
}

static void set_add(symset *s, const char *name, const char *owner)
{
    if ((s->count + 1) * 2 > s->cap) set_grow(s);
    size_t i = hash(name) % s->cap;
    for (; s->names[i]; i = (i + 1) % s->cap)
        if (strcmp(s->names[i], name) == 0) return;
    s->names[i] = strdup(name);
    s->owners[i] = owner;
    s->count++;
}

typedef struct {
    symset *set;
    const char *owner;
} add_ctx;

static void add_defined(const nl_elf_sym *sym, void *arg)
{
    add_ctx *a = arg;
    if (sym->global && sym->defined) set_add(a->set, sym->name, a->owner);
}

static void add_file(symset *s, const char *path, const char *owner)
{
    char err[256];
    add_ctx a = { s, owner };
    nl_elf_scan(path, add_defined, NULL, &a, err, sizeof err);
}

/* Where the compiler would find libNAME (.so first, as the link does). */
static char *find_library(const char *file)
{
    char arg[160];
    snprintf(arg, sizeof arg, "-print-file-name=%s", file);
    char **argv = NULL;
    size_t n = nl_split_words(nl_build_cc(), &argv, 0);
    argv = realloc(argv, (n + 2) * sizeof *argv);
    argv[n] = strdup(arg);
    argv[n + 1] = NULL;
    char *out = NULL;
    int st = nl_run_tool(argv, NULL, 30, &out);
    nl_free_argv(argv);
    if (st != 0 || !out) { free(out); return NULL; }
    out[strcspn(out, "\n")] = '\0';
    if (!strchr(out, '/') || !nl_is_file(out)) { free(out); return NULL; }
    return out;
}

static const char *owner_of_library(const char *lib)
{
    if (!strncmp(lib, "libc.", 5)) return "the C library";
    if (!strncmp(lib, "libcheck", 8) || !strncmp(lib, "libsubunit", 10)) return "Check, the test framework";
    if (!strncmp(lib, "libm.", 5)) return "the math library";
    if (!strncmp(lib, "libpthread", 10) || !strncmp(lib, "librt", 5)) return "the C library";
    return "a library the tests link";
}

static void add_library(symset *s, const char *name)
{
    static const char *const exts[] = { ".so", ".a" };
    for (int i = 0; i < 2; i++) {
        char file[128];
        snprintf(file, sizeof file, "lib%s%s", name, exts[i]);
        char *path = find_library(file);
        if (!path) continue;
        char err[128];
        add_ctx a = { s, owner_of_library(file) };
        /* libc.so is a linker script, not ELF: fall through to the next. */
        int rc = nl_elf_scan(path, add_defined, NULL, &a, err, sizeof err);
        free(path);
        if (rc == 0) return;
    }
}

/* The libraries' set is the same for every submission: built once. */
static symset *library_symbols(void)
{
    static symset set;
    static bool ready;
    if (ready) return &set;
    ready = true;
    static const char *const always[] = { "libc.so.6", "libm.so.6", "libpthread.so.0", NULL };
    for (const char *const *f = always; *f; f++) {
        char *path = find_library(*f);
        if (path) add_file(&set, path, owner_of_library(*f));
        free(path);
    }
    char **words = NULL;
    nl_split_words(nl_build_libs(NULL), &words, 0);
    for (char **w = words; *w; w++)
        if (!strncmp(*w, "-l", 2) && (*w)[2]) add_library(&set, *w + 2);
    nl_free_argv(words);
    char path[4200];
    snprintf(path, sizeof path, "%s/liblab.a", nl_lib_dir());
    add_file(&set, path, "nodelab's runtime");
    snprintf(path, sizeof path, "%s/libnlrunner.a", nl_lib_dir());
    add_file(&set, path, "the grader's test runner");
    /* Whatever the lookups above missed, these must never be replaced. */
    static const char *const core[] = { "exit", "_exit", "_Exit", "abort", "fork", "vfork",
        "clone", "kill", "signal", "sigaction", "atexit", "write", "read", "close", "dup2",
        "waitpid", "wait4", "pipe", "pipe2", "poll", "malloc", "free", "calloc", "realloc",
        "printf", "fprintf", "puts", "setjmp", "longjmp", "_setjmp", "__longjmp_chk",
        "srunner_run", "srunner_create", "srunner_results", "srunner_ntests_run",
        "srunner_set_fork_status", "tr_rtype", "tr_msg", "tr_lno", "tr_lfile", "tr_ctx",
        "_ck_assert_failed", "tcase_fn_start", "mark_point", "_mark_point", NULL };
    for (const char *const *c = core; *c; c++) set_add(&set, *c, "the C library or Check");
    return &set;
}

/* Sections that run code outside the tests (.init, .fini) or hand code to
 * the linker to compile (LTO), or change how it links. */
static bool refused_section(const char *name)
{
    static const char *const prefixes[] = { ".gnu.lto", ".gnu.linkonce", ".gnu.warning", NULL };
    if (!strcmp(name, ".init") || !strcmp(name, ".fini")) return true;
    for (const char *const *p = prefixes; *p; p++)
        if (!strncmp(name, *p, strlen(*p))) return true;
    return false;
}

/* A sanitizer build instruments every object with a module constructor
 * and destructor of its own (GCC names them _sub_I_00099_N, _sub_D_...);
 * C source cannot define those names without clashing with them. */
static bool sanitizer_ctor(const char *function, bool sanitized)
{
    return sanitized &&
           (!strncmp(function, "_sub_I_00099_", 13) || !strncmp(function, "_sub_D_00099_", 13));
}

typedef struct {
    const symset *libs, *exercise;
    char *const *api;
    const char *file;
    nl_buf *why;
    unsigned long table_entries, allowed_entries;
    char ctor[128];            /* a constructor's name, for the message */
    bool sanitized;            /* compiled with a sanitizer (nl_build_sanitized) */
} check_ctx;

static void check_symbol(const nl_elf_sym *sym, void *arg)
{
    check_ctx *c = arg;
    if (!sym->global || !sym->defined || c->why->len) return;
    const char *owner = NULL;
    if (sym->ifunc) owner = "an IFUNC resolver, which runs before main()";
    else if (!strcmp(sym->name, "main")) owner = "the test runner (main)";
    else if (sym->name[0] == '_') owner = "the system (names starting with '_' are reserved)";
    else if ((owner = set_find(c->exercise, sym->name))) {}
    else if ((owner = set_find(c->libs, sym->name))) {}
    else if (c->api) {
        bool listed = false;
        for (char *const *a = c->api; *a && !listed; a++) listed = !strcmp(*a, sym->name);
        if (!listed) owner = "no one: it is not in the exercise's API";
    }
    if (!owner) return;
    nl_buf_printf(c->why, "%s defines '%s', which belongs to %s. A submission may define only "
                  "the exercise's own functions (and static helpers).", c->file, sym->name, owner);
    /* Most often a helper of the student's own that happens to share a
     * name with the C library's (error, send, index) or the tests'. */
    if (strcmp(sym->name, "main") && !sym->ifunc)
        nl_buf_printf(c->why, " If '%s' is a helper of yours, make it static (write 'static' before "
                      "its definition: only your file sees it then) or %s.", sym->name,
                      sym->name[0] == '_' ? "give it a name without the leading '_'" : "rename it");
}

static void check_section(const char *name, unsigned long size, void *arg)
{
    check_ctx *c = arg;
    if (nl_elf_is_table(name)) c->table_entries += size / 8;
    if (c->why->len || !refused_section(name)) return;
    nl_buf_printf(c->why, "%s has a '%s' section: code that runs outside the tests, or that the "
                  "linker would compile, is not allowed in a submission.", c->file, name);
}

static void check_table_entry(const char *section, const char *function, void *arg)
{
    check_ctx *c = arg;
    if (sanitizer_ctor(function, c->sanitized)) c->allowed_entries++;
    else if (!c->ctor[0]) snprintf(c->ctor, sizeof c->ctor, "%s", *function ? function : section);
}

nl_symset *nl_symbols_of(char *const *objs, size_t n)
{
    symset *s = calloc(1, sizeof *s);
    for (size_t i = 0; i < n; i++) add_file(s, objs[i], "the exercise's given code or tests");
    return s;
}

void nl_symset_free(nl_symset *s)
{
    for (size_t i = 0; s && i < s->cap; i++) free(s->names[i]);
    if (s) { free(s->names); free(s->owners); }
    free(s);
}

char *nl_symbols_check(const nl_prepared *p, const char *obj, const char *shown_name)
{
    nl_buf why = { 0 };
    check_ctx c = { library_symbols(), p->syms, p->m->api, shown_name, &why, 0, 0, "",
                    nl_build_sanitized(p->m) };
    static const nl_elf_section_cbs cbs = { check_section, check_table_entry };
    char err[256];
    if (nl_elf_scan(obj, check_symbol, &cbs, &c, err, sizeof err) < 0)
        nl_buf_printf(&why, "%s: %s", shown_name, err);
    /* Constructors run in the runner's own process, before any test. */
    if (!why.len && c.table_entries > c.allowed_entries)
        nl_buf_printf(&why, "%s has a constructor or destructor (%s): code that runs outside the "
                      "tests is not allowed in a submission.", shown_name, c.ctor[0] ? c.ctor : "unnamed");
    return why.len ? nl_buf_take(&why) : (nl_buf_free(&why), NULL);
}

void nl_symbols_prepare(void)
{
    library_symbols();
}
