/* dock-fire-init: PID 1 of a dock-fire VM. It mounts the pseudo
 * filesystems, opens the agent channel to the host monitor, starts the one
 * container process START describes, relays its stdio, reaps every orphan,
 * and reports the exit status. docs/protocol.md is the wire contract. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "boot.h"
#include "channel.h"
#include "log.h"
#include "network.h"
#include "process.h"
#include "session.h"

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
        if (process_reap(s->state == CONTAINER_RUNNING ? s->pid : 0, &status)) {
            s->reaped = true;
            s->status = status;
            /* Its stdin has no reader left. */
            stdio_close_input(&s->stdio);
        }
    }
}

/* EXIT goes out once the process is reaped and its output fully sent: the
 * kernel has killed the rest of its PID namespace by then, so the pipes
 * reach EOF. */
static void report_exit(struct session *s)
{
    if (s->state != CONTAINER_RUNNING || !s->reaped || s->stdio.out_fd >= 0 ||
        s->stdio.err_fd >= 0)
        return;

    uint8_t payload[8];
    if (WIFSIGNALED(s->status)) {
        df_put32(payload, DF_SIGNALED);
        df_put32(payload + 4, (uint32_t)WTERMSIG(s->status));
    } else {
        df_put32(payload, DF_EXITED);
        df_put32(payload + 4, (uint32_t)WEXITSTATUS(s->status));
    }
    df_info("container process exited: %s %u", WIFSIGNALED(s->status) ? "signal" : "code",
            df_get32(payload + 4));
    if (s->agent_open &&
        channel_send(s->agent_fd, DF_EXIT, DF_STREAM_CONTAINER, payload, sizeof payload) < 0)
        s->agent_open = false;
    s->state = CONTAINER_EXITED;
    /* The host kills the VM after EXIT; make the disk consistent first.
     * Powering off instead could hang under TCG. */
    sync();
}

enum { POLL_AGENT, POLL_SIGNALS, POLL_STDOUT, POLL_STDERR, POLL_STDIN, POLL_COUNT };

static void run(struct session *s, int signal_fd)
{
    for (;;) {
        struct pollfd fds[POLL_COUNT] = {
            [POLL_AGENT] = {s->agent_open && !s->stalled ? s->agent_fd : -1, POLLIN, 0},
            [POLL_SIGNALS] = {signal_fd, POLLIN, 0},
            [POLL_STDOUT] = {s->stdio.out_fd, POLLIN, 0},
            [POLL_STDERR] = {s->stdio.err_fd, POLLIN, 0},
            [POLL_STDIN] = {stdio_wants_write(&s->stdio) ? s->stdio.in_fd : -1, POLLOUT, 0},
        };
        if (poll(fds, POLL_COUNT, -1) < 0) {
            if (errno == EINTR)
                continue;
            df_error("poll: %s", strerror(errno));
            boot_end_vm();
        }

        if (fds[POLL_SIGNALS].revents)
            handle_signals(s, signal_fd);
        /* Output before exit status: EXIT must follow all output. */
        int out_to = s->agent_open ? s->agent_fd : -1;
        if (fds[POLL_STDOUT].revents && stdio_forward(&s->stdio, false, out_to) < 0)
            s->agent_open = false;
        out_to = s->agent_open ? s->agent_fd : -1;
        if (fds[POLL_STDERR].revents && stdio_forward(&s->stdio, true, out_to) < 0)
            s->agent_open = false;
        if (fds[POLL_STDIN].revents)
            stdio_flush(&s->stdio);
        if (fds[POLL_AGENT].revents)
            agent_receive(s);
        else if (s->stalled && stdio_fits(&s->stdio, DF_MAX_DATA))
            agent_process(s);
        report_exit(s);
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
    if (signal_fd < 0)
        boot_end_vm();

    session.agent_fd = channel_open();
    if (session.agent_fd < 0)
        boot_end_vm();
    session.agent_open = true;
    stdio_init(&session.stdio);
    if (channel_send_hello(session.agent_fd) < 0)
        boot_end_vm();

    run(&session, signal_fd);
}
