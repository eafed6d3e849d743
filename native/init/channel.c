/* Finding and using the agent channel. Devices may appear after init
 * starts (virtio probing, vsock transport), so opening retries for a
 * while before giving up. */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kernel_abi.h"
#include "log.h"
#include "protocol.h"

#define OPEN_ATTEMPTS 200
#define OPEN_INTERVAL_MS 50

int channel_open_port(const char *wanted)
{
    DIR *dir = opendir("/sys/class/virtio-ports");
    if (dir == NULL)
        return -1;

    int fd = -1;
    struct dirent *entry;
    while (fd < 0 && (entry = readdir(dir)) != NULL) {
        if (strncmp(entry->d_name, "vport", 5) != 0)
            continue;
        char path[128];
        snprintf(path, sizeof path, "/sys/class/virtio-ports/%.64s/name", entry->d_name);
        char name[64] = "";
        int nfd = open(path, O_RDONLY | O_CLOEXEC);
        if (nfd < 0)
            continue;
        ssize_t n = read(nfd, name, sizeof name - 1);
        close(nfd);
        if (n <= 0)
            continue;
        name[n] = '\0';
        name[strcspn(name, "\n")] = '\0';
        if (strcmp(name, wanted) != 0)
            continue;

        snprintf(path, sizeof path, "/dev/%.64s", entry->d_name);
        fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            df_debug("open %s: %s", path, strerror(errno));
        else
            df_info("channel %s: %s", wanted, path);
    }
    closedir(dir);
    return fd;
}

static int connect_vsock(void)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct df_sockaddr_vm addr = {
        .svm_family = AF_VSOCK,
        .svm_port = DF_AGENT_VSOCK_PORT,
        .svm_cid = DF_VMADDR_CID_HOST,
    };
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return -1;
    }
    df_info("agent channel: vsock port %u", DF_AGENT_VSOCK_PORT);
    return fd;
}

int channel_open(void)
{
    const struct timespec interval = {0, OPEN_INTERVAL_MS * 1000000L};
    for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
        int fd = channel_open_port(DF_AGENT_PORT_NAME);
        if (fd < 0)
            fd = connect_vsock();
        if (fd >= 0) {
            if (attempt > 0)
                df_info("agent channel found after %d waits of %d ms", attempt, OPEN_INTERVAL_MS);
            return fd;
        }
        nanosleep(&interval, NULL);
    }
    df_error("no agent channel: neither a virtio port named %s nor vsock port %u "
             "appeared within %d s", DF_AGENT_PORT_NAME, DF_AGENT_VSOCK_PORT,
             OPEN_ATTEMPTS * OPEN_INTERVAL_MS / 1000);
    return -1;
}

int channel_send(int fd, uint8_t type, uint16_t stream, const void *payload, size_t size)
{
    uint8_t header[DF_HEADER_SIZE];
    df_encode_header(header, type, stream, (uint32_t)size);
    struct iovec iov[2] = {
        {header, sizeof header},
        {(void *)payload, size},
    };
    struct iovec *next = iov;
    int count = size > 0 ? 2 : 1;

    while (count > 0) {
        ssize_t n = writev(fd, next, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            df_error("write to the agent channel: %s", strerror(errno));
            return -1;
        }
        /* Partial writes: skip what went out and write the rest. */
        while (count > 0 && (size_t)n >= next->iov_len) {
            n -= (ssize_t)next->iov_len;
            next++;
            count--;
        }
        if (count > 0) {
            next->iov_base = (uint8_t *)next->iov_base + n;
            next->iov_len -= (size_t)n;
        }
    }
    return 0;
}

int channel_send_hello(int fd)
{
    struct utsname uts;
    uint8_t payload[4 + 64];
    size_t release_len = 0;

    df_put32(payload, DF_PROTOCOL_VERSION);
    if (uname(&uts) == 0) {
        release_len = strnlen(uts.release, sizeof uts.release);
        if (release_len > 64)
            release_len = 64;
        memcpy(payload + 4, uts.release, release_len);
    }
    return channel_send(fd, DF_HELLO, DF_STREAM_CONNECTION, payload, 4 + release_len);
}

int channel_send_error(int fd, uint16_t stream, uint32_t code, const char *message)
{
    uint8_t payload[4 + DF_MAX_ERROR_MSG];
    size_t len = strnlen(message, DF_MAX_ERROR_MSG);

    df_put32(payload, code);
    memcpy(payload + 4, message, len);
    df_info("error on stream %u, code %u: %s", stream, code, message);
    return channel_send(fd, DF_ERROR, stream, payload, 4 + len);
}
