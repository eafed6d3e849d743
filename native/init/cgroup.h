/* The container's pids limit (Docker's --pids-limit), kept by the guest
 * kernel: the container's processes live in a cgroup of their own. */
#ifndef DF_INIT_CGROUP_H
#define DF_INIT_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Makes the container's cgroup with pids.max = limit; 0 means no limit and
 * does nothing. Returns 0, or -1 with msg set. */
int cgroup_prepare(uint64_t limit, char *msg, size_t msglen);

/* Moves the calling process (a child of init, before it runs anything of
 * the container's) into the container's cgroup. No-op without a limit.
 * Returns 0, or -1 with errno set. */
int cgroup_join(void);

#endif
