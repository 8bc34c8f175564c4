/* syntax.c — code colouring for the reader (see syntax.h). */
#include "syntax.h"

#include <ctype.h>
#include <string.h>

static const char *const c_keywords[] = {
    "if", "else", "for", "while", "do", "switch", "case", "default", "break",
    "continue", "return", "goto", "sizeof", "typedef", "struct", "union", "enum",
    "static", "const", "extern", "volatile", "inline", "register", "restrict",
    "_Atomic", "_Thread_local", "_Bool", "NULL", "true", "false", NULL
};
static const char *const c_types[] = {
    "void", "char", "short", "int", "long", "float", "double", "signed",
    "unsigned", "bool", "size_t", "ssize_t", "int64_t", "uint64_t", "int32_t",
    "uint32_t", "uint8_t", "pid_t", "FILE", NULL
};
static const char *const js_keywords[] = {
    "if", "else", "for", "while", "do", "switch", "case", "default", "break",
    "continue", "return", "function", "const", "let", "var", "new", "class",
    "async", "await", "try", "catch", "finally", "throw", "typeof", "of", "in",
    "import", "from", "export", "require", "null", "undefined", "true", "false",
    "this", NULL
};
static const char *const sh_keywords[] = {
    "if", "then", "else", "fi", "for", "do", "done", "while", "case", "esac",
    "in", "export", "cd", "make", "nodelab", NULL
};

typedef struct {
    const char *const *keywords, *const *types;
    bool c_comments, hash_comments, preproc;
} lang_def;

static lang_def lang_for(const char *lang)
{
    lang_def d = { 0 };
    if (!strcmp(lang, "c") || !strcmp(lang, "h")) {
        d = (lang_def){ c_keywords, c_types, true, false, true };
    } else if (!strcmp(lang, "js") || !strcmp(lang, "javascript") || !strcmp(lang, "node")) {
        d = (lang_def){ js_keywords, NULL, true, false, false };
    } else if (!strcmp(lang, "sh") || !strcmp(lang, "shell") || !strcmp(lang, "bash") ||
               !strcmp(lang, "console")) {
        d = (lang_def){ sh_keywords, NULL, false, true, false };
    }
    return d;
}

static bool in_list(const char *const *list, const char *w, size_t n)
{
    for (; list && *list; list++)
        if (strlen(*list) == n && memcmp(*list, w, n) == 0) return true;
    return false;
}

/* Ends a quoted run starting at s[i] (the quote); returns the index after. */
static size_t skip_quoted(const char *s, size_t len, size_t i)
{
    char q = s[i++];
    while (i < len && s[i] != q) i += (s[i] == '\\' && i + 1 < len) ? 2 : 1;
    return i < len ? i + 1 : len;
}

void syn_line(const char *lang, const char *s, size_t len, int *state,
              syn_emit_fn *emit, void *arg)
{
    lang_def d = lang_for(lang ? lang : "");
    size_t i = 0;
    if (!d.keywords) { emit(s, len, S_CODE, arg); return; }
    while (i < len) {
        size_t start = i;
        ui_style st = S_NORMAL;
        bool opens = d.c_comments && s[i] == '/' && i + 1 < len && s[i + 1] == '*';
        if (*state == 1 || opens) {                 /* a block comment */
            size_t k = opens ? i + 2 : i;
            *state = 1;
            for (; k + 1 < len; k++)
                if (s[k] == '*' && s[k + 1] == '/') { *state = 0; k += 2; break; }
            i = *state ? len : k;
            st = S_SYN_COMMENT;
        } else if ((d.c_comments && s[i] == '/' && i + 1 < len && s[i + 1] == '/') ||
                   (d.hash_comments && s[i] == '#')) {
            i = len;
            st = S_SYN_COMMENT;
        } else if (d.preproc && s[i] == '#' && strspn(s, " \t") == i) {
            i = len;
            st = S_SYN_PREPROC;
        } else if (s[i] == '"' || s[i] == '\'' || (s[i] == '`' && !d.preproc)) {
            i = skip_quoted(s, len, i);
            st = S_SYN_STRING;
        } else if (isdigit((unsigned char)s[i])) {
            while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.')) i++;
            st = S_SYN_NUMBER;
        } else if (isalpha((unsigned char)s[i]) || s[i] == '_') {
            while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
            size_t n = i - start;
            if (in_list(d.keywords, s + start, n)) st = S_SYN_KEYWORD;
            else if (in_list(d.types, s + start, n) ||
                     (n > 2 && s[i - 2] == '_' && s[i - 1] == 't'))
                st = S_SYN_TYPE;
        } else {
            while (i < len && !isalnum((unsigned char)s[i]) && !strchr("_\"'`/#", s[i])) i++;
            if (i == start) i++;
        }
        emit(s + start, i - start, st, arg);
    }
}
