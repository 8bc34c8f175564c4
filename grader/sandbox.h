/*
 * sandbox.h — running untrusted code: the student's compile and tests.
 *
 * Two modes.  "namespaces" (the default where the kernel allows it, as
 * root or not): the program starts as pid 1 of fresh PID, mount,
 * network, IPC and UTS namespaces (and a user namespace when the grader
 * is not root), inside a new root made of a small tmpfs plus read-only
 * /usr and /etc — the course data, the grader's build folder, other
 * students' work and the host's /tmp are simply not there.  It runs as
 * an unprivileged uid (a fresh one per sandbox when the grader is root)
 * without any capability, with rlimits, a pids cgroup when root can make
 * one, a network with only its own loopback, and a wall-clock limit that
 * kills pid 1, which takes every process of the namespace with it — a
 * setsid() daemon included.  This works in a chroot too, as root.
 * "basic" (no namespaces): own session and process group, rlimits, the
 * uid drop when root, a private folder, and after the run a sweep that
 * kills every process still carrying this sandbox's environment marker;
 * it hides only what the grader's own folders hold.  The report says
 * which mode ran.
 */
#ifndef NL_SANDBOX_H
#define NL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    const char *exe;              /* absolute path as seen inside the sandbox */
    char *const *argv;
    const char *work_host;        /* host folder bound read-write at /work (the
                                     cwd); NULL: a fresh folder in the tmpfs */
    const char *box_host;         /* host folder bound read-only at /box, or NULL */
    const char *const *hide;      /* host paths to make invisible (NULL-ended) */
    const char *const *env;       /* extra "K=V" entries (NULL-ended) */
    double wall_s;                /* wall clock for the whole run */
    double cpu_s;                 /* RLIMIT_CPU */
    long mem_mb;                  /* RLIMIT_AS (0: none) */
    int procs;                    /* RLIMIT_NPROC and pids.max */
    long fsize_mb;                /* RLIMIT_FSIZE */
    int nofile;                   /* RLIMIT_NOFILE */
    long tmpfs_mb;                /* size of the sandbox's writable root */
    size_t output_half;           /* stdout+stderr kept: this much head and tail */
    bool result_channel;          /* fd 3 is a pipe back to the grader */
    const char *stdin_data;       /* stdin gives this (at most 64 KB), then
                                     end of file; NULL: /dev/null */
    const char *tmp;              /* host folder for the sandbox's own temporary
                                     folders (NULL: $TMPDIR); must let others
                                     pass through (0711) for basic mode */
} nl_box_spec;

typedef struct {
    int status;                   /* wait status of the sandbox's first process */
    bool timed_out;               /* the wall clock ran out */
    bool setup_failed;            /* never got to exec the program */
    bool stopped;                 /* ended early: the grader was asked to stop */
    char *output;                 /* captured stdout+stderr (head ... tail) */
    unsigned long long output_total;
    char *results;                /* what arrived on fd 3 */
    size_t results_len;
    double setup_ms, run_ms;
    long maxrss_kb;
    int escaped;                  /* processes found by the marker sweep */
    pid_t pgid;                   /* process group the sandbox ran in */
    char marker[64];              /* NODELAB_SANDBOX=<marker> in its environment */
} nl_box_result;

/* Runs spec in a sandbox and waits for it.  Returns 0 (see res for what
 * happened), or -1 if the grader itself could not set it up (err). */
int nl_box_run(const nl_box_spec *spec, nl_box_result *res, char *err, size_t errlen);
void nl_box_result_free(nl_box_result *res);

/* From now on, signal `sig` asks this process to stop grading: the
 * sandbox running then is ended at once (with the usual clean-up: its
 * processes killed, its folders removed), and so is any started later,
 * with `stopped` set.  Batch workers do this for SIGTERM. */
void nl_box_stop_on(int sig);
bool nl_box_stop_requested(void);

/* The process whose cgroup folder, nodelab-<owner>, holds every
 * sandbox's pids cgroup from now on: the session sets it once, so that
 * batch workers, forked before any sandbox ran, use its folder and not
 * one of their own that nobody would remove. */
void nl_box_cgroup_owner(pid_t owner);
/* Kills and removes what sandboxes of the grader process `owner` left in
 * the pids cgroup, and its folder (the session janitor calls it when the
 * grader ends, however it ends). */
void nl_box_cleanup(pid_t owner);

/* "namespaces" or "basic", and what that means for the network, after
 * probing once.  NODELAB_SANDBOX=basic in the environment forces basic. */
const char *nl_box_mode(void);
const char *nl_box_network(void);
/* How fork bombs are held: "pids cgroup + rlimit", "rlimit" ... */
const char *nl_box_pids(void);
/* What the code can reach on disk, in words. */
const char *nl_box_files(void);
bool nl_box_is_namespaced(void);
/* Where the probe makes its one temporary folder (default: $TMPDIR).  The
 * session points it into a folder its janitor already covers, so that a
 * grader killed while probing leaves nothing behind. */
void nl_box_probe_in(const char *dir);

#endif
