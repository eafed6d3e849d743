/* A minimal rtnetlink client: one request at a time, each acknowledged. */
#ifndef DOCK_FIRE_INIT_NETLINK_H
#define DOCK_FIRE_INIT_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include "rtnetlink_abi.h"

/* Room for a fixed header and a few small attributes; nothing here sends
 * more (an address or a route is under 100 bytes). */
#define NL_MSG_MAX 256

struct nl_msg {
    union {
        struct df_nlmsghdr hdr;
        uint8_t bytes[NL_MSG_MAX];
    };
};

/* Opens a NETLINK_ROUTE socket. Returns the fd, or -1 with errno set. */
int nl_open(void);

/* Starts a request of type (RTM_*) whose fixed part is body (n bytes, a
 * multiple of 4 as every rtnetlink header is). */
void nl_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *body, size_t n);

/* Appends an attribute. Returns 0, or -1 (errno ENOBUFS) when it does not
 * fit. */
int nl_attr(struct nl_msg *m, uint16_t type, const void *data, size_t n);

/* Sends a request and waits for the kernel's acknowledgement. Returns 0,
 * or -1 with errno set to the kernel's error. */
int nl_talk(int fd, struct nl_msg *m);

#endif
