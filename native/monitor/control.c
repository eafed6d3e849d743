/* The control socket: each short-lived `dock-fire` verb connects, sends one
 * request frame and reads one reply (docs/protocol.md, "Control socket").
 * A few clients at a time, each with its own bounded buffers; one that sends
 * garbage, or nothing for too long, is dropped. An EXEC request binds its
 * connection to the exec's stream for the process's lifetime (exec.c). */
#include "monitor.h"

#include "frames.h"
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
#define EXEC_FLUSH_MS 2000
#define PAGE 4096u

struct client {
    bool used;
    bool have_request; /* one request per connection: stop reading after it */
    int fd;
    int exec;          /* the exec slot this connection belongs to, or -1 */
    int64_t deadline;
    struct frame_reader reader;
    size_t in_used;    /* high-water mark of in[], for madvise */
    size_t out_len, out_off;
    uint8_t out[DF_HEADER_SIZE + 4 + DF_MAX_ERROR_MSG];
    /* Page-aligned so it can be handed back with madvise. */
    _Alignas(PAGE) uint8_t in[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
};

/* The client of a pending HELLO request, or -1. */
static int boot_client = -1;

static struct client clients[MAX_CLIENTS];
static bool closing_all; /* the monitor exits: exec'd processes die anyway */

static void client_close(int i, const char *why)
{
    struct client *c = &clients[i];
    if (why)
        df_debug("control client %d closed: %s", i, why);
    if (close(c->fd) < 0)
        df_warn("close control client: %s", strerror(errno));
    c->used = false;
    if (c->exec >= 0)
        exec_client_gone(c->exec, !closing_all);
    c->exec = -1;
    if (c->in_used > PAGE) {
        /* A big request (a START with files) need not stay resident. Whole
         * pages only: madvise would round a partial one up into the next
         * client. Failure only costs memory. */
        (void)madvise(c->in, sizeof c->in / PAGE * PAGE, MADV_DONTNEED);
    }
    if (boot_client == i)
        boot_client = -1;
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
        c->exec = -1;
        c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
        c->reader = (struct frame_reader){.buf = c->in, .cap = sizeof c->in};
        c->in_used = c->out_len = c->out_off = 0;
    }
}

void control_bind(int i, int exec_slot)
{
    clients[i].exec = exec_slot;
}

static bool client_pending(int i)
{
    struct client *c = &clients[i];
    if (c->exec >= 0)
        return !queue_empty(exec_output(c->exec));
    return c->out_off < c->out_len;
}

/* An exec client's output: the process's frames, then, after its EXIT (or
 * the ERROR that replaced STARTED), the end of the connection. */
static void exec_client_write(int i)
{
    struct client *c = &clients[i];
    struct queue *q = exec_output(c->exec);
    while (!queue_empty(q)) {
        if (queue_write(q, c->fd) >= 0)
            continue;
        if (errno != EAGAIN)
            client_close(i, strerror(errno));
        return;
    }
    if (exec_finished(c->exec))
        client_close(i, NULL);
}

static void client_write(int i)
{
    struct client *c = &clients[i];
    if (c->exec >= 0) {
        exec_client_write(i);
        return;
    }
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

void control_wake(int i)
{
    if (clients[i].used)
        client_write(i);
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

/* A HELLO request waits for the guest's HELLO: the VMM is then fully up
 * (its TAP device exists), which `start` needs before it links the network. */
static void request_boot(int i)
{
    if (M.hello) {
        reply_ok(i);
        return;
    }
    if (boot_client >= 0) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "another client waits for the boot");
        return;
    }
    boot_client = i;
}

void control_guest_booted(void)
{
    int i = boot_client;
    boot_client = -1;
    if (i >= 0)
        reply_ok(i);
}

/* The status the monitor exits with once a client is told that the VM
 * ended before the container started, or -1 while the VM runs. */
static int failed_status = -1;

static _Noreturn void reply_vm_failed(int i)
{
    control_reply_error(i, MONITOR_ERROR_STATUS, "the VM ended before the container started; "
                                                 "see the monitor and console logs");
    control_flush_blocking(i, 500);
    monitor_exit(failed_status, 0);
}

void control_vm_failed(int status)
{
    failed_status = status;
    int i = boot_client;
    boot_client = -1;
    if (i >= 0)
        reply_vm_failed(i);
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
    if (h->type == DF_EXEC && h->stream == DF_STREAM_CONNECTION) {
        exec_request(i, payload, h->length);
        return;
    }
    if (h->stream != DF_STREAM_CONTAINER) {
        control_reply_error(i, MONITOR_ERROR_STATUS, "unsupported stream");
        return;
    }
    if (failed_status >= 0 && (h->type == DF_HELLO || h->type == DF_START))
        reply_vm_failed(i);
    switch (h->type) {
    case DF_HELLO:
        request_boot(i);
        break;
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

/* A request client reads one frame; an exec client, while its process
 * runs, as many as the agent queue takes. */
static bool client_wants_frames(int i)
{
    struct client *c = &clients[i];
    if (c->exec < 0)
        return !c->have_request;
    return exec_running(c->exec) && !queue_over_cap(&M.to_agent);
}

static void client_process(int i)
{
    struct client *c = &clients[i];
    while (c->used && client_wants_frames(i)) {
        struct df_header h;
        const uint8_t *frame;
        int r = frame_next(&c->reader, &h, &frame);
        if (r == FRAME_INCOMPLETE)
            return;
        if (r != FRAME_READY) {
            df_warn("control client sent a malformed frame; dropping it");
            client_close(i, NULL);
            return;
        }
        frame_done(&c->reader, &h);
        if (c->exec < 0) {
            c->have_request = true;
            handle_request(i, &h, frame + DF_HEADER_SIZE);
        } else if (exec_client_frame(c->exec, &h, frame) < 0) {
            df_warn("exec client sent frame type %u on stream %u; dropping it", h.type,
                    h.stream);
            client_close(i, NULL);
        }
    }
}

static void client_read(int i)
{
    struct client *c = &clients[i];
    long n = frame_fill(&c->reader, c->fd);
    if (c->reader.end > c->in_used)
        c->in_used = c->reader.end;
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        client_close(i, n == 0 ? "end of file" : strerror(errno));
        return;
    }
    client_process(i);
}

void control_process(void)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].used && clients[i].exec >= 0)
            client_process(i);
}

int control_poll_fds(struct pollfd *pfds, int *client_of, int max)
{
    int n = 0;
    for (int i = 0; i < MAX_CLIENTS && n < max; i++) {
        struct client *c = &clients[i];
        if (!c->used)
            continue;
        short events = 0;
        if (client_wants_frames(i) && frame_room(&c->reader))
            events |= POLLIN;
        if (client_pending(i))
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
    if (revents & POLLIN && client_wants_frames(i) && frame_room(&clients[i].reader))
        client_read(i);
    else if (revents & (POLLHUP | POLLERR | POLLNVAL))
        client_close(i, "hang-up");
}

void control_flush_blocking(int i, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (clients[i].used && client_pending(i)) {
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
    /* The guest sent the EXITs of exec'd processes before the container's:
     * their clients get them, within a bound shared by all. */
    closing_all = true;
    int64_t deadline = now_ms() + EXEC_FLUSH_MS;
    for (i = 0; i < MAX_CLIENTS; i++) {
        int64_t left = deadline - now_ms();
        if (clients[i].used && clients[i].exec >= 0)
            control_flush_blocking(i, left > 0 ? (int)left : 0);
        if (clients[i].used)
            client_close(i, NULL);
    }
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
