/* setns(CLONE_NEWPID) changes only the namespace of the caller's future
 * children, so init joins the container's PID namespace just for one
 * fork and then returns to its own: the child is PID n of the container
 * and a child of init, which reaps it. The child joins the mount, UTS and
 * IPC namespaces itself, then the container's root, which it reaches
 * through /proc/<pid>/root: the container's "/" is a chroot onto a mount
 * over the initramfs (rootfs.c), not its mount namespace's root. */
#include "exec_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "creds.h"
#include "launch.h"
#include "log.h"

/* What the child joins, opened by init from /proc/<pid>/ before the fork. */
enum { NS_PID, NS_MNT, NS_UTS, NS_IPC, NS_NET, NS_ROOT, NS_COUNT };

static const char *const ns_paths[NS_COUNT] = {"ns/pid", "ns/mnt", "ns/uts", "ns/ipc", "ns/net",
                                               "root"};
static const int ns_types[NS_COUNT] = {CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC,
                                       CLONE_NEWNET, 0};

static int own_pid_ns = -1;

int exec_stream_init(void)
{
    own_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own_pid_ns < 0)
        df_error("open init's PID namespace: %s", strerror(errno));
    return own_pid_ns < 0 ? -1 : 0;
}

static void close_all(int fds[NS_COUNT])
{
    for (int i = 0; i < NS_COUNT; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
}

/* A container whose PID 1 is exiting has no namespaces left to open. */
static int open_namespaces(pid_t container, int fds[NS_COUNT], uint32_t *code, char *msg,
                           size_t msglen)
{
    for (int i = 0; i < NS_COUNT; i++)
        fds[i] = -1;
    for (int i = 0; i < NS_COUNT; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", (int)container, ns_paths[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] >= 0)
            continue;
        if (errno == ENOENT || errno == ESRCH) {
            *code = 1;
            snprintf(msg, msglen, "container not running");
        } else {
            *code = 125;
            snprintf(msg, msglen, "open %s: %s", path, container_strerror(errno));
        }
        close_all(fds);
        return -1;
    }
    return 0;
}

_Noreturn static void run_child(const struct spec *spec, const struct launch *launch,
                                const int fds[NS_COUNT])
{
    container_child_begin(launch);
    creds_fit_nr_open(spec);
    for (int i = NS_MNT; i <= NS_NET; i++) {
        if (setns(fds[i], ns_types[i]) < 0)
            container_fail("join the container's %s namespace: %s", ns_paths[i] + 3,
                           container_strerror(errno));
    }
    if (fchdir(fds[NS_ROOT]) < 0 || chroot(".") < 0)
        container_fail("enter the container's root: %s", container_strerror(errno));
    container_child_finish(spec);
}

/* Forks into the container's PID namespace and puts init back into its
 * own. Returns the child's pid (0 in the child), or -1 with errno set. */
static pid_t fork_in(int pid_ns)
{
    if (setns(pid_ns, CLONE_NEWPID) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0)
        return 0;
    int saved = errno;
    /* Only exec forks, and each joins again first: a failure here affects
     * nothing, but would be a kernel surprise worth knowing. */
    if (setns(own_pid_ns, CLONE_NEWPID) < 0)
        df_error("return to init's PID namespace: %s", strerror(errno));
    errno = saved;
    return pid;
}

pid_t exec_stream_start(pid_t container, const struct spec *spec, struct stdio_relay *relay,
                        uint32_t *code, char *msg, size_t msglen)
{
    int fds[NS_COUNT];
    if (open_namespaces(container, fds, code, msg, msglen) < 0)
        return -1;
    *code = 125;
    struct launch launch;
    if (launch_prepare(&launch, spec->terminal, relay, msg, msglen) < 0) {
        close_all(fds);
        return -1;
    }

    pid_t pid = fork_in(fds[NS_PID]);
    if (pid == 0)
        run_child(spec, &launch, fds);
    int saved = errno;
    close_all(fds);
    if (pid < 0) {
        snprintf(msg, msglen, "start a process in the container: %s", container_strerror(saved));
        launch_abort(&launch, relay);
        return -1;
    }
    launch_forked(&launch);

    if (launch_wait(&launch, pid, relay, code, msg, msglen) < 0)
        return -1;
    return pid;
}
