/* Kernel parameters (config.json linux.sysctl) for the container. */
#ifndef DOCK_FIRE_INIT_SYSCTL_H
#define DOCK_FIRE_INIT_SYSCTL_H

#include "spec.h"

/* Writes each "key=value" of the spec to /proc/sys; fails the container
 * (container_fail) when a key is malformed or cannot be written. */
void sysctl_apply(const struct spec *spec);

/* Turns the first len bytes of key ("net.ipv4.ip_forward") into its /proc/sys
 * path in path (capacity cap). Keys are dotted names of letters, digits, '_'
 * and '-', with no empty component: no "..", no "/", no path tricks. Returns
 * 0, or -1 when the key is malformed or the path does not fit. */
int sysctl_key_to_path(const char *key, size_t len, char *path, size_t cap);

#endif
