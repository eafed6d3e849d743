/* Everything init knows about its one connection and its one container. */
#ifndef DOCK_FIRE_INIT_SESSION_H
#define DOCK_FIRE_INIT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"
#include "stdio.h"

enum container_state {
    CONTAINER_WAITING, /* no START yet */
    CONTAINER_RUNNING, /* STARTED sent, EXIT not yet */
    CONTAINER_FAILED,  /* START answered with ERROR */
    CONTAINER_EXITED,  /* EXIT sent */
};

struct session {
    int agent_fd;
    bool agent_open; /* false once the host hung up */
    bool stalled;    /* a STDIN frame waits for room in the stdin queue */
    uint8_t in[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
    size_t in_len;

    enum container_state state;
    pid_t pid;
    bool reaped; /* the container's PID 1 exited with status */
    int status;
    struct stdio_relay stdio;
};

#endif
