/* Resolving paths inside the container's root without ever leaving it: a
 * symlink in the image such as /etc -> /host/etc stays inside the root. */
#ifndef DOCK_FIRE_INIT_RESOLVE_H
#define DOCK_FIRE_INIT_RESOLVE_H

#include <stdbool.h>

/* The room a /proc/self/fd/N path needs. */
#define FD_PATH_MAX 32

enum resolve_create { RESOLVE_EXISTING, RESOLVE_MAKE_DIR, RESOLVE_MAKE_FILE };

/* Opens path (absolute or not, always taken inside root_fd) as an O_PATH fd.
 * With RESOLVE_MAKE_DIR / RESOLVE_MAKE_FILE, missing components are
 * created as directories (0755) and a missing last one as a directory or
 * an empty file (0644); a symlink to a missing target has its target
 * created, as runc does for mount points. Returns the fd, or -1 with errno
 * set. */
int resolve_in_root(int root_fd, const char *path, enum resolve_create create);

/* Writes "/proc/self/fd/N" into buf (FD_PATH_MAX bytes): the path mount(2)
 * takes to act on what fd refers to. */
const char *fd_path(char *buf, int fd);

#endif
