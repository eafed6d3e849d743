/* init's side of the container process: starting it, signalling it,
 * collecting exit statuses. */
#ifndef DOCK_FIRE_INIT_PROCESS_H
#define DOCK_FIRE_INIT_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"
#include "stdio.h"

/* Mounts the root disk, stages FILE records, creates the stdio pipes
 * (unless the spec asks for a terminal) and clones the container process,
 * then waits until it has exec'd. Returns
 * its pid, or -1 with the exit code to report and a message. */
pid_t process_start(const struct spec *spec, struct stdio_relay *relay, uint32_t *code,
                    char *msg, size_t msglen);

/* Sends sig to the container's PID 1, and with all to every process in its
 * PID namespace. Returns 0 or -1 with errno set. */
int process_signal(pid_t pid, int sig, bool all);

/* Reaps one exited child (init adopts orphans). Returns its pid and sets
 * *status, or 0 when no child has exited. */
pid_t process_reap(int *status);

#endif
