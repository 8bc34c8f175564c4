/* util.c — the grader's shared helpers (see util.h). */
#include "config.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- growable strings ---- */

void nl_buf_add(nl_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) abort();               /* the grader cannot work without memory */
        b->s = s;
        b->cap = cap;
    }
    if (len) memcpy(b->s + b->len, data, len);
    b->len += len;
    b->s[b->len] = '\0';
}

void nl_buf_puts(nl_buf *b, const char *s) { nl_buf_add(b, s, strlen(s)); }

void nl_buf_printf(nl_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) { nl_buf_add(b, small, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    nl_buf_add(b, big, (size_t)n);
    free(big);
}

char *nl_buf_take(nl_buf *b)
{
    if (!b->s) nl_buf_add(b, "", 0);
    char *s = b->s;
    memset(b, 0, sizeof *b);
    return s;
}

void nl_buf_free(nl_buf *b) { free(b->s); memset(b, 0, sizeof *b); }

/* ---- capped capture ---- */

void nl_cap_init(nl_cap *c, size_t half)
{
    memset(c, 0, sizeof *c);
    c->half = half;
    c->head = malloc(half + 1);
    c->tail = malloc(half + 1);
    if (!c->head || !c->tail) abort();
}

void nl_cap_add(nl_cap *c, const char *data, size_t len)
{
    c->total += len;
    size_t take = c->half - c->head_len;
    if (take > len) take = len;
    memcpy(c->head + c->head_len, data, take);
    c->head_len += take;
    data += take;
    len -= take;
    /* What does not fit in the head goes round the tail ring. */
    if (len > c->half) { data += len - c->half; len = c->half; }
    for (size_t i = 0; i < len; i++) {
        c->tail[c->tail_pos] = data[i];
        c->tail_pos = (c->tail_pos + 1) % c->half;
        if (c->tail_len < c->half) c->tail_len++;
    }
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if (left < n) return 0;
    unsigned cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

char *nl_utf8_clean(const char *data, size_t len)
{
    nl_buf b = { 0 };
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0) nl_buf_puts(&b, "\xEF\xBF\xBD");            /* U+FFFD, for one byte */
        else if (p[i] == 0) nl_buf_puts(&b, "\xE2\x90\x80");    /* U+2400 */
        else nl_buf_add(&b, p + i, n);
        i += n ? n : 1;
    }
    return nl_buf_take(&b);
}

char *nl_utf8_own(char *s)
{
    if (!s) return NULL;
    char *clean = nl_utf8_clean(s, strlen(s));
    free(s);
    return clean;
}

char *nl_cap_text(const nl_cap *c)
{
    nl_buf b = { 0 };
    nl_buf_add(&b, c->head, c->head_len);
    unsigned long long kept = c->head_len + c->tail_len;
    if (c->total > kept)
        nl_buf_printf(&b, "\n[... %llu bytes left out ...]\n", c->total - kept);
    size_t start = (c->tail_pos + c->half - c->tail_len) % c->half;
    for (size_t i = 0; i < c->tail_len; i++)
        nl_buf_add(&b, &c->tail[(start + i) % c->half], 1);
    char *text = nl_utf8_clean(b.s ? b.s : "", b.len);
    nl_buf_free(&b);
    return text;
}

void nl_cap_free(nl_cap *c) { free(c->head); free(c->tail); memset(c, 0, sizeof *c); }

/* ---- time and files ---- */

double nl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int nl_write_atomic(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) return -1;
    snprintf(tmp, plen + 32, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) { free(tmp); return -1; }
    const char *p = data;
    size_t left = len;
    int err = 0;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { err = errno ? errno : EIO; break; }
        p += n;
        left -= (size_t)n;
    }
    if (!err && fchmod(fd, 0644) < 0) err = errno;
    if (!err && fsync(fd) < 0) err = errno;
    if (close(fd) < 0 && !err) err = errno;
    if (!err && rename(tmp, path) < 0) err = errno;
    if (err) unlink(tmp);
    free(tmp);
    errno = err;
    return err ? -1 : 0;
}

char *nl_make_temp_dir(const char *base, const char *prefix)
{
    if (!base) base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t n = strlen(base) + strlen(prefix) + 16;
    char *path = malloc(n);
    if (!path) return NULL;
    snprintf(path, n, "%s/%s.XXXXXX", base, prefix);
    if (!mkdtemp(path)) { free(path); return NULL; }
    return path;
}

int nl_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    chmod(path, 0700);                 /* a sandbox may have left it read-only */
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (!child) { rc = -1; break; }
        snprintf(child, n, "%s/%s", path, e->d_name);
        if (nl_remove_tree(child) < 0) rc = -1;
        free(child);
    }
    closedir(d);
    /* A sandbox's root left a mount point (sandbox_fs.c, in a chroot whose
     * folder is shared) when the grader was killed: detach it, then remove. */
    if (rmdir(path) < 0 && !(errno == EBUSY && umount2(path, MNT_DETACH) == 0 && rmdir(path) == 0)) rc = -1;
    return rc;
}

int nl_make_dirs(const char *path, mode_t mode)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return (mkdir(buf, mode) < 0 && errno != EEXIST) ? -1 : 0;
}

int nl_copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) { close(in); return -1; }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) { rc = -1; break; }
    if (n < 0) rc = -1;
    close(in);
    if (close(out) < 0) rc = -1;
    return rc;
}

bool nl_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool nl_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

double nl_tree_mtime(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return 0;
    double newest = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
    if (!S_ISDIR(st.st_mode)) return newest;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        double t = nl_tree_mtime(child);
        if (t > newest) newest = t;
    }
    if (d) closedir(d);
    return newest;
}

/* ---- running trusted tools ---- */

int nl_run_tool(char *const argv[], const char *cwd, double timeout_s, char **output)
{
    int out[2];
    *output = NULL;
    if (pipe2(out, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { close(out[0]); close(out[1]); return -1; }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        if (cwd && chdir(cwd) < 0) { perror(cwd); _exit(127); }
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(out[1]);
    nl_cap cap;
    nl_cap_init(&cap, 32 * 1024);
    double deadline = nl_now_ms() + timeout_s * 1e3;
    bool killed = false;
    for (;;) {
        int wait_ms = (int)(deadline - nl_now_ms());
        if (wait_ms <= 0 && !killed) { kill(-pid, SIGKILL); killed = true; }
        struct pollfd p = { out[0], POLLIN, 0 };
        int r = poll(&p, 1, killed ? 1000 : wait_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { if (killed) break; continue; }
        char buf[8192];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        nl_cap_add(&cap, buf, (size_t)n);
    }
    close(out[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    kill(-pid, SIGKILL);               /* anything it left behind */
    *output = nl_cap_text(&cap);
    nl_cap_free(&cap);
    if (killed) {
        nl_buf b = { 0 };
        nl_buf_printf(&b, "%s%s: stopped after %.0f s\n", *output, argv[0], timeout_s);
        free(*output);
        *output = nl_buf_take(&b);
    }
    return status;
}

size_t nl_split_words(const char *words, char ***argv, size_t n)
{
    const char *p = words;
    while (p && *p) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        size_t len = strcspn(p, " \t");
        char **grown = realloc(*argv, (n + 2) * sizeof *grown);
        if (!grown) abort();
        *argv = grown;
        grown[n] = strndup(p, len);
        grown[++n] = NULL;
        p += len;
    }
    if (!*argv) {
        *argv = calloc(1, sizeof **argv);
        if (!*argv) abort();
    }
    return n;
}

void nl_free_argv(char **argv)
{
    for (char **a = argv; a && *a; a++) free(*a);
    free(argv);
}

const char *nl_signal_name(int sig)
{
    static const struct { int n; const char *name; } names[] = {
        { SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
        { SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
        { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
        { SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
        { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
        { SIGCHLD, "SIGCHLD" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
        { SIGSYS, "SIGSYS" }, { SIGSTKFLT, "SIGSTKFLT" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].n == sig) return names[i].name;
    return "signal";
}

void nl_verror(const char *prog, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}
