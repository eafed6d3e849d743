/* Everything init knows about its one connection and the processes on its
 * streams: the container's on stream 1, exec'd ones on streams 2 and up. */
#ifndef DOCK_FIRE_INIT_SESSION_H
#define DOCK_FIRE_INIT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "streams.h"

/* exec'd processes running at once; a START beyond gets ERROR. */
#define EXEC_MAX 16
#define STREAMS_MAX (1 + EXEC_MAX)

struct session {
    int agent_fd;
    bool agent_open; /* false once the host hung up */
    bool stalled;    /* a STDIN frame waits for room in a stdin queue */
    uint8_t in[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
    size_t in_len;

    /* [0] is stream 1, the container's process; the others are exec slots. */
    struct stream streams[STREAMS_MAX];
};

#endif
