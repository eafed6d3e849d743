/* The container's stdio, fds 0-2 as the shim handed them to `create`:
 * guest STDOUT/STDERR frames go to fds 1/2 through bounded queues, and fd 0
 * becomes STDIN frames once the process has started. All non-blocking: a
 * slow reader pauses the agent channel, never the loop. */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

int stdio_setup(void)
{
    /* Room above the cap for one more frame: producers check the cap before
     * they read, so a push never has to fail. */
    size_t slack = DF_HEADER_SIZE + DF_MAX_PAYLOAD + 4096;
    for (int i = 0; i < 2; i++)
        if (queue_init(&M.out[i], OUTPUT_CAP, slack) < 0)
            return -1;
    if (queue_init(&M.to_agent, AGENT_OUT_CAP, slack) < 0)
        return -1;

    /* A pipe whose reader or writer is slow must not block the loop
     * (O_NONBLOCK is harmless on /dev/null and regular files). */
    for (int fd = 0; fd <= 2; fd++)
        if (set_nonblock(fd) < 0)
            return -1;
    M.stdin_open = true;
    return 0;
}

static void drop_output(int which, const char *why)
{
    if (!M.out_dropped[which])
        df_info("container %s: %s; dropping its output from now on",
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
        if (queue_write(&M.out[which], 1 + which) >= 0)
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
                pfds[n++] = (struct pollfd){.fd = 1 + i, .events = POLLOUT};
        }
        if (n == 0)
            return;
        int wait = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                df_warn("container output not drained in time; %zu bytes lost",
                        queue_len(&M.out[0]) + queue_len(&M.out[1]));
                return;
            }
            wait = (int)left;
        }
        if (poll(pfds, (nfds_t)n, wait) < 0 && errno != EINTR) {
            df_warn("poll container output: %s", strerror(errno));
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
        n = read(0, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n < 0)
        df_info("container stdin: %s; closing it", strerror(errno));
    if (n <= 0) {
        df_debug("container stdin at EOF");
        stdin_closed();
        return;
    }
    if (agent_send(DF_STDIN, buf, (uint32_t)n) < 0)
        df_error("agent queue overflow; dropping %zd bytes of stdin", n);
}
