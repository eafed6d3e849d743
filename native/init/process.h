/* init's side of the container process: starting it, signalling it,
 * collecting its exit status. */
#ifndef DOCK_FIRE_INIT_PROCESS_H
#define DOCK_FIRE_INIT_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"
#include "stdio.h"

/* Mounts the root disk, stages FILE records, creates the stdio pipes and
 * clones the container process, then waits until it has exec'd. Returns
 * its pid, or -1 with the exit code to report and a message. */
pid_t process_start(const struct spec *spec, struct stdio_relay *relay, uint32_t *code,
                    char *msg, size_t msglen);

/* Sends sig to the container's PID 1, and with all to every process in its
 * PID namespace. Returns 0 or -1 with errno set. */
int process_signal(pid_t pid, int sig, bool all);

/* Reaps every exited child (init adopts orphans). Returns true and sets
 * *status when pid was among them. */
bool process_reap(pid_t pid, int *status);

#endif
