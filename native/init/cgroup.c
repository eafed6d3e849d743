/* cgroup v2 is mounted in init's own namespace, under init's /run, where the
 * container never sees it; the container's /sys/fs/cgroup is its own mount.
 * Each child of init joins before it runs the container's code. Joining is
 * allowed past pids.max: only clone and fork are refused once the cgroup is
 * full, which is what --pids-limit means (and an exec still starts). */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

#define CGROUP_ROOT "/run/cgroup"
#define CGROUP_DIR CGROUP_ROOT "/container"

static int container_procs = -1;

static int write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)len ? 0 : -1;
}

static int fail(char *msg, size_t msglen, const char *what)
{
    snprintf(msg, msglen, "set up the pids limit: %s: %s", what, container_strerror(errno));
    return -1;
}

int cgroup_prepare(uint64_t limit, char *msg, size_t msglen)
{
    if (limit == 0 || container_procs >= 0)
        return 0;
    if (mkdir(CGROUP_ROOT, 0700) < 0 && errno != EEXIST)
        return fail(msg, msglen, "mkdir " CGROUP_ROOT);
    if (mount("cgroup2", CGROUP_ROOT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail(msg, msglen, "mount cgroup2");
    if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+pids") < 0)
        return fail(msg, msglen, "enable the pids controller");
    if (mkdir(CGROUP_DIR, 0755) < 0 && errno != EEXIST)
        return fail(msg, msglen, "mkdir " CGROUP_DIR);
    char value[32];
    snprintf(value, sizeof value, "%" PRIu64, limit);
    if (write_file(CGROUP_DIR "/pids.max", value) < 0)
        return fail(msg, msglen, "write pids.max");
    /* Kept open: the children join through it whatever their mount namespace. */
    container_procs = open(CGROUP_DIR "/cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (container_procs < 0)
        return fail(msg, msglen, "open " CGROUP_DIR "/cgroup.procs");
    return 0;
}

/* Writing "0" to cgroup.procs moves the writer itself. */
int cgroup_join(void)
{
    if (container_procs < 0)
        return 0;
    return write(container_procs, "0", 1) == 1 ? 0 : -1;
}
