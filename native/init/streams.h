/* The process on each stream: its pid, its exit status, its stdio relay.
 * Stream 1 (the container's process) and exec streams share it all; what
 * differs is when their EXIT may go out. */
#ifndef DOCK_FIRE_INIT_STREAMS_H
#define DOCK_FIRE_INIT_STREAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stdio.h"

enum stream_state {
    STREAM_IDLE,    /* stream 1: no START yet; an exec slot: free */
    STREAM_RUNNING, /* STARTED sent, EXIT not yet */
    STREAM_FAILED,  /* stream 1: START answered with ERROR */
    STREAM_EXITED,  /* stream 1: EXIT sent */
};

struct stream {
    uint16_t id; /* 1, N >= 2 for an exec, 0 for a free exec slot */
    enum stream_state state;
    pid_t pid;
    bool reaped; /* exited with status, its output maybe not all sent */
    int status;
    long long drain_until; /* exec: ms on CLOCK_MONOTONIC, see streams.c */
    struct stdio_relay stdio;
};

struct session;

void streams_init(struct session *s);

/* The stream with this id (stream 1 always, an exec one while claimed),
 * or NULL. */
struct stream *streams_find(struct session *s, uint16_t id);

/* Whether stream 1's process runs: an exec can join it. */
bool streams_container_running(const struct session *s);

/* Takes a free exec slot for stream id; NULL when all are in use. */
struct stream *streams_claim(struct session *s, uint16_t id);
void streams_release(struct stream *st);

/* Records a reaped child's status on its stream, if it has one. */
void streams_reaped(struct session *s, pid_t pid, int status);

/* Sends every EXIT that is due (docs/protocol.md: after all output; the
 * exec streams' before stream 1's). */
void streams_report_exits(struct session *s);

/* Milliseconds until an exec's output must be cut, or -1: poll's timeout. */
int streams_poll_timeout(const struct session *s);

#endif
