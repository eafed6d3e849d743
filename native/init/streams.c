/* When EXIT goes out. Stream 1's waits until its process is reaped and
 * its output fully sent: the kernel has killed the rest of its PID
 * namespace by then, exec'd processes included, so every pipe reaches EOF,
 * and their EXITs go first. An exec'd process's output may stay open
 * after it exits (sh -c 'daemon &'): like Docker, which waits 2 s for the
 * copy after an exec exits, init relays it for 2 s more, then cuts it. */
#include "streams.h"

#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "session.h"

#define EXEC_DRAIN_MS 2000

static long long now_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reset(struct stream *st, uint16_t id)
{
    st->id = id;
    st->state = STREAM_IDLE;
    st->pid = 0;
    st->reaped = false;
    st->status = 0;
    st->drain_until = 0;
    stdio_init(&st->stdio);
}

void streams_init(struct session *s)
{
    reset(&s->streams[0], DF_STREAM_CONTAINER);
    for (size_t i = 1; i < STREAMS_MAX; i++)
        reset(&s->streams[i], 0);
}

struct stream *streams_find(struct session *s, uint16_t id)
{
    for (size_t i = 0; id != 0 && i < STREAMS_MAX; i++) {
        if (s->streams[i].id == id)
            return &s->streams[i];
    }
    return NULL;
}

bool streams_container_running(const struct session *s)
{
    return s->streams[0].state == STREAM_RUNNING && !s->streams[0].reaped;
}

struct stream *streams_claim(struct session *s, uint16_t id)
{
    for (size_t i = 1; i < STREAMS_MAX; i++) {
        if (s->streams[i].id == 0) {
            s->streams[i].id = id;
            return &s->streams[i];
        }
    }
    return NULL;
}

void streams_release(struct stream *st)
{
    stdio_close_all(&st->stdio);
    reset(st, 0);
}

void streams_reaped(struct session *s, pid_t pid, int status)
{
    for (size_t i = 0; i < STREAMS_MAX; i++) {
        struct stream *st = &s->streams[i];
        if (st->state != STREAM_RUNNING || st->reaped || st->pid != pid)
            continue;
        st->reaped = true;
        st->status = status;
        st->drain_until = now_ms() + EXEC_DRAIN_MS;
        /* Its stdin has no reader left. */
        stdio_close_input(&st->stdio);
        return;
    }
}

static bool output_open(const struct stream *st)
{
    return st->stdio.out_fd >= 0 || st->stdio.err_fd >= 0;
}

static void send_exit(struct session *s, struct stream *st)
{
    uint8_t payload[8];
    if (WIFSIGNALED(st->status)) {
        df_put32(payload, DF_SIGNALED);
        df_put32(payload + 4, (uint32_t)WTERMSIG(st->status));
    } else {
        df_put32(payload, DF_EXITED);
        df_put32(payload + 4, (uint32_t)WEXITSTATUS(st->status));
    }
    df_info("process on stream %u exited: %s %u", st->id,
            WIFSIGNALED(st->status) ? "signal" : "code", df_get32(payload + 4));
    agent_send(s, DF_EXIT, st->id, payload, sizeof payload);
}

/* Returns whether an exec stream still waits for its EXIT. */
static bool report_exec_exits(struct session *s)
{
    bool waiting = false;
    long long now = now_ms();
    for (size_t i = 1; i < STREAMS_MAX; i++) {
        struct stream *st = &s->streams[i];
        if (st->state != STREAM_RUNNING)
            continue;
        if (!st->reaped || (output_open(st) && now < st->drain_until)) {
            waiting = true;
            continue;
        }
        stdio_close_all(&st->stdio);
        send_exit(s, st);
        streams_release(st);
    }
    return waiting;
}

void streams_report_exits(struct session *s)
{
    bool execs_waiting = report_exec_exits(s);
    struct stream *st = &s->streams[0];
    if (st->state != STREAM_RUNNING || !st->reaped || output_open(st) || execs_waiting)
        return;

    /* The host kills the VM after EXIT, and the container's root layer may
     * outlive the VM (kept for its next start): write it out first.
     * Powering off instead could hang under TCG. */
    sync();
    send_exit(s, st);
    st->state = STREAM_EXITED;
}

int streams_poll_timeout(const struct session *s)
{
    long long soonest = -1;
    for (size_t i = 1; i < STREAMS_MAX; i++) {
        const struct stream *st = &s->streams[i];
        if (st->state != STREAM_RUNNING || !st->reaped)
            continue;
        if (soonest < 0 || st->drain_until < soonest)
            soonest = st->drain_until;
    }
    if (soonest < 0)
        return -1;
    long long left = soonest - now_ms();
    return left < 0 ? 0 : (int)left;
}
