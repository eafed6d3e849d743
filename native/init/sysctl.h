/* Kernel parameters (config.json linux.sysctl) for the container. */
#ifndef DOCK_FIRE_INIT_SYSCTL_H
#define DOCK_FIRE_INIT_SYSCTL_H

#include "spec.h"

/* Writes each "key=value" of the spec to /proc/sys; fails the container
 * (container_fail) when a key is malformed or cannot be written. */
void sysctl_apply(const struct spec *spec);

#endif
