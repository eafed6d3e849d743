/* init's network configuration (init/netconfig.c) run for real on this
 * host, in a network namespace of its own: a veth end named eth0 stands in
 * for the guest's virtio-net device, and `ip` reads back what the kernel
 * holds. `make test` runs it under `unshare -n`; it refuses to run where
 * any device but lo exists, so it never touches a real network. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "netconfig.h"
#include "netns.h"

static char err[512];

/* The whole output of a shell command, or "" when it fails. */
static const char *run(const char *cmd)
{
    static char out[8192];
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return out;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

static void addr(struct netspec *net, uint8_t family, const char *text, uint8_t prefix)
{
    struct netspec_addr *a = &net->addrs[net->naddrs++];
    a->family = family;
    a->prefix = prefix;
    inet_pton(family == 4 ? AF_INET : AF_INET6, text, a->addr);
}

static void route(struct netspec *net, uint8_t family, const char *dest, uint8_t prefix,
                  const char *gateway)
{
    struct netspec_route *r = &net->routes[net->nroutes++];
    int af = family == 4 ? AF_INET : AF_INET6;
    memset(r, 0, sizeof *r);
    r->family = family;
    r->prefix = prefix;
    inet_pton(af, dest, r->dest);
    r->has_gateway = gateway != NULL;
    if (gateway != NULL)
        inet_pton(af, gateway, r->gateway);
}

static void expect_in(const char *haystack, const char *needle, const char *name)
{
    bool found = strstr(haystack, needle) != NULL;
    CHECK(found, name);
    if (!found)
        printf("  no \"%s\" in:\n%s", needle, haystack);
}

/* Docker's bridge network, with the default route listed before the
 * on-link route its gateway needs. */
static void test_docker_like(void)
{
    static struct netspec net;
    netspec_reset(&net);
    net.has_link = true;
    memcpy(net.mac, "\x02\x42\xac\x11\x00\x02", 6);
    net.mtu = 1400;
    addr(&net, 4, "172.17.0.2", 16);
    addr(&net, 6, "fd00:1::2", 64);
    route(&net, 4, "0.0.0.0", 0, "10.9.0.1");
    route(&net, 4, "10.9.0.0", 24, NULL);
    route(&net, 4, "172.17.0.0", 16, NULL);
    route(&net, 6, "::", 0, "fd00:1::1");

    char name[IF_NAMESIZE] = "";
    CHECK(netconfig_find_device(name) > 0 && strcmp(name, "eth0") == 0,
          "the ethernet device of lowest index is found (eth0, not its peer)");
    int rc = netconfig_apply(&net, err, sizeof err);
    CHECK(rc == 0, "a Docker-like configuration applies");
    if (rc != 0)
        printf("  error was: %s\n", err);

    const char *link = run("ip -o link show dev eth0");
    expect_in(link, "link/ether 02:42:ac:11:00:02", "the MAC is set");
    expect_in(link, "mtu 1400", "the MTU is set");
    expect_in(link, ",UP", "the device is up");
    const char *addrs = run("ip -o addr show dev eth0");
    expect_in(addrs, "inet 172.17.0.2/16 brd 172.17.255.255", "the IPv4 address and broadcast");
    expect_in(addrs, "inet6 fd00:1::2/64 scope global nodad \\",
              "the IPv6 address, not tentative");
    const char *v4 = run("ip -4 route show");
    expect_in(v4, "default via 10.9.0.1 dev eth0", "the default route through its gateway");
    expect_in(v4, "10.9.0.0/24 dev eth0 scope link", "an on-link route");
    expect_in(v4, "172.17.0.0/16 dev eth0", "the address's subnet route stays");
    expect_in(run("ip -6 route show"), "default via fd00:1::1 dev eth0",
              "the IPv6 default route");

    rc = netconfig_apply(&net, err, sizeof err);
    CHECK(rc < 0 && strcmp(err, "configuring the guest's network: add address 172.17.0.2/16: "
                                "File exists") == 0,
          "an address already there fails with what and why");
}

static void test_failures(void)
{
    static struct netspec net;
    netspec_reset(&net);
    net.has_link = true;
    memcpy(net.mac, "\x02\x00\x00\x00\x00\x09", 6);
    net.mtu = 1500;
    route(&net, 4, "0.0.0.0", 0, "192.0.2.1");
    int rc = netconfig_apply(&net, err, sizeof err);
    char want[256];
    snprintf(want, sizeof want, "configuring the guest's network: add route 0.0.0.0/0 via "
                                "192.0.2.1: %s", strerror(ENETUNREACH));
    CHECK(rc < 0 && strcmp(err, want) == 0,
          "a gateway on no link fails with the route and the kernel's reason");
    if (rc == 0 || strcmp(err, want) != 0)
        printf("  error was: %s\n", err);

    net.nroutes = 0;
    net.mtu = 70000 - 4464; /* over a veth's 65535 maximum */
    rc = netconfig_apply(&net, err, sizeof err);
    CHECK(rc < 0 && strstr(err, "set the MAC and MTU 65536 of eth0: ") != NULL,
          "an MTU the device refuses fails naming it");

    if (system("ip link del eth0") != 0)
        printf("  could not delete eth0\n");
    net.mtu = 1500;
    rc = netconfig_apply(&net, err, sizeof err);
    CHECK(rc < 0 && strcmp(err, "configuring the guest's network: find the ethernet device: "
                                "No such device") == 0,
          "no ethernet device fails clearly");
}

int main(void)
{
    if (netns_enter_test("test-netconfig") < 0)
        return 2;
    /* The kernel registers the peer end (eth0) first: it gets the lower index. */
    if (system("ip link add dfpeer type veth peer name eth0 && ip link set dfpeer up") != 0) {
        fprintf(stderr, "test-netconfig: cannot create a veth pair\n");
        return 2;
    }
    test_docker_like();
    test_failures();
    return check_summary();
}
