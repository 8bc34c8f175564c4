/* fdcount.h — how many descriptors this process has open (tests only):
 * the "every descriptor closed" check compares this before and after. */
#ifndef NL_TEST_FDCOUNT_H
#define NL_TEST_FDCOUNT_H

#include <dirent.h>

static inline int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;                 /* the directory's own descriptor */
}

#endif
