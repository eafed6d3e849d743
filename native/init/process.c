/* The container process is cloned into new PID, mount, UTS and IPC
 * namespaces and becomes PID 1 of its PID namespace, as under runc; when it
 * exits the kernel kills the rest of the namespace, which closes every copy
 * of its stdout and stderr pipes. */
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "files.h"
#include "launch.h"
#include "rootfs.h"
#include "volume.h"

#define CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC)

pid_t process_start(const struct spec *spec, struct stdio_relay *relay, uint32_t *code,
                    char *msg, size_t msglen)
{
    if (rootfs_mount_disk(msg, msglen) < 0) {
        *code = 255;
        return -1;
    }
    *code = 125;
    if (files_stage(spec, msg, msglen) < 0 || volumes_start(spec, msg, msglen) < 0)
        return -1;

    if (cgroup_prepare(spec->pids_limit, msg, msglen) < 0)
        return -1;
    struct launch launch;
    if (launch_prepare(&launch, spec->terminal, relay, msg, msglen) < 0)
        return -1;

    /* A raw clone without a new stack behaves like fork(); glibc's and
     * musl's clone() wrappers would want a separate stack. */
    /* A container without a network (--network none) gets a network
     * namespace of its own, with loopback only: the guest's eth0 exists (the
     * VM has a NIC either way), but runc would show no such device. */
    unsigned long flags = CLONE_FLAGS | (spec->net.has_link ? 0 : CLONE_NEWNET);
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        container_run(spec, &launch);
    volumes_forked();
    if (pid < 0) {
        snprintf(msg, msglen, "clone the container process: %s", container_strerror(errno));
        launch_abort(&launch, relay);
        return -1;
    }
    launch_forked(&launch);

    if (launch_wait(&launch, (pid_t)pid, relay, code, msg, msglen) < 0)
        return -1;
    return (pid_t)pid;
}

/* Reads the PID namespace link of a process, "pid:[4026531836]". */
static int pid_namespace(pid_t pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
    ssize_t n = readlink(path, buf, cap - 1);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* Limitation: processes forked while /proc is walked can miss the signal;
 * runc freezes the cgroup first. A second SIGNAL catches them. */
static void signal_namespace(pid_t pid, int sig)
{
    char ns[64], other[64];
    if (pid_namespace(pid, ns, sizeof ns) < 0)
        return;
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        char *end;
        long other_pid = strtol(entry->d_name, &end, 10);
        if (*end != '\0' || other_pid <= 1 || other_pid == pid)
            continue;
        /* A process may exit meanwhile; ESRCH is fine. */
        if (pid_namespace((pid_t)other_pid, other, sizeof other) == 0 &&
            strcmp(ns, other) == 0)
            (void)kill((pid_t)other_pid, sig);
    }
    closedir(proc);
}

int process_signal(pid_t pid, int sig, bool all)
{
    if (all)
        signal_namespace(pid, sig);
    return kill(pid, sig);
}

pid_t process_reap(int *status)
{
    for (;;) {
        pid_t pid = waitpid(-1, status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        return pid > 0 ? pid : 0;
    }
}
