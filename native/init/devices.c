/* The OCI runtime spec's default devices and /dev symlinks. Nodes are
 * created with mknod on the container's tmpfs rather than bound from the
 * guest's devtmpfs, so the container sees nothing else of it. */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "container.h"

static const struct {
    const char *name;
    unsigned int major;
    unsigned int minor;
} default_devices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
    const char *name;
    const char *target;
} default_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},
    {"core", "/proc/kcore"},
};

void devices_populate(int dev_fd)
{
    /* mknodat and symlinkat need a real directory fd, not an O_PATH one. */
    int dir = openat(dev_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        container_fail("open /dev: %s", container_strerror(errno));

    for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
        dev_t dev = makedev(default_devices[i].major, default_devices[i].minor);
        if (mknodat(dir, default_devices[i].name, S_IFCHR | 0666, dev) < 0 && errno != EEXIST)
            container_fail("create /dev/%s: %s", default_devices[i].name,
                           container_strerror(errno));
    }
    for (size_t i = 0; i < sizeof default_links / sizeof default_links[0]; i++) {
        if (symlinkat(default_links[i].target, dir, default_links[i].name) < 0 &&
            errno != EEXIST)
            container_fail("create /dev/%s: %s", default_links[i].name,
                           container_strerror(errno));
    }
    close(dir);
}
