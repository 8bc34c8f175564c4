/* suggest.c — the name someone probably meant (see suggest.h). */
#include "config.h"
#include "suggest.h"

#include <ctype.h>
#include <string.h>

void nl_fold_name(const char *s, char *out, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        out[i] = s[i] == '_' || s[i] == ' ' ? '-' : (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* The optimal string alignment distance: Levenshtein's, plus a swap of
 * two neighbours as one edit (the commonest typing slip), row by row. */
int nl_edit_distance(const char *a, const char *b)
{
    char x[256], y[256];
    if (strlen(a) >= sizeof x || strlen(b) >= sizeof y) return 1 << 20;
    nl_fold_name(a, x, sizeof x);
    nl_fold_name(b, y, sizeof y);
    int la = (int)strlen(x), lb = (int)strlen(y);
    int prev2[256], prev[256], row[256];
    for (int j = 0; j <= lb; j++) prev[j] = j;
    for (int i = 1; i <= la; i++) {
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int cost = x[i - 1] != y[j - 1];
            row[j] = min3(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] && prev2[j - 2] + 1 < row[j])
                row[j] = prev2[j - 2] + 1;
        }
        memcpy(prev2, prev, sizeof prev);
        memcpy(prev, row, sizeof row);
    }
    return prev[lb];
}

const char *nl_closest(const char *got, const char *const *choices, size_t n)
{
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < n; i++) {
        int d = nl_edit_distance(got, choices[i]);
        if (d < best_d && d * 3 < (int)strlen(choices[i])) { best = choices[i]; best_d = d; }
    }
    return best;
}
