/* The guest's network devices. */
#ifndef DOCK_FIRE_INIT_NETWORK_H
#define DOCK_FIRE_INIT_NETWORK_H

/* Brings the loopback device up, as runc does in a new network namespace.
 * Returns 0, or -1 with errno set. */
int network_loopback_up(void);

#endif
