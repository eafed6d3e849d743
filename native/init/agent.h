/* Frames from the host: reading them off the agent channel and acting on
 * them; and the one way init sends frames that may fail. */
#ifndef DOCK_FIRE_INIT_AGENT_H
#define DOCK_FIRE_INIT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Reads what the channel holds and handles every complete frame. A
 * protocol violation powers the VM off. */
void agent_receive(struct session *s);

/* Handles buffered frames; called again when a stalled STDIN frame may
 * fit in its stdin queue. */
void agent_process(struct session *s);

/* Sends a frame unless the host is gone; a failed write means it is. */
void agent_send(struct session *s, uint8_t type, uint16_t stream, const void *payload,
                size_t size);
void agent_send_error(struct session *s, uint16_t stream, uint32_t code, const char *msg);

#endif
