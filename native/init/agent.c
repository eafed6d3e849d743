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
#include "dns_relay.h"
#include "log.h"
#include "process.h"
#include "pty.h"
#include "start.h"

void agent_send(struct session *s, uint8_t type, uint16_t stream, const void *payload,
                size_t size)
{
    if (s->agent_open && channel_send(s->agent_fd, type, stream, payload, size) < 0)
        s->agent_open = false;
}

void agent_send_error(struct session *s, uint16_t stream, uint32_t code, const char *msg)
{
    if (s->agent_open && channel_send_error(s->agent_fd, stream, code, msg) < 0)
        s->agent_open = false;
}

/* Flag bit 0 (every process) means the container's whole PID namespace;
 * on an exec stream it is ignored: init does not track that process's
 * own children. */
static void handle_signal(struct session *s, uint16_t stream, const uint8_t *p)
{
    int sig = (int)df_get32(p);
    bool all = df_get32(p + 4) & DF_SIGNAL_ALL;
    struct stream *st = streams_find(s, stream);
    if (st == NULL || st->state != STREAM_RUNNING) {
        agent_send_error(s, stream, 1,
                         stream == DF_STREAM_CONTAINER ? "container not running"
                                                       : "process not running");
        return;
    }
    /* Reaped but its output not yet all sent: the pid may be reused. */
    if (st->reaped)
        return;
    all = all && stream == DF_STREAM_CONTAINER;
    if (process_signal(st->pid, sig, all) < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "signal %d: %s", sig, strerror(errno));
        agent_send_error(s, stream, 1, msg);
        return;
    }
    df_debug("signal %d sent to pid %d%s", sig, (int)st->pid, all ? " and the rest" : "");
}

/* Without a terminal there is nothing to resize. */
static void handle_resize(struct session *s, uint16_t stream, const uint8_t *p)
{
    struct stream *st = streams_find(s, stream);
    if (st == NULL || !st->stdio.terminal || st->stdio.out_fd < 0)
        return;
    if (pty_resize(st->stdio.out_fd, df_get16(p), df_get16(p + 2)) < 0)
        df_warn("resize the terminal of stream %u: %s", stream, strerror(errno));
}

/* Queues stdin for the stream's process; false when it must wait. Bytes
 * for a stream without a process are dropped. */
static bool handle_stdin(struct session *s, uint16_t stream, const uint8_t *p, size_t n)
{
    struct stream *st = streams_find(s, stream);
    if (st == NULL)
        return true;
    if (!stdio_fits(&st->stdio, n))
        return false;
    stdio_queue(&st->stdio, p, n);
    return true;
}

static void handle_stdin_eof(struct session *s, uint16_t stream)
{
    struct stream *st = streams_find(s, stream);
    if (st != NULL)
        stdio_set_eof(&st->stdio);
}

/* Handles one frame; returns false when it must wait (stdin queue full).
 * Limitation: while a STDIN frame waits, init reads nothing more from the
 * channel, for any stream: a SIGNAL queued behind it (docker stop, kill
 * -s), or another exec's STDIN, waits until the process reads its stdin or
 * exits; SIGKILL still ends the VM through the monitor's grace timer.
 * Reading on and handling other frames ahead of the waiting STDIN (or a
 * per-stream window in the protocol) would lift it. */
static bool handle_frame(struct session *s, const struct df_header *h, const uint8_t *p)
{
    switch (h->type) {
    case DF_START:
        start_handle(s, h->stream, p, h->length);
        return true;
    case DF_STDIN:
        return handle_stdin(s, h->stream, p, h->length);
    case DF_STDIN_EOF:
        handle_stdin_eof(s, h->stream);
        return true;
    case DF_SIGNAL:
        handle_signal(s, h->stream, p);
        return true;
    case DF_RESIZE:
        handle_resize(s, h->stream, p);
        return true;
    case DF_DNS_ANSWER:
        if (h->stream == DF_STREAM_CONNECTION)
            dns_relay_answer(p, h->length);
        else
            df_warn("ignored a DNS_ANSWER on stream %u", h->stream);
        return true;
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
    case DF_DNS_QUERY:
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
