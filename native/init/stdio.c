/* Flow control: output is read only as fast as the agent channel takes it
 * (frames are written with blocking writes), and stdin is queued in a
 * bounded ring and written to the pipe as the process reads it. A process
 * that never reads its stdin therefore stalls only the host's stdin. */
#include "stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "log.h"
#include "protocol.h"

void stdio_init(struct stdio_relay *relay)
{
    relay->in_fd = relay->out_fd = relay->err_fd = -1;
    relay->terminal = false;
    relay->in_closed = relay->in_eof = false;
    relay->head = relay->len = 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int stdio_create(struct stdio_relay *relay, int child[3])
{
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        return -1;
    }
    child[0] = in[0];
    child[1] = out[1];
    child[2] = err[1];
    relay->in_fd = in[1];
    relay->out_fd = out[0];
    relay->err_fd = err[0];
    int ours[3] = {in[1], out[0], err[0]};
    for (int i = 0; i < 3; i++) {
        if (fcntl(ours[i], F_SETFL, O_NONBLOCK) < 0)
            df_warn("make pipe non-blocking: %s", strerror(errno));
    }
    return 0;
}

int stdio_attach_terminal(struct stdio_relay *relay, int master)
{
    /* O_NONBLOCK is shared by both fds: it belongs to the open file. */
    int in = fcntl(master, F_DUPFD_CLOEXEC, 3);
    if (in < 0 || fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
        df_warn("set up the terminal's master: %s", strerror(errno));
        if (in >= 0)
            close(in);
        close(master);
        return -1;
    }
    relay->terminal = true;
    relay->in_fd = in;
    relay->out_fd = master;
    relay->err_fd = -1;
    return 0;
}

bool stdio_fits(const struct stdio_relay *relay, size_t size)
{
    return relay->in_closed || size <= STDIN_QUEUE_CAP - relay->len;
}

void stdio_queue(struct stdio_relay *relay, const uint8_t *data, size_t size)
{
    if (relay->in_closed || relay->in_eof)
        return;
    /* Callers check stdio_fits first; copy in at most two pieces. */
    size_t tail = (relay->head + relay->len) % STDIN_QUEUE_CAP;
    size_t first = STDIN_QUEUE_CAP - tail < size ? STDIN_QUEUE_CAP - tail : size;
    memcpy(relay->queue + tail, data, first);
    memcpy(relay->queue, data + first, size - first);
    relay->len += size;
}

void stdio_set_eof(struct stdio_relay *relay)
{
    relay->in_eof = true;
    if (relay->len == 0 && !relay->terminal)
        close_fd(&relay->in_fd);
}

bool stdio_wants_write(const struct stdio_relay *relay)
{
    return relay->in_fd >= 0 && relay->len > 0;
}

void stdio_flush(struct stdio_relay *relay)
{
    while (relay->in_fd >= 0 && relay->len > 0) {
        size_t chunk = STDIN_QUEUE_CAP - relay->head;
        if (chunk > relay->len)
            chunk = relay->len;
        ssize_t n = write(relay->in_fd, relay->queue + relay->head, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {
            /* EPIPE: the process closed its stdin (EIO: its terminal);
             * the rest is moot. */
            df_debug("write to the process's stdin: %s", strerror(errno));
            stdio_close_input(relay);
            return;
        }
        relay->head = (relay->head + (size_t)n) % STDIN_QUEUE_CAP;
        relay->len -= (size_t)n;
    }
    if (relay->in_eof && relay->len == 0 && !relay->terminal)
        close_fd(&relay->in_fd);
}

int stdio_forward(struct stdio_relay *relay, bool err, int agent_fd, uint16_t stream)
{
    static uint8_t buf[DF_MAX_DATA];
    int *fd = err ? &relay->err_fd : &relay->out_fd;
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* A pty master reads EIO once every fd of its slave is closed: that
     * is its end of file. */
    if (n < 0 && errno == EIO && relay->terminal)
        n = 0;
    if (n < 0)
        df_warn("read the process's %s: %s", err ? "stderr" : "stdout", strerror(errno));
    if (n <= 0) {
        close_fd(fd);
        return 0;
    }
    if (agent_fd < 0)
        return 0;
    return channel_send(agent_fd, err ? DF_STDERR : DF_STDOUT, stream, buf, (size_t)n);
}

void stdio_close_input(struct stdio_relay *relay)
{
    relay->in_closed = true;
    relay->head = relay->len = 0;
    close_fd(&relay->in_fd);
}

void stdio_close_all(struct stdio_relay *relay)
{
    stdio_close_input(relay);
    close_fd(&relay->out_fd);
    close_fd(&relay->err_fd);
}
