/*
 * suggest.h — "did you mean": the name someone probably meant.
 *
 * A mistyped exercise (loop-ofload), option (--jbos) or file name
 * (Parallel.c) is a slip of one or two letters, a case, or '_' for '-'.
 * Names are compared folded (lower case, '_' and ' ' as '-') by how many
 * letters must be added, dropped, changed, or two neighbours swapped.
 */
#ifndef NL_SUGGEST_H
#define NL_SUGGEST_H

#include <stddef.h>

/* s folded into out: lower case, '_' and ' ' as '-'. */
void nl_fold_name(const char *s, char *out, size_t len);

/* The edits between the folded a and b (names up to 255 bytes; longer
 * ones count as far apart). */
int nl_edit_distance(const char *a, const char *b);

/* Of the n choices, the one nearest to got when it is a slip away (at
 * most 2 edits, and fewer than a third of its letters), else NULL. */
const char *nl_closest(const char *got, const char *const *choices, size_t n);

#endif
