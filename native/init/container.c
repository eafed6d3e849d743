/* The sequence the container's PID 1 goes through between clone and exec,
 * in runc's order: mounts in the new root, switch into it, terminal,
 * limits, working directory, user and capabilities, exec. */
#include "container.h"

#include "network.h"
#include "sysctl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "cgroup.h"
#include "creds.h"
#include "exec.h"
#include "log.h"
#include "pty.h"
#include "rootfs.h"

static int report_fd = -1;

_Noreturn void container_fail(const char *fmt, ...)
{
    char message[DF_MAX_ERROR_MSG];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof message ? sizeof message - 1 : (size_t)n;

    /* One write is one packet on the report socket. If it fails, init sees
     * no message, answers STARTED, and the EXIT that follows says 127. */
    if (write(report_fd, message, len) < 0)
        df_error("report setup failure: %s", strerror(errno));
    _exit(127);
}

const char *container_strerror(int err)
{
    static char text[128];
    snprintf(text, sizeof text, "%s", strerror(err));
    text[0] = (char)tolower((unsigned char)text[0]);
    return text;
}

/* Moves the pipes to 0-2. */
static void setup_stdio(const int stdio[3])
{
    for (int i = 0; i < 3; i++) {
        if (dup2(stdio[i], i) < 0)
            container_fail("set up stdio: dup2: %s", container_strerror(errno));
    }
    for (int i = 0; i < 3; i++) {
        if (stdio[i] > 2)
            close(stdio[i]);
    }
}

void container_child_begin(const struct launch *launch)
{
    close(launch->report[0]);
    report_fd = launch->report[1];
    /* init's console stays reachable for logging; on failure (-1) the
     * setup just logs nothing. */
    int console = fcntl(2, F_DUPFD_CLOEXEC, 3);
    df_log_init("dock-fire-init[container]", console, DF_LOG_INFO);

    /* Before anything of the container's runs: a join is not limited by
     * pids.max, so an exec into a full container starts, as under runc. */
    if (cgroup_join() < 0)
        container_fail("join the container's cgroup: %s", container_strerror(errno));
    if (!launch->terminal)
        setup_stdio(launch->stdio);
    if (boot_reset_signals() < 0)
        container_fail("reset signal handling: %s", container_strerror(errno));
}

_Noreturn void container_child_finish(const struct spec *spec)
{
    if (spec->terminal)
        pty_attach(report_fd);
    creds_apply_rlimits(spec);
    if (chdir(spec->cwd) < 0)
        container_fail("chdir to cwd (\"%s\") set in config.json failed: %s", spec->cwd,
                       container_strerror(errno));
    creds_apply_user(spec);
    umask((mode_t)spec->umask);

    exec_process(spec);
}

_Noreturn void container_run(const struct spec *spec, const struct launch *launch)
{
    container_child_begin(launch);
    /* Modes of created mount points and device nodes are exact. */
    umask(0);

    rootfs_prepare(spec);
    if (!spec->net.has_link && network_loopback_up() < 0)
        container_fail("bring up lo: %s", container_strerror(errno));
    if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
        container_fail("sethostname: %s", container_strerror(errno));
    /* Before leaving init's /proc: sysctls apply to the writer's namespaces. */
    sysctl_apply(spec);
    creds_fit_nr_open(spec);
    rootfs_enter(spec);

    container_child_finish(spec);
}
