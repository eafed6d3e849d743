/* rtnetlink requests with NLM_F_ACK: the kernel answers each with an
 * NLMSG_ERROR whose error is 0 on success, so every change is checked. */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HDR_SIZE sizeof(struct df_nlmsghdr)
#define ATTR_HDR_SIZE sizeof(struct df_nlattr)

int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, DF_NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    /* A lost acknowledgement must not hang PID 1. */
    struct timeval tv = {5, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void nl_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *body, size_t n)
{
    memset(m, 0, sizeof *m);
    m->hdr.nlmsg_len = (uint32_t)(HDR_SIZE + n);
    m->hdr.nlmsg_type = type;
    m->hdr.nlmsg_flags = (uint16_t)(DF_NLM_F_REQUEST | DF_NLM_F_ACK | flags);
    memcpy(m->bytes + HDR_SIZE, body, n);
}

int nl_attr(struct nl_msg *m, uint16_t type, const void *data, size_t n)
{
    size_t at = DF_NL_ALIGN(m->hdr.nlmsg_len);
    size_t len = ATTR_HDR_SIZE + n;
    if (at + DF_NL_ALIGN(len) > sizeof m->bytes) {
        errno = ENOBUFS;
        return -1;
    }
    struct df_nlattr a = {(uint16_t)len, type};
    memcpy(m->bytes + at, &a, sizeof a);
    memcpy(m->bytes + at + ATTR_HDR_SIZE, data, n);
    m->hdr.nlmsg_len = (uint32_t)(at + DF_NL_ALIGN(len));
    return 0;
}

/* Looks for the acknowledgement of seq in one datagram: 1 when found (0 in
 * *error, or the errno), 0 when not there. */
static int find_ack(const uint8_t *buf, size_t n, uint32_t seq, int *error)
{
    size_t at = 0;
    while (n - at >= HDR_SIZE) {
        struct df_nlmsghdr h;
        memcpy(&h, buf + at, sizeof h);
        if (h.nlmsg_len < HDR_SIZE || h.nlmsg_len > n - at)
            return 0;
        if (h.nlmsg_seq == seq && h.nlmsg_type == DF_NLMSG_ERROR) {
            if (h.nlmsg_len < HDR_SIZE + sizeof(int)) {
                *error = EPROTO;
                return 1;
            }
            int e;
            memcpy(&e, buf + at + HDR_SIZE, sizeof e);
            *error = -e;
            return 1;
        }
        at += DF_NL_ALIGN(h.nlmsg_len);
        if (at > n)
            return 0;
    }
    return 0;
}

/* Reads until the acknowledgement of seq: 0, or -1 with errno. */
static int wait_ack(int fd, uint32_t seq)
{
    /* An error ack quotes the request: NL_MSG_MAX bytes plus headers. */
    uint8_t buf[1024];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        int error;
        if (!find_ack(buf, (size_t)n, seq, &error))
            continue;
        if (error == 0)
            return 0;
        errno = error;
        return -1;
    }
}

int nl_talk(int fd, struct nl_msg *m)
{
    static uint32_t seq;
    m->hdr.nlmsg_seq = ++seq;

    struct df_sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t n;
    do {
        n = sendto(fd, m->bytes, m->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
                   sizeof kernel);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if ((size_t)n != m->hdr.nlmsg_len) {
        errno = EMSGSIZE;
        return -1;
    }
    return wait_ack(fd, m->hdr.nlmsg_seq);
}
