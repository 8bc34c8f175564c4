/*
 * sandbox_fs.c — the filesystem a namespaced sandbox sees.
 *
 * Runs in the sandbox's first process, inside its new mount namespace,
 * before the program starts (as root, or as the root of its own user
 * namespace).  The new root is a size-limited tmpfs:
 *
 *   /usr                 a read-only bind of the host's (compiler, libraries)
 *   /etc                 the loader's cache and a few name-service files, read-only
 *   /bin /lib /lib64 /sbin   the host's symbolic links or read-only binds
 *   /dev                 null zero full random urandom, fd links, a small shm
 *   /proc                a fresh proc for the new PID namespace
 *   /tmp                 in the tmpfs, mode 1777
 *   /work                the working folder (tmpfs, or a host folder bound rw)
 *   /box                 the test program, read-only
 *
 * Anything else of the host — the course data with its solutions and
 * tests, the grader's build folder, other students, the host's /tmp —
 * is not in this tree at all; the paths the caller names as hidden that
 * would still show through /usr (an installed /usr/local/share/nodelab)
 * get an empty read-only tmpfs on top.  Writes land in the tmpfs, capped
 * in size, and vanish with the namespace.
 */
#include "config.h"
#include "sandbox_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static char why[512];

static int fail(const char *what, const char *path)
{
    snprintf(why, sizeof why, "sandbox: %s %s: %s", what, path, strerror(errno));
    return -1;
}

const char *nl_box_fs_error(void) { return why; }

/* A read-only bind must keep the flags the kernel locked on the source
 * (nosuid, nodev, ...) or the remount is refused in a user namespace. */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (statvfs(path, &sv) < 0) return 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

static int bind(const char *from, const char *to, bool readonly)
{
    if (mount(from, to, "none", MS_BIND | MS_REC, NULL) < 0) return fail("bind", from);
    if (readonly &&
        mount("none", to, "none", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | locked_flags(to), NULL) < 0)
        return fail("read-only", to);
    return 0;
}

static int make_dir(const char *root, const char *rel, mode_t mode, char *out)
{
    snprintf(out, PATH_MAX, "%s%s", root, rel);
    if (mkdir(out, mode) < 0 && errno != EEXIST) return fail("mkdir", rel);
    chmod(out, mode);                  /* umask may have taken bits */
    return 0;
}

/* /bin, /lib... are links into /usr on a merged-/usr system, folders
 * elsewhere: copy the link, or bind the folder. */
static int mirror_top(const char *root, const char *name)
{
    char host[64], path[PATH_MAX], target[PATH_MAX];
    snprintf(host, sizeof host, "/%s", name);
    struct stat st;
    if (lstat(host, &st) < 0) return 0;
    snprintf(path, sizeof path, "%s%s", root, host);
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(host, target, sizeof target - 1);
        if (n < 0) return fail("readlink", host);
        target[n] = '\0';
        return symlink(target, path) < 0 ? fail("symlink", host) : 0;
    }
    if (!S_ISDIR(st.st_mode)) return 0;
    if (make_dir(root, host, 0755, path) < 0) return -1;
    return bind(host, path, true);
}

static int make_dev(const char *root)
{
    static const char *const nodes[] = { "null", "zero", "full", "random", "urandom" };
    char path[PATH_MAX];
    if (make_dir(root, "/dev", 0755, path) < 0) return -1;
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        char host[32];
        snprintf(host, sizeof host, "/dev/%s", nodes[i]);
        snprintf(path, sizeof path, "%s%s", root, host);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0) return fail("create", host);
        close(fd);
        if (mount(host, path, "none", MS_BIND, NULL) < 0) return fail("bind", host);
    }
    static const char *const links[][2] = {
        { "/dev/fd", "/proc/self/fd" }, { "/dev/stdin", "/proc/self/fd/0" },
        { "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(path, sizeof path, "%s%s", root, links[i][0]);
        if (symlink(links[i][1], path) < 0) return fail("symlink", links[i][0]);
    }
    if (make_dir(root, "/dev/shm", 01777, path) < 0) return -1;
    if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777") < 0)
        return fail("mount", "/dev/shm");
    return 0;
}

/* Only what programs need from /etc: the loader's cache, name service
 * basics, the time zone.  The rest of the host's configuration (and
 * anything world-readable in it) stays out of reach, and out of a
 * compiler error that #includes it. */
static int make_etc(const char *root, uid_t uid)
{
    static const char *const files[] = { "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf",
                                         "host.conf", "hosts", "localtime", "gai.conf" };
    char path[PATH_MAX], host[64], target[PATH_MAX];
    if (make_dir(root, "/etc", 0755, path) < 0) return -1;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct stat st;
        snprintf(host, sizeof host, "/etc/%s", files[i]);
        snprintf(path, sizeof path, "%s%s", root, host);
        if (lstat(host, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(host, target, sizeof target - 1);
            if (n < 0) return fail("readlink", host);
            target[n] = '\0';
            if (symlink(target, path) < 0) return fail("symlink", host);
            continue;
        }
        if (S_ISDIR(st.st_mode) ? mkdir(path, 0755) < 0 : close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
            return fail("create", host);
        if (bind(host, path, true) < 0) return -1;
    }
    /* Who the program runs as, for tools that look themselves up. */
    char passwd[256], group[128];
    snprintf(passwd, sizeof passwd, "root:x:0:0:root:/root:/bin/sh\nsandbox:x:%u:%u:sandbox:/work:/bin/sh\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", uid, uid);
    snprintf(group, sizeof group, "root:x:0:\nsandbox:x:%u:\nnogroup:x:65534:\n", uid);
    const char *const made[][2] = { { "/etc/passwd", passwd }, { "/etc/group", group } };
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(path, sizeof path, "%s%s", root, made[i][0]);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, made[i][1], strlen(made[i][1])) < 0) return fail("write", made[i][0]);
        close(fd);
    }
    return 0;
}

/* Covers a host path that would otherwise show through a bind. */
static int hide(const char *root, const char *host)
{
    char path[PATH_MAX];
    struct stat st;
    if (!host || host[0] != '/') return 0;
    snprintf(path, sizeof path, "%s%s", root, host);
    if (lstat(path, &st) < 0) return 0;          /* not visible: nothing to do */
    if (S_ISDIR(st.st_mode)) {
        if (mount("hidden", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,mode=000") < 0)
            return fail("hide", host);
    } else if (mount("/dev/null", path, "none", MS_BIND, NULL) < 0) {
        return fail("hide", host);
    }
    return 0;
}

/* Nothing mounted here may reach the host's mount table: our copy of it
 * becomes private.  In a chroot "/" is not a mount point and cannot be
 * made private (EINVAL).  Then the new root's folder is made a mount
 * point of its own, a bind onto itself, and that is made private: every
 * mount after it lands beneath it and stays here.  Only the bind itself
 * may show on the host's side, if the folder it sits in is shared: an
 * empty folder over itself, which the grader detaches after the run. */
static int make_private(const char *root)
{
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0) return 0;
    if (errno != EINVAL) return fail("private", "/");
    if (mount(root, root, "none", MS_BIND, NULL) < 0) return fail("bind", root);
    if (mount("none", root, "none", MS_REC | MS_PRIVATE, NULL) < 0) return fail("private", root);
    return 0;
}

/* Swaps roots; the old one is detached, so no path leads back to it.
 * In a chroot the kernel refuses pivot_root (EINVAL: the current root is
 * not a mount point), and chroot() into the new root does instead.  That
 * is enough here: the program starts without CAP_SYS_CHROOT (every
 * capability is dropped, the bounding set emptied, no_new_privs set), so
 * it cannot chroot again to climb out; ".." at a root stays there; no
 * descriptor of the old tree stays open; and its /proc shows only the
 * sandbox's own processes, so no /proc/PID/root leads outside. */
static int enter_root(const char *root)
{
    if (chdir(root) < 0) return fail("chdir", root);
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0) return fail("detach", "old root");
    } else if (errno != EINVAL) {
        return fail("pivot_root", root);
    } else if (chroot(".") < 0) {
        return fail("chroot", root);
    }
    if (chdir("/work") < 0) return fail("chdir", "/work");
    return 0;
}

int nl_box_fs_setup(const char *root, const nl_box_fs *fs)
{
    char path[PATH_MAX], opts[64];
    if (make_private(root) < 0) return -1;
    snprintf(opts, sizeof opts, "size=%ldm,mode=0755", fs->tmpfs_mb);
    if (mount("sandbox", root, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) return fail("tmpfs", root);
    if (make_dir(root, "/usr", 0755, path) < 0 || bind("/usr", path, true) < 0) return -1;
    if (make_etc(root, fs->uid) < 0) return -1;
    static const char *const tops[] = { "bin", "sbin", "lib", "lib64", "lib32", "libx32" };
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        if (mirror_top(root, tops[i]) < 0) return -1;
    if (make_dev(root) < 0) return -1;
    if (make_dir(root, "/proc", 0555, path) < 0) return -1;
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail("mount", "/proc");
    if (make_dir(root, "/tmp", 01777, path) < 0) return -1;
    if (make_dir(root, "/work", 0700, path) < 0) return -1;
    if (fs->work_host) {
        if (bind(fs->work_host, path, false) < 0) return -1;
    } else if (chown(path, fs->uid, fs->uid) < 0) {
        return fail("chown", "/work");
    }
    if (fs->box_host) {
        if (make_dir(root, "/box", 0755, path) < 0 || bind(fs->box_host, path, true) < 0) return -1;
    }
    for (const char *const *h = fs->hide; h && *h; h++)
        if (hide(root, *h) < 0) return -1;
    return enter_root(root);
}
