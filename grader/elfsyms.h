/*
 * elfsyms.h — what an object file defines, read straight from the ELF.
 *
 * The linker takes a definition from the student's object before one from
 * a library, so a student file that defines exit(), fork() or one of
 * Check's functions would quietly replace it — and with it the grader's
 * idea of a passed test.  The grader therefore reads the symbols (and the
 * section names: constructors run before main) of each student object and
 * refuses what is not the exercise's own API.  Reading ELF directly keeps
 * binutils out of the grader's trust base and handles objects (.o),
 * archives (.a) and shared libraries (.so, through .dynsym) alike.
 */
#ifndef NL_ELFSYMS_H
#define NL_ELFSYMS_H

#include <stdbool.h>

typedef struct {
    const char *name;
    bool global;          /* STB_GLOBAL, STB_WEAK or STB_GNU_UNIQUE */
    bool defined;         /* not SHN_UNDEF */
    bool ifunc;           /* STT_GNU_IFUNC: runs code while loading */
} nl_elf_sym;

typedef void nl_elf_sym_cb(const nl_elf_sym *sym, void *arg);
/* A section of a plain object: its name and size; and for each entry of
 * a constructor or destructor table (.init_array*, .fini_array*,
 * .preinit_array*, .ctors*, .dtors*), the function it points to ("" if
 * it cannot be named). */
typedef struct {
    void (*section)(const char *name, unsigned long size, void *arg);
    void (*table_entry)(const char *section, const char *function, void *arg);
} nl_elf_section_cbs;

/* Calls cb for every symbol of every ELF object in path (an object, an
 * archive of objects, or a shared library's dynamic symbols), and the
 * section callbacks (if sections is not NULL) for plain objects.
 * Returns 0, or -1 if the file is not ELF (err says why). */
int nl_elf_scan(const char *path, nl_elf_sym_cb *cb, const nl_elf_section_cbs *sections,
                void *arg, char *err, unsigned long errlen);

/* True for the names of constructor and destructor tables. */
bool nl_elf_is_table(const char *section);

#endif
