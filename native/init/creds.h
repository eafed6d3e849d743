/* Resource limits, user, groups and capabilities of the container process. */
#ifndef DOCK_FIRE_INIT_CREDS_H
#define DOCK_FIRE_INIT_CREDS_H

#include "spec.h"

/* Raises the guest's fs.nr_open to the RLIMIT_NOFILE hard limit of the
 * spec when that is higher, or setrlimit would refuse it. Call while /proc
 * is still init's: the container's /proc/sys is read-only. Fails the
 * container setup on error. */
void creds_fit_nr_open(const struct spec *spec);

/* Applies the RLIMIT records. Fails the container setup on error. */
void creds_apply_rlimits(const struct spec *spec);

/* Drops the bounding set, switches to GROUP/GID/UID, sets the remaining
 * capability sets and NO_NEW_PRIVS. Fails the container setup on error. */
void creds_apply_user(const struct spec *spec);

#endif
