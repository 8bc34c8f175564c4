/*
 * sandbox_landlock.c — what a basic-mode sandbox may touch on disk.
 *
 * Basic mode has no mount namespace to build a filesystem of its own, so
 * the host's filesystem is all there is, and permissions alone decide: a
 * course anyone may read (a checkout, an installed share/nodelab) would be
 * readable by the student's code.  Landlock (Linux 5.13+, no privilege
 * needed) lets a process give up access to files for good, for itself and
 * every process it starts.  The sandbox keeps:
 *
 *   - reading and running anything, except the hidden paths (the course's
 *     exercises and solutions, the grader's own folders, the class and its
 *     reports): "everything but X" is built from rules on X's siblings at
 *     each level above it, since a Landlock rule can only grant;
 *   - writing in its working folder (also its TMPDIR), /tmp, /dev/shm and
 *     /dev's devices (/dev/null...), again without the hidden paths.  (So
 *     in a /tmp that holds a hidden path, nothing new can be made at its
 *     top: the grader keeps its own folder in /var/tmp in basic mode.)
 *
 * A Landlock domain also keeps the code from ptrace()ing (or reading the
 * memory of) the grader, and, from ABI 6, from signalling it.  Where the
 * kernel has no Landlock, basic mode falls back on permissions alone and
 * the report says so.
 */
#include "config.h"
#include "sandbox_landlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Rights and fields newer than the oldest headers we build with (Debian
 * 12's describe ABI 2); the kernel says which it knows (nl_landlock_abi). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)
struct ruleset_attr {             /* struct landlock_ruleset_attr, ABI 6 */
    __u64 handled_access_fs, handled_access_net, scoped;
};

#define READ_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* What a rule on a file (not a folder) may carry. */
#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
                     LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int abi = -2;              /* -2: not asked yet; < 1: none */

int nl_landlock_abi(void)
{
    if (abi == -2) {
        long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        abi = v > 0 ? (int)v : -1;
    }
    return abi;
}

/* Every filesystem right this kernel knows. */
static __u64 all_rights(void)
{
    __u64 r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;      /* ABI 1 */
    if (abi >= 2) r |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) r |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5) r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return r;
}

typedef struct {
    int fd;                        /* the ruleset */
    char hidden[32][PATH_MAX];     /* canonical paths */
    size_t nhidden;
} rules;

static void add_rule(rules *r, const char *path, __u64 rights)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= FILE_RIGHTS;
    struct landlock_path_beneath_attr pb = { .allowed_access = rights & all_rights(), .parent_fd = fd };
    if (pb.allowed_access) syscall(SYS_landlock_add_rule, r->fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    close(fd);
}

/* Is `hidden` at or under `dir`? */
static bool beneath(const char *hidden, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1) return true;                     /* "/" */
    return !strncmp(hidden, dir, n) && (hidden[n] == '/' || hidden[n] == '\0');
}

/* Grants `rights` on path and everything beneath it, but the hidden paths. */
static void allow_all_but(rules *r, const char *path, __u64 rights, int depth)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) return;
    bool inside = false;
    for (size_t i = 0; i < r->nhidden; i++) {
        if (!strcmp(real, r->hidden[i])) return;                 /* hidden itself */
        inside |= beneath(r->hidden[i], real);
    }
    if (!inside || depth > 24) { add_rule(r, real, rights); return; }
    DIR *d = opendir(real);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char child[PATH_MAX];
        if (snprintf(child, sizeof child, "%s/%s", strcmp(real, "/") ? real : "", e->d_name) >= (int)sizeof child)
            continue;
        allow_all_but(r, child, rights, depth + 1);
    }
    if (d) closedir(d);
}

int nl_landlock_prepare(const char *work, const char *box, const char *const *hide)
{
    if (nl_landlock_abi() < 1) return -1;
    /* The network is not handled (tests serve on 127.0.0.1); from ABI 6,
     * signals and abstract sockets stay inside the sandbox's own domain. */
    struct ruleset_attr attr = { .handled_access_fs = all_rights() };
    size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(__u64) : sizeof(__u64);
    if (abi >= 6) attr.scoped = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET;
    rules *r = calloc(1, sizeof *r);
    if (!r) return -1;
    r->fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (r->fd < 0) { free(r); return -1; }
    for (const char *const *h = hide; h && *h && r->nhidden < 32; h++)
        if (realpath(*h, r->hidden[r->nhidden])) r->nhidden++;
    allow_all_but(r, "/", READ_RIGHTS, 0);
    allow_all_but(r, "/dev", READ_RIGHTS | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV, 0);
    allow_all_but(r, "/dev/shm", all_rights(), 0);
    allow_all_but(r, "/tmp", all_rights(), 0);
    /* Its own folders, even inside a hidden one (the grader's). */
    if (work) add_rule(r, work, all_rights());
    if (box) add_rule(r, box, READ_RIGHTS);
    int fd = r->fd;
    free(r);
    return fd;
}

int nl_landlock_enforce(int ruleset)
{
    if (ruleset < 0) return -1;
    /* no_new_privs is required unless we hold CAP_SYS_ADMIN; set it here
     * too, so that the order of the steps does not matter. */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int rc = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    close(ruleset);
    return rc;
}
