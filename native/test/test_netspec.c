/* init's decoding of the network records (init/netspec.c through
 * spec_decode): the shared vectors of test/vectors/protocol.txt decode to
 * the values written beside them or fail with their reason, the bounds on
 * addresses and routes hold, and an exec spec names them as container
 * records. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "spec.h"

#define MAX_LINE 8192
#define BUF_MAX 4096

static struct spec spec;
static char err[256];
static uint8_t payload[BUF_MAX];
static size_t payload_len;

static void add(uint16_t tag, const void *value, size_t len)
{
    df_put16(payload + payload_len, tag);
    df_put32(payload + payload_len + 2, (uint32_t)len);
    memcpy(payload + payload_len + DF_SPEC_RECORD_HEADER, value, len);
    payload_len += DF_SPEC_RECORD_HEADER + len;
}

/* Every payload starts with one ARG, as a START's does. */
static void reset(void)
{
    payload_len = 0;
    add(DF_TAG_ARG, "/bin/true", 9);
}

static int decode(void)
{
    err[0] = '\0';
    return spec_decode(payload, payload_len, &spec, err, sizeof err);
}

static bool add_hex(const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || payload_len + n / 2 > sizeof payload)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        unsigned byte;
        if (sscanf(hex + i, "%2x", &byte) != 1)
            return false;
        payload[payload_len++] = (uint8_t)byte;
    }
    return true;
}

static const char *field(char **tokens, int count, const char *key)
{
    size_t klen = strlen(key);
    for (int i = 0; i < count; i++)
        if (strncmp(tokens[i], key, klen) == 0 && tokens[i][klen] == '=')
            return tokens[i] + klen + 1;
    return "";
}

static void put_ip(char *out, size_t cap, uint8_t family, const uint8_t *addr)
{
    char text[INET6_ADDRSTRLEN];
    inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof text);
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s", text);
}

static void put(char *out, size_t cap, const char *fmt, unsigned v)
{
    size_t used = strlen(out);
    snprintf(out + used, cap - used, fmt, v);
}

/* Writes the decoded values in the vectors' notation. */
static void describe(const struct netspec *net, char *addrs, char *routes, size_t cap)
{
    addrs[0] = routes[0] = '\0';
    for (size_t i = 0; i < net->naddrs; i++) {
        put(addrs, cap, i ? "," : "", 0);
        put_ip(addrs, cap, net->addrs[i].family, net->addrs[i].addr);
        put(addrs, cap, "/%u", net->addrs[i].prefix);
    }
    for (size_t i = 0; i < net->nroutes; i++) {
        const struct netspec_route *r = &net->routes[i];
        put(routes, cap, i ? "," : "", 0);
        put_ip(routes, cap, r->family, r->dest);
        put(routes, cap, "/%u", r->prefix);
        if (r->has_gateway) {
            put(routes, cap, "@", 0);
            put_ip(routes, cap, r->family, r->gateway);
        }
    }
    snprintf(addrs + strlen(addrs), cap - strlen(addrs), "%s", net->naddrs ? "" : "-");
    snprintf(routes + strlen(routes), cap - strlen(routes), "%s", net->nroutes ? "" : "-");
}

static void check_vector(char **tokens, int count, const char *name)
{
    reset();
    if (!add_hex(field(tokens, count, "hex")) || decode() < 0) {
        CHECK(false, name);
        printf("  error was: %s\n", err);
        return;
    }
    const struct netspec *net = &spec.net;
    char mac[18], dns[16] = "-", addrs[512], routes[1024];
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1],
             net->mac[2], net->mac[3], net->mac[4], net->mac[5]);
    if (net->has_dns_relay)
        inet_ntop(AF_INET, net->dns_relay, dns, sizeof dns);
    describe(net, addrs, routes, sizeof addrs);
    unsigned mtu;
    bool ok = net->has_link && strcmp(mac, field(tokens, count, "mac")) == 0 &&
              sscanf(field(tokens, count, "mtu"), "%u", &mtu) == 1 && mtu == net->mtu &&
              strcmp(addrs, field(tokens, count, "addrs")) == 0 &&
              strcmp(routes, field(tokens, count, "routes")) == 0 &&
              strcmp(dns, field(tokens, count, "dns")) == 0;
    CHECK(ok, name);
    if (!ok)
        printf("  decoded mac=%s mtu=%u addrs=%s routes=%s dns=%s\n", mac, net->mtu, addrs,
               routes, dns);
}

static void check_bad_vector(char **tokens, int count, const char *name)
{
    reset();
    const char *reason = field(tokens, count, "reason");
    bool ok = add_hex(field(tokens, count, "hex")) && reason[0] != '\0' && decode() < 0 &&
              strstr(err, reason) != NULL;
    CHECK(ok, name);
    if (!ok)
        printf("  error was: %s\n", err);
}

static void test_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "the shared vectors open");
    if (f == NULL)
        return;
    static char line[MAX_LINE];
    int seen = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *tokens[16];
        int count = 0;
        for (char *t = strtok(line, " \n"); t && count < 16; t = strtok(NULL, " \n"))
            tokens[count++] = t;
        if (count < 2)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%s %s", tokens[0], tokens[1]);
        if (strcmp(tokens[0], "net-spec") == 0)
            check_vector(tokens + 2, count - 2, name);
        else if (strcmp(tokens[0], "bad-net-spec") == 0)
            check_bad_vector(tokens + 2, count - 2, name);
        else
            continue;
        seen++;
    }
    fclose(f);
    CHECK(seen >= 10, "the shared vectors hold the network cases");
}

static const uint8_t link_value[10] = {2, 0x42, 0xac, 0x11, 0, 2, 0xdc, 5, 0, 0};

static void test_bounds(void)
{
    uint8_t addr[6] = {4, 32, 10, 0, 0, 0};
    reset();
    add(DF_TAG_NET_LINK, link_value, sizeof link_value);
    for (uint8_t i = 0; i < DF_NET_MAX_ADDRS; i++) {
        addr[5] = i;
        add(DF_TAG_NET_ADDR, addr, sizeof addr);
    }
    CHECK(decode() == 0 && spec.net.naddrs == DF_NET_MAX_ADDRS, "16 addresses are taken");
    add(DF_TAG_NET_ADDR, addr, sizeof addr);
    CHECK(decode() < 0 && strstr(err, "more than 16 NET_ADDR") != NULL,
          "a 17th address is refused");

    uint8_t route[10] = {4, 32, 10, 0, 0, 0, 0, 0, 0, 0};
    reset();
    add(DF_TAG_NET_LINK, link_value, sizeof link_value);
    for (uint8_t i = 0; i < DF_NET_MAX_ROUTES; i++) {
        route[5] = i;
        add(DF_TAG_NET_ROUTE, route, sizeof route);
    }
    CHECK(decode() == 0 && spec.net.nroutes == DF_NET_MAX_ROUTES, "32 routes are taken");
    add(DF_TAG_NET_ROUTE, route, sizeof route);
    CHECK(decode() < 0 && strstr(err, "more than 32 NET_ROUTE") != NULL,
          "a 33rd route is refused");

    static const uint8_t v6_host[18] = {6, 128, 0xfd, 0, [17] = 1};
    reset();
    add(DF_TAG_NET_LINK, link_value, sizeof link_value);
    add(DF_TAG_NET_ADDR, v6_host, sizeof v6_host);
    CHECK(decode() == 0 && spec.net.addrs[0].prefix == 128, "an IPv6 /128 is taken");
}

static void test_exec_and_reset(void)
{
    reset();
    add(DF_TAG_NET_LINK, link_value, sizeof link_value);
    CHECK(decode() == 0 && strcmp(spec_container_record(&spec), "NET_LINK") == 0,
          "NET_LINK is named as a container record (an exec refuses it)");
    reset();
    add(DF_TAG_DNS_RELAY, "\x7f\0\0\x0b", 4);
    CHECK(decode() == 0 && strcmp(spec_container_record(&spec), "DNS_RELAY") == 0,
          "DNS_RELAY is named as a container record");
    reset();
    CHECK(decode() == 0 && !spec.net.has_link && !spec.net.has_dns_relay &&
              spec.net.naddrs == 0 && spec_container_record(&spec) == NULL,
          "a decode after network records starts clean");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s protocol.txt\n", argv[0]);
        return 2;
    }
    test_vectors(argv[1]);
    test_bounds();
    test_exec_and_reset();
    return check_summary();
}
