/* Frames from the host: reading them off the agent channel and acting on
 * them. */
#ifndef DOCK_FIRE_INIT_AGENT_H
#define DOCK_FIRE_INIT_AGENT_H

#include "session.h"

/* Reads what the channel holds and handles every complete frame. A
 * protocol violation powers the VM off. */
void agent_receive(struct session *s);

/* Handles buffered frames; called again when a stalled STDIN frame may
 * fit in the stdin queue. */
void agent_process(struct session *s);

#endif
