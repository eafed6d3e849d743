/* The guest's half of the DNS relay (init/dns_relay.c), run in a network
 * namespace of its own (`unshare -n`): a client's query becomes a tagged
 * DNS_QUERY payload, the answer of that tag reaches the client, and what
 * the relay must drop (short or oversized queries, unknown and reused
 * tags) is dropped. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "dns_relay.h"
#include "netns.h"

static const uint8_t relay_addr[4] = {127, 0, 0, 11};
static uint8_t payload[DNS_RELAY_QUERY_MAX];

static int client_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    memcpy(&sa.sin_addr, relay_addr, 4);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return -1;
    return fd;
}

/* A query of size bytes whose first two (the DNS id) are id. */
static void send_query(int fd, uint16_t id, size_t size)
{
    static uint8_t msg[DF_DNS_MAX_MSG + 16];
    memset(msg, 0xab, size);
    msg[0] = (uint8_t)(id >> 8);
    msg[1] = (uint8_t)id;
    if (send(fd, msg, size, 0) != (ssize_t)size)
        printf("  send: %s\n", strerror(errno));
}

/* Waits for the relay's socket and takes one query. */
static long take(void)
{
    struct pollfd p = {dns_relay_fd(), POLLIN, 0};
    if (poll(&p, 1, 1000) != 1)
        return -1;
    return dns_relay_take_query(payload);
}

/* Answers the query in payload (tag and message, as taken) with its tag
 * replaced by tag. */
static void answer(uint32_t tag, size_t size)
{
    df_put32(payload, tag);
    dns_relay_answer(payload, size);
}

/* The id of the answer the client gets within timeout_ms, or -1. */
static int client_receives(int fd, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    uint8_t buf[DF_DNS_MAX_MSG];
    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    return n >= 2 ? buf[0] << 8 | buf[1] : -1;
}

static void test_round_trip(int client)
{
    send_query(client, 0x1234, 40);
    long n = take();
    CHECK(n == 4 + 40 && payload[4] == 0x12 && payload[5] == 0x34,
          "a query becomes a DNS_QUERY payload: tag, then the message as sent");
    uint32_t tag = df_get32(payload);
    answer(tag, (size_t)n);
    CHECK(client_receives(client, 1000) == 0x1234, "the answer of its tag reaches the client");
    answer(tag, (size_t)n);
    CHECK(client_receives(client, 200) == -1, "a second answer of the same tag is dropped");
}

static void test_drops(int client)
{
    send_query(client, 1, 11);
    CHECK(take() == 0, "a query under 12 bytes is dropped");
    send_query(client, 2, DF_DNS_MAX_MSG + 1);
    CHECK(take() == 0, "a query over 4096 bytes is dropped whole");
    send_query(client, 3, DF_DNS_MAX_MSG);
    CHECK(take() == 4 + DF_DNS_MAX_MSG, "a query of 4096 bytes is relayed");
    uint32_t tag = df_get32(payload);
    answer(tag + 1000, 16);
    CHECK(client_receives(client, 200) == -1, "an answer with an unknown tag is dropped");
    answer(tag, 16);
    CHECK(client_receives(client, 1000) == 3, "the query still gets its own answer");
}

static void test_slot_reuse(int client)
{
    send_query(client, 0x0100, 20);
    CHECK(take() == 24, "the first of 65 queries is taken");
    uint32_t first = df_get32(payload);
    for (uint16_t i = 1; i <= DNS_RELAY_SLOTS; i++) {
        send_query(client, (uint16_t)(0x0100 + i), 20);
        if (take() != 24)
            break;
    }
    uint32_t last = df_get32(payload);
    CHECK(last == first + DNS_RELAY_SLOTS, "64 more queries get 64 more tags");
    answer(first, 24);
    CHECK(client_receives(client, 200) == -1,
          "the answer of the oldest query, whose slot was reused, is dropped");
    answer(last, 24);
    CHECK(client_receives(client, 1000) == 0x0100 + DNS_RELAY_SLOTS,
          "the newest query is answered");
}

/* A DNS server in the container binds 0.0.0.0:53 as under runc (dnsmasq
 * sets SO_REUSEADDR): it gets the queries to other addresses, the relay
 * still gets those to its own. */
static void test_server_beside(int client)
{
    int server = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(53)};
    bool bound = server >= 0 &&
                 setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                 bind(server, (struct sockaddr *)&any, sizeof any) == 0;
    CHECK(bound, "a server with SO_REUSEADDR binds 0.0.0.0:53 beside the relay");
    if (!bound) {
        if (server >= 0)
            close(server);
        return;
    }
    send_query(client, 0x4242, 30);
    CHECK(take() == 34, "queries to 127.0.0.11 still reach the relay");

    int other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in lo = {.sin_family = AF_INET, .sin_port = htons(53)};
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char msg[] = "to-the-server";
    (void)sendto(other, msg, sizeof msg, 0, (struct sockaddr *)&lo, sizeof lo);
    struct pollfd p = {server, POLLIN, 0};
    char buf[64];
    CHECK(poll(&p, 1, 1000) == 1 && recv(server, buf, sizeof buf, 0) == (ssize_t)sizeof msg,
          "queries to 127.0.0.1 reach the server");
    close(other);
    close(server);
}

int main(void)
{
    if (netns_enter_test("test-dns-relay") < 0)
        return 2;
    char err[256];
    CHECK(dns_relay_fd() < 0, "no relay before DNS_RELAY");
    CHECK(dns_relay_open(relay_addr, err, sizeof err) == 0, "the relay binds 127.0.0.11:53");
    int client = client_socket();
    CHECK(client >= 0, "a client socket connects to the relay");
    if (client < 0 || dns_relay_fd() < 0)
        return check_summary();

    test_round_trip(client);
    test_drops(client);
    test_slot_reuse(client);

    test_server_beside(client);

    /* A socket that allows no sharing holds 127.0.0.12:53. */
    static const uint8_t taken[4] = {127, 0, 0, 12};
    int holder = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    memcpy(&sa.sin_addr, taken, 4);
    CHECK(bind(holder, (struct sockaddr *)&sa, sizeof sa) == 0, "a plain socket holds 127.0.0.12:53");
    int first_fd = dns_relay_fd();
    int rc = dns_relay_open(taken, err, sizeof err);
    char want[128];
    snprintf(want, sizeof want, "starting the DNS relay: bind 127.0.0.12:53: %s",
             strerror(EADDRINUSE));
    CHECK(rc < 0 && strcmp(err, want) == 0 && dns_relay_fd() == first_fd,
          "a relay that cannot bind fails with the address and the reason");
    return check_summary();
}
