/* What PID 1 sets up before anything else: the pseudo filesystems, the
 * console, and its signal handling. */
#ifndef DOCK_FIRE_INIT_BOOT_H
#define DOCK_FIRE_INIT_BOOT_H

/* Mounts /dev, /proc, /sys and /run and points fds 0-2 at the console.
 * Returns 0, or -1 after logging what failed. */
int boot_mount_filesystems(void);
void boot_open_console(void);

/* Blocks the signals init handles and returns a signalfd for them, or -1.
 * SIGPIPE is ignored: a closed pipe must only fail a write. */
int boot_signals(void);

/* Undoes boot_signals for a child about to exec the container process. */
int boot_reset_signals(void);

/* Syncs and ends the VM; used when init cannot do its job at all. */
_Noreturn void boot_end_vm(void);

#endif
