/* The VMM child: spawning it, reaping it, ending it, and copying its serial
 * console (the guest kernel's output) into a capped log file. */
#include "monitor.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child reports over its CLOEXEC pipe when it cannot exec. */
struct spawn_failure {
    int stage;
    int error;
};

enum { STAGE_PDEATHSIG = 1, STAGE_STDIO, STAGE_EXEC };

static _Noreturn void child_fail(int report_fd, int stage)
{
    struct spawn_failure f = {.stage = stage, .error = errno};
    /* The parent reads a short or missing report as a failure too. */
    (void)!write(report_fd, &f, sizeof f);
    _exit(127);
}

static _Noreturn void vmm_child(pid_t monitor, int null_fd, int console_w, int report_fd)
{
    /* The VMM must not outlive the monitor: it would keep the VM running
     * with nobody to relay for it, or to end it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        child_fail(report_fd, STAGE_PDEATHSIG);
    if (getppid() != monitor)
        _exit(1); /* the monitor died before prctl: nobody to report to */

    if (dup2(null_fd, 0) < 0 || dup2(console_w, 1) < 0 || dup2(console_w, 2) < 0)
        child_fail(report_fd, STAGE_STDIO);

    /* Handlers and SIG_IGN survive exec; the VMM expects a clean slate. Some
     * numbers (SIGKILL, libc-internal ones) refuse, which is harmless. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < _NSIG; sig++)
        (void)sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        child_fail(report_fd, STAGE_STDIO);

    execvp(M.cfg.vmm_argv[0], M.cfg.vmm_argv);
    child_fail(report_fd, STAGE_EXEC);
}

static int describe_failure(int report_r, char *err, size_t cap)
{
    struct spawn_failure f;
    ssize_t n;
    do
        n = read(report_r, &f, sizeof f);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0; /* exec succeeded and closed the CLOEXEC pipe */
    if (n != (ssize_t)sizeof f) {
        snprintf(err, cap, "cannot start VMM %s: lost its start-up report", M.cfg.vmm_argv[0]);
        return -1;
    }
    const char *what = f.stage == STAGE_EXEC ? "cannot execute VMM"
                       : f.stage == STAGE_PDEATHSIG ? "cannot set parent-death signal of VMM"
                                                    : "cannot set up stdio of VMM";
    snprintf(err, cap, "%s %s: %s", what, M.cfg.vmm_argv[0], strerror(f.error));
    return -1;
}

int vmm_spawn(char *err, size_t cap)
{
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (null_fd < 0) {
        snprintf(err, cap, "cannot open /dev/null: %s", strerror(errno));
        return -1;
    }
    int console[2], report[2];
    if (pipe2(console, O_CLOEXEC) < 0) {
        snprintf(err, cap, "cannot create console pipe: %s", strerror(errno));
        (void)close(null_fd);
        return -1;
    }
    if (pipe2(report, O_CLOEXEC) < 0) {
        snprintf(err, cap, "cannot create pipe: %s", strerror(errno));
        (void)close(null_fd);
        (void)close(console[0]);
        (void)close(console[1]);
        return -1;
    }

    pid_t monitor = getpid();
    pid_t pid = fork();
    if (pid == 0)
        vmm_child(monitor, null_fd, console[1], report[1]);

    int saved = errno;
    if (close(null_fd) < 0 || close(console[1]) < 0 || close(report[1]) < 0)
        df_warn("close after fork: %s", strerror(errno));
    M.console_fd = console[0];
    if (pid < 0) {
        snprintf(err, cap, "cannot fork VMM: %s", strerror(saved));
        (void)close(report[0]);
        return -1;
    }
    M.vmm_pid = pid;

    int rc = describe_failure(report[0], err, cap);
    if (close(report[0]) < 0)
        df_warn("close report pipe: %s", strerror(errno));
    if (set_nonblock(M.console_fd) < 0) {
        snprintf(err, cap, "console pipe: %s", strerror(errno));
        return -1;
    }
    return rc;
}

static void vmm_note_status(int status)
{
    M.vmm_reaped = true;
    M.vmm_status = status;
    if (WIFSIGNALED(status))
        df_info("VMM pid %d killed by signal %d", (int)M.vmm_pid, WTERMSIG(status));
    else
        df_info("VMM pid %d exited with status %d", (int)M.vmm_pid, WEXITSTATUS(status));
}

void vmm_reap_nohang(void)
{
    if (M.vmm_pid <= 0 || M.vmm_reaped)
        return;
    int status;
    pid_t r = waitpid(M.vmm_pid, &status, WNOHANG);
    if (r == M.vmm_pid)
        vmm_note_status(status);
    else if (r < 0 && errno != EINTR)
        df_warn("waitpid VMM: %s", strerror(errno));
}

/* The root disk is disposable and a guest poweroff can hang under TCG, so
 * the VM ends with SIGKILL rather than a shutdown request. */
void vmm_kill_and_reap(void)
{
    if (M.vmm_pid <= 0 || M.vmm_reaped)
        return;
    /* An unreaped child's pid cannot have been reused. */
    if (kill(M.vmm_pid, SIGKILL) < 0)
        df_warn("kill VMM pid %d: %s", (int)M.vmm_pid, strerror(errno));
    int status;
    pid_t r;
    do
        r = waitpid(M.vmm_pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r == M.vmm_pid)
        vmm_note_status(status);
    else
        df_warn("waitpid VMM: %s", strerror(errno));
}

int console_open_log(char *err, size_t cap)
{
    int fd = open(M.cfg.console_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
                  0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, cap, "cannot open console log %s: %s", M.cfg.console_log_path,
                 strerror(errno));
        return -1;
    }
    M.console_log_fd = fd;
    /* The cap covers the file, not this run: reuse cannot grow it either. */
    M.console_logged = (uint64_t)st.st_size;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The guest is untrusted: its console output must not fill the host's disk,
 * so the log stops at CONSOLE_LOG_CAP and the rest is read and dropped. */
static void console_log(const char *p, size_t n)
{
    static bool done;
    static char last = '\n';
    if (done || n == 0)
        return;

    size_t room = M.console_logged < CONSOLE_LOG_CAP ? CONSOLE_LOG_CAP - M.console_logged : 0;
    size_t take = n < room ? n : room;
    if (take > 0) {
        if (write_all(M.console_log_fd, p, take) < 0) {
            df_warn("console log write: %s; no more console output is logged", strerror(errno));
            done = true;
            return;
        }
        M.console_logged += take;
        last = p[take - 1];
    }
    if (take == n)
        return;

    static const char mark[] = "\n[console output truncated]\n";
    const char *m = last == '\n' ? mark + 1 : mark;
    if (write_all(M.console_log_fd, m, strlen(m)) < 0)
        df_warn("console log write: %s", strerror(errno));
    df_warn("console output over %u bytes; the rest is discarded", CONSOLE_LOG_CAP);
    done = true;
}

void console_copy(void)
{
    static char buf[16384];
    /* Bounded per call so a chatty guest cannot starve the relay. */
    for (int i = 0; i < 64 && M.console_fd >= 0; i++) {
        ssize_t n = read(M.console_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            if (n < 0)
                df_warn("console pipe: %s", strerror(errno));
            if (close(M.console_fd) < 0)
                df_warn("close console pipe: %s", strerror(errno));
            M.console_fd = -1;
            return;
        }
        console_log(buf, (size_t)n);
    }
}
