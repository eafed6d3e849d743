/* Checks a START against the state of its stream and of the container,
 * decodes the spec once, and hands it to the container or exec path;
 * both report the same way: STARTED with the pid, or ERROR with the exit
 * code Docker would show. */
#include "start.h"

#include <stdio.h>

#include "agent.h"
#include "dns_relay.h"
#include "exec_stream.h"
#include "log.h"
#include "netconfig.h"
#include "process.h"
#include "spec.h"

/* Exit code of START errors that are the host's fault, not the image's. */
#define CODE_START_REJECTED 125

/* Large (the arrays hold a payload's worth of records): one, reused. */
static struct spec spec;

static void started(struct session *s, struct stream *st, pid_t pid)
{
    st->pid = pid;
    st->state = STREAM_RUNNING;
    df_info("started %s as pid %d on stream %u", spec.args[0], (int)pid, st->id);

    uint8_t payload[4];
    df_put32(payload, (uint32_t)pid);
    agent_send(s, DF_STARTED, st->id, payload, sizeof payload);
    /* stdin that arrived before START can go now. */
    stdio_flush(&st->stdio);
}

static void start_container(struct session *s, const uint8_t *p, size_t n)
{
    char msg[DF_MAX_ERROR_MSG];
    struct stream *st = &s->streams[0];
    if (st->state != STREAM_IDLE) {
        agent_send_error(s, st->id, CODE_START_REJECTED, "already started");
        return;
    }

    st->state = STREAM_FAILED;
    if (spec_decode(p, n, &spec, msg, sizeof msg) < 0) {
        agent_send_error(s, st->id, CODE_START_REJECTED, msg);
        return;
    }
    /* Before the process exists: it may use the network at once. */
    if ((spec.net.has_link && netconfig_apply(&spec.net, msg, sizeof msg) < 0) ||
        (spec.net.has_dns_relay && dns_relay_open(spec.net.dns_relay, msg, sizeof msg) < 0)) {
        agent_send_error(s, st->id, CODE_START_REJECTED, msg);
        return;
    }
    uint32_t code;
    pid_t pid = process_start(&spec, &st->stdio, &code, msg, sizeof msg);
    if (pid < 0) {
        stdio_close_input(&st->stdio);
        agent_send_error(s, st->id, code, msg);
        return;
    }
    started(s, st, pid);
}

/* Returns 0, or -1 after answering ERROR. */
static int check_exec(struct session *s, uint16_t stream, const uint8_t *p, size_t n)
{
    char msg[DF_MAX_ERROR_MSG];
    if (streams_find(s, stream) != NULL) {
        snprintf(msg, sizeof msg, "stream %u already has a process", stream);
        agent_send_error(s, stream, CODE_START_REJECTED, msg);
        return -1;
    }
    if (!streams_container_running(s)) {
        agent_send_error(s, stream, 1, "container not running");
        return -1;
    }
    if (spec_decode(p, n, &spec, msg, sizeof msg) < 0) {
        agent_send_error(s, stream, CODE_START_REJECTED, msg);
        return -1;
    }
    const char *record = spec_container_record(&spec);
    if (record != NULL) {
        snprintf(msg, sizeof msg, "invalid exec spec: %s is a container record", record);
        agent_send_error(s, stream, CODE_START_REJECTED, msg);
        return -1;
    }
    return 0;
}

static void start_exec(struct session *s, uint16_t stream, const uint8_t *p, size_t n)
{
    if (check_exec(s, stream, p, n) < 0)
        return;
    struct stream *st = streams_claim(s, stream);
    if (st == NULL) {
        agent_send_error(s, stream, CODE_START_REJECTED, "too many exec processes");
        return;
    }

    char msg[DF_MAX_ERROR_MSG];
    uint32_t code;
    pid_t pid = exec_stream_start(s->streams[0].pid, &spec, &st->stdio, &code, msg,
                                  sizeof msg);
    if (pid < 0) {
        streams_release(st);
        agent_send_error(s, stream, code, msg);
        return;
    }
    started(s, st, pid);
}

void start_handle(struct session *s, uint16_t stream, const uint8_t *payload, size_t size)
{
    if (stream == DF_STREAM_CONTAINER)
        start_container(s, payload, size);
    else if (stream == DF_STREAM_CONNECTION)
        agent_send_error(s, stream, CODE_START_REJECTED, "START belongs on stream 1 or above");
    else
        start_exec(s, stream, payload, size);
}
