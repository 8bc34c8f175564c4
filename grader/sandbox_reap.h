/* sandbox_reap.h — cgroups and the marker sweep (see sandbox_reap.c);
 * internal to the sandbox. */
#ifndef NL_SANDBOX_REAP_H
#define NL_SANDBOX_REAP_H

#include <sys/types.h>

/* Writes a short text to a file (procfs, cgroupfs); 0 or -1. */
int nl_box_write_file(const char *path, const char *text);
/* Puts pid in a new pids cgroup of at most procs+4 tasks; returns its
 * folder (malloc'd), or NULL when that is not possible (not root). */
char *nl_box_cgroup_enter(pid_t pid, int procs);
/* Kills what is left in the cgroup, removes it, frees dir; returns how
 * many processes had to be killed. */
int nl_box_cgroup_empty(char *dir);
/* Kills every process whose environment holds NODELAB_SANDBOX=<marker>;
 * returns how many. */
int nl_box_marker_sweep(const char *marker);

#endif
