/* The monitor's half of the DNS relay (monitor/dns.c), black box: this
 * program starts the built monitor with --dns-relay 127.0.0.2 in a network
 * namespace of its own (`unshare -n`), plays the guest on the agent socket
 * and the resolver on 127.0.0.2:53, and checks that queries go through and
 * answers come back with their tags, within the bounds: oversized answers
 * and answers from elsewhere are dropped, a 33rd pending query is
 * dropped, queries expire after 5 s, and a query off stream 0 ends the VM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "netns.h"
#include "protocol.h"

static char dir[] = "/tmp/df-test-dns-XXXXXX";
static pid_t monitor = -1;
static int agent = -1;    /* this program as the guest */
static int resolver = -1; /* this program as the resolver, 127.0.0.2:53 */

static int udp_bound(const char *ip)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return -1;
    return fd;
}

static bool start_monitor(const char *path)
{
    int ready[2];
    if (mkdtemp(dir) == NULL || pipe(ready) < 0)
        return false;
    char ready_fd[16];
    snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
    monitor = fork();
    if (monitor == 0) {
        int null_fd = open("/dev/null", O_RDWR);
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        execl(path, path, "--dir", dir, "--control", "control.sock", "--agent", "agent.sock",
              "--console-log", "console.log", "--log", "monitor.log", "--ready-fd", ready_fd,
              "--dns-relay", "127.0.0.2", "--debug", "--", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char line[256] = "";
    ssize_t n = read(ready[0], line, sizeof line - 1);
    close(ready[0]);
    if (n != 3 || strncmp(line, "OK\n", 3) != 0)
        return false;

    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/agent.sock", dir);
    agent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return agent >= 0 && connect(agent, (struct sockaddr *)&sa, sizeof sa) == 0;
}

static void send_frame(uint8_t type, uint16_t stream, const void *payload, uint32_t n)
{
    uint8_t frame[DF_HEADER_SIZE + 8192];
    df_encode_header(frame, type, stream, n);
    memcpy(frame + DF_HEADER_SIZE, payload, n);
    if (write(agent, frame, DF_HEADER_SIZE + n) != (ssize_t)(DF_HEADER_SIZE + n))
        printf("  write to the agent socket: %s\n", strerror(errno));
}

static bool read_full(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
    for (size_t got = 0; got < n;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) != 1)
            return false;
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* The next DNS_ANSWER within timeout_ms: its tag and the answer's DNS id,
 * or false. */
static bool read_answer(uint32_t *tag, int *id, int timeout_ms)
{
    static uint8_t buf[DF_HEADER_SIZE + DF_MAX_PAYLOAD];
    struct df_header h;
    if (!read_full(agent, buf, DF_HEADER_SIZE, timeout_ms) || df_decode_header(buf, &h) < 0 ||
        !read_full(agent, buf + DF_HEADER_SIZE, h.length, timeout_ms))
        return false;
    if (h.type != DF_DNS_ANSWER || h.stream != 0 || h.length < 6)
        return false;
    *tag = df_get32(buf + DF_HEADER_SIZE);
    *id = buf[DF_HEADER_SIZE + 4] << 8 | buf[DF_HEADER_SIZE + 5];
    return true;
}

/* DNS_QUERY with tag and a 20-byte message whose id is id. */
static void query(uint32_t tag, uint16_t id, uint16_t stream)
{
    uint8_t p[4 + 20];
    memset(p, 0, sizeof p);
    df_put32(p, tag);
    p[4] = (uint8_t)(id >> 8);
    p[5] = (uint8_t)id;
    send_frame(DF_DNS_QUERY, stream, p, sizeof p);
}

/* The next query the resolver gets: its DNS id (-1: none) and sender. */
static int resolver_receives(struct sockaddr_in *from, int timeout_ms)
{
    struct pollfd p = {resolver, POLLIN, 0};
    uint8_t buf[512];
    socklen_t len = sizeof *from;
    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    ssize_t n = recvfrom(resolver, buf, sizeof buf, 0, (struct sockaddr *)from, &len);
    return n >= 2 ? buf[0] << 8 | buf[1] : -1;
}

static void reply(int fd, const struct sockaddr_in *to, uint16_t id, size_t size)
{
    static uint8_t msg[DF_DNS_MAX_MSG + 16];
    memset(msg, 0, size);
    msg[0] = (uint8_t)(id >> 8);
    msg[1] = (uint8_t)id;
    if (sendto(fd, msg, size, 0, (const struct sockaddr *)to, sizeof *to) != (ssize_t)size)
        printf("  sendto: %s\n", strerror(errno));
}

static void test_round_trip(void)
{
    struct sockaddr_in from;
    uint32_t tag = 0;
    int id = -1;
    query(7, 0x0707, 0);
    CHECK(resolver_receives(&from, 2000) == 0x0707, "a DNS_QUERY reaches the resolver");
    reply(resolver, &from, 0x0707, 40);
    CHECK(read_answer(&tag, &id, 2000) && tag == 7 && id == 0x0707,
          "the answer comes back as DNS_ANSWER with the query's tag");

    query(8, 0x0808, 0);
    CHECK(resolver_receives(&from, 2000) == 0x0808, "a second query reaches the resolver");
    reply(resolver, &from, 0x0808, DF_DNS_MAX_MSG + 1);
    int other = udp_bound("127.0.0.3");
    reply(other, &from, 0x0bad, 40);
    close(other);
    CHECK(!read_answer(&tag, &id, 300), "oversized answers and answers from elsewhere are dropped");
    reply(resolver, &from, 0x0808, DF_DNS_MAX_MSG);
    CHECK(read_answer(&tag, &id, 2000) && tag == 8 && id == 0x0808,
          "the query then gets the resolver's proper answer, 4096 bytes");
}

static void test_pending_bound(void)
{
    struct sockaddr_in from[40];
    for (uint16_t i = 0; i < 33; i++)
        query(100u + i, (uint16_t)(0x1000 + i), 0);
    int got = 0;
    while (got < 40 && resolver_receives(&from[got], 500) >= 0)
        got++;
    CHECK(got == 32, "of 33 queries at once, 32 reach the resolver");
    for (int i = 0; i < got; i++)
        reply(resolver, &from[i], 0x2000, 20);
    int answers = 0;
    uint32_t tag;
    int id;
    while (read_answer(&tag, &id, 500) && tag >= 100 && tag < 132)
        answers++;
    CHECK(answers == 32, "the 32 are answered, the 33rd was dropped");
}

static void test_expiry(void)
{
    struct sockaddr_in from;
    for (uint16_t i = 0; i < 32; i++)
        query(200u + i, 0x3000, 0);
    int got = 0;
    while (resolver_receives(&from, 500) >= 0)
        got++;
    query(300, 0x3001, 0);
    bool dropped = resolver_receives(&from, 300) < 0;
    CHECK(got == 32 && dropped, "32 unanswered queries fill the table");
    sleep(5);
    query(301, 0x3002, 0);
    CHECK(resolver_receives(&from, 2000) == 0x3002, "after 5 s they expire and free it");
}

static void test_violation(void)
{
    query(400, 0x4000, 1);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(monitor, &status, WNOHANG) == 0; i++)
        usleep(100 * 1000);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 255,
          "a DNS_QUERY on a process stream is a protocol violation (exit 255)");
    monitor = -1;
}

static void cleanup(void)
{
    if (monitor > 0) {
        kill(monitor, SIGKILL);
        waitpid(monitor, NULL, 0);
    }
    if (check_failed > 0) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "cat %s/monitor.log", dir);
        if (system(cmd) != 0)
            printf("  no monitor log\n");
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("  could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s dock-fire-monitor\n", argv[0]);
        return 2;
    }
    if (netns_enter_test("test-dns-monitor") < 0)
        return 2;
    resolver = udp_bound("127.0.0.2");
    CHECK(resolver >= 0, "the test resolver binds 127.0.0.2:53");
    bool started = start_monitor(argv[1]);
    CHECK(started, "the monitor starts with --dns-relay");
    if (started && resolver >= 0) {
        uint8_t hello[8] = {1, 0, 0, 0, 't', 'e', 's', 't'};
        send_frame(DF_HELLO, 0, hello, sizeof hello);
        test_round_trip();
        test_pending_bound();
        test_expiry();
        test_violation();
    }
    cleanup();
    return check_summary();
}
