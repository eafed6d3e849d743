/* The device nodes every OCI container finds in its /dev. */
#ifndef DOCK_FIRE_INIT_DEVICES_H
#define DOCK_FIRE_INIT_DEVICES_H

/* Creates the default nodes and links in dev_fd, the freshly mounted tmpfs
 * of the container's /dev. Fails the container setup on error. */
void devices_populate(int dev_fd);

#endif
