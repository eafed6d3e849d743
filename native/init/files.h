/* FILE records: small host files (hosts, hostname, resolv.conf) placed in
 * the container with a bind mount, as runc binds the host's copies. */
#ifndef DOCK_FIRE_INIT_FILES_H
#define DOCK_FIRE_INIT_FILES_H

#include <stddef.h>

#include "spec.h"

/* In init, before the container process exists: writes each file's content
 * to a private staging tmpfs with its mode and owner. Returns 0, or -1 with
 * the reason in err. */
int files_stage(const struct spec *spec, char *err, size_t errlen);

/* In the container process: binds staged file index onto its target inside
 * the root, creating an empty target (and its directories) if missing. */
void files_bind(int root_fd, const struct spec_file *file, size_t index);

#endif
