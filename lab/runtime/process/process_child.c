/*
 * process_child.c — what the child does between fork and exec (see
 * process_child.h).  Everything here runs in the child, in memory it may
 * share with the parent (vfork), so it touches nothing but its own stack
 * and system calls.
 */
#define _GNU_SOURCE
#include "process_child.h"
#include "telemetry.h"

#include <dirent.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PATH "/usr/bin:/bin"    /* glibc's and libuv's fallback */

const char *lab_child_path(char *const *envp)
{
    for (char *const *e = envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
    return DEFAULT_PATH;
}

/* Tells the parent why we failed, and leaves. */
static _Noreturn void fail(int errfd, int err)
{
    while (write(errfd, &err, sizeof err) < 0 && errno == EINTR) { }
    _exit(127);
}

/* Step 2: descriptor i becomes fds[i].  A source below its slot could be
 * overwritten by an earlier dup2 (think of swapping 1 and 2), so those are
 * first moved above the table — libuv's trick. */
static int setup_stdio(lab_child_setup *s)
{
    int n = s->count;
    if (s->errfd < n) {                       /* keep the error pipe safe */
        int fd = fcntl(s->errfd, F_DUPFD_CLOEXEC, n);
        if (fd < 0) return errno;
        s->errfd = fd;
    }
    for (int i = 0; i < n; i++) {
        if (s->fds[i] >= 0 && s->fds[i] < i) {
            int fd = fcntl(s->fds[i], F_DUPFD_CLOEXEC, n);
            if (fd < 0) return errno;
            s->fds[i] = fd;
        }
    }
    for (int i = 0; i < n; i++) {
        int src = s->fds[i];
        if (src < 0) {                        /* 'ignore': /dev/null */
            src = open("/dev/null", i == 0 ? O_RDONLY : O_RDWR);
            if (src < 0) return errno;
            if (src != i) {
                if (dup2(src, i) < 0) return errno;
                close(src);
            }
            continue;
        }
        if (src == i) {                       /* already there: keep it open */
            if (fcntl(i, F_SETFD, 0) < 0 && errno != EBADF) return errno;
        } else if (dup2(src, i) < 0) {        /* dup2 clears close-on-exec */
            return errno;
        }
    }
    return 0;
}

/* Step 4: a clean signal state for the new program.  exec resets caught
 * signals by itself, but an ignored one (our SIGPIPE) stays ignored, and
 * the mask stays as it is.  Like libuv, only the classic signals 1-31 are
 * touched: the real-time ones above belong partly to the C library. */
/* doc:reset-signals */
static void reset_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}
/* end doc:reset-signals */

static int prepare(lab_child_setup *s)
{
    if (s->detached && setsid() < 0) return errno;
    if (s->pdeathsig) {
        if (prctl(PR_SET_PDEATHSIG, s->pdeathsig) < 0) return errno;
        /* The parent may have died before prctl: then nobody will signal. */
        if (getppid() != s->parent) return ESRCH;
    }
    int err = setup_stdio(s);
    if (err) return err;
    if (s->cwd && chdir(s->cwd) < 0) return errno;
    reset_signals();
    return 0;
}

/* Step 5: execve, trying each PATH entry for a bare name.  EACCES from one
 * entry is remembered but the search goes on, as execvp() does. */
static int exec_program(const lab_child_setup *s)
{
    if (strchr(s->file, '/')) {
        execve(s->file, s->argv, s->envp);
        return errno;
    }
    char buf[PATH_MAX];
    size_t flen = strlen(s->file);
    int err = ENOENT;
    const char *p = s->path;
    for (;;) {
        const char *colon = strchrnul(p, ':');
        size_t dlen = (size_t)(colon - p);
        if (dlen + 1 + flen < sizeof buf) {
            memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
            size_t off = dlen ? dlen : 1;
            buf[off] = '/';
            memcpy(buf + off + 1, s->file, flen + 1);
            execve(buf, s->argv, s->envp);
            if (errno == EACCES) err = EACCES;
            else if (errno != ENOENT && errno != ENOTDIR) return errno;
        }
        if (*colon == '\0') break;
        p = colon + 1;
    }
    return err;
}

static _Noreturn void child_main(const lab_child_setup *shared)
{
    /* The setup lives in the parent's memory: work on our own copy. */
    lab_child_setup s = *shared;
    int err = prepare(&s);
    if (!err) err = exec_program(&s);
    fail(s.errfd, err);
}

/* The parent blocks every signal around vfork: a handler must never run
 * in the child while it borrows the parent's memory.  The child unblocks
 * them (reset_signals) once dispositions are back to default. */
pid_t lab_child_start(lab_child_setup *s)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork();
    if (pid == 0) child_main(s);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return pid;
}

/* ---- fork without exec: a function as the child -------------------------- */

/* What exec would do to our descriptors: close those marked close-on-exec.
 * The telemetry pipe stays, so the child can keep reporting. */
static void close_cloexec_fds(int keep)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] == '.' || fd == dirfd(d) || fd == keep) continue;
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC)) close(fd);
    }
    closedir(d);
}

pid_t lab_child_start_call(lab_child_setup *s, lab_child_main *main, void *arg)
{
    fflush(NULL);                     /* or the child would print it again */
    pid_t pid = fork();
    if (pid != 0) return pid;
    int err = prepare(s);
    if (err) fail(s->errfd, err);
    environ = (char **)s->envp;
    lab__process_forget_all();
    close_cloexec_fds(lab_tel_fd());  /* the error pipe too: "exec worked" */
    int status = main(arg);
    fflush(NULL);
    lab_tel_close(1000);
    _exit(status);
}
