/* The control socket: each short-lived `dock-fire` verb connects, sends one
 * request frame and reads one reply (docs/protocol.md, "Control socket").
 * A few clients at a time, each with its own bounded buffers; one that sends
 * garbage, or nothing for too long, is dropped. */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Time a client gets to send its request (START waits for its reply as long
 * as the guest takes to boot; this only bounds an idle connection). */
#define REQUEST_TIMEOUT_MS 10000
#define MONITOR_ERROR_STATUS 1u
#define PAGE 4096u

struct client {
    bool used;
    bool have_request; /* one request per connection: stop reading after it */
    int fd;
    int64_t deadline;
    size_t in_len;
    size_t out_len, out_off;
    uint8_t out[DF_HEADER_SIZE + 4 + DF_MAX_ERROR_MSG];
    /* Page-aligned so it can be handed back with madvise. */
    _Alignas(PAGE) uint8_t in[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
};

static struct client clients[MAX_CLIENTS];

static void client_close(int i, const char *why)
{
    struct client *c = &clients[i];
    if (why)
        df_debug("control client %d closed: %s", i, why);
    if (close(c->fd) < 0)
        df_warn("close control client: %s", strerror(errno));
    c->used = false;
    if (c->in_len > PAGE) {
        /* A big request (a START with files) need not stay resident. Whole
         * pages only: madvise would round a partial one up into the next
         * client. Failure only costs memory. */
        (void)madvise(c->in, sizeof c->in / PAGE * PAGE, MADV_DONTNEED);
    }
    if (M.start_client == i) {
        /* The START stands: the guest runs the container regardless. */
        df_info("start client went away before the container started");
        M.start_client = -1;
    }
}

void control_accept(void)
{
    for (;;) {
        int fd = accept4(M.control_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                df_warn("accept on control socket: %s", strerror(errno));
            return;
        }
        int i = 0;
        while (i < MAX_CLIENTS && clients[i].used)
            i++;
        if (i == MAX_CLIENTS) {
            df_warn("too many control clients; refusing one");
            if (close(fd) < 0)
                df_warn("close: %s", strerror(errno));
            continue;
        }
        struct client *c = &clients[i];
        c->used = true;
        c->have_request = false;
        c->fd = fd;
        c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
        c->in_len = c->out_len = c->out_off = 0;
    }
}

static void client_write(int i)
{
    struct client *c = &clients[i];
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {
            client_close(i, strerror(errno));
            return;
        }
        c->out_off += (size_t)n;
    }
    client_close(i, NULL); /* replied: the exchange is over */
}

void control_reply(int i, const uint8_t *frame, size_t n)
{
    struct client *c = &clients[i];
    if (n > sizeof c->out)
        n = sizeof c->out; /* cannot happen: frames are validated */
    memcpy(c->out, frame, n);
    c->out_len = n;
    c->out_off = 0;
    client_write(i);
}

void control_reply_error(int i, uint32_t code, const char *msg)
{
    uint8_t frame[DF_HEADER_SIZE + 4 + 256];
    size_t len = strnlen(msg, sizeof frame - DF_HEADER_SIZE - 4);
    df_encode_header(frame, DF_ERROR, DF_STREAM_CONTAINER, (uint32_t)(4 + len));
    df_put32(frame + DF_HEADER_SIZE, code);
    memcpy(frame + DF_HEADER_SIZE + 4, msg, len);
    control_reply(i, frame, DF_HEADER_SIZE + 4 + len);
}

static void reply_ok(int i)
{
    uint8_t frame[DF_HEADER_SIZE];
    df_encode_header(frame, DF_OK, DF_STREAM_CONTAINER, 0);
    control_reply(i, frame, sizeof frame);
}

static void request_start(int i, const uint8_t *payload, uint32_t n)
{
    if (M.start_requested) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "container already started");
        return;
    }
    /* Queued now, sent when the guest has said HELLO (agent_wants_write). */
    if (agent_send(DF_START, payload, n) < 0) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "agent channel congested");
        return;
    }
    df_info("START queued for the guest");
    M.start_requested = true;
    M.start_client = i;
}

static void request_signal(int i, const uint8_t *payload)
{
    uint32_t sig = df_get32(payload), flags = df_get32(payload + 4);
    if (!M.started) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "container not running");
        return;
    }
    if (sig >= (uint32_t)_NSIG) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "invalid signal number");
        return;
    }
    /* Signal 0 asks only whether the container runs, as kill(2) does. */
    if (sig != 0) {
        df_info("forwarding signal %u (flags %u) to the container", sig, flags);
        agent_send_signal(sig, flags);
    }
    if (sig == SIGKILL && M.kill_deadline == 0)
        M.kill_deadline = now_ms() + SIGKILL_GRACE_MS;
    reply_ok(i);
}

static void handle_request(int i, const struct df_header *h, const uint8_t *payload)
{
    if (h->stream != DF_STREAM_CONTAINER) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "unsupported stream");
        return;
    }
    switch (h->type) {
    case DF_START:
        request_start(i, payload, h->length);
        break;
    case DF_SIGNAL:
        request_signal(i, payload);
        break;
    default:
        control_reply_error(i, MONITOR_ERROR_STATUS, "unsupported request type");
        break;
    }
}

static void client_read(int i)
{
    struct client *c = &clients[i];
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        client_close(i, n == 0 ? "end of file" : strerror(errno));
        return;
    }
    c->in_len += (size_t)n;
    if (c->in_len < DF_HEADER_SIZE)
        return;

    struct df_header h;
    if (df_decode_header(c->in, &h) < 0 || df_check_payload_size(h.type, h.length) < 0) {
        df_warn("control client sent a malformed frame; dropping it");
        client_close(i, NULL);
        return;
    }
    if (c->in_len < DF_HEADER_SIZE + (size_t)h.length)
        return;
    c->have_request = true;
    handle_request(i, &h, c->in + DF_HEADER_SIZE);
}

int control_poll_fds(struct pollfd *pfds, int *client_of, int max)
{
    int n = 0;
    for (int i = 0; i < MAX_CLIENTS && n < max; i++) {
        struct client *c = &clients[i];
        if (!c->used)
            continue;
        short events = 0;
        if (!c->have_request)
            events |= POLLIN;
        if (c->out_off < c->out_len)
            events |= POLLOUT;
        /* Even with no events, poll reports a hang-up of a waiting client. */
        pfds[n] = (struct pollfd){.fd = c->fd, .events = events};
        client_of[n++] = i;
    }
    return n;
}

void control_event(int i, int fd, short revents)
{
    /* The slot may have been closed (and reused) earlier in this round. */
    if (!clients[i].used || clients[i].fd != fd)
        return;
    if (revents & POLLOUT) {
        client_write(i);
        if (!clients[i].used)
            return;
    }
    if (revents & POLLIN && !clients[i].have_request)
        client_read(i);
    else if (revents & (POLLHUP | POLLERR | POLLNVAL))
        client_close(i, "hang-up");
}

void control_flush_blocking(int i, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (clients[i].used && clients[i].out_off < clients[i].out_len) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            client_close(i, "reply not taken in time");
            return;
        }
        struct pollfd p = {.fd = clients[i].fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
            client_close(i, strerror(errno));
            return;
        }
        client_write(i);
    }
}

void control_close_all(void)
{
    /* A START that will never be answered by the guest still gets a reply. */
    int i = M.start_client;
    if (i >= 0 && clients[i].used && clients[i].out_len == 0) {
        control_reply_error(i, 255, "the VM ended before the container started; "
                                    "see the monitor and console logs");
        control_flush_blocking(i, 500);
    }
    for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].used)
            client_close(i, NULL);
}

int64_t control_next_deadline(void)
{
    int64_t next = 0;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].used && !clients[i].have_request &&
            (next == 0 || clients[i].deadline < next))
            next = clients[i].deadline;
    return next;
}

void control_expire(int64_t now)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].used && !clients[i].have_request && clients[i].deadline <= now)
            client_close(i, "no request in time");
}
