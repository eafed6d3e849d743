/* Resource limits, user, groups and capabilities of the container process. */
#ifndef DOCK_FIRE_INIT_CREDS_H
#define DOCK_FIRE_INIT_CREDS_H

#include "spec.h"

/* Applies the RLIMIT records. Fails the container setup on error. */
void creds_apply_rlimits(const struct spec *spec);

/* Drops the bounding set, switches to GROUP/GID/UID, sets the remaining
 * capability sets and NO_NEW_PRIVS. Fails the container setup on error. */
void creds_apply_user(const struct spec *spec);

#endif
