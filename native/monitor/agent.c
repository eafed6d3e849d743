/* The agent channel: one connection from the guest's init (through the VMM)
 * carrying framed messages (docs/protocol.md). Every byte from the guest is
 * hostile: frames are validated before use, and a violation ends the VM. */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for exactly one frame of the largest size: a complete frame always
 * fits, so a full buffer means there is a frame to process. */
static uint8_t in_buf[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
static size_t in_len;

/* Log lines the guest can trigger at will (errors after start, extra
 * connections, skipped frames) would otherwise grow the monitor log without
 * bound on the host's disk: after this many, they are dropped. */
#define GUEST_NOISE_LINES 32

static bool guest_noise_allowed(void)
{
    static unsigned lines;
    if (lines > GUEST_NOISE_LINES)
        return false;
    if (++lines <= GUEST_NOISE_LINES)
        return true;
    df_warn("the guest keeps causing log lines; not logging them any more");
    return false;
}

static _Noreturn void violation(const char *what, unsigned value)
{
    df_error("protocol violation by the guest: %s (%u); ending the VM", what, value);
    monitor_exit(255, 1000);
}

void agent_accept(void)
{
    for (;;) {
        int fd = accept4(M.agent_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                df_warn("accept on agent socket: %s", strerror(errno));
            return;
        }
        if (M.agent_fd >= 0 || M.agent_eof) {
            /* One guest, one channel: a second peer is at best a confused
             * VMM, at worst someone impersonating the guest. */
            if (guest_noise_allowed())
                df_warn("closing an extra connection on the agent socket");
            if (close(fd) < 0)
                df_warn("close: %s", strerror(errno));
            continue;
        }
        M.agent_fd = fd;
        df_debug("agent channel connected");
    }
}

static bool output_paused(void)
{
    return queue_over_cap(&M.out[OUT_STDOUT]) || queue_over_cap(&M.out[OUT_STDERR]);
}

bool agent_wants_read(void)
{
    return M.agent_fd >= 0 && in_len < sizeof in_buf && !output_paused();
}

bool agent_wants_write(void)
{
    return M.agent_fd >= 0 && M.hello && !queue_empty(&M.to_agent);
}

static void agent_closed(const char *why)
{
    df_info("agent channel closed: %s", why);
    if (close(M.agent_fd) < 0)
        df_warn("close agent channel: %s", strerror(errno));
    M.agent_fd = -1;
    M.agent_eof = true;
    queue_clear(&M.to_agent);
    monitor_agent_gone();
}

void agent_write(void)
{
    while (agent_wants_write()) {
        if (queue_write(&M.to_agent, M.agent_fd) >= 0)
            continue;
        if (errno == EAGAIN)
            return;
        /* The peer is gone, but what it sent before may still be unread
         * (an EXIT, say): only drop what was going its way. */
        df_warn("agent channel write: %s", strerror(errno));
        queue_clear(&M.to_agent);
        return;
    }
}

int agent_send(uint8_t type, const void *payload, uint32_t n)
{
    if (queue_push_frame(&M.to_agent, type, DF_STREAM_CONTAINER, payload, n) < 0)
        return -1;
    agent_write();
    return 0;
}

void agent_send_signal(uint32_t sig, uint32_t flags)
{
    uint8_t p[8];
    df_put32(p, sig);
    df_put32(p + 4, flags);
    if (agent_send(DF_SIGNAL, p, sizeof p) < 0)
        df_warn("agent channel congested; signal %u not forwarded", sig);
}

/* Logs a guest-supplied string without letting it forge log lines. */
static void sanitize(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[i] = '\0';
}

static void on_hello(const uint8_t *p, uint32_t n)
{
    if (M.hello)
        violation("second HELLO", 0);
    uint32_t version = df_get32(p);
    if (version != DF_PROTOCOL_VERSION)
        violation("unsupported protocol version", version);
    char release[65];
    sanitize(release, sizeof release, p + 4, n - 4);
    df_info("guest ready, kernel %s", release);
    M.hello = true;
    agent_write(); /* a START may be waiting */
}

static void on_started(const uint8_t *frame, uint32_t n)
{
    if (!M.hello || !M.start_requested || M.started)
        violation("STARTED without a pending START", 0);
    df_info("container process started, guest pid %u", df_get32(frame + DF_HEADER_SIZE));
    M.started = true;
    int client = M.start_client;
    M.start_client = -1; /* answered: its close is no longer news */
    if (client >= 0)
        control_reply(client, frame, DF_HEADER_SIZE + n);
}

static int clamp_status(uint32_t v) { return v > 255 ? 255 : (int)v; }

static void on_error(const uint8_t *frame, uint32_t n)
{
    char msg[DF_MAX_ERROR_MSG + 1];
    uint32_t code = df_get32(frame + DF_HEADER_SIZE);
    sanitize(msg, sizeof msg, frame + DF_HEADER_SIZE + 4, n - 4);
    if (M.started) {
        if (guest_noise_allowed())
            df_warn("guest error after start (ignored): %s", msg);
        return;
    }
    df_error("container could not start (status %u): %s", code, msg);
    int client = M.start_client;
    M.start_client = -1;
    if (client >= 0) {
        control_reply(client, frame, DF_HEADER_SIZE + n);
        control_flush_blocking(client, 1000);
    }
    /* No EXIT follows an ERROR: the container is over. */
    monitor_exit(clamp_status(code), 1000);
}

static void on_exit_frame(const uint8_t *p)
{
    if (!M.started)
        violation("EXIT before STARTED", 0);
    uint32_t kind = df_get32(p), value = df_get32(p + 4);
    int code;
    if (kind == DF_EXITED) {
        code = clamp_status(value);
        df_info("container exited with status %u", value);
    } else if (kind == DF_SIGNALED && value >= 1 && value <= 127) {
        code = 128 + (int)value;
        df_info("container killed by signal %u", value);
    } else {
        violation("bad EXIT", kind);
    }
    /* Everything the process wrote reaches the shim before its exit does.
     * Limitation: while fd 1/2 take the rest, the loop no longer runs, so a
     * reader that stops reading without closing also stalls control requests
     * (kill, state); the shim always drains, so only other callers see it. */
    monitor_exit(code, -1);
}

static void handle_frame(const struct df_header *h, const uint8_t *frame)
{
    const uint8_t *p = frame + DF_HEADER_SIZE;

    if (h->type == DF_HELLO) {
        on_hello(p, h->length);
        return;
    }
    if (h->type == DF_ERROR && h->stream == DF_STREAM_CONNECTION) {
        on_error(frame, h->length);
        return;
    }
    if (h->stream != DF_STREAM_CONTAINER) {
        /* Streams 2 and up belong to exec, which this monitor does not run. */
        if (guest_noise_allowed())
            df_debug("skipping frame type %u on stream %u", h->type, h->stream);
        return;
    }

    switch (h->type) {
    case DF_STARTED:
        on_started(frame, h->length);
        break;
    case DF_ERROR:
        on_error(frame, h->length);
        break;
    case DF_STDOUT:
        stdio_output(OUT_STDOUT, p, h->length);
        break;
    case DF_STDERR:
        stdio_output(OUT_STDERR, p, h->length);
        break;
    case DF_EXIT:
        on_exit_frame(p);
        break;
    case DF_START:
    case DF_STDIN:
    case DF_STDIN_EOF:
    case DF_SIGNAL:
    case DF_RESIZE:
    case DF_OK:
        violation("frame type only the host sends", h->type);
    default:
        if (guest_noise_allowed())
            df_debug("skipping unknown frame type %u", h->type);
        break;
    }
}

/* Handles every complete frame in the buffer, pausing while fd 1 or 2 is
 * behind: those frames wait here, and reading waits with them. */
void agent_process(void)
{
    size_t off = 0;
    while (in_len - off >= DF_HEADER_SIZE && !output_paused()) {
        struct df_header h;
        if (df_decode_header(in_buf + off, &h) < 0)
            violation("bad frame header, type", in_buf[off + 4]);
        if (df_check_payload_size(h.type, h.length) < 0)
            violation("bad payload size for frame type", h.type);
        if (in_len - off < DF_HEADER_SIZE + (size_t)h.length)
            break;
        handle_frame(&h, in_buf + off);
        off += DF_HEADER_SIZE + (size_t)h.length;
    }
    if (off > 0) {
        memmove(in_buf, in_buf + off, in_len - off);
        in_len -= off;
    }
}

bool agent_has_frames(void)
{
    struct df_header h;
    return in_len >= DF_HEADER_SIZE && df_decode_header(in_buf, &h) == 0 &&
           in_len >= DF_HEADER_SIZE + (size_t)h.length;
}

void agent_read(void)
{
    /* A full buffer holds a complete frame that waits for fd 1/2; a read of
     * 0 bytes would return 0 and pass for the guest's end of file, losing
     * what the socket still holds (an EXIT, say). */
    if (in_len == sizeof in_buf) {
        agent_process();
        return;
    }
    ssize_t n;
    do
        n = read(M.agent_fd, in_buf + in_len, sizeof in_buf - in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        agent_closed(n == 0 ? "end of file" : strerror(errno));
    } else {
        in_len += (size_t)n;
    }
    agent_process();
}
