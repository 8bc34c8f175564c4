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
typedef void nl_elf_section_cb(const char *name, void *arg);

/* Calls cb for every symbol of every ELF object in path (an object, an
 * archive of objects, or a shared library's dynamic symbols), and
 * section_cb (if not NULL) for every section name of plain objects.
 * Returns 0, or -1 if the file is not ELF (err says why). */
int nl_elf_scan(const char *path, nl_elf_sym_cb *cb, nl_elf_section_cb *section_cb,
                void *arg, char *err, unsigned long errlen);

#endif
