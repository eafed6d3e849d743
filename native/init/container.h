/* The container process's side of START: it runs in the child init clones
 * into new PID, mount, UTS and IPC namespaces, sets up the root and the
 * credentials, and execs the process. Failures go back to init as a
 * message on the report pipe, which exec closes on success. */
#ifndef DOCK_FIRE_INIT_CONTAINER_H
#define DOCK_FIRE_INIT_CONTAINER_H

#include "spec.h"

/* Never returns: execs the container process or exits after reporting. */
_Noreturn void container_run(const struct spec *spec, const int stdio[3], int report_fd);

/* Reports why the setup failed (a runc-like message) and exits. */
_Noreturn void container_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strerror in Go's spelling ("no such file or directory"), which runc's
 * messages use and Docker's exit code mapping looks for. */
const char *container_strerror(int err);

#endif
