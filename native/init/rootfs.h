/* The container's root filesystem, mounted by init at /mnt, then dressed
 * with the spec's mounts by the container process. It is either one ext4
 * drive (/dev/vda, a copy of the image) or two: the image's shared
 * read-only base and the container's writable layer, stacked by overlayfs. */
#ifndef DOCK_FIRE_INIT_ROOTFS_H
#define DOCK_FIRE_INIT_ROOTFS_H

#include <stddef.h>

#include "spec.h"

#define ROOTFS_DISK "/dev/vda"
#define ROOTFS_MOUNTPOINT "/mnt"
/* Where the two drives of the layered layout are mounted, under /run. */
#define LAYERS_DIR "/run/dock-fire"
#define BASE_DIR LAYERS_DIR "/base"
#define LAYER_DIR LAYERS_DIR "/layer"

/* In init: mounts the root filesystem at ROOTFS_MOUNTPOINT. Returns 0, or -1 with the
 * reason in err. */
int rootfs_mount_disk(char *err, size_t errlen);

/* In the container process (new mount namespace): applies MOUNT, FILE,
 * READONLY_PATH and MASK_PATH records inside the root. */
void rootfs_prepare(const struct spec *spec);

/* Makes the root the process's "/" and applies ROOT_READONLY. */
void rootfs_enter(const struct spec *spec);

#endif
