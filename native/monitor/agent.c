/* The agent channel: one connection from the guest's init (through the VMM)
 * carrying framed messages (docs/protocol.md). Every byte from the guest is
 * hostile: frames are validated before use, and a violation ends the VM.
 *
 * In attach mode the channel is the control connection to the container's
 * monitor, which forwards one exec stream; the same rules apply to it. */
#include "monitor.h"

#include "frames.h"
#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for exactly one frame of the largest size: a complete frame always
 * fits, so a full buffer means there is a frame to process. */
static uint8_t in_buf[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
static struct frame_reader in = {.buf = in_buf, .cap = sizeof in_buf};

/* Log lines the guest can trigger at will (errors after start, extra
 * connections, skipped frames) would otherwise grow the monitor log without
 * bound on the host's disk: after this many, they are dropped. */
#define GUEST_NOISE_LINES 32

bool agent_noise_allowed(void)
{
    static unsigned lines;
    if (lines > GUEST_NOISE_LINES)
        return false;
    if (++lines <= GUEST_NOISE_LINES)
        return true;
    df_warn("the guest keeps causing log lines; not logging them any more");
    return false;
}

static const char *peer(void) { return M.cfg.attach ? "the container's monitor" : "the guest"; }

void agent_violation(const char *what, unsigned value)
{
    df_error("protocol violation by %s: %s (%u); ending %s", peer(), what, value,
             M.cfg.attach ? "the exec" : "the VM");
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
            if (agent_noise_allowed())
                df_warn("closing an extra connection on the agent socket");
            if (close(fd) < 0)
                df_warn("close: %s", strerror(errno));
            continue;
        }
        M.agent_fd = fd;
        df_debug("agent channel connected");
    }
}

/* Global backpressure: one slow reader (fd 1, fd 2, an exec client) stops
 * the whole channel until it catches up. */
static bool output_paused(void)
{
    return queue_over_cap(&M.out[OUT_STDOUT]) || queue_over_cap(&M.out[OUT_STDERR]) ||
           exec_output_paused();
}

bool agent_wants_read(void)
{
    return M.agent_fd >= 0 && frame_room(&in) && !output_paused();
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

int agent_send_on(uint16_t stream, uint8_t type, const void *payload, uint32_t n)
{
    if (queue_push_frame(&M.to_agent, type, stream, payload, n) < 0)
        return -1;
    agent_write();
    return 0;
}

/* Sends on the process's stream (attach mode: the exec's, once known). */
int agent_send(uint8_t type, const void *payload, uint32_t n)
{
    return agent_send_on(M.stream, type, payload, n);
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
void printable_copy(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[i] = '\0';
}

static void on_hello(const uint8_t *p, uint32_t n)
{
    if (M.hello)
        agent_violation("second HELLO", 0);
    uint32_t version = df_get32(p);
    if (version != DF_PROTOCOL_VERSION)
        agent_violation("unsupported protocol version", version);
    char release[65];
    printable_copy(release, sizeof release, p + 4, n - 4);
    df_info("guest ready, kernel %s", release);
    M.hello = true;
    control_guest_booted();
    agent_write(); /* a START may be waiting */
}

static const char *what(void) { return M.cfg.attach ? "exec'd process" : "container"; }

static void on_started(const uint8_t *frame, uint32_t n)
{
    if (!M.hello || !M.start_requested || M.started)
        agent_violation("STARTED without a pending START", 0);
    df_info("%s started on stream %u, guest pid %u", what(), M.stream,
            df_get32(frame + DF_HEADER_SIZE));
    M.started = true;
    pty_send_size();
    if (M.cfg.attach) {
        attach_started();
        return;
    }
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
    printable_copy(msg, sizeof msg, frame + DF_HEADER_SIZE + 4, n - 4);
    if (M.started) {
        if (agent_noise_allowed())
            df_warn("error from %s after start (ignored): %s", peer(), msg);
        return;
    }
    df_error("%s could not start (status %u): %s", what(), code, msg);
    if (M.cfg.attach)
        attach_failed(code, msg);
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
        agent_violation("EXIT before STARTED", 0);
    uint32_t kind = df_get32(p), value = df_get32(p + 4);
    int code;
    if (kind == DF_EXITED) {
        code = clamp_status(value);
        df_info("%s exited with status %u", what(), value);
    } else if (kind == DF_SIGNALED && value >= 1 && value <= 127) {
        code = 128 + (int)value;
        df_info("%s killed by signal %u", what(), value);
    } else {
        agent_violation("bad EXIT", kind);
    }
    /* Everything the process wrote reaches the shim before its exit does.
     * Limitation: while fd 1/2 take the rest, the loop no longer runs, so a
     * reader that stops reading without closing also stalls control requests
     * (kill, state); the shim always drains, so only other callers see it. */
    monitor_exit(code, -1);
}

/* The frames of this monitor's own process: stream 1, or the exec's. */
static void process_frame(const struct df_header *h, const uint8_t *frame)
{
    const uint8_t *p = frame + DF_HEADER_SIZE;
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
    default:
        if (df_is_host_frame_on_stream(h->type))
            agent_violation("unexpected frame type", h->type);
        if (agent_noise_allowed())
            df_debug("skipping unknown frame type %u", h->type);
        break;
    }
}

/* Attach mode, before the reply: the reply names the exec's stream. */
static bool is_reply(const struct df_header *h)
{
    if (h->type == DF_STARTED && h->stream >= 2)
        M.stream = h->stream;
    return h->type == DF_ERROR || M.stream != 0;
}

static void handle_frame(const struct df_header *h, const uint8_t *frame)
{
    if (M.cfg.attach && M.stream == 0) {
        if (!is_reply(h))
            agent_violation("frame before the reply to EXEC, type", h->type);
        process_frame(h, frame);
        return;
    }
    if (h->type == DF_HELLO && !M.cfg.attach) {
        on_hello(frame + DF_HEADER_SIZE, h->length);
        return;
    }
    if (h->type == DF_DNS_QUERY && !M.cfg.attach) {
        dns_query(h, frame + DF_HEADER_SIZE);
        return;
    }
    if (h->stream == M.stream || (h->type == DF_ERROR && h->stream == DF_STREAM_CONNECTION)) {
        process_frame(h, frame);
        return;
    }
    if (h->stream >= 2 && !M.cfg.attach) {
        exec_guest_frame(h, frame);
        return;
    }
    if (agent_noise_allowed())
        df_debug("skipping frame type %u on stream %u", h->type, h->stream);
}

/* Handles every complete frame in the buffer, pausing while a reader of
 * output is behind: those frames wait here, and reading waits with them. */
void agent_process(void)
{
    while (!output_paused()) {
        struct df_header h;
        const uint8_t *frame;
        int r = frame_next(&in, &h, &frame);
        if (r == FRAME_BAD_HEADER)
            agent_violation("bad frame header, type", frame[4]);
        if (r == FRAME_BAD_SIZE)
            agent_violation("bad payload size for frame type", h.type);
        if (r == FRAME_INCOMPLETE)
            return;
        frame_done(&in, &h);
        handle_frame(&h, frame);
    }
}

bool agent_has_frames(void)
{
    struct df_header h;
    const uint8_t *frame;
    return frame_next(&in, &h, &frame) == FRAME_READY;
}

void agent_read(void)
{
    /* A full buffer holds a complete frame that waits for output to drain;
     * a read of 0 bytes would return 0 and pass for the peer's end of file,
     * losing what the socket still holds (an EXIT, say). */
    if (!frame_room(&in)) {
        agent_process();
        return;
    }
    long n = frame_fill(&in, M.agent_fd);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0)
        agent_closed(n == 0 ? "end of file" : strerror(errno));
    agent_process();
}
