/* The network records of a container START (NET_LINK, NET_ADDR,
 * NET_ROUTE, DNS_RELAY; docs/protocol.md), decoded and validated. */
#ifndef DOCK_FIRE_INIT_NETSPEC_H
#define DOCK_FIRE_INIT_NETSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct netspec_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix;
    uint8_t addr[16]; /* 4 or 16 bytes used */
};

struct netspec_route {
    uint8_t family;
    uint8_t prefix;
    uint8_t dest[16];
    uint8_t gateway[16];
    bool has_gateway; /* false: on-link */
};

struct netspec {
    bool has_link;
    uint8_t mac[6];
    uint32_t mtu;
    struct netspec_addr addrs[DF_NET_MAX_ADDRS];
    size_t naddrs;
    struct netspec_route routes[DF_NET_MAX_ROUTES];
    size_t nroutes;
    bool has_dns_relay;
    uint8_t dns_relay[4]; /* IPv4, in 127.0.0.0/8 */
};

void netspec_reset(struct netspec *net);

/* Takes one record. Returns 0, -1 with the reason in err when it is
 * malformed or over a bound, -2 when its tag is not a network record. */
int netspec_take(struct netspec *net, const struct df_spec_record *rec, char *err,
                 size_t errlen);

/* Checks what only the whole spec shows (addresses need a link). Returns 0,
 * or -1 with the reason in err. */
int netspec_finish(const struct netspec *net, char *err, size_t errlen);

/* The name of the first network record present, or NULL. */
const char *netspec_first_record(const struct netspec *net);

#endif
