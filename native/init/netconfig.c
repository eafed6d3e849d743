/* The guest's ethernet device, configured over rtnetlink. Addresses and
 * routes are the ones Docker gave the container's eth0 on the host: the
 * host links that eth0 and the VMM's TAP, so the guest stands in for it. */
#include "netconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats "configuring the guest's network: <what>: <errno text>". */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    int saved = errno;
    int n = snprintf(err, errlen, "configuring the guest's network: ");
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen)
        n += vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, ": %s", strerror(saved));
    return -1;
}

static bool is_ethernet(int fd, const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    return ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
}

unsigned netconfig_find_device(char name[IF_NAMESIZE])
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct if_nameindex *list = if_nameindex();
    if (list == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
        return 0;
    }

    unsigned best = 0;
    for (struct if_nameindex *i = list; i->if_index != 0; i++) {
        if ((best == 0 || i->if_index < best) && is_ethernet(fd, i->if_name)) {
            best = i->if_index;
            snprintf(name, IF_NAMESIZE, "%s", i->if_name);
        }
    }
    if_freenameindex(list);
    close(fd);
    if (best == 0)
        errno = ENODEV;
    return best;
}

/* One DF_RTM_NEWLINK on the device: flags under change, and optionally the
 * MAC and MTU. */
static int set_link(int nl, unsigned index, unsigned flags, unsigned change,
                    const struct netspec *net)
{
    struct df_ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)index,
                            .ifi_flags = flags, .ifi_change = change};
    struct nl_msg m;
    nl_init(&m, DF_RTM_NEWLINK, 0, &ifi, sizeof ifi);
    if (net != NULL && (nl_attr(&m, DF_IFLA_ADDRESS, net->mac, sizeof net->mac) < 0 ||
                        nl_attr(&m, DF_IFLA_MTU, &net->mtu, sizeof net->mtu) < 0))
        return -1;
    return nl_talk(nl, &m);
}

static size_t addr_size(uint8_t family)
{
    return family == 4 ? 4 : 16;
}

static int add_address(int nl, unsigned index, const struct netspec_addr *a)
{
    bool v4 = a->family == 4;
    /* Without DAD an IPv6 address is usable at once; the host already
     * owns it in the container's netns, so there is nobody to collide with. */
    struct df_ifaddrmsg ifa = {.ifa_family = v4 ? AF_INET : AF_INET6,
                            .ifa_prefixlen = a->prefix,
                            .ifa_flags = v4 ? 0 : DF_IFA_F_NODAD,
                            .ifa_scope = DF_RT_SCOPE_UNIVERSE,
                            .ifa_index = index};
    struct nl_msg m;
    nl_init(&m, DF_RTM_NEWADDR, DF_NLM_F_CREATE | DF_NLM_F_EXCL, &ifa, sizeof ifa);
    size_t n = addr_size(a->family);
    if (nl_attr(&m, DF_IFA_LOCAL, a->addr, n) < 0 || nl_attr(&m, DF_IFA_ADDRESS, a->addr, n) < 0)
        return -1;
    if (v4 && a->prefix < 31) {
        /* The broadcast address Docker (ip addr ... brd +) gives eth0. */
        uint8_t brd[4];
        uint32_t host = a->prefix == 0 ? 0xffffffffu : 0xffffffffu >> a->prefix;
        for (int i = 0; i < 4; i++)
            brd[i] = a->addr[i] | (uint8_t)(host >> (24 - 8 * i));
        if (nl_attr(&m, DF_IFA_BROADCAST, brd, sizeof brd) < 0)
            return -1;
    }
    return nl_talk(nl, &m);
}

/* DF_NLM_F_REPLACE: a route the kernel derived from an address (the subnet
 * of eth0) is the same route, not a conflict. */
static int add_route(int nl, unsigned index, const struct netspec_route *r)
{
    bool v4 = r->family == 4;
    struct df_rtmsg rtm = {.rtm_family = v4 ? AF_INET : AF_INET6,
                        .rtm_dst_len = r->prefix,
                        .rtm_table = DF_RT_TABLE_MAIN,
                        .rtm_protocol = DF_RTPROT_BOOT,
                        .rtm_scope = r->has_gateway ? DF_RT_SCOPE_UNIVERSE : DF_RT_SCOPE_LINK,
                        .rtm_type = DF_RTN_UNICAST};
    struct nl_msg m;
    nl_init(&m, DF_RTM_NEWROUTE, DF_NLM_F_CREATE | DF_NLM_F_REPLACE, &rtm, sizeof rtm);
    size_t n = addr_size(r->family);
    uint32_t oif = index;
    if (nl_attr(&m, DF_RTA_OIF, &oif, sizeof oif) < 0)
        return -1;
    if (r->prefix > 0 && nl_attr(&m, DF_RTA_DST, r->dest, n) < 0)
        return -1;
    if (r->has_gateway && nl_attr(&m, DF_RTA_GATEWAY, r->gateway, n) < 0)
        return -1;
    return nl_talk(nl, &m);
}

static void format_addr(char *buf, size_t cap, uint8_t family, const uint8_t *addr)
{
    if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)cap) == NULL)
        snprintf(buf, cap, "?");
}

static int add_addresses(int nl, unsigned index, const struct netspec *net, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < net->naddrs; i++) {
        const struct netspec_addr *a = &net->addrs[i];
        if (add_address(nl, index, a) < 0) {
            char text[INET6_ADDRSTRLEN];
            format_addr(text, sizeof text, a->family, a->addr);
            return fail(err, errlen, "add address %s/%u", text, a->prefix);
        }
    }
    return 0;
}

/* On-link routes first: a gateway must be reachable when its route is
 * added. */
static int add_routes(int nl, unsigned index, const struct netspec *net, char *err,
                      size_t errlen)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < net->nroutes; i++) {
            const struct netspec_route *r = &net->routes[i];
            if (r->has_gateway != (pass == 1))
                continue;
            if (add_route(nl, index, r) < 0) {
                char dest[INET6_ADDRSTRLEN], via[INET6_ADDRSTRLEN];
                format_addr(dest, sizeof dest, r->family, r->dest);
                format_addr(via, sizeof via, r->family, r->gateway);
                return fail(err, errlen, "add route %s/%u%s%s", dest, r->prefix,
                            r->has_gateway ? " via " : "", r->has_gateway ? via : "");
            }
        }
    }
    return 0;
}

static int configure(int nl, const struct netspec *net, char *err, size_t errlen)
{
    char name[IF_NAMESIZE];
    unsigned index = netconfig_find_device(name);
    if (index == 0)
        return fail(err, errlen, "find the ethernet device");

    /* Some drivers refuse a new MAC while the device is up. */
    if (set_link(nl, index, 0, IFF_UP, NULL) < 0)
        return fail(err, errlen, "bring %s down", name);
    if (set_link(nl, index, 0, 0, net) < 0)
        return fail(err, errlen, "set the MAC and MTU %u of %s", net->mtu, name);
    if (set_link(nl, index, IFF_UP, IFF_UP, NULL) < 0)
        return fail(err, errlen, "bring %s up", name);

    if (add_addresses(nl, index, net, err, errlen) < 0)
        return -1;
    return add_routes(nl, index, net, err, errlen);
}

int netconfig_apply(const struct netspec *net, char *err, size_t errlen)
{
    int nl = nl_open();
    if (nl < 0)
        return fail(err, errlen, "open an rtnetlink socket");
    int rc = configure(nl, net, err, errlen);
    close(nl);
    return rc;
}
