/* dock-fire-monitor: the startup sequence and the way out (arguments:
 * args.c; attach mode: attach.c).
 *
 * Relative paths are taken relative to STATE_DIR. The CLI waits on the ready
 * fd: "OK\n" once the VMM runs and both sockets listen, or "ERR <reason>\n"
 * (then the monitor exits 1). After that the monitor's exit status is the
 * container's. With --detach, "PID <pid>\n" of the detached monitor comes
 * first. */
#include "monitor.h"

#include "log.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct monitor M = {
    .signal_fd = -1,
    .control_listen_fd = -1,
    .agent_listen_fd = -1,
    .agent_fd = -1,
    .console_fd = -1,
    .console_log_fd = -1,
    .vmm_pid = -1,
    .start_client = -1,
    .stream = DF_STREAM_CONTAINER,
    .in_fd = 0,
    .out_fd = {1, 2},
    .pty_fd = -1,
};

int64_t now_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    return 0;
}

static int write_ready_line(const char *line)
{
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(M.cfg.ready_fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            df_error("cannot write to the ready fd %d: %s", M.cfg.ready_fd, strerror(errno));
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

/* Writes the one-line answer of the ready protocol and closes the fd. */
int write_ready(const char *line)
{
    int rc = write_ready_line(line);
    if (close(M.cfg.ready_fd) < 0)
        df_warn("close ready fd: %s", strerror(errno));
    M.cfg.ready_fd = -1;
    return rc;
}

static void remove_sockets(void)
{
    if (M.control_bound && unlink(M.cfg.control_path) < 0 && errno != ENOENT)
        df_warn("unlink %s: %s", M.cfg.control_path, strerror(errno));
    if (M.agent_bound && unlink(M.cfg.agent_path) < 0 && errno != ENOENT)
        df_warn("unlink %s: %s", M.cfg.agent_path, strerror(errno));
    M.control_bound = M.agent_bound = false;
    volumes_unlink();
}

void monitor_exit(int code, int flush_ms)
{
    /* The VM goes first: whatever fd 1/2 still have to take, it no longer
     * needs the guest, and a slow reader must not keep a VM alive. */
    vmm_kill_and_reap();
    if (M.cfg.ready_fd >= 0) {
        /* Attach mode, before the reply: the CLI must not wait in vain. */
        char line[128];
        snprintf(line, sizeof line, "ERR %d the process did not start; see %s\n", code,
                 M.cfg.log_path);
        (void)write_ready(line); /* logged; exiting anyway */
    }
    if (flush_ms != 0)
        stdio_flush_blocking(flush_ms);
    console_copy();
    control_close_all();
    remove_sockets();
    df_info("exiting with status %d", code);
    exit(code);
}

void monitor_fail(const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(reason, sizeof reason, "startup failed");
    /* The ready protocol is one line per answer. */
    for (char *p = reason; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    df_error("%s", reason);

    if (M.cfg.ready_fd >= 0) {
        /* Attach mode reports an exit status too, as the exec's would. */
        char line[sizeof reason + 8];
        snprintf(line, sizeof line, "ERR %s%s\n", M.cfg.attach ? "1 " : "", reason);
        (void)write_ready(line); /* already logged; exiting anyway */
    }
    vmm_kill_and_reap();
    console_copy();
    remove_sockets();
    exit(1);
}

/*
 * --detach: the caller that spawns the monitor (the Node CLI) reaps every
 * child of its own that exits, so a monitor ending before the CLI does (an
 * exec of `true`) would give its status to the CLI, and the shim, which waits
 * for this pid, would wait forever. So the monitor the shim waits for is a
 * grandchild of the CLI, as runc's container process is: the first process
 * exits at once, and the second, orphaned, is adopted by the nearest
 * subreaper (the shim), which alone reaps it. Its pid is the first line.
 */
static void detach_from_caller(void)
{
    pid_t pid = fork();
    if (pid < 0)
        monitor_fail("cannot fork to detach: %s", strerror(errno));
    if (pid > 0)
        _exit(0);
    /* A session of its own, as the caller made for the first process. */
    if (setsid() < 0)
        monitor_fail("setsid: %s", strerror(errno));
    char line[32];
    snprintf(line, sizeof line, "PID %d\n", (int)getpid());
    if (write_ready_line(line) < 0)
        exit(1); /* the caller is gone: nobody would know this pid */
}

void open_log(void)
{
    int fd = open(M.cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        monitor_fail("cannot open log %s: %s", M.cfg.log_path, strerror(errno));
    df_log_init("dock-fire-monitor", fd, M.cfg.debug ? DF_LOG_DEBUG : DF_LOG_INFO);
}

int main(int argc, char **argv)
{
    char err[256];

    /* Until the log is open there is nowhere to log: fd 2 is the container's. */
    df_log_init("dock-fire-monitor", -1, DF_LOG_ERROR);
    /* First: a reader that went away (the CLI on the ready fd, the shim on
     * fd 1/2, the guest) must show up as EPIPE, never kill the monitor. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        monitor_fail("cannot ignore SIGPIPE: %s", strerror(errno));
    const char *bad = parse_args(argc, argv);
    if (bad)
        monitor_fail("invalid arguments: %s", bad);

    /* Stray inherited fds (the shim's socket) must not be held for the
     * container's lifetime, nor leak into the VMM. */
    close_stray_fds(M.cfg.ready_fd);
    if (fcntl(M.cfg.ready_fd, F_SETFD, FD_CLOEXEC) < 0)
        monitor_fail("ready fd %d: %s", M.cfg.ready_fd, strerror(errno));
    if (ensure_std_fds() < 0)
        monitor_fail("cannot open /dev/null for a closed standard fd: %s", strerror(errno));
    if (M.cfg.detach)
        detach_from_caller();
    if (M.cfg.attach)
        attach_main();
    /* Relative paths (the CLI uses them to keep socket addresses short) are
     * relative to the state dir, which is also the VMM's working directory. */
    if (chdir(M.cfg.dir) < 0)
        monitor_fail("cannot enter state dir %s: %s", M.cfg.dir, strerror(errno));
    open_log();
    df_info("starting, pid %d", (int)getpid());

    if (M.cfg.netns && enter_netns(err, sizeof err) < 0)
        monitor_fail("%s", err);
    for (int i = 0; i < M.cfg.n_cgroup_procs; i++)
        if (join_cgroup(M.cfg.cgroup_procs[i], err, sizeof err) < 0)
            monitor_fail("%s", err);

    if ((M.control_listen_fd = listen_unix(M.cfg.control_path, err, sizeof err)) < 0)
        monitor_fail("control socket: %s", err);
    M.control_bound = true;
    if ((M.agent_listen_fd = listen_unix(M.cfg.agent_path, err, sizeof err)) < 0)
        monitor_fail("agent socket: %s", err);
    M.agent_bound = true;
    if (volumes_open(err, sizeof err) < 0)
        monitor_fail("%s", err);

    if (signals_setup() < 0)
        monitor_fail("cannot set up signal handling: %s", strerror(errno));
    if (M.cfg.console_socket && pty_setup(err, sizeof err) < 0)
        monitor_fail("%s", err);
    if (stdio_setup() < 0)
        monitor_fail("cannot set up stdio relay: %s", strerror(errno));
    if (console_open_log(err, sizeof err) < 0)
        monitor_fail("%s", err);
    if (vmm_spawn(err, sizeof err) < 0)
        monitor_fail("%s", err);

    /* Nobody would know this pid if the CLI is gone: do not linger. */
    if (write_ready("OK\n") < 0)
        monitor_exit(1, 0);
    M.ready_sent = true;
    df_info("ready; VMM %s is pid %d", M.cfg.vmm_argv[0], (int)M.vmm_pid);
    monitor_loop();
}
