/* The process's stdio, fds 0-2 as the shim handed them to `create` (or
 * `exec`), or the pty slave with --console-socket: STDOUT/STDERR frames go
 * to M.out_fd through bounded queues, and M.in_fd becomes STDIN frames once
 * the process has started. All non-blocking: a slow reader pauses the agent
 * channel, never the loop. */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

int stdio_setup(void)
{
    for (int i = 0; i < 2; i++)
        if (queue_init(&M.out[i], OUTPUT_CAP, QUEUE_SLACK) < 0)
            return -1;
    if (queue_init(&M.to_agent, AGENT_OUT_CAP, QUEUE_SLACK) < 0)
        return -1;

    /* A pipe whose reader or writer is slow must not block the loop
     * (O_NONBLOCK is harmless on /dev/null and regular files). */
    if (set_nonblock(M.in_fd) < 0 || set_nonblock(M.out_fd[0]) < 0 ||
        set_nonblock(M.out_fd[1]) < 0)
        return -1;
    M.stdin_open = true;
    return 0;
}

static void drop_output(int which, const char *why)
{
    if (!M.out_dropped[which])
        df_info("process %s: %s; dropping its output from now on",
                which == OUT_STDOUT ? "stdout" : "stderr", why);
    M.out_dropped[which] = true;
    queue_clear(&M.out[which]);
}

void stdio_output(int which, const uint8_t *data, size_t n)
{
    if (M.out_dropped[which] || n == 0)
        return;
    if (queue_push(&M.out[which], data, n) < 0) {
        /* Cannot happen: the agent pauses at the cap, below the slack. */
        df_error("output queue overflow; dropping %zu bytes", n);
        return;
    }
    stdio_write(which); /* the common case: the pipe takes it right away */
}

void stdio_write(int which)
{
    if (M.out_dropped[which])
        return;
    while (!queue_empty(&M.out[which])) {
        if (queue_write(&M.out[which], M.out_fd[which]) >= 0)
            continue;
        if (errno == EAGAIN)
            return;
        drop_output(which, errno == EPIPE ? "reader closed" : strerror(errno));
        return;
    }
}

void stdio_flush_blocking(int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
    for (;;) {
        struct pollfd pfds[2];
        int n = 0;
        for (int i = 0; i < 2; i++) {
            stdio_write(i);
            if (!M.out_dropped[i] && !queue_empty(&M.out[i]))
                pfds[n++] = (struct pollfd){.fd = M.out_fd[i], .events = POLLOUT};
        }
        if (n == 0)
            return;
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                df_warn("process output not drained in time; %zu bytes lost",
                        queue_len(&M.out[0]) + queue_len(&M.out[1]));
                return;
            }
            wait = (int)left;
        }
        if (poll(pfds, (nfds_t)n, wait) < 0 && errno != EINTR) {
            df_warn("poll process output: %s", strerror(errno));
            return;
        }
    }
}

static void stdin_closed(void)
{
    M.stdin_open = false;
    if (agent_send(DF_STDIN_EOF, NULL, 0) < 0)
        df_warn("cannot queue STDIN_EOF");
}

void stdio_read_stdin(void)
{
    static uint8_t buf[DF_MAX_DATA];
    ssize_t n;
    do
        n = read(M.in_fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    /* On the pty slave, EIO: the user's terminal is gone. The process
     * sees end of file; the monitor stays until its EXIT. */
    if (n < 0)
        df_info("process stdin: %s; closing it", strerror(errno));
    if (n <= 0) {
        df_debug("process stdin at EOF");
        stdin_closed();
        return;
    }
    if (agent_send(DF_STDIN, buf, (uint32_t)n) < 0)
        df_error("agent queue overflow; dropping %zd bytes of stdin", n);
}
