/*
 * sandbox_landlock.h — basic mode's filesystem limits (Landlock): read
 * anything but the hidden paths, write only in the sandbox's folder.
 */
#ifndef NL_SANDBOX_LANDLOCK_H
#define NL_SANDBOX_LANDLOCK_H

/* The kernel's Landlock ABI version, or -1 without Landlock. */
int nl_landlock_abi(void);
/* Builds the rules (before the uid drop: it opens the paths it names):
 * read and run everything but `hide`, write in `work`, read and run
 * `box`.  Returns the ruleset's descriptor, or -1 without Landlock. */
int nl_landlock_prepare(const char *work, const char *box, const char *const *hide);
/* Applies them to this process and all it starts, for good; closes the
 * descriptor.  0, or -1. */
int nl_landlock_enforce(int ruleset);

#endif
