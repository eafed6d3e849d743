/* The agent channel to the host monitor: a virtio-serial port under QEMU, a
 * vsock stream under Firecracker. */
#ifndef DOCK_FIRE_INIT_CHANNEL_H
#define DOCK_FIRE_INIT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

/* Opens the channel, waiting up to ~10 s for its device. Returns a
 * blocking, close-on-exec fd, or -1 after logging. */
int channel_open(void);

/* Opens the virtio-serial port QEMU named name (O_RDWR, close-on-exec).
 * Returns the fd, or -1 when there is none. */
int channel_open_port(const char *name);

/* Writes one frame; blocks until it is written (the host always reads).
 * Returns 0, or -1 when the channel is gone. */
int channel_send(int fd, uint8_t type, uint16_t stream, const void *payload, size_t size);

/* Sends HELLO: the protocol version and the kernel release. */
int channel_send_hello(int fd);

/* Sends ERROR with an exit code and a message (cut to DF_MAX_ERROR_MSG). */
int channel_send_error(int fd, uint16_t stream, uint32_t code, const char *message);

#endif
