/* symbols.h — refusing student objects that would replace our code
 * (see symbols.c for the policy). */
#ifndef NL_SYMBOLS_H
#define NL_SYMBOLS_H

#include "build.h"

/* The global symbols the exercise's own objects define: read once per
 * exercise by nl_prepare(), before the batch forks its workers. */
nl_symset *nl_symbols_of(char *const *objs, size_t n);
void nl_symset_free(nl_symset *s);

/* NULL if obj may be linked, else why not (malloc'd, one paragraph,
 * naming shown_name and the symbol or section). */
char *nl_symbols_check(const nl_prepared *p, const char *obj, const char *shown_name);

/* Reads the libraries' symbols now (before forking workers that share
 * them) rather than on the first check. */
void nl_symbols_prepare(void);

#endif
