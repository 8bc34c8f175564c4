/*
 * paths.h — where nodelab finds its chapters, exercises and runtime.
 *
 * The same binary must work in three places: the build tree (right after
 * `make`), an installed prefix (/usr/local), and a staged install moved
 * somewhere else (DESTDIR).  So nothing from the source tree is compiled
 * in.  In order, the first that exists wins:
 *   1. $NODELAB_DATADIR (data only), for tests and instructors;
 *   2. a `.nodelab-tree` file beside the executable, written by `make`,
 *      naming the source and build trees;
 *   3. ../share/nodelab beside the executable's bin/ (a moved install);
 *   4. the pkgdatadir chosen at configure time.
 */
#ifndef NL_PATHS_H
#define NL_PATHS_H

/* The folder holding chapters/, exercises/ and solutions/. */
const char *nl_data_dir(void);
/* The folder holding the runtime's headers (loop.h, ...). */
const char *nl_include_dir(void);
/* The folder holding liblab.a. */
const char *nl_lib_dir(void);
/* The running executable, and the folder it is in. */
const char *nl_self_exe(void);
const char *nl_bin_dir(void);
/* The user's home folder: $HOME, else the password database's, else /tmp. */
const char *nl_home_dir(void);
/* A path under the data dir, in a static buffer per call site (copy it). */
const char *nl_data_path(char *buf, unsigned long size, const char *rel);

#endif
