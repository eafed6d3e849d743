/* The host side of a container before its VMM starts: inherited fds, the
 * network namespace, cgroups and the two listening sockets. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void close_range_slow(unsigned first, unsigned last)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (unsigned fd = first; fd <= last && fd < (unsigned)max; fd++)
        (void)close((int)fd); /* EBADF is the common, expected case */
}

static void close_fds(unsigned first, unsigned last)
{
    if (first > last)
        return;
    if (syscall(SYS_close_range, first, last, 0) < 0)
        close_range_slow(first, last); /* kernels before 5.9 */
}

void close_stray_fds(int keep)
{
    close_fds(3, (unsigned)keep - 1);
    close_fds((unsigned)keep + 1, ~0u);
}

/* fds 0-2 are the container's stdio. If one is closed, the next open() would
 * take its number and container output would land in, say, the log file. */
int ensure_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int nul = open("/dev/null", O_RDWR | O_NOCTTY);
        if (nul < 0)
            return -1;
        if (nul != fd) {
            /* Lower fds are all open, so open() returns the lowest free. */
            errno = EBADF;
            return -1;
        }
    }
    return 0;
}

/* The container's netns: Docker's hook configures it via /proc/<pid>/ns/net,
 * and the VMM (our child) finds its TAP device there. */
int enter_netns(char *err, size_t cap)
{
    if (unshare(CLONE_NEWNET) < 0) {
        snprintf(err, cap, "cannot create network namespace: %s", strerror(errno));
        return -1;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, cap, "cannot bring lo up: socket: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (rc < 0)
        snprintf(err, cap, "cannot bring lo up: %s", strerror(errno));
    if (close(s) < 0 && rc == 0) {
        snprintf(err, cap, "cannot bring lo up: close: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

/* The VMM forked later inherits the cgroup, so limits cover the whole VM. */
int join_cgroup(const char *procs_file, char *err, size_t cap)
{
    char pid[24];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    int fd = open(procs_file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, cap, "cannot join cgroup %s: %s", procs_file, strerror(errno));
        return -1;
    }
    ssize_t n = write(fd, pid, (size_t)len);
    int saved = errno;
    if (close(fd) < 0 && n == len) {
        n = -1;
        saved = errno;
    }
    if (n != len) {
        snprintf(err, cap, "cannot join cgroup %s: %s", procs_file,
                 n < 0 ? strerror(saved) : "short write");
        return -1;
    }
    return 0;
}

/* Creates a listening unix stream socket at path, mode 0600 from the start
 * (umask while binding: a chmod afterwards would leave a window). A stale
 * socket from an earlier monitor is removed; any other file is an error. */
int listen_unix(const char *path, char *err, size_t cap)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof addr.sun_path) {
        snprintf(err, cap, "path %s is longer than %zu bytes", path, sizeof addr.sun_path - 1);
        return -1;
    }
    memcpy(addr.sun_path, path, len + 1);

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, cap, "%s exists and is not a socket", path);
            return -1;
        }
        if (unlink(path) < 0) {
            snprintf(err, cap, "cannot remove stale %s: %s", path, strerror(errno));
            return -1;
        }
    } else if (errno != ENOENT) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    int saved = errno;
    umask(old);
    if (rc == 0 && listen(fd, MAX_CLIENTS) < 0) {
        saved = errno;
        rc = -1;
        (void)unlink(path); /* ours, just bound; already failing */
    }
    if (rc < 0) {
        snprintf(err, cap, "cannot listen on %s: %s", path, strerror(saved));
        (void)close(fd); /* already failing */
        return -1;
    }
    return fd;
}
