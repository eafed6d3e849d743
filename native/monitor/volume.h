/* Host volumes: one 9P server (p9.h) per `--volume`, each on a socket of
 * its own that the VMM connects to (a virtio-serial port under QEMU, a
 * vsock port under Firecracker). The guest kernel's 9p client is at the
 * other end; see docs/volumes.md. */
#ifndef DOCK_FIRE_MONITOR_VOLUME_H
#define DOCK_FIRE_MONITOR_VOLUME_H

#include <poll.h>
#include <stddef.h>

#include "protocol.h"

#define MAX_VOLUMES DF_MAX_VOLUMES

/* `--volume MODE:SOCKET:DIR`, MODE rw or ro. Returns NULL or what is wrong. */
const char *volume_add(char *arg);
/* Opens every volume's directory and listens on its socket. Returns 0, or
 * -1 with the reason in err. */
int volumes_open(char *err, size_t cap);
/* Removes the sockets this monitor bound. */
void volumes_unlink(void);

/* Adds the fds to poll (at most max); owner[i] is what volumes_event takes. */
int volumes_poll_fds(struct pollfd *pfds, int *owner, int max);
void volumes_event(int owner, short revents);

#endif
