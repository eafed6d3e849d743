/* The guest end of host volumes (docs/volumes.md). The kernel's 9p client
 * (trans=fd) reads and writes its fds with kernel_read/kernel_write, which
 * a virtio-serial port does not support (it has no read_iter/write_iter),
 * so each volume gets a unix socketpair: the mount takes one end, and a
 * relay process copies bytes between the other end and the volume's
 * channel (a virtio-serial port, or a vsock connection). */
#ifndef DOCK_FIRE_INIT_VOLUME_H
#define DOCK_FIRE_INIT_VOLUME_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

/* Whether a MOUNT record is a volume: type 9p from a volume channel. */
bool volume_is(const char *fstype, const char *source);
/* Whether a MOUNT record binds a file of a file volume ("dock-fire.vol.N/I"). */
bool volume_file_is(const char *fstype, const char *source);

/* In init, before the container process is cloned: opens the channel of
 * every volume in spec and starts its relay. Returns 0, or -1 with a
 * message. */
int volumes_start(const struct spec *spec, char *msg, size_t msglen);

/* In init, after the clone: the container process has its own copies. */
void volumes_forked(void);

/* In the container process: the mount data for a volume's MOUNT (the
 * host's options plus the socket's fd). Returns 0, or -1 with errno. */
int volume_mount_data(const char *source, const char *options, char *data, size_t cap);

/* In the container process, for a file bind of a file volume: mounts the
 * volume at its hidden place the first time, and returns the path of the
 * file there (in path, cap bytes), or NULL with errno. */
const char *volume_file_source(const struct spec_mount *m, char *path, size_t cap);

/* volume_relay.c: copies bytes both ways until either side ends; never
 * returns. */
_Noreturn void volume_relay(int socket_fd, int channel_fd);

#endif
