/* Gives the guest's ethernet device the link, addresses and routes of a
 * START's network records. */
#ifndef DOCK_FIRE_INIT_NETCONFIG_H
#define DOCK_FIRE_INIT_NETCONFIG_H

#include <net/if.h>
#include <stddef.h>

#include "netspec.h"

/* Finds the guest's first ethernet device: the one of lowest index whose
 * hardware type is ethernet (the VMM's virtio-net; its name is the
 * kernel's choice). Returns its index and copies its name into name, or
 * returns 0 with errno set. */
unsigned netconfig_find_device(char name[IF_NAMESIZE]);

/* Configures the device: MAC (while down) and MTU, up, the addresses,
 * then the on-link routes and the routes through a gateway, each group in
 * record order. Returns 0, or -1 with "configuring the guest's network:
 * <what>: <errno text>" in err. */
int netconfig_apply(const struct netspec *net, char *err, size_t errlen);

#endif
