/* The container's root filesystem: the ext4 disk /dev/vda, mounted by init
 * at /mnt, then dressed with the spec's mounts by the container process. */
#ifndef DOCK_FIRE_INIT_ROOTFS_H
#define DOCK_FIRE_INIT_ROOTFS_H

#include <stddef.h>

#include "spec.h"

#define ROOTFS_DISK "/dev/vda"
#define ROOTFS_MOUNTPOINT "/mnt"

/* In init: mounts the disk at ROOTFS_MOUNTPOINT. Returns 0, or -1 with the
 * reason in err. */
int rootfs_mount_disk(char *err, size_t errlen);

/* In the container process (new mount namespace): applies MOUNT, FILE,
 * READONLY_PATH and MASK_PATH records inside the root. */
void rootfs_prepare(const struct spec *spec);

/* Makes the root the process's "/" and applies ROOT_READONLY. */
void rootfs_enter(const struct spec *spec);

#endif
