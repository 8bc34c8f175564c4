/* sandbox_fs.h — the new root of a namespaced sandbox (see sandbox_fs.c). */
#ifndef NL_SANDBOX_FS_H
#define NL_SANDBOX_FS_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    const char *work_host;        /* bound rw at /work, or NULL for a tmpfs folder */
    const char *box_host;         /* bound ro at /box, or NULL */
    const char *const *hide;      /* host paths to cover */
    long tmpfs_mb;
    uid_t uid;                    /* who the program runs as, as seen inside:
                                     owner of /work, "sandbox" in /etc/passwd */
} nl_box_fs;

/* Builds the tree on `root` (an empty host folder) and pivots into it (or
 * chroots, when the grader itself runs in a chroot); the cwd ends in
 * /work.  Returns 0, or -1 with nl_box_fs_error() set. */
int nl_box_fs_setup(const char *root, const nl_box_fs *fs);
const char *nl_box_fs_error(void);

#endif
