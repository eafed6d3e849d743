/* Docker's embedded DNS server listens at 127.0.0.11 in the container's
 * netns on the host, which the guest cannot reach; the monitor lives in
 * that netns and asks it for the guest. The guest's resolv.conf (Docker's
 * copy) already names 127.0.0.11, so the relay listens there.
 *
 * Limitation: UDP only. A truncated answer (TC bit) makes the resolver
 * retry over TCP, which nothing here relays, so answers over the UDP size
 * the resolver offers fail. Relaying TCP streams (a listening socket here
 * and a connection per query in the monitor) would lift it. */
#include "dns_relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

struct slot {
    bool used;
    uint32_t tag;
    struct sockaddr_in client;
};

static int relay_fd = -1;
static struct slot slots[DNS_RELAY_SLOTS];
/* Tags count up; tag % DNS_RELAY_SLOTS is the slot, so the next query
 * always takes the oldest slot, and an answer whose slot moved on finds
 * another tag there and is dropped. */
static uint32_t next_tag;

int dns_relay_open(const uint8_t addr[4], char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DF_DNS_PORT)};
    memcpy(&sa.sin_addr, addr, 4);
    char text[16];
    snprintf(text, sizeof text, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "starting the DNS relay: socket: %s", strerror(errno));
        return -1;
    }
    /* Docker's DNS takes no port in the container under runc, so a DNS
     * server there (dnsmasq, CoreDNS) binds 0.0.0.0:53. That bind conflicts
     * with this socket unless both allow it: with SO_REUSEADDR and
     * SO_REUSEPORT here, a server that sets either binds, and queries to
     * this exact address still come here (the more specific match). A
     * server that sets neither gets EADDRINUSE (docs/limitations.md). */
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        snprintf(err, errlen, "starting the DNS relay: setsockopt: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "starting the DNS relay: bind %s:%u: %s", text, DF_DNS_PORT,
                 strerror(errno));
        close(fd);
        return -1;
    }
    relay_fd = fd;
    df_info("DNS relay listening on %s:%u", text, DF_DNS_PORT);
    return 0;
}

int dns_relay_fd(void)
{
    return relay_fd;
}

long dns_relay_take_query(uint8_t *payload)
{
    struct sockaddr_in client;
    socklen_t len = sizeof client;
    /* MSG_TRUNC: the datagram's real size, to drop oversized ones whole. */
    ssize_t n;
    do {
        n = recvfrom(relay_fd, payload + DF_DNS_TAG_SIZE, DF_DNS_MAX_MSG, MSG_TRUNC,
                     (struct sockaddr *)&client, &len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno != EAGAIN)
            df_warn("DNS relay: receive: %s", strerror(errno));
        return -1;
    }
    if (n < (ssize_t)DF_DNS_MIN_MSG || n > (ssize_t)DF_DNS_MAX_MSG ||
        len != sizeof client || client.sin_family != AF_INET) {
        df_debug("DNS relay: dropped a query of %zd bytes", n);
        return 0;
    }

    uint32_t tag = next_tag++;
    struct slot *s = &slots[tag % DNS_RELAY_SLOTS];
    *s = (struct slot){.used = true, .tag = tag, .client = client};
    df_put32(payload, tag);
    return (long)DF_DNS_TAG_SIZE + n;
}

void dns_relay_answer(const uint8_t *payload, size_t size)
{
    /* The frame's size was checked with its header. */
    uint32_t tag = df_get32(payload);
    struct slot *s = &slots[tag % DNS_RELAY_SLOTS];
    if (relay_fd < 0 || !s->used || s->tag != tag) {
        df_debug("DNS relay: dropped an answer for unknown tag %u", tag);
        return;
    }
    s->used = false;
    ssize_t n = sendto(relay_fd, payload + DF_DNS_TAG_SIZE, size - DF_DNS_TAG_SIZE,
                       MSG_DONTWAIT, (struct sockaddr *)&s->client, sizeof s->client);
    if (n < 0)
        df_debug("DNS relay: send an answer: %s", strerror(errno));
}
