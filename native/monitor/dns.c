/* The host's half of the DNS relay (--dns-relay IPV4). The guest's init
 * sends the queries its processes make to the relay address as DNS_QUERY;
 * this asks the resolver at IPV4:53 in the container's netns (there,
 * Docker's iptables rules send 127.0.0.11:53 to dockerd's embedded DNS)
 * and returns each answer as DNS_ANSWER with the query's tag.
 *
 * Every query gets its own connected UDP socket: the kernel then accepts
 * datagrams from the resolver only, and the answer needs no matching. The
 * guest is hostile, so it gets at most DNS_MAX_PENDING sockets, each for
 * at most DNS_TIMEOUT_MS; more queries are dropped, as a lossy network
 * would, and the guest's resolver retries.
 *
 * Limitation: UDP only; a truncated answer makes the resolver retry over
 * TCP, which is not relayed. A TCP listener in the guest and a stream per
 * query here would lift it. */
#include "monitor.h"

#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_TIMEOUT_MS 5000

struct pending {
    bool used;
    int fd;
    uint32_t tag;
    int64_t deadline;
};

static struct pending pending[DNS_MAX_PENDING];

static void finish(struct pending *p)
{
    if (close(p->fd) < 0)
        df_warn("close a DNS socket: %s", strerror(errno));
    p->used = false;
}

static struct pending *free_slot(void)
{
    for (int i = 0; i < DNS_MAX_PENDING; i++)
        if (!pending[i].used)
            return &pending[i];
    return NULL;
}

/* A connected, non-blocking socket to the resolver, or -1. */
static int resolver_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DF_DNS_PORT),
                             .sin_addr = M.cfg.dns_relay};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void dns_query(const struct df_header *h, const uint8_t *payload)
{
    if (h->stream != DF_STREAM_CONNECTION)
        agent_violation("DNS_QUERY on a process stream", h->stream);
    if (!M.cfg.has_dns_relay) {
        if (agent_noise_allowed())
            df_debug("dropping a DNS query: no --dns-relay");
        return;
    }
    struct pending *p = free_slot();
    if (p == NULL) {
        if (agent_noise_allowed())
            df_debug("dropping a DNS query: %d already pending", DNS_MAX_PENDING);
        return;
    }

    int fd = resolver_socket();
    if (fd < 0) {
        df_warn("DNS relay socket: %s", strerror(errno));
        return;
    }
    const uint8_t *msg = payload + DF_DNS_TAG_SIZE;
    size_t n = h->length - DF_DNS_TAG_SIZE;
    if (send(fd, msg, n, 0) != (ssize_t)n) {
        if (agent_noise_allowed())
            df_debug("DNS query not sent: %s", strerror(errno));
        close(fd);
        return;
    }
    *p = (struct pending){.used = true, .fd = fd, .tag = df_get32(payload),
                          .deadline = now_ms() + DNS_TIMEOUT_MS};
}

/* One datagram from the resolver; an answer of the wrong size is dropped
 * and the query waits on for a proper one until its deadline. */
static void receive(struct pending *p)
{
    static uint8_t answer[DF_DNS_TAG_SIZE + DF_DNS_MAX_MSG];
    /* MSG_TRUNC: the datagram's real size, to drop oversized ones whole. */
    ssize_t n = recv(p->fd, answer + DF_DNS_TAG_SIZE, DF_DNS_MAX_MSG, MSG_TRUNC);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        /* ECONNREFUSED: nothing listens there; the guest's resolver times out. */
        df_debug("DNS answer: %s", strerror(errno));
        finish(p);
        return;
    }
    if (n < (ssize_t)DF_DNS_MIN_MSG || n > (ssize_t)DF_DNS_MAX_MSG) {
        if (agent_noise_allowed())
            df_debug("dropping a DNS answer of %zd bytes", n);
        return;
    }
    /* A congested channel drops the answer; the guest asks again. */
    df_put32(answer, p->tag);
    if (queue_over_cap(&M.to_agent) ||
        agent_send_on(DF_STREAM_CONNECTION, DF_DNS_ANSWER, answer,
                      (uint32_t)(DF_DNS_TAG_SIZE + (size_t)n)) < 0)
        df_debug("agent channel congested; DNS answer dropped");
    finish(p);
}

int dns_poll_fds(struct pollfd *pfds, int *slot_of, int max)
{
    int n = 0;
    for (int i = 0; i < DNS_MAX_PENDING && n < max; i++) {
        if (!pending[i].used)
            continue;
        pfds[n] = (struct pollfd){.fd = pending[i].fd, .events = POLLIN};
        slot_of[n++] = i;
    }
    return n;
}

void dns_event(int slot, int fd)
{
    /* An earlier event of this round may have freed the slot. */
    if (pending[slot].used && pending[slot].fd == fd)
        receive(&pending[slot]);
}

int64_t dns_next_deadline(void)
{
    int64_t next = 0;
    for (int i = 0; i < DNS_MAX_PENDING; i++)
        if (pending[i].used && (next == 0 || pending[i].deadline < next))
            next = pending[i].deadline;
    return next;
}

void dns_expire(int64_t now)
{
    for (int i = 0; i < DNS_MAX_PENDING; i++) {
        if (pending[i].used && pending[i].deadline <= now) {
            df_debug("DNS query %u expired", pending[i].tag);
            finish(&pending[i]);
        }
    }
}
