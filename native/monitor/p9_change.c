/* 9P requests that change the volume's names. Each one names a directory
 * fid and one new component (never "..", never with a '/'), so what it
 * creates, renames or removes is always in a directory of the volume.
 * New files get the owner of the guest user that attached and the group
 * the request names, as a runc container's files would. On a read-only
 * volume every one of them is refused, and so is any in a file volume's
 * root (p9_files.c). */
#include "p9.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define AT_REMOVEDIR_9P 0x200u

/* Reads dfid and name, then checks what every change needs. */
static void dir_and_name(struct p9_server *s, struct p9_in *in, struct p9_fid **dir,
                        char name[NAME_MAX + 1])
{
    *dir = p9_fid_get(s, p9_get32(in));
    p9_getstr(in, name, NAME_MAX + 1);
    if (!in->bad && !p9_valid_name(name))
        in->bad = true;
}

static int check(struct p9_server *s, struct p9_in *in, const struct p9_fid *dir)
{
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (dir == NULL)
        return EBADF;
    if (p9_fid_readonly(s, dir))
        return EROFS;
    /* A file volume's root holds its files and nothing else, for good. */
    return dir->fd == P9_FILES_ROOT ? EPERM : 0;
}

/* Owner first, then the mode: the chown would clear set-id bits. The
 * file was created with at most 0777, so it never is set-id while root's. */
static int own(int fd, uint32_t uid, uint32_t gid, uint32_t mode)
{
    char path[32];
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        return errno;
    if (chmod(p9_fd_path(path, fd), mode & 07777) < 0)
        return errno;
    return 0;
}

/* Opens what was just created as O_PATH, owns it and describes it; on
 * failure removes it again, so a refused request leaves nothing. */
static int finish(struct p9_server *s, int dirfd, const char *name, uint32_t uid,
                  uint32_t gid, uint32_t mode, bool is_dir, struct p9_out *out)
{
    struct stat st;
    int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int err = fd < 0 ? errno : own(fd, uid, gid, mode);
    if (err == 0)
        err = p9_stat_fd(fd, &st);
    if (err == 0)
        err = p9_put_qid(s, out, &st);
    if (fd >= 0)
        (void)close(fd);
    if (err != 0) {
        (void)unlinkat(dirfd, name, is_dir ? AT_REMOVEDIR : 0);
        return err;
    }
    return 0;
}

int p9_lcreate(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *dir;
    char name[NAME_MAX + 1];
    dir_and_name(s, in, &dir, name);
    uint32_t flags = p9_get32(in), mode = p9_get32(in), gid = p9_get32(in);
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    if (dir->open_fd != P9_NO_FD)
        return EBADF;
    /* O_EXCL: never opens (or follows) something already there. */
    int fd = openat(dir->fd, name, p9_open_flags(flags) | O_CREAT | O_EXCL | O_NOFOLLOW |
                                       O_CLOEXEC | O_NOCTTY, mode & 0777);
    if (fd < 0)
        return errno;
    struct stat st;
    err = own(fd, dir->uid, gid, mode);
    int path_fd = err ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (err == 0 && path_fd < 0)
        err = errno;
    if (err == 0)
        err = p9_stat_fd(fd, &st);
    if (err == 0)
        err = p9_put_qid(s, out, &st);
    if (err != 0) {
        (void)close(fd);
        if (path_fd >= 0)
            (void)close(path_fd);
        (void)unlinkat(dir->fd, name, 0);
        return err;
    }
    /* The directory's fid becomes the new, open file. */
    uint32_t uid = dir->uid;
    p9_fid_release(dir);
    *dir = (struct p9_fid){.fd = path_fd, .open_fd = fd, .uid = uid};
    p9_put32(out, 0);
    return 0;
}

int p9_mkdir(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *dir;
    char name[NAME_MAX + 1];
    dir_and_name(s, in, &dir, name);
    uint32_t mode = p9_get32(in), gid = p9_get32(in);
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    if (mkdirat(dir->fd, name, mode & 0777) < 0)
        return errno;
    return finish(s, dir->fd, name, dir->uid, gid, mode, true, out);
}

int p9_symlink(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    static char target[PATH_MAX];
    struct p9_fid *dir;
    char name[NAME_MAX + 1];
    dir_and_name(s, in, &dir, name);
    p9_getstr(in, target, sizeof target);
    uint32_t gid = p9_get32(in);
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    /* The target is stored as given: it is resolved in the guest, never
     * here (the server does not follow symlinks). */
    if (target[0] == '\0')
        return ENOENT;
    if (symlinkat(target, dir->fd, name) < 0)
        return errno;
    struct stat st;
    if (fchownat(dir->fd, name, dir->uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        err = errno;
    else
        err = p9_put_qid(s, out, &st);
    if (err != 0)
        (void)unlinkat(dir->fd, name, 0);
    return err;
}

/* Device nodes may be created, as in a runc container with CAP_MKNOD; the
 * server never opens them (p9_lopen), the guest kernel does, as its own. */
int p9_mknod(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *dir;
    char name[NAME_MAX + 1];
    dir_and_name(s, in, &dir, name);
    uint32_t mode = p9_get32(in), major = p9_get32(in), minor = p9_get32(in);
    uint32_t gid = p9_get32(in);
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    mode_t type = mode & S_IFMT;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
        type != S_IFSOCK)
        return EINVAL;
    if (mknodat(dir->fd, name, type | (mode & 0777), makedev(major, minor)) < 0)
        return errno;
    return finish(s, dir->fd, name, dir->uid, gid, mode, false, out);
}

/* The source is a fid, so it is already inside the volume: a hard link to
 * a file outside cannot be asked for. */
int p9_link(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *dir = p9_fid_get(s, p9_get32(in));
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    char name[NAME_MAX + 1];
    p9_getstr(in, name, sizeof name);
    if (!in->bad && !p9_valid_name(name))
        return EINVAL;
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    if (f == NULL)
        return EBADF;
    if (linkat(f->fd, "", dir->fd, name, AT_EMPTY_PATH) < 0)
        return errno;
    return 0;
}

int p9_renameat(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *from, *to;
    char old[NAME_MAX + 1], new[NAME_MAX + 1];
    dir_and_name(s, in, &from, old);
    dir_and_name(s, in, &to, new);
    int err = check(s, in, from);
    if (err != 0)
        return err;
    if (to == NULL)
        return EBADF;
    if (to->fd == P9_FILES_ROOT)
        return EPERM;
    if (renameat(from->fd, old, to->fd, new) < 0)
        return errno;
    return 0;
}

int p9_unlinkat(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *dir;
    char name[NAME_MAX + 1];
    dir_and_name(s, in, &dir, name);
    uint32_t flags = p9_get32(in);
    int err = check(s, in, dir);
    if (err != 0)
        return err;
    if (unlinkat(dir->fd, name, flags & AT_REMOVEDIR_9P ? AT_REMOVEDIR : 0) < 0)
        return errno;
    return 0;
}

/* Tremove names no parent; the Linux client sends Tunlinkat and falls back
 * to Tremove only when that fails with EOPNOTSUPP, which it never does here.
 * The fid is clunked all the same, as the protocol says. */
int p9_remove(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_in peek = *in;
    const struct p9_fid *f = p9_fid_get(s, p9_get32(&peek));
    bool readonly = s->readonly || (f != NULL && f->readonly);
    int err = p9_clunk(s, in, out);
    if (err != 0)
        return err;
    return readonly ? EROFS : EOPNOTSUPP;
}
