/*
 * sandbox.c — starting, watching and cleaning up after untrusted code
 * (see sandbox.h for the two modes and what each guarantees).
 *
 * The grader (A) clones the sandbox's first process (C) straight into its
 * new namespaces with a raw clone(2), so C is pid 1 there.  A user
 * namespace is among them only when A is not root: root already holds
 * the capabilities the others need (and in a chroot the kernel refuses a
 * user namespace to everyone).  C waits on a pipe until A has written its
 * uid/gid maps (user namespace), put it in a pids cgroup and sent the uid
 * it is to run as, then builds its root (sandbox_fs.c), sets rlimits,
 * drops to that unprivileged uid and execs the program.  A "status" pipe
 * marked close-on-exec tells A when the exec happened (EOF) or why not.
 * A captures stdout+stderr with a cap, collects fd 3, enforces the wall
 * clock by killing C — in a PID namespace the kernel then kills all the
 * rest — and afterwards empties the cgroup and sweeps /proc for anything
 * still carrying the sandbox's environment marker (sandbox_reap.c).
 */
#include "config.h"
#include "sandbox.h"
#include "sandbox_fs.h"
#include "sandbox_landlock.h"
#include "sandbox_reap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define INSIDE_UID 1000            /* who the code runs as inside a user namespace */
#define UID_BASE 0x10000000u       /* root grader: the code's uid = base + pid */
#define RESULTS_CAP (4u << 20)

static const char ns_network[] = "none (own network namespace, loopback only)";
static const char basic_network[] = "not isolated (no network namespace on this machine)";
static int mode = -1;              /* -1 unknown, 0 basic, 1 namespaces */
static const char *probe_dir;      /* where the probe's folder goes (NULL: $TMPDIR) */
static char pids_how[96];

/* ---- the sandbox's first process ---- */

typedef struct {
    const nl_box_spec *spec;
    bool ns, userns, grader_root;  /* namespaces; a user namespace among them */
    uid_t outside_uid;             /* the uid the code runs as on the host */
    const char *root;              /* ns: empty host folder for the new root */
    const char *work;              /* basic: the working folder */
    const char *marker;
    int sync_fd, status_fd, out_fd, res_fd;
    int in_fd;                     /* stdin_data, or -1 */
} child_ctx;

static void die(int fd, const char *msg)
{
    if (write(fd, msg, strlen(msg)) < 0) {}
    _exit(127);
}

static void die_errno(int fd, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "sandbox: %s: %s", what, strerror(errno));
    die(fd, msg);
}

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0) close(s);
}

/* Sets soft and hard limit; never above the hard limit we were given,
 * which only a privileged process could raise. */
static void set_limit(int fd, int resource, rlim_t value, const char *name)
{
    struct rlimit now;
    if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && value > now.rlim_max)
        value = now.rlim_max;
    struct rlimit rl = { value, value };
    if (setrlimit(resource, &rl) == 0) return;
    /* Under valgrind the hard limit of descriptors is fixed: lower the
     * soft one only. */
    rl.rlim_max = now.rlim_max;
    if (setrlimit(resource, &rl) < 0) die_errno(fd, name);
}

static void apply_limits(const child_ctx *c)
{
    const nl_box_spec *s = c->spec;
    int fd = c->status_fd;
    set_limit(fd, RLIMIT_CPU, (rlim_t)(s->cpu_s + 0.999), "RLIMIT_CPU");
    if (s->mem_mb > 0) set_limit(fd, RLIMIT_AS, (rlim_t)s->mem_mb << 20, "RLIMIT_AS");
    set_limit(fd, RLIMIT_NPROC, (rlim_t)s->procs, "RLIMIT_NPROC");
    set_limit(fd, RLIMIT_FSIZE, (rlim_t)s->fsize_mb << 20, "RLIMIT_FSIZE");
    set_limit(fd, RLIMIT_NOFILE, (rlim_t)s->nofile, "RLIMIT_NOFILE");
    set_limit(fd, RLIMIT_CORE, 0, "RLIMIT_CORE");
    set_limit(fd, RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
    set_limit(fd, RLIMIT_MSGQUEUE, 0, "RLIMIT_MSGQUEUE");
    set_limit(fd, RLIMIT_STACK, 8u << 20, "RLIMIT_STACK");
}

/* In a user namespace, become INSIDE_UID at once: files made in the new
 * root get an owner the host knows.  The namespace's capabilities stay
 * (the kernel clears them only on a change away from the namespace's
 * uid 0, which we never were) until drop_privileges(). */
static void become_inside_user(const child_ctx *c)
{
    if (setresgid(INSIDE_UID, INSIDE_UID, INSIDE_UID) < 0) die_errno(c->status_fd, "setresgid");
    if (setresuid(INSIDE_UID, INSIDE_UID, INSIDE_UID) < 0) die_errno(c->status_fd, "setresuid");
}

/* Empties every capability set: nothing the program or its children
 * exec can win one back (the bounding set is emptied before, while we
 * still hold CAP_SETPCAP). */
static void drop_capabilities(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    syscall(SYS_capset, &h, d);
}

static void drop_privileges(const child_ctx *c)
{
    uid_t uid = c->userns ? INSIDE_UID : c->outside_uid;
    /* The bounding set first: emptying it needs CAP_SETPCAP, which root
     * loses with the uid change below. */
    for (int cap = 0; cap <= 63; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (c->ns || geteuid() == 0) {
        /* A non-root grader's user namespace denies setgroups; its own
         * groups stay, which gives nothing it does not already have. */
        if (setgroups(0, NULL) < 0 && (c->grader_root || errno != EPERM))
            die_errno(c->status_fd, "setgroups");
        if (setresgid(uid, uid, uid) < 0) die_errno(c->status_fd, "setresgid");
        if (setresuid(uid, uid, uid) < 0) die_errno(c->status_fd, "setresuid");
    }
    drop_capabilities();
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    /* Set after the uid change, which would clear it.  Outside a PID
     * namespace the first process dies with the grader; inside, the
     * whole namespace does. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static char **child_env(const child_ctx *c, const char *home)
{
    static char buf[8][300];
    static char *env[64];
    size_t n = 0;
    snprintf(buf[0], sizeof buf[0], "NODELAB_SANDBOX=%s", c->marker);
    snprintf(buf[1], sizeof buf[1], "HOME=%s", home);
    snprintf(buf[2], sizeof buf[2], "TMPDIR=%s", c->ns ? "/tmp" : home);
    snprintf(buf[3], sizeof buf[3], "TEMP=%s", c->ns ? "/tmp" : home);   /* Check's own temp files */
    env[n++] = buf[0];
    env[n++] = buf[1];
    env[n++] = buf[2];
    env[n++] = buf[3];
    env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    env[n++] = "LANG=C.UTF-8";
    env[n++] = "MALLOC_ARENA_MAX=2";
    for (const char *const *e = c->spec->env; e && *e && n < 62; e++) env[n++] = (char *)*e;
    env[n] = NULL;
    return env;
}

static int child_main(child_ctx *c)
{
    /* Wait for the grader to finish our maps and cgroup; it sends the uid
     * to run as (ours is not known here: in a new PID namespace we are 1). */
    if (read(c->sync_fd, &c->outside_uid, sizeof c->outside_uid) != sizeof c->outside_uid) _exit(127);
    close(c->sync_fd);
    setsid();
    if (c->ns) {
        if (c->userns) become_inside_user(c);
        nl_box_fs fs = { c->spec->work_host, c->spec->box_host, c->spec->hide,
                         c->spec->tmpfs_mb, c->userns ? INSIDE_UID : c->outside_uid };
        if (nl_box_fs_setup(c->root, &fs) < 0) die(c->status_fd, nl_box_fs_error());
        sethostname("sandbox", 7);
        loopback_up();
    } else if (chdir(c->work) < 0) {
        die_errno(c->status_fd, "chdir");
    }
    /* Basic mode: the rules are made while the paths can still be opened,
     * and take hold after the uid drop. */
    int landlock = c->ns ? -1 : nl_landlock_prepare(c->work, c->spec->box_host, c->spec->hide);
    apply_limits(c);
    drop_privileges(c);
    if (landlock >= 0 && nl_landlock_enforce(landlock) < 0) die_errno(c->status_fd, "landlock");
    int null = open("/dev/null", O_RDWR);
    if (null < 0) die_errno(c->status_fd, "/dev/null");
    dup2(null, 0);
    dup2(c->out_fd, 1);
    dup2(c->out_fd, 2);
    if (c->in_fd >= 0) dup2(c->in_fd, 0);
    if (c->res_fd >= 0) dup2(c->res_fd, 3);
    else dup2(null, 3);
    /* Everything else closes at exec, the status pipe included. */
    close_range(4, ~0u, CLOSE_RANGE_CLOEXEC);
    char exe[4200];
    const nl_box_spec *s = c->spec;
    if (!c->ns && s->box_host && strncmp(s->exe, "/box/", 5) == 0)
        snprintf(exe, sizeof exe, "%s/%s", s->box_host, s->exe + 5);
    else
        snprintf(exe, sizeof exe, "%s", s->exe);
    execve(exe, s->argv, child_env(c, c->ns ? "/work" : c->work));
    die_errno(c->status_fd, exe);
    return 127;
}

/* ---- the grader's side ---- */

static bool is_root(void) { return geteuid() == 0; }

/* A user namespace (not root) may map only our own uid and gid, and the
 * gid only once setgroups is denied there. */
static int write_maps(pid_t pid)
{
    char path[64], map[64];
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    if (nl_box_write_file(path, "deny") < 0) return -1;
    snprintf(map, sizeof map, "%d %u 1\n", INSIDE_UID, getuid());
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    if (nl_box_write_file(path, map) < 0) return -1;
    snprintf(map, sizeof map, "%d %u 1\n", INSIDE_UID, getegid());
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    return nl_box_write_file(path, map);
}

static void make_marker(char *out, size_t len)
{
    unsigned char r[8];
    if (getrandom(r, sizeof r, 0) != sizeof r) memset(r, 0x5a, sizeof r);
    const char *tag = getenv("NODELAB_SANDBOX_TAG");
    char hex[17];
    for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", r[i]);
    if (tag && *tag && strlen(tag) < 32 && strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(tag))
        snprintf(out, len, "%s-%s", tag, hex);
    else
        snprintf(out, len, "%s", hex);
}

static void drain(int fd, nl_cap *cap, nl_buf *buf)
{
    char tmp[16384];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        if (cap) nl_cap_add(cap, tmp, (size_t)n);
        if (buf && buf->len < RESULTS_CAP) nl_buf_add(buf, tmp, (size_t)n);
    }
}

typedef struct {
    int out, res, status, pidfd;   /* pidfd -1: a kernel without pidfd_open */
    bool reaped;                   /* supervise() already waited for it */
    int wstatus;
    struct rusage ru;
} watch_fds;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void nl_box_stop_on(int sig)
{
    struct sigaction sa = { .sa_handler = on_stop };
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

bool nl_box_stop_requested(void)
{
    return stop_requested;
}

/* Watches the running sandbox until its first process ends. */
static void supervise(pid_t pid, const nl_box_spec *spec, watch_fds *w, nl_box_result *res,
                      nl_cap *cap, nl_buf *results, nl_buf *status_msg, double t0)
{
    double deadline = t0 + spec->wall_s * 1e3;
    bool setup_done = false;
    for (;;) {
        struct pollfd p[4] = { { w->pidfd, POLLIN, 0 }, { w->out, POLLIN, 0 },
                               { w->res, POLLIN, 0 }, { w->status, POLLIN, 0 } };
        double left = deadline - nl_now_ms();
        if ((left <= 0 || stop_requested) && !res->timed_out && !res->stopped) {
            if (left <= 0) res->timed_out = true;
            else res->stopped = true;
            kill(pid, SIGKILL);            /* pid 1 of a namespace: all go */
            kill(-pid, SIGKILL);
        }
        int wait_ms = res->timed_out || res->stopped ? 200 : (int)left + 1;
        if (w->pidfd < 0 && wait_ms > 50) wait_ms = 50;
        /* A stop request's signal may come just before poll(): look again
         * every second. */
        if (wait_ms > 1000) wait_ms = 1000;
        int r = poll(p, 4, wait_ms);
        if (r < 0 && errno != EINTR) break;
        if (p[1].revents) {
            char tmp[16384];
            ssize_t n = read(w->out, tmp, sizeof tmp);
            if (n > 0) nl_cap_add(cap, tmp, (size_t)n);
            else if (n == 0) w->out = -1;
        }
        if (p[2].revents) {
            char tmp[16384];
            ssize_t n = read(w->res, tmp, sizeof tmp);
            if (n > 0 && results->len < RESULTS_CAP) nl_buf_add(results, tmp, (size_t)n);
            else if (n == 0) w->res = -1;
        }
        if (p[3].revents) {
            char tmp[1024];
            ssize_t n = read(w->status, tmp, sizeof tmp);
            if (n > 0) nl_buf_add(status_msg, tmp, (size_t)n);
            else if (n == 0) {
                w->status = -1;
                if (!setup_done) { setup_done = true; res->setup_ms = nl_now_ms() - t0; }
            }
        }
        if (p[0].revents) break;
        if (w->pidfd < 0 && wait4(pid, &w->wstatus, WNOHANG, &w->ru) == pid) { w->reaped = true; break; }
    }
}

static void probe(void);

static void close_pipe(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0) { close(p[i]); p[i] = -1; }
}

/* Removes a run's temporary folders, whatever happened.  The new root
 * may still be a mount point on our side (a bind onto itself, in a
 * chroot: see sandbox_fs.c); detach it first. */
static void remove_folders(char *root, char *work)
{
    if (root) {
        if (is_root()) umount2(root, MNT_DETACH);
        rmdir(root);
        free(root);
    }
    if (work) { nl_remove_tree(work); free(work); }
}

int nl_box_run(const nl_box_spec *spec, nl_box_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (mode < 0) probe();
    make_marker(res->marker, sizeof res->marker);
    bool ns = mode == 1, userns = ns && !is_root();
    char *root = ns ? nl_make_temp_dir(spec->tmp, "nodelab-root") : NULL;
    char *work = (!ns && !spec->work_host) ? nl_make_temp_dir(spec->tmp, "nodelab-work") : NULL;
    if (ns ? !root : (!spec->work_host && !work)) {
        snprintf(err, errlen, "sandbox: temporary folder in %s: %s", spec->tmp ? spec->tmp : "$TMPDIR",
                 strerror(errno));
        remove_folders(root, work);
        return -1;
    }
    int sync[2] = { -1, -1 }, status[2] = { -1, -1 }, out[2] = { -1, -1 }, rpipe[2] = { -1, -1 };
    int in[2] = { -1, -1 };
    size_t in_len = spec->stdin_data ? strlen(spec->stdin_data) : 0;
    if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        (spec->result_channel && pipe2(rpipe, O_CLOEXEC) < 0) ||
        (spec->stdin_data && (in_len > 65536 || pipe2(in, O_CLOEXEC) < 0 ||
                              write(in[1], spec->stdin_data, in_len) != (ssize_t)in_len))) {
        snprintf(err, errlen, "sandbox: pipe: %s", in_len > 65536 ? "input too long" : strerror(errno));
        close_pipe(sync); close_pipe(status); close_pipe(out); close_pipe(rpipe); close_pipe(in);
        remove_folders(root, work);
        return -1;
    }
    if (in[1] >= 0) { close(in[1]); in[1] = -1; }    /* the reader sees the end */
    child_ctx c = { spec, ns, userns, is_root(), 0, root, work ? work : spec->work_host, res->marker,
                    sync[0], status[1], out[1], rpipe[1], in[0] };
    double t0 = nl_now_ms();
    unsigned long flags = ns ? CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS : 0;
    if (userns) flags |= CLONE_NEWUSER;
    pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(sync[1]); close(status[0]); close(out[0]);
        if (rpipe[0] >= 0) close(rpipe[0]);
        child_main(&c);
    }
    close(sync[0]); close(status[1]); close(out[1]);
    if (rpipe[1] >= 0) close(rpipe[1]);
    if (in[0] >= 0) close(in[0]);
    if (pid < 0) {
        snprintf(err, errlen, "sandbox: clone: %s", strerror(errno));
        close(sync[1]); close(status[0]); close(out[0]);
        if (rpipe[0] >= 0) close(rpipe[0]);
        remove_folders(root, work);
        return -1;
    }
    res->pgid = pid;
    /* Root runs the code as a uid of its own, unused on the host. */
    uid_t outside = is_root() ? UID_BASE + (uid_t)pid : getuid();
    char *cgroup = nl_box_cgroup_enter(pid, spec->procs);
    bool ok = !userns || write_maps(pid) == 0;
    const char *work_dir = work ? work : spec->work_host;
    /* The code runs as `outside` on the host: it must be able to write
     * where it works (a folder of mode 0700), and nowhere else. */
    if (ok && is_root() && work_dir && chown(work_dir, outside, outside) < 0) ok = false;
    if (ok && write(sync[1], &outside, sizeof outside) != sizeof outside) ok = false;
    close(sync[1]);
    if (cgroup) snprintf(pids_how, sizeof pids_how, "pids cgroup and RLIMIT_NPROC");
    else snprintf(pids_how, sizeof pids_how, "RLIMIT_NPROC%s", userns ? " in its own user namespace"
                  : is_root() ? " of a uid of its own" : "");

    nl_cap cap;
    nl_cap_init(&cap, spec->output_half ? spec->output_half : 16384);
    nl_buf results = { 0 }, status_msg = { 0 };
    watch_fds w;
    memset(&w, 0, sizeof w);
    w.out = out[0];
    w.res = rpipe[0];
    w.status = status[0];
    w.pidfd = pidfd_open(pid, 0);
    if (!ok) kill(pid, SIGKILL);
    supervise(pid, spec, &w, res, &cap, &results, &status_msg, t0);
    while (!w.reaped && wait4(pid, &w.wstatus, 0, &w.ru) < 0 && errno == EINTR) {}
    res->status = w.wstatus;
    res->maxrss_kb = w.ru.ru_maxrss;
    res->run_ms = nl_now_ms() - t0 - res->setup_ms;
    kill(-pid, SIGKILL);               /* its process group, in basic mode */
    res->escaped = nl_box_cgroup_empty(cgroup);
    res->escaped += nl_box_marker_sweep(res->marker);
    /* What is still buffered in the pipes (their writers are gone, or in
     * basic mode may linger: do not wait for them). */
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    drain(out[0], &cap, NULL);
    if (rpipe[0] >= 0) { fcntl(rpipe[0], F_SETFL, O_NONBLOCK); drain(rpipe[0], NULL, &results); }
    fcntl(status[0], F_SETFL, O_NONBLOCK);
    drain(status[0], NULL, &status_msg);
    close(out[0]); close(status[0]);
    if (rpipe[0] >= 0) close(rpipe[0]);
    if (w.pidfd >= 0) close(w.pidfd);
    if (status_msg.len > 0 || !ok) {
        res->setup_failed = true;
        nl_buf_printf(&status_msg, "%s", ok ? "" : "sandbox: could not set up its uid (maps, folder owner)");
        nl_cap_add(&cap, status_msg.s, status_msg.len);
    }
    nl_buf_free(&status_msg);
    res->output = nl_cap_text(&cap);
    res->output_total = cap.total;
    nl_cap_free(&cap);
    res->results_len = results.len;
    res->results = nl_buf_take(&results);
    /* Take the caller's folder back: should a later sandbox get the same
     * uid (pids are reused), it must not read what this one left there. */
    if (is_root() && spec->work_host && chown(spec->work_host, 0, 0) < 0) {}
    remove_folders(root, work);
    return 0;
}

void nl_box_result_free(nl_box_result *res)
{
    free(res->output);
    free(res->results);
    res->output = res->results = NULL;
}

/* Tries a whole namespaced run of /bin/true once; anything short of
 * success means basic mode for the rest of this process. */
static void probe(void)
{
    const char *want = getenv("NODELAB_SANDBOX");
    if (want && strcmp(want, "basic") == 0) { mode = 0; return; }
    mode = 1;
    char *const argv[] = { "true", NULL };
    nl_box_spec s = { .exe = "/bin/true", .argv = argv, .wall_s = 10, .cpu_s = 5, .procs = 4,
                      .fsize_mb = 1, .nofile = 32, .tmpfs_mb = 1, .output_half = 1024,
                      .tmp = probe_dir };
    nl_box_result r;
    char err[256];
    if (nl_box_run(&s, &r, err, sizeof err) < 0 || r.setup_failed ||
        !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
        mode = 0;
    if (mode == 0 && getenv("NODELAB_SANDBOX_DEBUG"))
        fprintf(stderr, "sandbox probe failed: %s\n", r.output ? r.output : err);
    nl_box_result_free(&r);
}

const char *nl_box_mode(void)
{
    if (mode < 0) probe();
    return mode == 1 ? "namespaces" : "basic";
}

const char *nl_box_network(void)
{
    if (mode < 0) probe();
    return mode == 1 ? ns_network : basic_network;
}

const char *nl_box_pids(void)
{
    if (mode < 0) probe();
    return pids_how[0] ? pids_how : "RLIMIT_NPROC";
}

const char *nl_box_files(void)
{
    static char how[160];
    if (mode < 0) probe();
    if (mode == 1) return "a root of its own: the course, the grader's and other students' folders are not in it";
    if (nl_landlock_abi() < 1) return "permissions only (no Landlock): what any user may read, it may read";
    snprintf(how, sizeof how, "Landlock (ABI %d): the course and the grader's folders hidden, writes only in its own",
             nl_landlock_abi());
    return how;
}

void nl_box_probe_in(const char *dir)
{
    probe_dir = dir;
}

bool nl_box_is_namespaced(void)
{
    if (mode < 0) probe();
    return mode == 1;
}
