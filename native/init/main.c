/* dock-fire-init: PID 1 of a dock-fire VM. It mounts the pseudo
 * filesystems, opens the agent channel to the host monitor, starts the
 * container process START describes and the processes exec adds to it,
 * relays their stdio, reaps every orphan, and reports exit statuses.
 * docs/protocol.md is the wire contract. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agent.h"
#include "boot.h"
#include "channel.h"
#include "dns_relay.h"
#include "exec_stream.h"
#include "log.h"
#include "network.h"
#include "process.h"
#include "session.h"
#include "streams.h"

static struct session session;

static void handle_signals(struct session *s, int signal_fd)
{
    struct signalfd_siginfo info;
    while (read(signal_fd, &info, sizeof info) == (ssize_t)sizeof info) {
        if (info.ssi_signo != SIGCHLD) {
            df_info("ignored signal %u from pid %u", info.ssi_signo, info.ssi_pid);
            continue;
        }
        int status;
        pid_t pid;
        while ((pid = process_reap(&status)) > 0)
            streams_reaped(s, pid, status);
    }
}

enum fd_role { ROLE_STDOUT, ROLE_STDERR, ROLE_STDIN };

/* The fds one poll waits on, and which stream's stdio each one is. */
struct poll_set {
    struct pollfd fds[3 + 3 * STREAMS_MAX];
    struct stream *streams[3 + 3 * STREAMS_MAX];
    enum fd_role roles[3 + 3 * STREAMS_MAX];
    size_t n;
};

static void watch(struct poll_set *set, int fd, short events, struct stream *st,
                  enum fd_role role)
{
    set->fds[set->n] = (struct pollfd){fd, events, 0};
    set->streams[set->n] = st;
    set->roles[set->n] = role;
    set->n++;
}

/* Entries 0, 1 and 2 are the agent channel, the signalfd and the DNS
 * relay (-1, so ignored by poll, when there is none). */
#define FIRST_STDIO 3

static void watch_all(struct session *s, int signal_fd, struct poll_set *set)
{
    set->n = 0;
    watch(set, s->agent_open && !s->stalled ? s->agent_fd : -1, POLLIN, NULL, ROLE_STDIN);
    watch(set, signal_fd, POLLIN, NULL, ROLE_STDIN);
    watch(set, s->agent_open ? dns_relay_fd() : -1, POLLIN, NULL, ROLE_STDIN);
    for (size_t i = 0; i < STREAMS_MAX; i++) {
        struct stream *st = &s->streams[i];
        struct stdio_relay *r = &st->stdio;
        if (r->out_fd >= 0)
            watch(set, r->out_fd, POLLIN, st, ROLE_STDOUT);
        if (r->err_fd >= 0)
            watch(set, r->err_fd, POLLIN, st, ROLE_STDERR);
        if (stdio_wants_write(r))
            watch(set, r->in_fd, POLLOUT, st, ROLE_STDIN);
    }
}

/* One ready stdio fd; an earlier step of this round may have closed it. */
static void serve(struct session *s, struct stream *st, enum fd_role role, int fd)
{
    struct stdio_relay *r = &st->stdio;
    if (role == ROLE_STDIN) {
        if (r->in_fd == fd)
            stdio_flush(r);
        return;
    }
    bool err = role == ROLE_STDERR;
    if ((err ? r->err_fd : r->out_fd) != fd)
        return;
    if (stdio_forward(r, err, s->agent_open ? s->agent_fd : -1, st->id) < 0)
        s->agent_open = false;
}

/* Bounded per round: a flood of queries must not starve the stdio. */
#define QUERIES_PER_ROUND 16

static void relay_queries(struct session *s)
{
    static uint8_t payload[DNS_RELAY_QUERY_MAX];
    for (int i = 0; i < QUERIES_PER_ROUND; i++) {
        long n = dns_relay_take_query(payload);
        if (n < 0)
            return;
        if (n > 0)
            agent_send(s, DF_DNS_QUERY, DF_STREAM_CONNECTION, payload, (size_t)n);
    }
}

static void run(struct session *s, int signal_fd)
{
    static struct poll_set set;
    for (;;) {
        watch_all(s, signal_fd, &set);
        if (poll(set.fds, set.n, streams_poll_timeout(s)) < 0) {
            if (errno == EINTR)
                continue;
            df_error("poll: %s", strerror(errno));
            boot_end_vm();
        }

        if (set.fds[1].revents)
            handle_signals(s, signal_fd);
        /* Output before exit status: EXIT must follow all output. */
        for (size_t i = FIRST_STDIO; i < set.n; i++) {
            if (set.fds[i].revents)
                serve(s, set.streams[i], set.roles[i], set.fds[i].fd);
        }
        if (set.fds[2].revents)
            relay_queries(s);
        if (set.fds[0].revents)
            agent_receive(s);
        else if (s->stalled)
            agent_process(s);
        streams_report_exits(s);
    }
}

int main(void)
{
    df_log_init("dock-fire-init", 2, DF_LOG_INFO);
    if (getpid() != 1)
        df_warn("not PID 1: this program is the init of a dock-fire VM");

    if (boot_mount_filesystems() < 0)
        boot_end_vm();
    boot_open_console();
    if (network_loopback_up() < 0)
        df_warn("bringing up lo: %s", strerror(errno));
    int signal_fd = boot_signals();
    if (signal_fd < 0 || exec_stream_init() < 0)
        boot_end_vm();

    session.agent_fd = channel_open();
    if (session.agent_fd < 0)
        boot_end_vm();
    session.agent_open = true;
    streams_init(&session);
    if (channel_send_hello(session.agent_fd) < 0)
        boot_end_vm();

    run(&session, signal_fd);
}
