/* The monitor's one poll loop: signals (through a signalfd), the sockets,
 * the console pipe, the process's stdio, and two timers kept as deadlines
 * (SIGKILL grace, failure grace) that bound the poll timeout. */
#include "monitor.h"

#include "log.h"
#include "volume.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int handled_signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT,
                                      SIGUSR1, SIGUSR2, SIGWINCH};

int signals_setup(void)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof handled_signals / sizeof handled_signals[0]; i++)
        sigaddset(&set, handled_signals[i]);
    /* Blocked before the VMM is forked, so no SIGCHLD is lost; the child
     * unblocks them before exec. */
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    M.signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return M.signal_fd < 0 ? -1 : 0;
}

void monitor_vmm_gone(void)
{
    /* Its last frames may still sit unread in the agent socket, and a VMM
     * that connected just before dying may still be in the backlog. */
    agent_accept();
    if (M.failure_deadline == 0)
        M.failure_deadline = now_ms() + FAILURE_GRACE_MS;
}

void monitor_agent_gone(void)
{
    /* The VMM's exit status tells more than the closed channel: wait a
     * moment for it. */
    if (M.failure_deadline == 0)
        M.failure_deadline = now_ms() + FAILURE_GRACE_MS;
}

static void on_signal(int sig)
{
    if (sig == SIGCHLD) {
        vmm_reap_nohang();
        if (M.vmm_reaped)
            monitor_vmm_gone();
        return;
    }
    if (sig == SIGWINCH) {
        if (M.pty_fd < 0)
            df_debug("ignoring SIGWINCH: no terminal");
        pty_send_size();
        return;
    }
    if (M.started) {
        /* The monitor's pid is the container's (or the exec's): `kill -TERM
         * <pid>` must reach the process, as with runc. */
        df_info("forwarding signal %d to the process", sig);
        agent_send_signal((uint32_t)sig, 0);
        return;
    }
    if (sig == SIGUSR1 || sig == SIGUSR2) {
        df_info("ignoring signal %d: the container has not started", sig);
        return;
    }
    /* Before STARTED there is no process to forward to (nor a guarantee
     * there ever will be): the signal ends the container as it would a
     * created-but-not-started runc container. */
    df_info("signal %d before the container started; ending the VM", sig);
    monitor_exit(128 + sig, 1000);
}

static void read_signals(void)
{
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t n = read(M.signal_fd, &si, sizeof si);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n != (ssize_t)sizeof si) {
            df_error("signalfd read: %s", n < 0 ? strerror(errno) : "short read");
            monitor_exit(255, 1000);
        }
        on_signal((int)si.ssi_signo);
    }
}

/* Decides the exit status once the VMM or the agent channel is gone without
 * an EXIT: right away when both are settled, else at the grace deadline. */
static void check_failure(int64_t now)
{
    if (M.failure_deadline == 0)
        return;
    bool vmm_settled = M.vmm_reaped || M.cfg.attach;
    bool settled = vmm_settled && M.agent_fd < 0 && !agent_has_frames();
    if (!settled && now < M.failure_deadline)
        return;

    /* Frames still waiting for fd 1/2 get one bounded chance to flush; an
     * EXIT among them exits from inside agent_process. */
    for (int i = 0; i < 4 && agent_has_frames(); i++) {
        stdio_flush_blocking(250);
        agent_process();
    }
    int code = 255;
    if (M.vmm_reaped && WIFSIGNALED(M.vmm_status)) {
        df_error("VMM killed by signal %d before the container exited",
                 WTERMSIG(M.vmm_status));
        code = 128 + WTERMSIG(M.vmm_status);
    } else if (M.cfg.attach) {
        df_error("connection to the container's monitor closed before the process exited");
    } else if (M.vmm_reaped) {
        df_error("VMM exited before the container did; see console log %s",
                 M.cfg.console_log_path);
    } else {
        df_error("agent channel closed before the container exited; ending the VM");
    }
    if (!M.cfg.attach && !M.start_requested) {
        /* Nothing was started yet: this pid is a `created` container to the
         * shim, which refuses to start a stopped one without asking the
         * runtime. It stays until `start` asks (and is told why the VM
         * ended), or a signal or `delete` ends it. */
        vmm_kill_and_reap();
        console_copy();
        M.failure_deadline = 0;
        control_vm_failed(code);
        return;
    }
    monitor_exit(code, 1000);
}

static void check_timers(int64_t now)
{
    if (M.kill_deadline != 0 && now >= M.kill_deadline) {
        df_warn("no EXIT within %d ms of SIGKILL; ending the VM", SIGKILL_GRACE_MS);
        monitor_exit(128 + SIGKILL, 1000);
    }
    control_expire(now);
    dns_expire(now);
    check_failure(now);
}

static int poll_timeout(int64_t now)
{
    int64_t next = 0;
    int64_t deadlines[] = {M.kill_deadline, M.failure_deadline, control_next_deadline(),
                           dns_next_deadline()};
    for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++)
        if (deadlines[i] != 0 && (next == 0 || deadlines[i] < next))
            next = deadlines[i];
    if (next == 0)
        return -1;
    return next <= now ? 0 : (int)(next - now);
}

enum source { SRC_SIGNAL, SRC_CONTROL, SRC_AGENT_LISTEN, SRC_AGENT, SRC_CONSOLE, SRC_STDIN,
              SRC_STDOUT, SRC_STDERR, SRC_VOLUME, SRC_CLIENT, SRC_DNS };

#define POLL_MAX (SRC_CLIENT + MAX_CLIENTS + 2 * MAX_VOLUMES + DNS_MAX_PENDING)

struct poll_set {
    struct pollfd pfds[POLL_MAX];
    int source[POLL_MAX];
    int client[POLL_MAX]; /* the client, the volume's owner number, or the DNS query's slot */
    int n;
};

static void add(struct poll_set *s, int src, int fd, short events)
{
    /* An fd with nothing wanted is left out: its hang-up would spin. */
    if (fd < 0 || events == 0)
        return;
    s->pfds[s->n] = (struct pollfd){.fd = fd, .events = events};
    s->source[s->n++] = src;
}

static void build(struct poll_set *s)
{
    s->n = 0;
    add(s, SRC_SIGNAL, M.signal_fd, POLLIN);
    add(s, SRC_CONTROL, M.control_listen_fd, POLLIN);
    add(s, SRC_AGENT_LISTEN, M.agent_listen_fd, POLLIN);
    add(s, SRC_AGENT, M.agent_fd,
        (short)((agent_wants_read() ? POLLIN : 0) | (agent_wants_write() ? POLLOUT : 0)));
    add(s, SRC_CONSOLE, M.console_fd, POLLIN);
    if (M.started && M.stdin_open && !queue_over_cap(&M.to_agent) && !M.agent_eof)
        add(s, SRC_STDIN, M.in_fd, POLLIN);
    for (int i = 0; i < 2; i++)
        if (!M.out_dropped[i] && !queue_empty(&M.out[i]))
            add(s, SRC_STDOUT + i, M.out_fd[i], POLLOUT);

    int first = s->n;
    int added = volumes_poll_fds(s->pfds + first, s->client + first, 2 * MAX_VOLUMES);
    for (int i = first; i < first + added; i++)
        s->source[i] = SRC_VOLUME;
    s->n += added;

    first = s->n;
    added = control_poll_fds(s->pfds + first, s->client + first, MAX_CLIENTS);
    for (int i = first; i < first + added; i++)
        s->source[i] = SRC_CLIENT;
    s->n += added;

    first = s->n;
    added = dns_poll_fds(s->pfds + first, s->client + first, DNS_MAX_PENDING);
    for (int i = first; i < first + added; i++)
        s->source[i] = SRC_DNS;
    s->n += added;
}

static void dispatch(const struct poll_set *s)
{
    for (int i = 0; i < s->n; i++) {
        short ev = s->pfds[i].revents;
        if (ev == 0)
            continue;
        switch (s->source[i]) {
        case SRC_SIGNAL:
            read_signals();
            break;
        case SRC_CONTROL:
            control_accept();
            break;
        case SRC_AGENT_LISTEN:
            agent_accept();
            break;
        case SRC_AGENT:
            /* The fd may have closed while handling an earlier source. */
            if (M.agent_fd != s->pfds[i].fd)
                break;
            if (ev & POLLOUT)
                agent_write();
            if (M.agent_fd >= 0 && ev & (POLLIN | POLLHUP | POLLERR))
                agent_read();
            break;
        case SRC_CONSOLE:
            console_copy();
            break;
        case SRC_STDIN:
            if (M.stdin_open)
                stdio_read_stdin();
            break;
        case SRC_STDOUT:
        case SRC_STDERR:
            stdio_write(s->source[i] - SRC_STDOUT);
            break;
        case SRC_VOLUME:
            volumes_event(s->client[i], ev);
            break;
        case SRC_CLIENT:
            control_event(s->client[i], s->pfds[i].fd, ev);
            break;
        case SRC_DNS:
            dns_event(s->client[i], s->pfds[i].fd);
            break;
        }
    }
}

void monitor_loop(void)
{
    static struct poll_set set;
    for (;;) {
        build(&set);
        int n = poll(set.pfds, (nfds_t)set.n, poll_timeout(now_ms()));
        if (n < 0 && errno != EINTR) {
            df_error("poll: %s", strerror(errno));
            monitor_exit(255, 1000);
        }
        if (n > 0)
            dispatch(&set);
        /* Output that drained may unblock frames waiting in the buffer, and
         * room in the agent queue frames waiting from exec clients. */
        agent_process();
        control_process();
        check_timers(now_ms());
    }
}
