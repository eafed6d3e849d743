/* Finding and executing the container's program. */
#ifndef DOCK_FIRE_INIT_EXEC_H
#define DOCK_FIRE_INIT_EXEC_H

#include "spec.h"

/* Execs ARG[0] with the spec's arguments and environment, searching the
 * PATH of that environment for a name without a slash. Reports failure
 * with runc's messages and exits. */
_Noreturn void exec_process(const struct spec *spec);

#endif
