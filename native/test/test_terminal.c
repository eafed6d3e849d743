/* Terminals in init (init/pty.c, init/stdio.c): a child hands init the
 * master of the pty it made its controlling terminal; init relays the
 * master's output as STDOUT frames of the process's stream, reads the
 * slave's last close as end of output, keeps the terminal open on
 * STDIN_EOF, and resizes it. Runs against the host's /dev/ptmx. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "protocol.h"
#include "pty.h"
#include "stdio.h"

/* pty.c reports through container.c in the real child; here a failure
 * just ends the child with a message on stderr. */
_Noreturn void container_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    _exit(127);
}

const char *container_strerror(int err)
{
    return strerror(err);
}

static struct stdio_relay relay;

/* A child that takes a terminal and writes through it. */
static pid_t spawn_terminal_child(int report[2])
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    close(report[0]);
    pty_attach(report[1]);
    bool ok = isatty(0) && isatty(1) && isatty(2) && tcgetsid(0) == getpid();
    const char *line = ok ? "ok\n" : "not a controlling terminal\n";
    if (write(1, line, strlen(line)) < 0)
        _exit(1);
    _exit(0);
}

/* Relays the master until EOF; returns the STDOUT payloads of stream 7. */
static size_t relay_output(int agent[2], char *out, size_t cap, int *frames_ok)
{
    size_t len = 0;
    *frames_ok = 1;
    while (relay.out_fd >= 0) {
        struct pollfd pfd = {relay.out_fd, POLLIN, 0};
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        if (stdio_forward(&relay, false, agent[1], 7) < 0)
            break;
        uint8_t buf[DF_HEADER_SIZE + DF_MAX_DATA];
        ssize_t n;
        while ((n = recv(agent[0], buf, sizeof buf, MSG_DONTWAIT)) >= (ssize_t)DF_HEADER_SIZE) {
            size_t payload = (size_t)n - DF_HEADER_SIZE;
            if (buf[4] != DF_STDOUT || df_get16(buf + 6) != 7 || df_get32(buf) != payload)
                *frames_ok = 0;
            if (payload <= cap - len) {
                memcpy(out + len, buf + DF_HEADER_SIZE, payload);
                len += payload;
            }
        }
    }
    return len;
}

static void test_child_terminal(void)
{
    int report[2], agent[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, agent) < 0) {
        CHECK(0, "socketpair");
        return;
    }
    pid_t pid = spawn_terminal_child(report);
    close(report[1]);
    char msg[256];
    size_t len;
    int master = pty_receive(report[0], msg, sizeof msg, &len);
    CHECK(master >= 0 && len == 0, "the child's first packet carries the master");
    close(report[0]);

    stdio_init(&relay);
    CHECK(master >= 0 && stdio_attach_terminal(&relay, master) == 0 && relay.terminal &&
              relay.err_fd < 0,
          "the master becomes the relay's stdin and stdout; there is no stderr");
    char out[256];
    int frames_ok;
    size_t n = relay_output(agent, out, sizeof out, &frames_ok);
    CHECK(frames_ok, "output goes out as STDOUT frames of the process's stream");
    CHECK(n == 4 && memcmp(out, "ok\r\n", 4) == 0,
          "the child had a controlling terminal, and the pty turned \\n into \\r\\n");
    CHECK(relay.out_fd < 0, "the slave's last close (EIO) ends the output");

    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the child exited 0");
    stdio_close_all(&relay);
    close(agent[0]);
    close(agent[1]);
}

static void test_failure_before_terminal(void)
{
    int report[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) < 0) {
        CHECK(0, "socketpair");
        return;
    }
    if (write(report[1], "mount failed", 12) != 12)
        CHECK(0, "write");
    close(report[1]);
    char msg[256];
    size_t len;
    int master = pty_receive(report[0], msg, sizeof msg, &len);
    CHECK(master < 0 && len == 12 && memcmp(msg, "mount failed", 12) == 0,
          "an error reported before the terminal arrives as the message");
    master = pty_receive(report[0], msg, sizeof msg, &len);
    CHECK(master < 0 && len == 0, "EOF reads as no master and no message");
    close(report[0]);
}

/* A pty of this process: master in the relay, slave returned. */
static int open_pty(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0)
        return -1;
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    stdio_init(&relay);
    if (slave < 0 || stdio_attach_terminal(&relay, master) < 0)
        return -1;
    return slave;
}

static void test_stdin_and_resize(void)
{
    int slave = open_pty();
    if (slave < 0) {
        CHECK(0, "open a pty");
        return;
    }
    /* Raw, so the slave reads the bytes as they were written. */
    struct termios raw;
    bool is_raw = tcgetattr(slave, &raw) == 0;
    cfmakeraw(&raw);
    CHECK(is_raw && tcsetattr(slave, TCSANOW, &raw) == 0, "the slave goes raw");
    stdio_queue(&relay, (const uint8_t *)"ab\x04", 3);
    stdio_set_eof(&relay);
    stdio_flush(&relay);
    CHECK(relay.in_fd >= 0 && relay.len == 0, "STDIN_EOF leaves a terminal's input open");
    char buf[8];
    CHECK(read(slave, buf, sizeof buf) == 3 && memcmp(buf, "ab\x04", 3) == 0,
          "queued stdin reaches the slave, ^D as a byte");

    struct winsize size = {0};
    CHECK(pty_resize(relay.out_fd, 40, 100) == 0 && ioctl(slave, TIOCGWINSZ, &size) == 0 &&
              size.ws_row == 40 && size.ws_col == 100,
          "RESIZE sets the rows and columns the slave reports");
    close(slave);
    stdio_close_all(&relay);

    int child[3];
    stdio_init(&relay);
    if (stdio_create(&relay, child) == 0) {
        stdio_set_eof(&relay);
        CHECK(relay.in_fd < 0, "STDIN_EOF closes a pipe at once when nothing is queued");
        stdio_close_all(&relay);
        for (int i = 0; i < 3; i++)
            close(child[i]);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_child_terminal();
    test_failure_before_terminal();
    test_stdin_and_resize();
    return check_summary();
}
