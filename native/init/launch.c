/* The report socket is close-on-exec in the child: exec ends it with EOF
 * and no data; a failure arrives as one message (container_fail), and with
 * a terminal the master comes first, as its own packet (pty.c). */
#include "launch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "pty.h"

/* Docker's mapping of start errors to `docker run` exit codes. */
static uint32_t exit_code_for(const char *msg)
{
    if (strstr(msg, "executable file not found") != NULL ||
        strstr(msg, "no such file or directory") != NULL)
        return 127;
    if (strstr(msg, "permission denied") != NULL || strstr(msg, "is a directory") != NULL)
        return 126;
    return 125;
}

int launch_prepare(struct launch *l, bool terminal, struct stdio_relay *relay, char *msg,
                   size_t msglen)
{
    l->terminal = terminal;
    l->stdio[0] = l->stdio[1] = l->stdio[2] = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->report) < 0) {
        snprintf(msg, msglen, "create the report socket: %s", container_strerror(errno));
        return -1;
    }
    if (!terminal && stdio_create(relay, l->stdio) < 0) {
        snprintf(msg, msglen, "create pipes: %s", container_strerror(errno));
        close(l->report[0]);
        close(l->report[1]);
        return -1;
    }
    return 0;
}

void launch_forked(struct launch *l)
{
    for (int i = 0; i < 3; i++) {
        if (l->stdio[i] >= 0)
            close(l->stdio[i]);
        l->stdio[i] = -1;
    }
    close(l->report[1]);
    l->report[1] = -1;
}

void launch_abort(struct launch *l, struct stdio_relay *relay)
{
    launch_forked(l);
    close(l->report[0]);
    stdio_close_all(relay);
}

/* Reads report packets until exec (or exit) closes the socket; appends to
 * msg, which holds len bytes already. Returns the new length.
 * Limitation: init waits here without serving the agent channel, so a
 * setup step that hangs (a mount that never returns) hangs init too; the
 * host's timeout then ends the VM. Polling the socket in the loop lifts it. */
static size_t read_report(int fd, char *msg, size_t msglen, size_t len)
{
    while (len < msglen - 1) {
        ssize_t n = read(fd, msg + len, msglen - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    msg[len] = '\0';
    return len;
}

/* With a terminal the first packet is the master, unless the setup failed
 * before the child got that far. Returns 0, or -1 when init cannot relay
 * the terminal. */
static int take_terminal(struct launch *l, struct stdio_relay *relay, char *msg,
                         size_t msglen, size_t *len)
{
    int master = pty_receive(l->report[0], msg, msglen, len);
    if (master < 0 || stdio_attach_terminal(relay, master) == 0)
        return 0;
    /* stdio_attach_terminal logged why. */
    snprintf(msg, msglen, "set up the terminal's master in init");
    return -1;
}

int launch_wait(struct launch *l, pid_t pid, struct stdio_relay *relay, uint32_t *code,
                char *msg, size_t msglen)
{
    size_t len = 0;
    int rc = l->terminal ? take_terminal(l, relay, msg, msglen, &len) : 0;
    if (rc == 0)
        len = read_report(l->report[0], msg, msglen, len);
    close(l->report[0]);
    if (rc == 0 && len == 0)
        return 0;

    /* The child exits after reporting (or is killed here); SIGCHLD reaps it. */
    if (rc < 0 && kill(pid, SIGKILL) < 0)
        df_warn("kill pid %d: %s", (int)pid, strerror(errno));
    *code = rc < 0 ? 125 : exit_code_for(msg);
    stdio_close_all(relay);
    return -1;
}
