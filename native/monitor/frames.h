/* Reading framed messages (docs/protocol.md) from a non-blocking stream:
 * the agent channel, a control client, and attach mode's connection to the
 * container's monitor all go through one reader each. */
#ifndef DOCK_FIRE_MONITOR_FRAMES_H
#define DOCK_FIRE_MONITOR_FRAMES_H

#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>

/* buf holds cap bytes; cap should be DF_HEADER_SIZE + DF_MAX_PAYLOAD, so a
 * full buffer always starts with a complete (or invalid) frame. */
struct frame_reader {
    uint8_t *buf;
    size_t cap;
    size_t start; /* first byte of the next frame */
    size_t end;   /* one past the last byte read */
};

enum frame_status {
    FRAME_BAD_SIZE = -2,   /* the payload size does not suit the frame's type */
    FRAME_BAD_HEADER = -1, /* length over the limit, or flags set */
    FRAME_INCOMPLETE = 0,
    FRAME_READY = 1,
};

static inline bool frame_room(const struct frame_reader *r) { return r->end - r->start < r->cap; }

/* Reads what fits (compacting first). Returns the bytes read, 0 at end of
 * file, or -1 with errno set (EAGAIN when nothing is there). */
long frame_fill(struct frame_reader *r, int fd);

/* Looks at the next frame without consuming it. *frame points at its
 * header (also on an error, so the caller can log the raw type byte). */
int frame_next(const struct frame_reader *r, struct df_header *h, const uint8_t **frame);

/* Consumes the frame frame_next returned. Its bytes stay valid until the
 * next frame_fill. */
void frame_done(struct frame_reader *r, const struct df_header *h);

static inline void frame_reset(struct frame_reader *r) { r->start = r->end = 0; }

#endif
