/* START: the container's process on stream 1, an exec'd process on any
 * stream from 2 (docs/protocol.md, "exec"). */
#ifndef DOCK_FIRE_INIT_START_H
#define DOCK_FIRE_INIT_START_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Starts the process a START payload describes and answers STARTED or
 * ERROR on its stream. */
void start_handle(struct session *s, uint16_t stream, const uint8_t *payload, size_t size);

#endif
