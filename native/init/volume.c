/* A volume's MOUNT record says type "9p", source "dock-fire.vol.N" and the
 * 9p options. Init opens channel N and starts its relay before cloning the
 * container process; the process mounts with the socket end it inherits.
 * The relays are children of init, outside the container's namespaces, and
 * live as long as the VM.
 *
 * A file volume (single-file binds) comes as bind MOUNTs of source
 * "dock-fire.vol.N/I", one per file: the process mounts volume N once, at
 * a hidden place under /run, and binds its file I onto each target. The
 * hidden mount goes with /run when the process enters its root, so the
 * container sees only the files, never the volume's root. */
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "container.h"
#include "kernel_abi.h"
#include "log.h"
#include "protocol.h"

/* Where the container process mounts file volume N: under init's /run,
 * which it detaches before the container's program runs. */
#define HIDDEN_DIR "/run/dock-fire-volumes"

/* Volume N's relay, by N. */
static struct {
    bool started;        /* its relay runs, and mount_fd is the mount's end */
    int mount_fd;        /* the container process's end of the socketpair */
    bool files;          /* a file volume: its MOUNTs are file binds */
    bool hidden_mounted; /* in the container process: mounted under HIDDEN_DIR */
} volumes[DF_MAX_VOLUMES];

static bool is_volume_source(const char *fstype, const char *source)
{
    return strcmp(fstype, "9p") == 0 &&
           strncmp(source, DF_VOLUME_PORT_PREFIX, strlen(DF_VOLUME_PORT_PREFIX)) == 0;
}

bool volume_is(const char *fstype, const char *source)
{
    return is_volume_source(fstype, source) && strchr(source, '/') == NULL;
}

bool volume_file_is(const char *fstype, const char *source)
{
    return is_volume_source(fstype, source) && strchr(source, '/') != NULL;
}

/* N of "dock-fire.vol.N" or "dock-fire.vol.N/I" (I digits), or -1; *file
 * is set to I, or NULL. */
static int volume_index(const char *source, const char **file)
{
    const char *digits = source + strlen(DF_VOLUME_PORT_PREFIX);
    char *end;
    unsigned long n = strtoul(digits, &end, 10);
    *file = NULL;
    if (*digits < '0' || *digits > '9' || n >= DF_MAX_VOLUMES)
        return -1;
    if (*end == '/') {
        *file = end + 1;
        if (**file == '\0' || strspn(*file, "0123456789") != strlen(*file))
            return -1;
    } else if (*end != '\0') {
        return -1;
    }
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
    volumes[n].started = true;
    volumes[n].mount_fd = pair[1];
    return 0;
}

int volumes_start(const struct spec *spec, char *msg, size_t msglen)
{
    for (size_t i = 0; i < spec->nmounts; i++) {
        const struct spec_mount *m = &spec->mounts[i];
        if (!is_volume_source(m->fstype, m->source))
            continue;
        const char *file;
        int n = volume_index(m->source, &file);
        if (n < 0) {
            snprintf(msg, msglen, "invalid volume channel %s", m->source);
            return -1;
        }
        if (volumes[n].started && (file == NULL || !volumes[n].files)) {
            snprintf(msg, msglen, "volume %s is mounted twice", m->source);
            return -1;
        }
        if (volumes[n].started)
            continue; /* another file of the same file volume */
        volumes[n].files = file != NULL;
        char channel[32];
        snprintf(channel, sizeof channel, DF_VOLUME_PORT_PREFIX "%d", n);
        if (start_relay(channel, n, msg, msglen) < 0)
            return -1;
    }
    return 0;
}

void volumes_forked(void)
{
    for (size_t n = 0; n < DF_MAX_VOLUMES; n++) {
        if (volumes[n].started)
            close(volumes[n].mount_fd);
        volumes[n].started = false;
    }
}

int volume_mount_data(const char *source, const char *options, char *data, size_t cap)
{
    const char *file;
    int n = volume_index(source, &file);
    if (n < 0 || !volumes[n].started) {
        errno = EINVAL;
        return -1;
    }
    int fd = volumes[n].mount_fd;
    int len = snprintf(data, cap, "%s%strans=fd,rfdno=%d,wfdno=%d", options,
                       options[0] ? "," : "", fd, fd);
    if (len < 0 || (size_t)len >= cap) {
        errno = E2BIG;
        return -1;
    }
    return 0;
}

const char *volume_file_source(const struct spec_mount *m, char *path, size_t cap)
{
    const char *file;
    int n = volume_index(m->source, &file);
    if (n < 0 || file == NULL) {
        errno = EINVAL;
        return NULL;
    }
    char dir[64];
    snprintf(dir, sizeof dir, HIDDEN_DIR "/%d", n);
    if (!volumes[n].hidden_mounted) {
        char data[512];
        if ((mkdir(HIDDEN_DIR, 0700) < 0 && errno != EEXIST) ||
            (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
            volume_mount_data(m->source, m->data, data, sizeof data) < 0)
            return NULL;
        /* No flags: a bind takes the flags of the mount it comes from, and
         * each target gets its own (ro, nosuid...) by a remount. */
        char channel[32];
        snprintf(channel, sizeof channel, DF_VOLUME_PORT_PREFIX "%d", n);
        if (mount(channel, dir, "9p", 0, data) < 0)
            return NULL;
        volumes[n].hidden_mounted = true;
    }
    int len = snprintf(path, cap, "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= cap) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return path;
}
