/* init's side of starting any process, the container's or an exec'd one:
 * the socket the child reports through until it execs, and its stdio
 * (pipes made before the fork, or the terminal the child sends back). */
#ifndef DOCK_FIRE_INIT_LAUNCH_H
#define DOCK_FIRE_INIT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stdio.h"

struct launch {
    bool terminal;
    int stdio[3];  /* the child's ends of the pipes; -1 with a terminal */
    int report[2]; /* SOCK_SEQPACKET pair: [0] init's end, [1] the child's */
};

/* Before the fork: creates the report socket and, without a terminal, the
 * pipes (the relay keeps init's ends). Returns 0, or -1 with a message. */
int launch_prepare(struct launch *l, bool terminal, struct stdio_relay *relay, char *msg,
                   size_t msglen);

/* In init after the fork, whether it worked or not: drops the child's
 * ends, so its exit or exec ends the report. */
void launch_forked(struct launch *l);

/* Waits until the child pid has exec'd or reported a failure. Returns 0,
 * or -1 with the exit code to report and the message; the relay is then
 * closed. */
int launch_wait(struct launch *l, pid_t pid, struct stdio_relay *relay, uint32_t *code,
                char *msg, size_t msglen);

/* The fork failed: closes what launch_prepare made. */
void launch_abort(struct launch *l, struct stdio_relay *relay);

#endif
