/* Processes started by EXEC requests on the control socket: each gets a
 * stream N >= 2 on the agent channel and keeps the control connection that
 * asked for it (docs/protocol.md, "exec"). The guest's frames on N go to
 * that connection through a bounded queue; its STDIN, STDIN_EOF, SIGNAL and
 * RESIZE go to the guest on N. */
#include "monitor.h"

#include "log.h"
#include "protocol.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

enum exec_state { EXEC_FREE, EXEC_STARTING, EXEC_RUNNING, EXEC_DONE };

struct exec {
    enum exec_state state;
    uint16_t stream;
    int client;
    struct queue out; /* frames on their way to the client */
};

static struct exec execs[MAX_EXECS];

/* Stream ids go round 2..65535 rather than reusing the lowest free one: the
 * process of a client that went away is killed but not waited for, and its
 * late frames must not land on a new exec. Limitation: after 65534 more
 * execs an id comes back; a process still alive by then (SIGKILL ignored in
 * an uninterruptible sleep) would have its last frames taken for the new
 * one's. */
static uint16_t next_stream = 2;

static bool stream_in_use(uint16_t stream)
{
    for (int i = 0; i < MAX_EXECS; i++)
        if (execs[i].state != EXEC_FREE && execs[i].stream == stream)
            return true;
    return false;
}

static uint16_t pick_stream(void)
{
    for (;;) {
        uint16_t s = next_stream;
        next_stream = next_stream == UINT16_MAX ? 2 : (uint16_t)(next_stream + 1);
        if (!stream_in_use(s))
            return s;
    }
}

static int free_slot(void)
{
    for (int i = 0; i < MAX_EXECS; i++)
        if (execs[i].state == EXEC_FREE)
            return i;
    return -1;
}

void exec_request(int client, const uint8_t *spec, uint32_t n)
{
    if (!M.started || M.agent_fd < 0) {
        control_reply_error(client, 1, "container not running");
        return;
    }
    int slot = free_slot();
    if (slot < 0) {
        control_reply_error(client, 1, "too many exec processes");
        return;
    }
    struct exec *e = &execs[slot];
    if (queue_init(&e->out, EXEC_OUT_CAP, QUEUE_SLACK) < 0) {
        control_reply_error(client, 1, "out of memory for the exec's output");
        return;
    }
    uint16_t stream = pick_stream();
    if (agent_send_on(stream, DF_START, spec, n) < 0) {
        if (queue_destroy(&e->out) < 0)
            df_warn("unmap exec queue: %s", strerror(errno));
        control_reply_error(client, 1, "agent channel congested");
        return;
    }
    df_info("exec on stream %u: START queued for the guest", stream);
    e->state = EXEC_STARTING;
    e->stream = stream;
    e->client = client;
    control_bind(client, slot);
}

static struct exec *find(uint16_t stream)
{
    for (int i = 0; i < MAX_EXECS; i++)
        if (execs[i].state != EXEC_FREE && execs[i].stream == stream)
            return &execs[i];
    return NULL;
}

/* Queues the frame for the client and lets it write: last in a handler, as
 * a finished client may close (and free the slot) right away. */
static void deliver(struct exec *e, const struct df_header *h, const uint8_t *frame)
{
    /* Cannot fail: agent_process stops at the cap, below the slack. */
    if (queue_push(&e->out, frame, DF_HEADER_SIZE + (size_t)h->length) < 0)
        df_error("exec output queue overflow on stream %u", e->stream);
    control_wake(e->client);
}

static void on_exit_frame(struct exec *e, const struct df_header *h, const uint8_t *frame)
{
    uint32_t kind = df_get32(frame + DF_HEADER_SIZE);
    uint32_t value = df_get32(frame + DF_HEADER_SIZE + 4);
    if (e->state != EXEC_RUNNING)
        agent_violation("EXIT before STARTED on exec stream", e->stream);
    if (kind != DF_EXITED && kind != DF_SIGNALED)
        agent_violation("bad EXIT", kind);
    df_info("exec on stream %u %s %u", e->stream,
            kind == DF_EXITED ? "exited with status" : "killed by signal", value);
    e->state = EXEC_DONE;
    deliver(e, h, frame);
}

static void on_error_frame(struct exec *e, const struct df_header *h, const uint8_t *frame)
{
    if (e->state != EXEC_STARTING) {
        if (agent_noise_allowed())
            df_warn("guest error on exec stream %u after start (ignored)", e->stream);
        return;
    }
    df_info("exec on stream %u could not start (status %u)", e->stream,
            df_get32(frame + DF_HEADER_SIZE));
    e->state = EXEC_DONE; /* no EXIT follows an ERROR */
    deliver(e, h, frame);
}

void exec_guest_frame(const struct df_header *h, const uint8_t *frame)
{
    struct exec *e = find(h->stream);
    if (!e) {
        /* The client went away; its process was sent SIGKILL. */
        if (agent_noise_allowed())
            df_debug("dropping frame type %u on stream %u: no exec", h->type, h->stream);
        return;
    }
    switch (h->type) {
    case DF_STARTED:
        if (e->state != EXEC_STARTING)
            agent_violation("STARTED without a pending START on stream", h->stream);
        df_info("exec on stream %u started, guest pid %u", h->stream,
                df_get32(frame + DF_HEADER_SIZE));
        e->state = EXEC_RUNNING;
        deliver(e, h, frame);
        break;
    case DF_ERROR:
        on_error_frame(e, h, frame);
        break;
    case DF_STDOUT:
    case DF_STDERR:
        if (e->state != EXEC_RUNNING)
            agent_violation("output outside a running exec on stream", h->stream);
        deliver(e, h, frame);
        break;
    case DF_EXIT:
        on_exit_frame(e, h, frame);
        break;
    default:
        if (df_is_host_frame_on_stream(h->type))
            agent_violation("unexpected frame type on an exec stream", h->type);
        if (agent_noise_allowed())
            df_debug("skipping unknown frame type %u", h->type);
        break;
    }
}

/* Returns 0, or -1 when the client broke the protocol (it is dropped). */
int exec_client_frame(int slot, const struct df_header *h, const uint8_t *frame)
{
    struct exec *e = &execs[slot];
    if (h->stream != e->stream)
        return -1;
    if (h->type == DF_SIGNAL) {
        uint32_t sig = df_get32(frame + DF_HEADER_SIZE);
        if (sig == 0 || sig >= (uint32_t)_NSIG)
            return -1;
    } else if (h->type != DF_STDIN && h->type != DF_STDIN_EOF && h->type != DF_RESIZE) {
        return -1;
    }
    /* Cannot fail: clients are read only while the queue is under its cap. */
    if (agent_send_on(e->stream, h->type, frame + DF_HEADER_SIZE, h->length) < 0)
        df_error("agent queue overflow; dropping a frame of exec stream %u", e->stream);
    return 0;
}

void exec_client_gone(int slot, bool kill_process)
{
    struct exec *e = &execs[slot];
    if (kill_process && e->state != EXEC_DONE) {
        /* Queued after the START: the guest kills the process as soon as it
         * has one, or finds none if it could not start it. */
        uint8_t p[8];
        df_put32(p, SIGKILL);
        df_put32(p + 4, 0);
        df_info("exec client on stream %u went away; sending SIGKILL", e->stream);
        if (agent_send_on(e->stream, DF_SIGNAL, p, sizeof p) < 0)
            df_warn("agent channel congested; exec on stream %u not killed", e->stream);
    }
    if (queue_destroy(&e->out) < 0)
        df_warn("unmap exec queue: %s", strerror(errno));
    e->state = EXEC_FREE;
    e->client = -1;
}

bool exec_output_paused(void)
{
    for (int i = 0; i < MAX_EXECS; i++)
        if (execs[i].state != EXEC_FREE && queue_over_cap(&execs[i].out))
            return true;
    return false;
}

bool exec_running(int slot) { return execs[slot].state == EXEC_RUNNING; }
bool exec_finished(int slot) { return execs[slot].state == EXEC_DONE; }
struct queue *exec_output(int slot) { return &execs[slot].out; }
