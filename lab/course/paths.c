/* paths.c — finding the data and the runtime (see paths.h). */
#include "paths.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NL_PKGDATADIR
#define NL_PKGDATADIR "/usr/local/share/nodelab"
#endif
#ifndef NL_PKGINCLUDEDIR
#define NL_PKGINCLUDEDIR "/usr/local/include/nodelab"
#endif
#ifndef NL_PKGLIBDIR
#define NL_PKGLIBDIR "/usr/local/lib/nodelab"
#endif

static struct {
    int ready;
    char exe[PATH_MAX], bin[PATH_MAX];
    char data[PATH_MAX], include[PATH_MAX], lib[PATH_MAX];
} P;

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads "key=value" from the .nodelab-tree file. */
static int tree_value(const char *file, const char *key, char *out, size_t size)
{
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    char line[PATH_MAX + 32];
    size_t klen = strlen(key);
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, size, "%s", line + klen + 1);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static void resolve(void)
{
    if (P.ready) return;
    P.ready = 1;
    ssize_t n = readlink("/proc/self/exe", P.exe, sizeof P.exe - 1);
    P.exe[n > 0 ? n : 0] = '\0';
    snprintf(P.bin, sizeof P.bin, "%s", P.exe);
    char *slash = strrchr(P.bin, '/');
    if (slash) *slash = '\0';

    char tree[PATH_MAX + 16], src[PATH_MAX], build[PATH_MAX];
    char prefix_share[PATH_MAX + 32];
    snprintf(tree, sizeof tree, "%s/.nodelab-tree", P.bin);
    snprintf(prefix_share, sizeof prefix_share, "%s/../share/nodelab", P.bin);
    if (tree_value(tree, "srcdir", src, sizeof src) &&
        tree_value(tree, "builddir", build, sizeof build)) {
        snprintf(P.data, sizeof P.data, "%s", src);
        snprintf(P.include, sizeof P.include, "%s/lab/runtime/include", build);
        snprintf(P.lib, sizeof P.lib, "%s/lab/runtime", build);
    } else if (is_dir(prefix_share)) {
        snprintf(P.data, sizeof P.data, "%s", prefix_share);
        snprintf(P.include, sizeof P.include, "%s/../include/nodelab", P.bin);
        snprintf(P.lib, sizeof P.lib, "%s/../lib/nodelab", P.bin);
    } else {
        snprintf(P.data, sizeof P.data, "%s", NL_PKGDATADIR);
        snprintf(P.include, sizeof P.include, "%s", NL_PKGINCLUDEDIR);
        snprintf(P.lib, sizeof P.lib, "%s", NL_PKGLIBDIR);
    }
    const char *env = getenv("NODELAB_DATADIR");
    if (env && *env) snprintf(P.data, sizeof P.data, "%s", env);
}

const char *nl_data_dir(void) { resolve(); return P.data; }
const char *nl_include_dir(void) { resolve(); return P.include; }
const char *nl_lib_dir(void) { resolve(); return P.lib; }
const char *nl_self_exe(void) { resolve(); return P.exe; }
const char *nl_bin_dir(void) { resolve(); return P.bin; }

const char *nl_home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home) return home;
    struct passwd *pw = getpwuid(getuid());     /* a service or a cron job may have no HOME */
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/tmp";
}

const char *nl_data_path(char *buf, unsigned long size, const char *rel)
{
    snprintf(buf, size, "%s/%s", nl_data_dir(), rel);
    return buf;
}
