/*
 * util.h — small helpers the grader's modules share: growable strings,
 * head-and-tail output capture, files written atomically, temporary
 * folders, and running a trusted tool (the compiler, the linker) with a
 * time limit.
 */
#ifndef NL_GRADER_UTIL_H
#define NL_GRADER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A growable NUL-terminated string. */
typedef struct {
    char *s;
    size_t len, cap;
} nl_buf;

void nl_buf_add(nl_buf *b, const void *data, size_t len);
void nl_buf_puts(nl_buf *b, const char *s);
void nl_buf_printf(nl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the string (never NULL) and hands ownership to the caller. */
char *nl_buf_take(nl_buf *b);
void nl_buf_free(nl_buf *b);

/*
 * Output capture with a cap: keeps the first `half` bytes and the last
 * `half` bytes of everything written, counts the rest.  A flood of output
 * costs a fixed amount of memory and the reader still sees how it began
 * and how it ended.
 */
typedef struct {
    char *head, *tail;        /* tail is a ring of `half` bytes */
    size_t half, head_len, tail_len, tail_pos;
    unsigned long long total;
} nl_cap;

void nl_cap_init(nl_cap *c, size_t half);
void nl_cap_add(nl_cap *c, const char *data, size_t len);
/* Head, then "[... N bytes left out ...]", then tail.  Caller frees. */
char *nl_cap_text(const nl_cap *c);
void nl_cap_free(nl_cap *c);

/*
 * Valid UTF-8 for any bytes, so that every report format stays valid
 * whatever a student prints or names a folder: each invalid sequence (a
 * stray byte, an overlong form, a surrogate, a character cut in two by a
 * cap) becomes U+FFFD, and a NUL becomes U+2400 (the symbol for NUL) so
 * that it neither ends the text nor disappears.  malloc'd.
 */
char *nl_utf8_clean(const char *data, size_t len);
/* The same for a C string the caller owns: frees s, returns the copy. */
char *nl_utf8_own(char *s);

/* Milliseconds on a monotonic clock. */
double nl_now_ms(void);

/* Writes data to path through a temporary file in the same folder and a
 * rename, so readers see the old file or the new one, never half of one.
 * Returns 0, or -1 with errno set. */
int nl_write_atomic(const char *path, const void *data, size_t len);

/* mkdtemp under base (NULL: $TMPDIR, or /tmp) with the given name
 * prefix; malloc'd. */
char *nl_make_temp_dir(const char *base, const char *prefix);
/* Removes a tree, as rm -rf would; never follows symbolic links. */
int nl_remove_tree(const char *path);
/* mkdir -p; 0 on success. */
int nl_make_dirs(const char *path, mode_t mode);
/* Copies a regular file; 0 on success. */
int nl_copy_file(const char *from, const char *to, mode_t mode);
bool nl_is_file(const char *path);
bool nl_is_dir(const char *path);
/* Newest modification time of the regular files under a folder. */
double nl_tree_mtime(const char *path);

/*
 * Runs a trusted program (argv[0] searched in PATH) in cwd, stdin from
 * /dev/null, stdout and stderr captured together (capped), killed with its
 * process group after timeout_s.  Returns the wait status, or -1 if it
 * could not start; *output (malloc'd) gets what it printed.
 */
int nl_run_tool(char *const argv[], const char *cwd, double timeout_s, char **output);

/* Splits a string of shell-like words (no quotes) into argv entries
 * appended to a NULL-terminated array; returns the new count. */
size_t nl_split_words(const char *words, char ***argv, size_t n);
void nl_free_argv(char **argv);

/* "PROG: <message>" and a newline on stderr. */
void nl_verror(const char *prog, const char *fmt, va_list ap);

/* "SIGSEGV" for 11. */
const char *nl_signal_name(int sig);

#endif
