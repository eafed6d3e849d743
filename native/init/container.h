/* The child's side of START: the container process runs in the child init
 * clones into new PID, mount, UTS and IPC namespaces, sets up the root and
 * the credentials, and execs the process; an exec'd process joins those
 * namespaces instead and shares the last steps. Failures go back to init
 * as a message on the report socket, which exec closes on success. */
#ifndef DOCK_FIRE_INIT_CONTAINER_H
#define DOCK_FIRE_INIT_CONTAINER_H

#include "launch.h"
#include "spec.h"

/* Never returns: execs the container process or exits after reporting. */
_Noreturn void container_run(const struct spec *spec, const struct launch *launch);

/* The child's first step: failures are reported from here on, the pipes
 * (none with a terminal) become fds 0-2, signal handling is reset. */
void container_child_begin(const struct launch *launch);

/* The child's last steps, inside the container's root: terminal, limits,
 * working directory, user and capabilities, umask, exec. */
_Noreturn void container_child_finish(const struct spec *spec);

/* Reports why the setup failed (a runc-like message) and exits. */
_Noreturn void container_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strerror in Go's spelling ("no such file or directory"), which runc's
 * messages use and Docker's exit code mapping looks for. */
const char *container_strerror(int err);

#endif
