/* The host's requests. Every header is validated before its payload is
 * trusted; a violation means the two sides disagree on the protocol, and
 * the only safe reaction is to stop (docs/protocol.md, "Frames"). */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "channel.h"
#include "log.h"
#include "process.h"
#include "spec.h"

/* Exit codes of START errors that are the host's fault, not the image's. */
#define CODE_START_REJECTED 125
#define CODE_EXEC_UNSUPPORTED 126

static struct spec spec;

static void reply_error(struct session *s, uint16_t stream, uint32_t code, const char *msg)
{
    if (channel_send_error(s->agent_fd, stream, code, msg) < 0)
        s->agent_open = false;
}

static void handle_start(struct session *s, uint16_t stream, const uint8_t *p, size_t n)
{
    char msg[DF_MAX_ERROR_MSG];
    if (stream >= 2) {
        reply_error(s, stream, CODE_EXEC_UNSUPPORTED, "exec is not supported yet");
        return;
    }
    if (stream != DF_STREAM_CONTAINER) {
        reply_error(s, stream, CODE_START_REJECTED, "START belongs on stream 1");
        return;
    }
    if (s->state != CONTAINER_WAITING) {
        reply_error(s, stream, CODE_START_REJECTED, "already started");
        return;
    }

    s->state = CONTAINER_FAILED;
    if (spec_decode(p, n, &spec, msg, sizeof msg) < 0) {
        reply_error(s, stream, CODE_START_REJECTED, msg);
        return;
    }
    /* Limitation: no pty yet; a later change adds TERMINAL. */
    if (spec.terminal) {
        reply_error(s, stream, CODE_START_REJECTED, "terminals are not supported yet");
        return;
    }

    uint32_t code;
    pid_t pid = process_start(&spec, &s->stdio, &code, msg, sizeof msg);
    if (pid < 0) {
        stdio_close_input(&s->stdio);
        reply_error(s, stream, code, msg);
        return;
    }
    s->pid = pid;
    s->state = CONTAINER_RUNNING;
    df_info("started %s as pid %d", spec.args[0], (int)pid);

    uint8_t payload[4];
    df_put32(payload, (uint32_t)pid);
    if (channel_send(s->agent_fd, DF_STARTED, stream, payload, sizeof payload) < 0)
        s->agent_open = false;
    /* stdin that arrived before START can go now. */
    stdio_flush(&s->stdio);
}

static void handle_signal(struct session *s, uint16_t stream, const uint8_t *p)
{
    int sig = (int)df_get32(p);
    bool all = df_get32(p + 4) & DF_SIGNAL_ALL;
    if (stream != DF_STREAM_CONTAINER || s->state != CONTAINER_RUNNING) {
        reply_error(s, stream, 1, "container not running");
        return;
    }
    /* Reaped but its output not yet all sent: the pid may be reused. */
    if (s->reaped)
        return;
    if (process_signal(s->pid, sig, all) < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "signal %d: %s", sig, strerror(errno));
        reply_error(s, stream, 1, msg);
        return;
    }
    df_debug("signal %d sent to pid %d%s", sig, (int)s->pid, all ? " and the rest" : "");
}

/* Handles one frame; returns false when it must wait (stdin queue full).
 * Limitation: while a STDIN frame waits, init reads nothing more from the
 * channel, so a SIGNAL queued behind it (docker stop, kill -s) waits until
 * the process reads its stdin or exits; SIGKILL still ends the VM through
 * the monitor's grace timer. Reading on and handling SIGNAL frames ahead of
 * the waiting STDIN would lift it. */
static bool handle_frame(struct session *s, const struct df_header *h, const uint8_t *p)
{
    switch (h->type) {
    case DF_START:
        handle_start(s, h->stream, p, h->length);
        return true;
    case DF_STDIN:
        if (h->stream != DF_STREAM_CONTAINER)
            return true;
        if (!stdio_fits(&s->stdio, h->length))
            return false;
        stdio_queue(&s->stdio, p, h->length);
        return true;
    case DF_STDIN_EOF:
        if (h->stream == DF_STREAM_CONTAINER)
            stdio_set_eof(&s->stdio);
        return true;
    case DF_SIGNAL:
        handle_signal(s, h->stream, p);
        return true;
    case DF_RESIZE:
        return true; /* no terminal to resize yet */
    case DF_ERROR:
        df_warn("host error on stream %u: code %u: %.*s", h->stream, df_get32(p),
                (int)(h->length - 4), (const char *)p + 4);
        return true;
    case DF_HELLO:
    case DF_STARTED:
    case DF_STDOUT:
    case DF_STDERR:
    case DF_EXIT:
    case DF_OK:
        df_warn("ignored a frame of type %u the host should not send", h->type);
        return true;
    default:
        df_warn("skipped a frame of unknown type %u", h->type);
        return true;
    }
}

void agent_process(struct session *s)
{
    size_t offset = 0;
    s->stalled = false;
    while (s->in_len - offset >= DF_HEADER_SIZE) {
        struct df_header h;
        const uint8_t *frame = s->in + offset;
        if (df_decode_header(frame, &h) < 0 || df_check_payload_size(h.type, h.length) < 0) {
            df_error("protocol violation: frame type %u, flags %u, length %u", frame[4],
                     frame[5], df_get32(frame));
            boot_end_vm();
        }
        if (s->in_len - offset < DF_HEADER_SIZE + h.length)
            break;
        if (!handle_frame(s, &h, frame + DF_HEADER_SIZE)) {
            s->stalled = true;
            break;
        }
        offset += DF_HEADER_SIZE + h.length;
    }
    memmove(s->in, s->in + offset, s->in_len - offset);
    s->in_len -= offset;
}

void agent_receive(struct session *s)
{
    /* A full buffer is one whole frame still to handle; reading 0 bytes
     * would look like the host hanging up. */
    if (s->in_len == sizeof s->in) {
        agent_process(s);
        return;
    }
    ssize_t n = read(s->agent_fd, s->in + s->in_len, sizeof s->in - s->in_len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* The monitor ends the VM once it is done; nothing left to do. */
        if (n < 0)
            df_error("read the agent channel: %s", strerror(errno));
        else
            df_info("the host closed the agent channel");
        s->agent_open = false;
        return;
    }
    s->in_len += (size_t)n;
    agent_process(s);
}
