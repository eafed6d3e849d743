/* For the tests that run under `unshare -n`: they refuse to run where any
 * device but lo exists (so they never touch a real network), and bring lo
 * up, as a fresh namespace has it down. */
#ifndef DOCK_FIRE_TEST_NETNS_H
#define DOCK_FIRE_TEST_NETNS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static inline bool netns_only_loopback(void)
{
    struct if_nameindex *list = if_nameindex();
    if (list == NULL)
        return false;
    bool only = list[0].if_index != 0 && strcmp(list[0].if_name, "lo") == 0 &&
                list[1].if_index == 0;
    if_freenameindex(list);
    return only;
}

/* Returns 0, or -1 after saying why on stderr. */
static inline int netns_enter_test(const char *program)
{
    if (!netns_only_loopback()) {
        fprintf(stderr, "%s: run me in an empty network namespace (unshare -n)\n", program);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        fprintf(stderr, "%s: cannot bring lo up\n", program);
    return rc;
}

#endif
