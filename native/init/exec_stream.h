/* exec (docs/protocol.md, "exec"): another process in the running
 * container, started by init so that init is its parent and reaps it. */
#ifndef DOCK_FIRE_INIT_EXEC_STREAM_H
#define DOCK_FIRE_INIT_EXEC_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"
#include "stdio.h"

/* At boot, before any setns: keeps a handle on init's own PID namespace.
 * Returns 0, or -1 after logging. */
int exec_stream_init(void);

/* Starts the spec's process in the PID, mount, UTS and IPC namespaces and
 * the root of the container whose PID 1 is container, and waits until it
 * has exec'd. Returns its pid, or -1 with the exit code to report and a
 * message. */
pid_t exec_stream_start(pid_t container, const struct spec *spec, struct stdio_relay *relay,
                        uint32_t *code, char *msg, size_t msglen);

#endif
