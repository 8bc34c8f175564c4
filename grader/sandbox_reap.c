/*
 * sandbox_reap.c — making sure nothing of a sandbox outlives it.
 *
 * In namespace mode the kernel does most of it: when the sandbox's pid 1
 * dies, so does every process of its PID namespace.  For the rest — basic
 * mode, a grader killed in the middle of a run — there are two nets: the
 * pids cgroup each sandbox runs in when the grader is root (every process
 * in it is listed, whatever it did to its session or process group), and
 * the environment marker every sandboxed process inherits.
 */
#include "config.h"
#include "sandbox.h"
#include "sandbox_reap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nl_box_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The cgroups of one grader session live under nodelab-<pid>, <pid>
 * being the session's grader process (nl_box_cgroup_owner; batch workers
 * inherit it), so that its janitor removes them all when the grader ends
 * (nl_box_cleanup).  Without a session: the process that made the first. */
static const char *const cgroup_bases[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup" };
static pid_t cgroup_owner;

void nl_box_cgroup_owner(pid_t owner)
{
    cgroup_owner = owner;
}

/* A pids cgroup holds fork bombs even where RLIMIT_NPROC cannot; only
 * root can make one.  Returns the folder (malloc'd) or NULL. */
char *nl_box_cgroup_enter(pid_t pid, int procs)
{
    if (geteuid() != 0) return NULL;
    if (!cgroup_owner) cgroup_owner = getpid();
    for (size_t i = 0; i < 2; i++) {
        char parent[256], dir[300], file[340], num[32];
        snprintf(parent, sizeof parent, "%s/nodelab-%d", cgroup_bases[i], cgroup_owner);
        if (mkdir(parent, 0700) < 0 && errno != EEXIST) continue;
        snprintf(file, sizeof file, "%s/cgroup.subtree_control", parent);
        if (i == 1) nl_box_write_file(file, "+pids");        /* cgroup v2 delegates explicitly */
        snprintf(dir, sizeof dir, "%s/box-%d", parent, pid);
        if (mkdir(dir, 0700) < 0) continue;
        snprintf(file, sizeof file, "%s/pids.max", dir);
        snprintf(num, sizeof num, "%d", procs + 4);
        if (nl_box_write_file(file, num) == 0) {
            snprintf(file, sizeof file, "%s/cgroup.procs", dir);
            snprintf(num, sizeof num, "%d", pid);
            if (nl_box_write_file(file, num) == 0) return strdup(dir);
        }
        rmdir(dir);
        rmdir(parent);                 /* if it is empty */
    }
    return NULL;
}

/* Kills what is left in the cgroup and removes it; returns how many
 * processes it had to kill. */
int nl_box_cgroup_empty(char *dir)
{
    int killed = 0;
    if (!dir) return 0;
    char file[300];
    snprintf(file, sizeof file, "%s/cgroup.procs", dir);
    for (int round = 0; round < 100; round++) {
        FILE *f = fopen(file, "r");
        int pid, any = 0;
        while (f && fscanf(f, "%d", &pid) == 1) { kill(pid, SIGKILL); any = 1; killed++; }
        if (f) fclose(f);
        if (!any && rmdir(dir) == 0) break;
        usleep(10000);
    }
    free(dir);
    return killed;
}

/* Kills every process whose environment holds this sandbox's marker:
 * what a setsid() daemon cannot shed without exec'ing afresh. */
int nl_box_marker_sweep(const char *marker)
{
    char needle[96];
    int nlen = snprintf(needle, sizeof needle, "NODELAB_SANDBOX=%s", marker);
    int killed = 0;
    for (int round = 0; round < 20; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid <= 1 || pid == getpid()) continue;
            char path[64], env[16384];
            snprintf(path, sizeof path, "/proc/%d/environ", pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, env, sizeof env);
            close(fd);
            for (ssize_t i = 0; n > nlen && i + nlen <= n; i++)
                if ((i == 0 || env[i - 1] == '\0') && memcmp(env + i, needle, (size_t)nlen) == 0 &&
                    (i + nlen == n || env[i + nlen] == '\0')) {
                    kill(pid, SIGKILL);
                    found++;
                    break;
                }
        }
        if (d) closedir(d);
        killed += found;
        if (!found) break;
        usleep(20000);
    }
    return killed;
}

void nl_box_cleanup(pid_t owner)
{
    for (size_t i = 0; i < 2; i++) {
        char parent[256];
        snprintf(parent, sizeof parent, "%s/nodelab-%d", cgroup_bases[i], owner);
        DIR *d = opendir(parent);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strncmp(e->d_name, "box-", 4)) continue;
            char dir[600];
            snprintf(dir, sizeof dir, "%s/%s", parent, e->d_name);
            nl_box_cgroup_empty(strdup(dir));
        }
        if (d) { closedir(d); rmdir(parent); }
    }
}
