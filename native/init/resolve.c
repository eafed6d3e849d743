/* openat2(RESOLVE_IN_ROOT) confines every step of a lookup, ".." and
 * symlinks included, to the root fd; creating missing components goes one
 * component at a time through the same confined lookup. */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel_abi.h"

static int open_in_root(int root_fd, const char *path)
{
    struct df_open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = DF_RESOLVE_IN_ROOT | DF_RESOLVE_NO_MAGICLINKS,
    };
    /* An empty path means the root itself. */
    if (path[0] == '\0')
        path = ".";
    long fd;
    do {
        fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

/* Creates name in the directory parent_fd, itself resolved inside the
 * root; a name that appeared meanwhile is fine. */
static int create_component(int parent_fd, const char *name, bool dir)
{
    if (dir)
        return mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
    int fd = openat(parent_fd, name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

/* As many symlinks as the kernel follows in one lookup (MAXSYMLINKS). */
#define MAX_LINKS 40

static int resolve_depth(int root_fd, const char *path, enum resolve_create create, int links);

/* The component path[start..pos) exists but its lookup ended in ENOENT: a
 * symlink whose target is missing (/etc/resolv.conf -> ../run/systemd/...,
 * in systemd-based images). The target is what gets created, as runc does:
 * the lookup starts again on the link's target followed by the rest of
 * path, still confined to the root. Returns -1 with errno ENOENT when the
 * component is not a symlink. */
static int follow_dangling(int root_fd, int parent, const char *path, size_t start, size_t pos,
                           enum resolve_create create, int links)
{
    char target[PATH_MAX], name[NAME_MAX + 1], next[PATH_MAX];
    if (pos - start > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(name, path + start, pos - start);
    name[pos - start] = '\0';
    ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
    if (n < 0) {
        errno = errno == EINVAL ? ENOENT : errno; /* not a symlink */
        return -1;
    }
    target[n] = '\0';
    if (links >= MAX_LINKS) {
        errno = ELOOP;
        return -1;
    }
    /* A relative target is taken from the link's directory: path[0..start). */
    int len = target[0] == '/'
                  ? snprintf(next, sizeof next, "%s%s", target, path + pos)
                  : snprintf(next, sizeof next, "%.*s%s%s", (int)start, path, target, path + pos);
    if (len < 0 || (size_t)len >= sizeof next) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return resolve_depth(root_fd, next, create, links + 1);
}

static int resolve_depth(int root_fd, const char *path, enum resolve_create create, int links)
{
    int fd = open_in_root(root_fd, path);
    if (fd >= 0 || errno != ENOENT || create == RESOLVE_EXISTING)
        return fd;

    char prefix[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof prefix) {
        errno = ENAMETOOLONG;
        return -1;
    }

    /* Walk the components, keeping an fd on the deepest existing one. */
    int parent = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (parent < 0)
        return -1;
    size_t pos = 0;
    while (pos < len) {
        while (path[pos] == '/')
            pos++;
        size_t start = pos;
        while (pos < len && path[pos] != '/')
            pos++;
        if (pos == start)
            break;

        memcpy(prefix, path, pos);
        prefix[pos] = '\0';
        fd = open_in_root(root_fd, prefix);
        if (fd < 0 && errno == ENOENT) {
            bool last = path[pos + strspn(path + pos, "/")] == '\0';
            bool dir = !last || create == RESOLVE_MAKE_DIR;
            if (create_component(parent, prefix + start, dir) == 0)
                fd = open_in_root(root_fd, prefix);
            if (fd < 0 && errno == ENOENT) {
                fd = follow_dangling(root_fd, parent, path, start, pos, create, links);
                int saved = errno;
                close(parent);
                errno = saved;
                return fd;
            }
        }
        int saved = errno;
        close(parent);
        if (fd < 0) {
            errno = saved;
            return -1;
        }
        parent = fd;
    }
    return parent;
}

int resolve_in_root(int root_fd, const char *path, enum resolve_create create)
{
    return resolve_depth(root_fd, path, create, 0);
}

const char *fd_path(char *buf, int fd)
{
    snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
    return buf;
}
