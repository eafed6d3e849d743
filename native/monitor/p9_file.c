/* 9P requests that walk, read and describe the volume. Confinement rests
 * on three rules: a walk opens one component at a time, relative to the
 * fid's own fd, with O_NOFOLLOW and never "." or ".."; a symlink is only
 * ever opened as itself (O_PATH), so walking through one fails with
 * ENOTDIR; and only regular files and directories are opened for I/O, by
 * reopening the exact inode the fid holds (no name is looked up twice). */
#include "p9.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STATS_BASIC 0x7ffu
/* Rread: size[4] type[1] tag[2] count[4] */
#define RREAD_HEADER 11u

/* Setattr valid bits */
#define SET_MODE 0x1u
#define SET_UID 0x2u
#define SET_GID 0x4u
#define SET_SIZE 0x8u
#define SET_ATIME 0x10u
#define SET_MTIME 0x20u
#define SET_ATIME_SET 0x80u
#define SET_MTIME_SET 0x100u

const char *p9_fd_path(char *buf, int fd)
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

int p9_stat_fd(int fd, struct stat *st)
{
    return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
}

int p9_fid_stat(const struct p9_server *s, const struct p9_fid *f, struct stat *st)
{
    if (f->fd == P9_FILES_ROOT) {
        p9_files_root_stat(s, st);
        return 0;
    }
    return p9_stat_fd(f->fd, st);
}

int p9_version(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    char version[32];
    uint32_t msize = p9_get32(in);
    p9_getstr(in, version, sizeof version);
    if (p9_parsed(in) != 0 || msize < 4096)
        return EINVAL;
    /* A new session: every fid of the old one is gone. */
    p9_server_reset(s);
    s->msize = msize < P9_MAX_MSIZE ? msize : P9_MAX_MSIZE;
    p9_put32(out, s->msize);
    const char *v = strcmp(version, "9P2000.L") == 0 ? "9P2000.L" : "unknown";
    p9_putstr(out, v, strlen(v));
    return 0;
}

int p9_attach(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    char uname[256], aname[256];
    uint32_t fid = p9_get32(in), afid = p9_get32(in);
    p9_getstr(in, uname, sizeof uname);
    p9_getstr(in, aname, sizeof aname);
    uint32_t uid = p9_get32(in);
    if (p9_parsed(in) != 0 || afid != P9_NOFID)
        return EINVAL;
    struct p9_fid *f = p9_fid_new(s, fid);
    if (f == NULL)
        return errno;
    struct stat st;
    int fd = s->files ? P9_FILES_ROOT : fcntl(s->root_fd, F_DUPFD_CLOEXEC, 3);
    if (fd == -1)
        return errno;
    /* Guest ids are taken as they are, as runc takes a container's. */
    struct p9_fid root = {.fd = fd, .open_fd = P9_NO_FD, .uid = uid == P9_NOFID ? 0 : uid};
    int err = p9_fid_stat(s, &root, &st);
    if (err != 0) {
        p9_fid_release(&root);
        return err;
    }
    if ((err = p9_put_qid(s, out, &st)) != 0) {
        p9_fid_release(&root);
        return err;
    }
    *f = root;
    return 0;
}

/* One step of a walk: from a file volume's root only to one of its
 * files, from anything else one component, never following a symlink. */
static int walk_step(const struct p9_server *s, int dir, const char *name, bool *readonly)
{
    if (dir == P9_FILES_ROOT)
        return p9_files_lookup(s, name, readonly);
    return openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Opens names[0..n) one by one from start; qids go into out. Returns how
 * many steps worked and leaves the last fd in *last (-1 when none);
 * *readonly becomes true when a step reached a read-only file. */
static uint16_t walk_names(struct p9_server *s, int start, char names[][NAME_MAX + 1],
                           uint16_t n, struct p9_out *out, int *last, bool *readonly, int *err)
{
    int cur = -1;
    uint16_t i = 0;
    *err = 0;
    for (; i < n; i++) {
        int next = walk_step(s, i == 0 ? start : cur, names[i], readonly);
        struct stat st;
        if (next < 0 || (*err = p9_stat_fd(next, &st)) != 0 ||
            (*err = p9_put_qid(s, out, &st)) != 0) {
            *err = *err ? *err : errno;
            if (next >= 0)
                (void)close(next);
            break;
        }
        if (cur >= 0)
            (void)close(cur);
        cur = next;
    }
    *last = cur;
    return i;
}

int p9_walk(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    static char names[P9_MAX_WELEM][NAME_MAX + 1];
    uint32_t fid = p9_get32(in), newfid = p9_get32(in);
    uint16_t n = p9_get16(in);
    if (n > P9_MAX_WELEM)
        return EINVAL;
    for (uint16_t i = 0; i < n; i++) {
        p9_getstr(in, names[i], sizeof names[i]);
        if (!in->bad && !p9_valid_name(names[i]))
            return EINVAL; /* ".." or a '/' would leave the fid's directory */
    }
    int err = p9_parsed(in);
    struct p9_fid *f = p9_fid_get(s, fid);
    if (err != 0 || f == NULL)
        return err ? err : EBADF;
    if (newfid != fid && p9_fid_new(s, newfid) == NULL)
        return errno;
    f = p9_fid_get(s, fid); /* p9_fid_new may have moved the table */

    size_t count_at = out->len;
    p9_put16(out, 0);
    int fd;
    bool readonly = f->readonly;
    uint16_t done = walk_names(s, f->fd, names, n, out, &fd, &readonly, &err);
    if (done == 0 && n > 0)
        return err;
    out->p[count_at] = (uint8_t)done;
    out->p[count_at + 1] = (uint8_t)(done >> 8);
    if (done < n) {
        (void)close(fd); /* a partial walk creates no fid */
        return 0;
    }
    if (n == 0 && f->fd == P9_FILES_ROOT)
        fd = P9_FILES_ROOT;
    else if (n == 0 && (fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3)) < 0)
        return errno;

    uint32_t uid = f->uid;
    if (newfid == fid)
        p9_fid_release(f);
    *p9_fid_new(s, newfid) =
        (struct p9_fid){.fd = fd, .open_fd = P9_NO_FD, .uid = uid, .readonly = readonly};
    return 0;
}

int p9_clunk(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (f == NULL)
        return EBADF;
    p9_fid_release(f);
    return 0;
}

int p9_getattr(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    (void)p9_get64(in); /* the mask asked for: the basic set is always there */
    if (p9_parsed(in) != 0)
        return EINVAL;
    struct stat st;
    int err = f ? p9_fid_stat(s, f, &st) : EBADF;
    if (err != 0)
        return err;
    p9_put64(out, STATS_BASIC);
    if ((err = p9_put_qid(s, out, &st)) != 0)
        return err;
    p9_put32(out, st.st_mode);
    p9_put32(out, st.st_uid);
    p9_put32(out, st.st_gid);
    p9_put64(out, st.st_nlink);
    p9_put64(out, st.st_rdev);
    p9_put64(out, (uint64_t)st.st_size);
    p9_put64(out, (uint64_t)st.st_blksize);
    p9_put64(out, (uint64_t)st.st_blocks);
    const struct timespec *t[3] = {&st.st_atim, &st.st_mtim, &st.st_ctim};
    for (int i = 0; i < 3; i++) {
        p9_put64(out, (uint64_t)t[i]->tv_sec);
        p9_put64(out, (uint64_t)t[i]->tv_nsec);
    }
    for (int i = 0; i < 4; i++)
        p9_put64(out, 0); /* btime, gen, data_version: not in the basic set */
    return 0;
}

static struct timespec time_arg(uint32_t valid, uint32_t bit, uint32_t set_bit, uint64_t sec,
                                uint64_t nsec)
{
    if (!(valid & bit))
        return (struct timespec){.tv_nsec = UTIME_OMIT};
    if (!(valid & set_bit))
        return (struct timespec){.tv_nsec = UTIME_NOW};
    return (struct timespec){.tv_sec = (time_t)sec, .tv_nsec = (long)(nsec % 1000000000u)};
}

/* chown before chmod: a chown clears set-id bits the chmod may set. */
static int apply_setattr(int fd, uint32_t valid, uint32_t mode, uint32_t uid, uint32_t gid,
                         uint64_t size, const struct timespec ts[2])
{
    char path[32];
    struct stat st;
    int err = p9_stat_fd(fd, &st);
    if (err != 0)
        return err;
    if (valid & SET_SIZE) {
        if (!S_ISREG(st.st_mode))
            return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        if (size > (uint64_t)INT64_MAX || truncate(p9_fd_path(path, fd), (off_t)size) < 0)
            return size > (uint64_t)INT64_MAX ? EFBIG : errno;
    }
    if (valid & (SET_UID | SET_GID)) {
        uid_t u = valid & SET_UID ? (uid_t)uid : (uid_t)-1;
        gid_t g = valid & SET_GID ? (gid_t)gid : (gid_t)-1;
        if (fchownat(fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return errno;
    }
    if (valid & SET_MODE) {
        if (S_ISLNK(st.st_mode))
            return EOPNOTSUPP; /* a symlink has no mode of its own on Linux */
        if (chmod(p9_fd_path(path, fd), mode & 07777) < 0)
            return errno;
    }
    if ((valid & (SET_ATIME | SET_MTIME)) &&
        utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        return errno;
    return 0;
}

int p9_setattr(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint32_t valid = p9_get32(in), mode = p9_get32(in), uid = p9_get32(in), gid = p9_get32(in);
    uint64_t size = p9_get64(in);
    uint64_t as = p9_get64(in), ans = p9_get64(in), ms = p9_get64(in), mns = p9_get64(in);
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (f == NULL)
        return EBADF;
    if (p9_fid_readonly(s, f))
        return EROFS;
    if (f->fd == P9_FILES_ROOT)
        return EPERM; /* the root of a file volume is the server's, not a host inode */
    struct timespec ts[2] = {time_arg(valid, SET_ATIME, SET_ATIME_SET, as, ans),
                             time_arg(valid, SET_MTIME, SET_MTIME_SET, ms, mns)};
    return apply_setattr(f->fd, valid, mode, uid, gid, size, ts);
}

/* The open flags of 9P2000.L (P9_DOTL_*) that mean something here, as host
 * flags; create, exclusive, nofollow and the rest are decided by the
 * server, not the guest. */
int p9_open_flags(uint32_t flags)
{
    int f = (int)(flags & 3u);
    if (flags & 01000u)
        f |= O_TRUNC;
    if (flags & 02000u)
        f |= O_APPEND;
    if (flags & 010000u)
        f |= O_DSYNC;
    if (flags & 04000000u)
        f |= O_SYNC;
    return f;
}

bool p9_open_writes(uint32_t flags)
{
    return (flags & 3u) != 0 || (flags & 01000u) != 0;
}

int p9_lopen(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint32_t flags = p9_get32(in);
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (f == NULL || f->open_fd != P9_NO_FD)
        return EBADF;
    struct stat st;
    int err = p9_fid_stat(s, f, &st);
    if (err != 0)
        return err;
    if (f->fd == P9_FILES_ROOT) {
        /* Opened only to be listed (p9_files_readdir); no host fd. */
        if (p9_open_writes(flags))
            return EISDIR;
        if ((err = p9_put_qid(s, out, &st)) != 0)
            return err;
        f->open_fd = P9_FILES_ROOT;
        p9_put32(out, 0);
        return 0;
    }
    if (S_ISLNK(st.st_mode))
        return ELOOP;
    /* Devices, fifos and sockets in a volume are the guest kernel's to
     * open (as special inodes); opening one here would reach the host's. */
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return EPERM;
    if (p9_fid_readonly(s, f) && p9_open_writes(flags))
        return EROFS;
    if ((err = p9_put_qid(s, out, &st)) != 0)
        return err;
    int oflags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : p9_open_flags(flags);
    char path[32];
    /* The magic link reaches exactly the inode the fid holds. */
    int fd = open(p9_fd_path(path, f->fd), oflags | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno;
    f->open_fd = fd;
    p9_put32(out, 0); /* iounit 0: the client uses msize */
    return 0;
}

int p9_read(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint64_t offset = p9_get64(in);
    uint32_t count = p9_get32(in);
    if (p9_parsed(in) != 0 || offset > (uint64_t)INT64_MAX)
        return EINVAL;
    if (f == NULL || f->open_fd < 0)
        return EBADF;
    if (count > s->msize - RREAD_HEADER)
        count = s->msize - RREAD_HEADER;
    size_t at = out->len;
    p9_put32(out, 0);
    uint8_t *data = p9_reserve(out, count);
    if (data == NULL)
        return ENOBUFS;
    ssize_t n = pread(f->open_fd, data, count, (off_t)offset);
    if (n < 0)
        return errno;
    out->len = at;
    p9_put32(out, (uint32_t)n);
    out->len += (size_t)n;
    return 0;
}

int p9_write(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint64_t offset = p9_get64(in);
    uint32_t count = p9_get32(in);
    if (in->bad || in->len - in->off != count || offset > (uint64_t)INT64_MAX)
        return EINVAL;
    const uint8_t *data = in->p + in->off;
    in->off = in->len;
    if (f == NULL || f->open_fd < 0)
        return EBADF;
    if (p9_fid_readonly(s, f))
        return EROFS;
    ssize_t n = pwrite(f->open_fd, data, count, (off_t)offset);
    if (n < 0)
        return errno;
    p9_put32(out, (uint32_t)n);
    return 0;
}

int p9_readlink(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    char target[PATH_MAX];
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (f == NULL)
        return EBADF;
    ssize_t n = readlinkat(f->fd, "", target, sizeof target);
    if (n < 0)
        return errno;
    if ((size_t)n == sizeof target)
        return ENAMETOOLONG;
    p9_putstr(out, target, (size_t)n);
    return 0;
}

int p9_statfs(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    if (p9_parsed(in) != 0)
        return EINVAL;
    struct statfs st;
    if (f == NULL)
        return EBADF;
    /* A file volume's root reports the file system of its first file. */
    int fd = f->fd == P9_FILES_ROOT && s->nfiles > 0 ? s->files[0].fd : f->fd;
    if (fstatfs(fd, &st) < 0)
        return errno;
    p9_put32(out, (uint32_t)st.f_type);
    p9_put32(out, (uint32_t)st.f_bsize);
    p9_put64(out, st.f_blocks);
    p9_put64(out, st.f_bfree);
    p9_put64(out, st.f_bavail);
    p9_put64(out, st.f_files);
    p9_put64(out, st.f_ffree);
    uint64_t fsid;
    memcpy(&fsid, &st.f_fsid, sizeof fsid);
    p9_put64(out, fsid);
    p9_put32(out, (uint32_t)st.f_namelen);
    return 0;
}

int p9_fsync(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    (void)out;
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint32_t datasync = p9_get32(in);
    if (p9_parsed(in) != 0)
        return EINVAL;
    if (f == NULL || f->open_fd < 0)
        return EBADF;
    if ((datasync ? fdatasync(f->open_fd) : fsync(f->open_fd)) < 0)
        return errno;
    return 0;
}

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* One Rreaddir entry per host entry, until count bytes are used; the next
 * Treaddir's offset is the last entry's d_off, so entries read ahead here
 * are read again then. */
int p9_readdir(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    static uint8_t buf[16384];
    struct p9_fid *f = p9_fid_get(s, p9_get32(in));
    uint64_t offset = p9_get64(in);
    uint32_t count = p9_get32(in);
    if (p9_parsed(in) != 0 || offset > (uint64_t)INT64_MAX)
        return EINVAL;
    if (f == NULL || (f->open_fd < 0 && f->open_fd != P9_FILES_ROOT))
        return EBADF;
    if (count > s->msize - RREAD_HEADER)
        count = s->msize - RREAD_HEADER;
    if (f->open_fd == P9_FILES_ROOT)
        return p9_files_list(s, offset, count, out);
    /* Entries are on the directory's device, but for mount points: those
     * show the covered directory's inode, as getdents does under runc. */
    struct stat dir;
    int err = p9_stat_fd(f->open_fd, &dir);
    if (err != 0)
        return err;
    if (lseek(f->open_fd, (off_t)offset, SEEK_SET) < 0)
        return errno;
    size_t at = out->len;
    p9_put32(out, 0);
    size_t start = out->len;
    bool full = false;
    while (!full) {
        long n = syscall(SYS_getdents64, f->open_fd, buf, sizeof buf);
        if (n < 0)
            return errno;
        if (n == 0)
            break;
        for (long pos = 0; pos < n;) {
            const struct dirent64_raw *d = (const void *)(buf + pos);
            size_t len = strlen(d->name);
            if (out->len - start + 24 + len > count) {
                full = true;
                break;
            }
            uint64_t path;
            if ((err = p9_qid_path(&s->qids, dir.st_dev, d->ino, &path)) != 0)
                return err;
            p9_put8(out, p9_qid_type(DTTOIF(d->type)));
            p9_put32(out, 0);
            p9_put64(out, path);
            p9_put64(out, (uint64_t)d->off);
            p9_put8(out, d->type);
            p9_putstr(out, d->name, len);
            pos += d->reclen;
        }
    }
    size_t used = out->len - start;
    for (int i = 0; i < 4; i++)
        out->p[at + (size_t)i] = (uint8_t)(used >> (8 * i));
    return 0;
}
