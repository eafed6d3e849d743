/* A volume's MOUNT record says type "9p", source "dock-fire.vol.N" and the
 * 9p options. Init opens channel N and starts its relay before cloning the
 * container process; the process mounts with the socket end it inherits.
 * The relays are children of init, outside the container's namespaces, and
 * live as long as the VM. */
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"
#include "container.h"
#include "kernel_abi.h"
#include "log.h"
#include "protocol.h"

/* The container process's end of each volume's socketpair, by N. */
static int mount_fds[DF_MAX_VOLUMES] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1};

bool volume_is(const char *fstype, const char *source)
{
    return strcmp(fstype, "9p") == 0 &&
           strncmp(source, DF_VOLUME_PORT_PREFIX, strlen(DF_VOLUME_PORT_PREFIX)) == 0;
}

/* N of "dock-fire.vol.N", or -1. */
static int volume_index(const char *source)
{
    const char *digits = source + strlen(DF_VOLUME_PORT_PREFIX);
    char *end;
    unsigned long n = strtoul(digits, &end, 10);
    if (*digits < '0' || *digits > '9' || *end != '\0' || n >= DF_MAX_VOLUMES)
        return -1;
    return (int)n;
}

static int connect_vsock(unsigned port)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct df_sockaddr_vm addr = {
        .svm_family = AF_VSOCK,
        .svm_port = port,
        .svm_cid = DF_VMADDR_CID_HOST,
    };
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* QEMU: a virtio-serial port; Firecracker: a vsock port. */
static int open_channel(const char *source, int n)
{
    int fd = channel_open_port(source);
    if (fd < 0)
        fd = connect_vsock(DF_VOLUME_VSOCK_PORT_BASE + (unsigned)n);
    return fd;
}

static int start_relay(const char *source, int n, char *msg, size_t msglen)
{
    if (mount_fds[n] >= 0) {
        snprintf(msg, msglen, "volume %s is mounted twice", source);
        return -1;
    }
    int channel = open_channel(source, n);
    int pair[2] = {-1, -1};
    if (channel < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        snprintf(msg, msglen, "open the channel of volume %s: %s", source,
                 container_strerror(errno));
        if (channel >= 0)
            close(channel);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pair[1]);
        volume_relay(pair[0], channel);
    }
    int saved = errno;
    close(pair[0]);
    close(channel);
    if (pid < 0) {
        close(pair[1]);
        snprintf(msg, msglen, "start the relay of volume %s: %s", source,
                 container_strerror(saved));
        return -1;
    }
    df_debug("volume %s: relay pid %d", source, (int)pid);
    mount_fds[n] = pair[1];
    return 0;
}

int volumes_start(const struct spec *spec, char *msg, size_t msglen)
{
    for (size_t i = 0; i < spec->nmounts; i++) {
        const struct spec_mount *m = &spec->mounts[i];
        if (!volume_is(m->fstype, m->source))
            continue;
        int n = volume_index(m->source);
        if (n < 0) {
            snprintf(msg, msglen, "invalid volume channel %s", m->source);
            return -1;
        }
        if (start_relay(m->source, n, msg, msglen) < 0)
            return -1;
    }
    return 0;
}

void volumes_forked(void)
{
    for (size_t n = 0; n < DF_MAX_VOLUMES; n++) {
        if (mount_fds[n] >= 0)
            close(mount_fds[n]);
        mount_fds[n] = -1;
    }
}

int volume_mount_data(const char *source, const char *options, char *data, size_t cap)
{
    int n = volume_index(source);
    if (n < 0 || mount_fds[n] < 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = mount_fds[n];
    int len = snprintf(data, cap, "%s%strans=fd,rfdno=%d,wfdno=%d", options,
                       options[0] ? "," : "", fd, fd);
    if (len < 0 || (size_t)len >= cap) {
        errno = E2BIG;
        return -1;
    }
    return 0;
}
