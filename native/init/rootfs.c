/* Mount work on the container's root. Every target is resolved inside the
 * root (resolve.c) and mounted through /proc/self/fd, so a symlink in the
 * image cannot send a mount to the guest's own filesystems. */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"
#include "devices.h"
#include "files.h"
#include "resolve.h"
#include "volume.h"

#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define NO_9P                                                                                  \
    "the guest kernel has no 9p file system; rebuild it with install.sh "                      \
    "(kernel/guest.config enables CONFIG_9P_FS)"

/* The single-drive layout: a copy of the image, writable. */
static int mount_single(char *err, size_t errlen)
{
    /* Read-write even for ROOT_READONLY: missing mount points must still
     * be created; the root is made read-only by a bind remount later, as
     * runc does. A drive the VMM attached read-only is mounted read-only,
     * without replaying the journal if it needs that: the VMM is killed,
     * so a disk used before is never cleanly unmounted. */
    if (mount(ROOTFS_DISK, ROOTFS_MOUNTPOINT, "ext4", 0, NULL) == 0)
        return 0;
    int rw_error = errno;
    if ((rw_error == EROFS || rw_error == EACCES) &&
        (mount(ROOTFS_DISK, ROOTFS_MOUNTPOINT, "ext4", MS_RDONLY, NULL) == 0 ||
         mount(ROOTFS_DISK, ROOTFS_MOUNTPOINT, "ext4", MS_RDONLY, "noload") == 0))
        return 0;
    snprintf(err, errlen, "mount the container's root filesystem %s: %s", ROOTFS_DISK,
             container_strerror(rw_error));
    return -1;
}

/* 1 when the VMM attached the drive read-only, 0 when writable, -1 when
 * there is no such drive. */
static int drive_readonly(const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/sys/block/%s/ro", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char c = 0;
    ssize_t n = read(fd, &c, 1);
    close(fd);
    if (n != 1 || (c != '0' && c != '1'))
        return -1;
    return c == '1';
}

static int make_dir(const char *path, mode_t mode)
{
    return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

/* The layered layout: the image's shared base (read-only) under the
 * container's own layer (writable), stacked by overlayfs. The layer's upper
 * directory takes the base root's owner and mode, which the merged root
 * shows. */
static int mount_layered(const char *base, const char *layer, char *err, size_t errlen)
{
    const char *step = "create " LAYERS_DIR;
    if (make_dir(LAYERS_DIR, 0700) < 0 || make_dir(BASE_DIR, 0755) < 0 ||
        make_dir(LAYER_DIR, 0755) < 0)
        goto fail;
    step = "mount the image drive";
    if (mount(base, BASE_DIR, "ext4", MS_RDONLY, NULL) < 0)
        goto fail;
    /* noinit_itable: the layer is new and lives as long as the VM, so the
     * background zeroing of its inode tables (which fsck would want) is
     * only CPU and I/O taken from the container. */
    step = "mount the container's layer";
    if (mount(layer, LAYER_DIR, "ext4", 0, "noinit_itable") < 0)
        goto fail;

    struct stat root;
    step = "prepare the container's layer";
    if (stat(BASE_DIR, &root) < 0 || make_dir(LAYER_DIR "/upper", 0755) < 0 ||
        make_dir(LAYER_DIR "/work", 0700) < 0 ||
        chown(LAYER_DIR "/upper", root.st_uid, root.st_gid) < 0 ||
        chmod(LAYER_DIR "/upper", root.st_mode & 07777) < 0)
        goto fail;
    step = "mount the overlay of image and layer";
    if (mount("overlay", ROOTFS_MOUNTPOINT, "overlay", 0,
              "lowerdir=" BASE_DIR ",upperdir=" LAYER_DIR "/upper,workdir=" LAYER_DIR "/work") < 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "%s (%s, %s): %s", step, base, layer, container_strerror(errno));
    return -1;
}

int rootfs_mount_disk(char *err, size_t errlen)
{
    int first = drive_readonly("vda");
    int second = drive_readonly("vdb");
    if (second < 0)
        return mount_single(err, errlen);
    if (first != !second) {
        snprintf(err, errlen, "expected a read-only image drive and a writable layer as "
                              "/dev/vda and /dev/vdb, found vda %s and vdb %s",
                 first < 0 ? "missing" : first ? "read-only" : "writable",
                 second ? "read-only" : "writable");
        return -1;
    }
    return first == 1 ? mount_layered("/dev/vda", "/dev/vdb", err, errlen)
                      : mount_layered("/dev/vdb", "/dev/vda", err, errlen);
}

/* Bind-remounts the mount fd is on with extra flags, keeping the flags it
 * has (a remount clears any flag it does not name); by path when path is
 * not NULL, else through /proc/self/fd. */
static int remount_bind(int fd, const char *path, unsigned long extra)
{
    static const struct {
        unsigned long st;
        unsigned long ms;
    } kept[] = {
        {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC}, {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
        {ST_RELATIME, MS_RELATIME},
    };
    struct statvfs st;
    if (fstatvfs(fd, &st) < 0)
        return -1;
    unsigned long flags = MS_REMOUNT | MS_BIND | extra;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (st.f_flag & kept[i].st)
            flags |= kept[i].ms;
    }
    char buf[FD_PATH_MAX];
    return mount(NULL, path != NULL ? path : fd_path(buf, fd), NULL, flags, NULL);
}

/* True for "/dev", "dev", "/dev/", "//dev". */
static bool is_dev(const char *target)
{
    target += strspn(target, "/");
    return strncmp(target, "dev", 3) == 0 && target[3 + strspn(target + 3, "/")] == '\0';
}

/* Reopens target after something was mounted on it: the old fd still
 * names the covered directory. */
static int reopen(int root_fd, const struct spec_mount *m)
{
    int fd = resolve_in_root(root_fd, m->target, RESOLVE_EXISTING);
    if (fd < 0)
        container_fail("open mount target %s: %s", m->target, container_strerror(errno));
    return fd;
}

/* A volume's mount data: the host's 9p options and the socket's fd. */
static const char *volume_options(const struct spec_mount *m, char *buf, size_t cap)
{
    if (volume_mount_data(m->source, m->data, buf, cap) < 0)
        container_fail("volume %s at %s: %s", m->source, m->target, container_strerror(errno));
    return buf;
}

/* A tmpfs over an existing directory starts with that directory's mode (not
 * its owner), as under runc; the mode goes first so that a mode= in the
 * mount's own options still wins (runc 1.2; 1.1 chmods over it). A missing
 * target is left for the resolve that creates it, which reports any error. */
static const char *tmpfs_options(int root_fd, const struct spec_mount *m, char *buf, size_t cap)
{
    int fd = resolve_in_root(root_fd, m->target, RESOLVE_EXISTING);
    if (fd < 0)
        return m->data;
    struct stat st;
    if (fstat(fd, &st) < 0)
        container_fail("stat mount point %s: %s", m->target, container_strerror(errno));
    close(fd);

    const char *sep = m->data[0] != '\0' ? "," : "";
    int n = snprintf(buf, cap, "mode=%04o%s%s", (unsigned)(st.st_mode & 07777), sep, m->data);
    if (n < 0 || (size_t)n >= cap)
        container_fail("tmpfs options of %s are too long", m->target);
    return buf;
}

static void mount_one(int root_fd, const struct spec_mount *m)
{
    unsigned long flags = m->flags & ~(unsigned long)PROPAGATION;
    unsigned long propagation = m->flags & PROPAGATION;
    bool bind = flags & MS_BIND;
    const char *fstype = m->fstype;
    /* Docker asks for cgroup v1 on some hosts; the guest has only v2. */
    if (strcmp(fstype, "cgroup") == 0 || strcmp(fstype, "cgroup2") == 0)
        fstype = "cgroup2";

    char tmpfs_data[PATH_MAX + 16];
    const char *data = m->data;
    if (!bind && strcmp(fstype, "tmpfs") == 0) {
        data = tmpfs_options(root_fd, m, tmpfs_data, sizeof tmpfs_data);
        /* Read-only once every mount point under it is made (--tmpfs /etc:ro
         * gets Docker's /etc/hosts binds), as runc does: tmpfs_finish. */
        flags &= ~(unsigned long)MS_RDONLY;
    }

    /* A file of a file volume: bound from where its volume is mounted. */
    char file_source[64];
    const char *source = m->source;
    bool volume_file = bind && volume_file_is(fstype, m->source);
    if (volume_file && (source = volume_file_source(m, file_source, sizeof file_source)) == NULL) {
        if (errno == ENODEV)
            container_fail("file bind at %s: %s", m->target, NO_9P);
        container_fail("mount the file volume for %s: %s", m->target, container_strerror(errno));
    }

    struct stat st;
    bool file = bind && stat(source, &st) == 0 && !S_ISDIR(st.st_mode);
    int fd = resolve_in_root(root_fd, m->target, file ? RESOLVE_MAKE_FILE : RESOLVE_MAKE_DIR);
    if (fd < 0)
        container_fail("create mount point %s: %s", m->target, container_strerror(errno));

    char path[FD_PATH_MAX];
    int rc;
    char volume_data[512];
    bool volume = volume_is(fstype, m->source);
    if (volume)
        data = volume_options(m, volume_data, sizeof volume_data);
    if (bind)
        rc = mount(source, fd_path(path, fd), NULL, MS_BIND | (flags & MS_REC), NULL);
    else
        rc = mount(m->source, fd_path(path, fd), fstype, flags, data);
    if (rc < 0 && errno == ENODEV && volume)
        container_fail("volume at %s: %s", m->target, NO_9P);
    if (rc < 0)
        container_fail("mount %s on %s (type %s): %s", m->source, m->target,
                       bind ? "bind" : fstype, container_strerror(errno));
    close(fd);

    /* A bind mount takes its flags only from a remount. */
    unsigned long extra = flags & ~(unsigned long)(MS_BIND | MS_REC);
    if (bind && extra != 0) {
        fd = reopen(root_fd, m);
        if (remount_bind(fd, NULL, extra) < 0)
            container_fail("remount %s: %s", m->target, container_strerror(errno));
        close(fd);
    }
    if (propagation != 0) {
        fd = reopen(root_fd, m);
        if (mount(NULL, fd_path(path, fd), NULL, propagation | (flags & MS_REC), NULL) < 0)
            container_fail("set propagation of %s: %s", m->target, container_strerror(errno));
        close(fd);
    }
    if (!bind && strcmp(fstype, "tmpfs") == 0 && is_dev(m->target)) {
        fd = reopen(root_fd, m);
        devices_populate(fd);
        close(fd);
    }
}

/* A read-only tmpfs was mounted writable for the mount points under it. */
static void tmpfs_finish(int root_fd, const struct spec_mount *m)
{
    if (m->flags & MS_BIND || !(m->flags & MS_RDONLY) || strcmp(m->fstype, "tmpfs") != 0)
        return;
    int fd = reopen(root_fd, m);
    char path[FD_PATH_MAX];
    unsigned long flags = m->flags & ~(unsigned long)(PROPAGATION | MS_REC);
    if (mount(NULL, fd_path(path, fd), NULL, MS_REMOUNT | flags, NULL) < 0)
        container_fail("remount tmpfs %s read-only: %s", m->target, container_strerror(errno));
    close(fd);
}

/* READONLY_PATH: bind the path onto itself and remount it read-only. */
static void make_readonly(int root_fd, const char *target)
{
    int fd = resolve_in_root(root_fd, target, RESOLVE_EXISTING);
    if (fd < 0 && errno == ENOENT)
        return;
    if (fd < 0)
        container_fail("open read-only path %s: %s", target, container_strerror(errno));
    char path[FD_PATH_MAX];
    if (mount(fd_path(path, fd), path, NULL, MS_BIND | MS_REC, NULL) < 0)
        container_fail("bind read-only path %s: %s", target, container_strerror(errno));
    close(fd);

    fd = resolve_in_root(root_fd, target, RESOLVE_EXISTING);
    if (fd < 0 || remount_bind(fd, NULL, MS_RDONLY) < 0)
        container_fail("remount %s read-only: %s", target, container_strerror(errno));
    close(fd);
}

/* MASK_PATH: /dev/null over a file, an empty read-only tmpfs over a dir. */
static void mask(int root_fd, const char *target)
{
    int fd = resolve_in_root(root_fd, target, RESOLVE_EXISTING);
    if (fd < 0 && errno == ENOENT)
        return;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        container_fail("open masked path %s: %s", target, container_strerror(errno));
    char path[FD_PATH_MAX];
    int rc;
    if (S_ISDIR(st.st_mode))
        rc = mount("tmpfs", fd_path(path, fd), "tmpfs", MS_RDONLY, NULL);
    else
        rc = mount("/dev/null", fd_path(path, fd), NULL, MS_BIND, NULL);
    if (rc < 0)
        container_fail("mask %s: %s", target, container_strerror(errno));
    close(fd);
}

void rootfs_prepare(const struct spec *spec)
{
    /* Nothing mounted here may propagate back to init's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        container_fail("make / private: %s", container_strerror(errno));
    if (mount(ROOTFS_MOUNTPOINT, ROOTFS_MOUNTPOINT, NULL, MS_BIND | MS_REC, NULL) < 0)
        container_fail("bind the root filesystem: %s", container_strerror(errno));
    int root_fd = open(ROOTFS_MOUNTPOINT, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        container_fail("open the root filesystem: %s", container_strerror(errno));

    for (size_t i = 0; i < spec->nmounts; i++)
        mount_one(root_fd, &spec->mounts[i]);
    for (size_t i = 0; i < spec->nfiles; i++)
        files_bind(root_fd, &spec->files[i], i);
    for (size_t i = 0; i < spec->nmounts; i++)
        tmpfs_finish(root_fd, &spec->mounts[i]);
    for (size_t i = 0; i < spec->nreadonly; i++)
        make_readonly(root_fd, spec->readonly[i]);
    for (size_t i = 0; i < spec->nmasked; i++)
        mask(root_fd, spec->masked[i]);
    close(root_fd);
}

void rootfs_enter(const struct spec *spec)
{
    if (chdir(ROOTFS_MOUNTPOINT) < 0)
        container_fail("chdir to the root filesystem: %s", container_strerror(errno));

    /* init's own pseudo filesystems are not the container's. */
    static const char *const init_mounts[] = {"/dev", "/proc", "/sys", "/run"};
    for (size_t i = 0; i < sizeof init_mounts / sizeof init_mounts[0]; i++) {
        if (umount2(init_mounts[i], MNT_DETACH) < 0)
            container_fail("unmount %s: %s", init_mounts[i], container_strerror(errno));
    }

    /* pivot_root refuses to move the initramfs (rootfs), which is the root
     * here; then do what switch_root does: move the new root over "/" and
     * chroot into it. The initramfs stays underneath, covered: a ".." walk
     * out of the root lands back on the root mount.
     * Limitation: booting init from a tmpfs copy instead of the initramfs
     * would let pivot_root detach the old root entirely. */
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0)
            container_fail("detach the old root: %s", container_strerror(errno));
    } else if (errno == EINVAL) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            container_fail("move the root filesystem to /: %s", container_strerror(errno));
        if (chroot(".") < 0)
            container_fail("chroot: %s", container_strerror(errno));
    } else {
        container_fail("pivot_root: %s", container_strerror(errno));
    }
    if (chdir("/") < 0)
        container_fail("chdir to /: %s", container_strerror(errno));

    if (spec->root_readonly) {
        /* By path: the container may have no /proc for an fd path. */
        int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || remount_bind(fd, "/", MS_RDONLY) < 0)
            container_fail("remount the root read-only: %s", container_strerror(errno));
        close(fd);
    }
}
