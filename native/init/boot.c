/* Early boot of the guest: init runs from the initramfs, with only the
 * directories make-initramfs.sh created and a console node. */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"

struct early_mount {
    const char *source;
    const char *target;
    const char *fstype;
    unsigned long flags;
    const char *data;
};

static const struct early_mount early_mounts[] = {
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
};

int boot_mount_filesystems(void)
{
    for (size_t i = 0; i < sizeof early_mounts / sizeof early_mounts[0]; i++) {
        const struct early_mount *m = &early_mounts[i];
        if (mount(m->source, m->target, m->fstype, m->flags, m->data) < 0 && errno != EBUSY) {
            df_error("mount %s on %s: %s", m->fstype, m->target, strerror(errno));
            return -1;
        }
    }
    return 0;
}

void boot_open_console(void)
{
    /* The kernel opened the initramfs's dev/console as fds 0-2 when it
     * existed; reopen from devtmpfs in case it did not. stdin is /dev/null:
     * init never reads the console. */
    int console = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (console < 0)
        df_warn("open /dev/console: %s", strerror(errno));
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0 && dup2(null, 0) < 0)
        df_warn("dup2 /dev/null: %s", strerror(errno));
    if (console >= 0 && (dup2(console, 1) < 0 || dup2(console, 2) < 0))
        df_warn("dup2 /dev/console: %s", strerror(errno));
    if (null > 2)
        close(null);
    if (console > 2)
        close(console);
}

static void handled_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    /* Ctrl-Alt-Del, power button, terminal hangups: PID 1 must not die of
     * them; they are read and logged. */
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGUSR2);
    sigaddset(set, SIGPWR);
}

int boot_signals(void)
{
    sigset_t set;
    handled_signals(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
        df_error("sigprocmask: %s", strerror(errno));
        return -1;
    }
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        df_error("ignore SIGPIPE: %s", strerror(errno));
        return -1;
    }
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        df_error("signalfd: %s", strerror(errno));
    return fd;
}

int boot_reset_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    if (signal(SIGPIPE, SIG_DFL) == SIG_ERR)
        return -1;
    return sigprocmask(SIG_SETMASK, &set, NULL);
}

_Noreturn void boot_end_vm(void)
{
    sync();
    /* A reset, not RB_POWER_OFF: QEMU's microvm without ACPI and
     * Firecracker have no power-off device (the kernel just halts and the
     * VMM keeps running), while reboot=k makes both VMMs exit on a reset
     * (QEMU runs with -no-reboot). */
    reboot(RB_AUTOBOOT);
    /* Still here: exiting PID 1 panics the kernel, and panic=-1 resets. */
    df_error("reboot: %s", strerror(errno));
    _exit(1);
}
