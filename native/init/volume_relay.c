/* A volume's relay: two one-way copies between the mount's socket and the
 * channel to the host, each through its own buffer, all non-blocking, so
 * a full channel in one direction never stops the other (the host holds
 * its reply until the guest reads, the guest its requests until the host
 * reads). When either side ends, the relay exits; the mount then reports
 * I/O errors. */
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#define RELAY_BUF (64u * 1024u)

struct pipe_dir {
    int from;
    int to;
    size_t len;
    size_t off;
    uint8_t buf[RELAY_BUF];
};

static struct pipe_dir up, down;

/* Returns -1 when a side ended or failed. */
static int step(struct pipe_dir *d, short revents_from, short revents_to)
{
    if (d->len == 0 && (revents_from & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(d->from, d->buf, sizeof d->buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return -1;
        if (n > 0) {
            d->len = (size_t)n;
            d->off = 0;
        }
    }
    (void)revents_to; /* a write that would block returns EAGAIN: try whenever data waits */
    if (d->len > d->off) {
        ssize_t n = write(d->to, d->buf + d->off, d->len - d->off);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (n > 0)
            d->off += (size_t)n;
        if (d->off == d->len)
            d->len = d->off = 0;
    }
    return 0;
}

static void only_these_fds(int a, int b)
{
    /* init's own fds (the agent channel above all) are not the relay's. */
    for (int fd = 0; fd < 1024; fd++) {
        if (fd != a && fd != b && fd != 2)
            (void)close(fd);
    }
}

void volume_relay(int socket_fd, int channel_fd)
{
    only_these_fds(socket_fd, channel_fd);
    sigset_t all;
    sigemptyset(&all);
    (void)sigprocmask(SIG_SETMASK, &all, NULL);
    (void)signal(SIGPIPE, SIG_IGN); /* a closed side shows up as EPIPE */
    (void)prctl(PR_SET_NAME, "volume-relay");
    if (fcntl(socket_fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(channel_fd, F_SETFL, O_NONBLOCK) < 0)
        _exit(1);
    up = (struct pipe_dir){.from = socket_fd, .to = channel_fd};
    down = (struct pipe_dir){.from = channel_fd, .to = socket_fd};

    for (;;) {
        struct pollfd p[2] = {
            {socket_fd, (short)((up.len ? 0 : POLLIN) | (down.len ? POLLOUT : 0)), 0},
            {channel_fd, (short)((down.len ? 0 : POLLIN) | (up.len ? POLLOUT : 0)), 0},
        };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (step(&up, p[0].revents, p[1].revents) < 0 ||
            step(&down, p[1].revents, p[0].revents) < 0) {
            df_info("volume relay: a side closed; exiting");
            _exit(0);
        }
    }
}
