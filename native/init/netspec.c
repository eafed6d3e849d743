/* Decodes the network records. The host builds them from what Docker put
 * in the container's netns, but init checks every field anyway: a bad
 * value must fail START with its reason, not half-configure the guest. */
#include "netspec.h"

#include <stdio.h>
#include <string.h>

/* Address bytes of a family: 4 or 16, 0 for an unknown family. */
static size_t family_size(uint8_t family)
{
    return family == 4 ? 4 : family == 6 ? 16 : 0;
}

/* True when no bit past the first prefix bits is set (a route's
 * destination must be a network, not a host inside one). */
static bool host_bits_clear(const uint8_t *addr, size_t size, unsigned prefix)
{
    for (size_t i = 0; i < size; i++) {
        unsigned first = (unsigned)i * 8;
        uint8_t mask = prefix >= first + 8 ? 0 : prefix <= first ? 0xff
                                                                  : 0xff >> (prefix - first);
        if (addr[i] & mask)
            return false;
    }
    return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static int take_link(struct netspec *net, const struct df_spec_record *rec, char *err,
                     size_t errlen)
{
    if (net->has_link)
        return df_spec_error(err, errlen, "invalid process spec: more than one NET_LINK");
    if (rec->length != 10)
        return df_spec_error(err, errlen, "invalid process spec: NET_LINK of %u bytes, not 10",
                    rec->length);
    const uint8_t *mac = rec->value;
    /* Bit 0 of the first byte marks a multicast address, which no device
     * can take as its own. */
    if ((mac[0] & 1) || all_zero(mac, 6))
        return df_spec_error(err, errlen, "invalid process spec: NET_LINK MAC is not unicast");
    uint32_t mtu = df_get32(rec->value + 6);
    if (mtu < 68 || mtu > 65535)
        return df_spec_error(err, errlen, "invalid process spec: NET_LINK MTU %u is not in 68..65535",
                    mtu);
    memcpy(net->mac, mac, 6);
    net->mtu = mtu;
    net->has_link = true;
    return 0;
}

static int take_addr(struct netspec *net, const struct df_spec_record *rec, char *err,
                     size_t errlen)
{
    if (net->naddrs == DF_NET_MAX_ADDRS)
        return df_spec_error(err, errlen, "invalid process spec: more than %u NET_ADDR records",
                    DF_NET_MAX_ADDRS);
    const uint8_t *v = rec->value;
    size_t size = rec->length >= 2 ? family_size(v[0]) : 0;
    if (size == 0 || rec->length != 2 + size || v[1] > size * 8)
        return df_spec_error(err, errlen, "invalid process spec: malformed NET_ADDR");

    struct netspec_addr *a = &net->addrs[net->naddrs++];
    a->family = v[0];
    a->prefix = v[1];
    memcpy(a->addr, v + 2, size);
    return 0;
}

static int take_route(struct netspec *net, const struct df_spec_record *rec, char *err,
                      size_t errlen)
{
    if (net->nroutes == DF_NET_MAX_ROUTES)
        return df_spec_error(err, errlen, "invalid process spec: more than %u NET_ROUTE records",
                    DF_NET_MAX_ROUTES);
    const uint8_t *v = rec->value;
    size_t size = rec->length >= 2 ? family_size(v[0]) : 0;
    if (size == 0 || rec->length != 2 + 2 * size || v[1] > size * 8)
        return df_spec_error(err, errlen, "invalid process spec: malformed NET_ROUTE");
    if (!host_bits_clear(v + 2, size, v[1]))
        return df_spec_error(err, errlen,
                    "invalid process spec: NET_ROUTE destination has bits past its /%u",
                    v[1]);

    struct netspec_route *r = &net->routes[net->nroutes++];
    r->family = v[0];
    r->prefix = v[1];
    memcpy(r->dest, v + 2, size);
    memcpy(r->gateway, v + 2 + size, size);
    r->has_gateway = !all_zero(r->gateway, size);
    return 0;
}

static int take_dns_relay(struct netspec *net, const struct df_spec_record *rec, char *err,
                          size_t errlen)
{
    if (net->has_dns_relay)
        return df_spec_error(err, errlen, "invalid process spec: more than one DNS_RELAY");
    /* The relay listens in the guest only, on a loopback address, as
     * Docker's resolver does in the container's netns. */
    if (rec->length != 4 || rec->value[0] != 127)
        return df_spec_error(err, errlen,
                    "invalid process spec: DNS_RELAY is not an IPv4 address in 127.0.0.0/8");
    memcpy(net->dns_relay, rec->value, 4);
    net->has_dns_relay = true;
    return 0;
}

void netspec_reset(struct netspec *net)
{
    net->has_link = false;
    net->naddrs = net->nroutes = 0;
    net->has_dns_relay = false;
}

int netspec_take(struct netspec *net, const struct df_spec_record *rec, char *err,
                 size_t errlen)
{
    switch (rec->tag) {
    case DF_TAG_NET_LINK:
        return take_link(net, rec, err, errlen);
    case DF_TAG_NET_ADDR:
        return take_addr(net, rec, err, errlen);
    case DF_TAG_NET_ROUTE:
        return take_route(net, rec, err, errlen);
    case DF_TAG_DNS_RELAY:
        return take_dns_relay(net, rec, err, errlen);
    default:
        return -2;
    }
}

int netspec_finish(const struct netspec *net, char *err, size_t errlen)
{
    if (!net->has_link && (net->naddrs > 0 || net->nroutes > 0))
        return df_spec_error(err, errlen, "invalid process spec: NET_ADDR or NET_ROUTE without NET_LINK");
    return 0;
}

const char *netspec_first_record(const struct netspec *net)
{
    if (net->has_link)
        return "NET_LINK";
    if (net->naddrs > 0)
        return "NET_ADDR";
    if (net->nroutes > 0)
        return "NET_ROUTE";
    if (net->has_dns_relay)
        return "DNS_RELAY";
    return NULL;
}
