/* Terminals (docs/protocol.md, "Terminals"). The pty is allocated inside
 * the container, from its own devpts instance, so the process sees the
 * /dev/pts/N it would see under runc; init only holds the master, which
 * the child passes over its report socket before it execs. */
#ifndef DOCK_FIRE_INIT_PTY_H
#define DOCK_FIRE_INIT_PTY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* In the child, inside the container's root: opens a pty from /dev/ptmx,
 * makes its slave the controlling terminal and fds 0-2, and sends the
 * master to init over report_fd. Fails the setup on error. */
void pty_attach(int report_fd);

/* In init: reads the child's first report packet. Returns the master
 * when the packet carried one; else -1, with the packet's bytes (the
 * start of an error message, none at EOF) in msg and their count in
 * *len. */
int pty_receive(int report_fd, char *msg, size_t msglen, size_t *len);

/* Sets the window size; the kernel sends SIGWINCH to the foreground. */
int pty_resize(int master, uint16_t rows, uint16_t cols);

#endif
