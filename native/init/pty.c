/* Both ends of handing a pty master from the container's child to init:
 * one SCM_RIGHTS packet on the SOCK_SEQPACKET report socket, sent before
 * anything else the child could report, so init reads either the master
 * or an error message first. */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "container.h"
#include "log.h"

/* SCM_RIGHTS needs at least one byte of data alongside. */
#define MASTER_MARKER 'M'

static void send_master(int report_fd, int master)
{
    char marker = MASTER_MARKER;
    struct iovec iov = {&marker, 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
    if (sendmsg(report_fd, &msg, MSG_NOSIGNAL) < 0)
        container_fail("send the terminal to init: %s", container_strerror(errno));
}

/* The new session's controlling terminal becomes fds 0-2. */
static void take_slave(int slave)
{
    if (setsid() < 0)
        container_fail("setsid: %s", container_strerror(errno));
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        container_fail("set the controlling terminal: %s", container_strerror(errno));
    for (int fd = 0; fd < 3; fd++) {
        if (dup2(slave, fd) < 0)
            container_fail("set up the terminal as stdio: dup2: %s", container_strerror(errno));
    }
    if (slave > 2)
        close(slave);
}

void pty_attach(int report_fd)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        container_fail("open /dev/ptmx: %s", container_strerror(errno));
    if (unlockpt(master) < 0)
        container_fail("unlockpt: %s", container_strerror(errno));
    /* By the master, not by name: it is the slave of this very devpts. */
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        container_fail("open the terminal's slave: %s", container_strerror(errno));

    take_slave(slave);
    send_master(report_fd, master);
    close(master);
}

/* The fd an SCM_RIGHTS message carried, or -1. */
static int received_fd(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return fd;
        }
    }
    return -1;
}

int pty_receive(int report_fd, char *msg, size_t msglen, size_t *len)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {msg, msglen - 1};
    struct msghdr hdr = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n;
    do {
        n = recvmsg(report_fd, &hdr, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);

    *len = 0;
    if (n < 0) {
        df_warn("receive the terminal: %s", strerror(errno));
        return -1;
    }
    int master = received_fd(&hdr);
    if (master < 0)
        *len = (size_t)n;
    return master;
}

int pty_resize(int master, uint16_t rows, uint16_t cols)
{
    struct winsize size = {.ws_row = rows, .ws_col = cols};
    return ioctl(master, TIOCSWINSZ, &size);
}
