/* --console-socket: the terminal of `docker run -t` / `docker exec -t`, as
 * runc provides it. The monitor opens a pty, sends the master to the socket
 * (the shim copies between it and the user), and keeps the slave as the
 * process's stdio. The slave is raw: the guest's own pty does all line
 * discipline, so bytes pass through unchanged both ways. The slave is also
 * the monitor's controlling terminal, so a resize of the master reaches the
 * monitor as SIGWINCH and a hang-up as SIGHUP. fds 0-2 are left to
 * /dev/null then (release_std_fds). */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int open_pty(int *master, char *name, size_t name_cap)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0)
        return -1;
    if (grantpt(*master) < 0 || unlockpt(*master) < 0 || ptsname_r(*master, name, name_cap)) {
        int saved = errno;
        (void)close(*master); /* already failing */
        errno = saved;
        return -1;
    }
    return 0;
}

/* The slave as the process sees it: raw, non-blocking, and the monitor's
 * controlling terminal. */
static int open_slave(const char *name)
{
    int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios t;
    int rc = tcgetattr(fd, &t);
    if (rc == 0) {
        cfmakeraw(&t);
        rc = tcsetattr(fd, TCSANOW, &t);
    }
    /* TIOCSCTTY needs a session leader without a terminal; the CLI spawns
     * the monitor with setsid, so setsid here is only a fallback. */
    if (rc == 0 && getsid(0) != getpid() && setsid() < 0)
        rc = -1;
    if (rc == 0 && ioctl(fd, TIOCSCTTY, 0) < 0)
        rc = -1;
    if (rc == 0 && set_nonblock(fd) < 0)
        rc = -1;
    if (rc < 0) {
        int saved = errno;
        (void)close(fd); /* already failing */
        errno = saved;
    }
    return rc < 0 ? -1 : fd;
}

/* Sends the master with the slave's name as the data, as runc does. */
static int send_master(const char *path, const char *name, int master)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;

    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &master, sizeof master);

    int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc == 0 && sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
        rc = -1;
    int saved = errno;
    if (close(fd) < 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

/* With a terminal, fds 0-2 are not the process's stdio but the caller's
 * capture of the runtime's own output: go-runc reads `create` and `exec`
 * output until end of file, so holding them would hang the shim. */
static int release_std_fds(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i <= 2 && rc == 0; i++)
        if (dup2(fd, i) < 0)
            rc = -1;
    int saved = errno;
    if (close(fd) < 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

int pty_setup(char *err, size_t cap)
{
    const char *path = M.cfg.console_socket;
    int master;
    char name[64];
    if (open_pty(&master, name, sizeof name) < 0) {
        snprintf(err, cap, "cannot open a pty: %s", strerror(errno));
        return -1;
    }
    int slave = open_slave(name);
    int rc = slave < 0 ? -1 : send_master(path, name, master);
    int saved = errno;
    /* The shim owns the master now; the monitor must not keep the
     * terminal open from that side. */
    if (close(master) < 0 && rc == 0)
        df_warn("close pty master: %s", strerror(errno));
    if (slave < 0) {
        snprintf(err, cap, "cannot set up the pty slave %s: %s", name, strerror(saved));
        return -1;
    }
    if (rc < 0) {
        snprintf(err, cap, "cannot send the terminal to the console socket %s: %s", path,
                 strerror(saved));
        (void)close(slave); /* already failing */
        return -1;
    }
    if (release_std_fds() < 0) {
        snprintf(err, cap, "cannot put /dev/null on fds 0-2: %s", strerror(errno));
        (void)close(slave); /* already failing */
        return -1;
    }
    df_info("terminal %s sent to the console socket %s", name, path);
    M.pty_fd = M.in_fd = M.out_fd[0] = M.out_fd[1] = slave;
    return 0;
}

/* RESIZE with the slave's size: after STARTED and on every SIGWINCH. A
 * size of 0x0 means nobody set one yet; the guest keeps its default. */
void pty_send_size(void)
{
    if (M.pty_fd < 0 || !M.started)
        return; /* no terminal; or, before STARTED, nobody to tell yet */
    struct winsize ws;
    if (ioctl(M.pty_fd, TIOCGWINSZ, &ws) < 0) {
        df_warn("terminal size: %s", strerror(errno));
        return;
    }
    if (ws.ws_row == 0 && ws.ws_col == 0)
        return;
    uint8_t p[4];
    df_put16(p, ws.ws_row);
    df_put16(p + 2, ws.ws_col);
    df_debug("terminal size %ux%u", ws.ws_row, ws.ws_col);
    if (agent_send(DF_RESIZE, p, sizeof p) < 0)
        df_warn("agent channel congested; terminal size not sent");
}
