/* Host volumes: one 9P server (p9.h) per `--volume`, and one for all the
 * single-file binds (`--file-volume`, `--volume-file`), each on a socket of
 * its own that the VMM connects to (a virtio-serial port under QEMU, a
 * vsock port under Firecracker). The guest kernel's 9p client is at the
 * other end; see docs/volumes.md. */
#ifndef DOCK_FIRE_MONITOR_VOLUME_H
#define DOCK_FIRE_MONITOR_VOLUME_H

#include <poll.h>
#include <stddef.h>

#include "protocol.h"

#define MAX_VOLUMES DF_MAX_VOLUMES
/* Single-file bind mounts one container may have (each holds an fd). */
#define MAX_VOLUME_FILES 64

/* `--volume MODE:SOCKET:DIR`, MODE rw or ro. Returns NULL or what is wrong. */
const char *volume_add(char *arg);
/* `--file-volume SOCKET`: the volume that serves the --volume-file files. */
const char *volume_add_files(char *socket_path);
/* `--volume-file MODE:PATH`: the next file of the file volume (named by
 * its index, from 0, in the guest); MODE rw or ro. */
const char *volume_add_file(char *arg);
/* Opens every volume's directory and listens on its socket. Returns 0, or
 * -1 with the reason in err. */
int volumes_open(char *err, size_t cap);
/* Removes the sockets this monitor bound. */
void volumes_unlink(void);

/* Adds the fds to poll (at most max); owner[i] is what volumes_event takes. */
int volumes_poll_fds(struct pollfd *pfds, int *owner, int max);
void volumes_event(int owner, short revents);

#endif
