/* Attach mode: the monitor of one exec'd process. The CLI's `exec` spawns
 * it detached, with the exec's stdio as fds 0-2; its pid is the one the shim
 * waits for. It sends EXEC to the container's monitor and then relays the
 * process's stream over that connection exactly as the container's monitor
 * relays stream 1 over the agent channel (same loop, queues and stdio code):
 * the connection plays the agent channel, and there is no VMM.
 *
 * Ready fd: "OK\n" once the process runs, or "ERR <status> <reason>\n" with
 * the status the exec fails with (127 for a missing executable, say). */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Reads the process spec; returns its size. */
static uint32_t read_spec(uint8_t *buf, size_t cap)
{
    int fd = open(M.cfg.spec_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        monitor_fail("cannot open spec %s: %s", M.cfg.spec_path, strerror(errno));
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            monitor_fail("cannot read spec %s: %s", M.cfg.spec_path, strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap)
            monitor_fail("spec %s is larger than %u bytes", M.cfg.spec_path, DF_MAX_PAYLOAD);
    }
    if (close(fd) < 0)
        monitor_fail("cannot read spec %s: close: %s", M.cfg.spec_path, strerror(errno));
    if (len < DF_SPEC_RECORD_HEADER)
        monitor_fail("spec %s is empty", M.cfg.spec_path);
    return (uint32_t)len;
}

static int connect_control(void)
{
    const char *path = M.cfg.control_path;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        monitor_fail("control socket path %s is too long", path);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        monitor_fail("cannot create a socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        monitor_fail("container not running: cannot connect to %s: %s", path, strerror(errno));
    if (set_nonblock(fd) < 0)
        monitor_fail("control connection: %s", strerror(errno));
    return fd;
}

void attach_main(void)
{
    static uint8_t spec[DF_MAX_PAYLOAD + 1];
    char err[256];

    open_log();
    df_info("attach mode, pid %d", (int)getpid());
    if (signals_setup() < 0)
        monitor_fail("cannot set up signal handling: %s", strerror(errno));
    if (M.cfg.console_socket && pty_setup(err, sizeof err) < 0)
        monitor_fail("%s", err);
    if (stdio_setup() < 0)
        monitor_fail("cannot set up stdio relay: %s", strerror(errno));
    uint32_t n = read_spec(spec, sizeof spec);

    /* The connection stands in for the agent channel: it may carry frames
     * right away (hello), and a START is pending (the EXEC). The reply names
     * the process's stream (M.stream). */
    M.agent_fd = connect_control();
    M.hello = true;
    M.start_requested = true;
    M.stream = 0;
    if (agent_send_on(DF_STREAM_CONNECTION, DF_EXEC, spec, n) < 0)
        monitor_fail("cannot queue the EXEC request");
    monitor_loop();
}

void attach_started(void)
{
    /* Nobody would know this pid if the CLI is gone: do not linger (the
     * container's monitor kills the process when the connection closes). */
    if (write_ready("OK\n") < 0)
        monitor_exit(1, 0);
    M.ready_sent = true;
}

void attach_failed(uint32_t code, const char *msg)
{
    int status = code > 255 ? 255 : (int)code;
    char line[DF_MAX_ERROR_MSG + 32];
    snprintf(line, sizeof line, "ERR %d %s\n", status, msg);
    (void)write_ready(line); /* logged; exiting anyway */
    monitor_exit(status, 1000);
}
