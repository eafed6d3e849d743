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

#include "container.h"
#include "files.h"
#include "rootfs.h"

#define CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC)

/* Docker's mapping of start errors to `docker run` exit codes. */
static uint32_t exit_code_for(const char *msg)
{
    if (strstr(msg, "executable file not found") != NULL ||
        strstr(msg, "no such file or directory") != NULL)
        return 127;
    if (strstr(msg, "permission denied") != NULL || strstr(msg, "is a directory") != NULL)
        return 126;
    return 125;
}

/* Reads the child's failure report until exec (or exit) closes the pipe.
 * Returns the length of the message, 0 when exec succeeded.
 * Limitation: init waits here without serving the agent channel, so a
 * setup step that hangs (a mount that never returns) hangs init too; the
 * host's timeout then ends the VM. Polling the pipe in the loop lifts it. */
static size_t read_report(int fd, char *msg, size_t msglen)
{
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, msg + len, msglen - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (len += (size_t)n) == msglen - 1)
            break;
    }
    msg[len] = '\0';
    return len;
}

pid_t process_start(const struct spec *spec, struct stdio_relay *relay, uint32_t *code,
                    char *msg, size_t msglen)
{
    if (rootfs_mount_disk(msg, msglen) < 0) {
        *code = 255;
        return -1;
    }
    *code = 125;
    if (files_stage(spec, msg, msglen) < 0)
        return -1;

    int child[3], report[2];
    if (stdio_create(relay, child) < 0) {
        snprintf(msg, msglen, "create pipes: %s", container_strerror(errno));
        return -1;
    }
    if (pipe2(report, O_CLOEXEC) < 0) {
        snprintf(msg, msglen, "create pipes: %s", container_strerror(errno));
        for (int i = 0; i < 3; i++)
            close(child[i]);
        stdio_close_all(relay);
        return -1;
    }

    /* A raw clone without a new stack behaves like fork(); glibc's and
     * musl's clone() wrappers would want a separate stack. */
    long pid = syscall(SYS_clone, CLONE_FLAGS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(report[0]);
        container_run(spec, child, report[1]);
    }
    int saved = errno;
    for (int i = 0; i < 3; i++)
        close(child[i]);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        stdio_close_all(relay);
        snprintf(msg, msglen, "clone the container process: %s", container_strerror(saved));
        return -1;
    }

    size_t len = read_report(report[0], msg, msglen);
    close(report[0]);
    if (len > 0) {
        /* The child exits after reporting; SIGCHLD reaps it. */
        *code = exit_code_for(msg);
        stdio_close_all(relay);
        return -1;
    }
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

bool process_reap(pid_t pid, int *status)
{
    bool found = false;
    for (;;) {
        int st;
        pid_t reaped = waitpid(-1, &st, WNOHANG);
        if (reaped < 0 && errno == EINTR)
            continue;
        if (reaped <= 0)
            break;
        if (pid > 0 && reaped == pid) {
            *status = st;
            found = true;
        }
    }
    return found;
}
