/* init's lookups inside the container root (init/resolve.c): mount points
 * are created inside the root, through symlinks whose targets are missing
 * too, and never outside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "resolve.h"

static char root[64], outside[64];
static int root_fd;

static void at(char *buf, size_t cap, const char *base, const char *rel)
{
    if ((size_t)snprintf(buf, cap, "%s/%s", base, rel) >= cap)
        abort();
}

static void link_in_root(const char *target, const char *rel)
{
    char p[256];
    at(p, sizeof p, root, rel);
    if (symlink(target, p) < 0) {
        perror(p);
        exit(2);
    }
}

static bool is_regular(const char *base, const char *rel)
{
    char p[256];
    struct stat st;
    at(p, sizeof p, base, rel);
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The fd resolve_in_root gives is the file that was created at rel. */
static bool fd_is(int fd, const char *rel)
{
    char p[256];
    struct stat a, b;
    at(p, sizeof p, root, rel);
    return fd >= 0 && fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/df-resolve-%d", (int)getpid());
    snprintf(outside, sizeof outside, "/tmp/df-resolve-out-%d", (int)getpid());
    if (mkdir(root, 0755) < 0 || mkdir(outside, 0755) < 0) {
        perror("mkdir");
        return 2;
    }
    char p[256];
    at(p, sizeof p, root, "etc");
    mkdir(p, 0755);
    root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

    /* systemd-based images: /etc/resolv.conf -> ../run/systemd/resolve/... */
    link_in_root("../run/systemd/resolve/stub-resolv.conf", "etc/resolv.conf");
    int fd = resolve_in_root(root_fd, "/etc/resolv.conf", RESOLVE_MAKE_FILE);
    CHECK(fd_is(fd, "run/systemd/resolve/stub-resolv.conf"),
          "a relative link to a missing file: its target is created and opened");
    CHECK(is_regular(root, "run/systemd/resolve/stub-resolv.conf"), "the target is a file");
    close(fd);

    link_in_root("/var/lib/hosts", "etc/hosts");
    fd = resolve_in_root(root_fd, "etc/hosts", RESOLVE_MAKE_FILE);
    CHECK(fd_is(fd, "var/lib/hosts"), "an absolute link is taken inside the root");
    close(fd);

    link_in_root("hop2", "etc/hop1");
    link_in_root("/etc/hop3", "etc/hop2");
    link_in_root("../data/conf", "etc/hop3");
    fd = resolve_in_root(root_fd, "/etc/hop1", RESOLVE_MAKE_FILE);
    CHECK(fd_is(fd, "data/conf"), "a chain of links to a missing file");
    close(fd);

    link_in_root("missing-dir", "etc/dirlink");
    fd = resolve_in_root(root_fd, "/etc/dirlink/sub/file", RESOLVE_MAKE_FILE);
    CHECK(fd_is(fd, "etc/missing-dir/sub/file"), "a link to a missing directory in the middle");
    close(fd);

    /* Escapes: ../ past the root and absolute host paths stay in the root. */
    char target[256];
    snprintf(target, sizeof target, "../../../../../..%s/escaped", outside);
    link_in_root(target, "etc/escape");
    fd = resolve_in_root(root_fd, "/etc/escape", RESOLVE_MAKE_FILE);
    CHECK(fd >= 0 && !is_regular(outside, "escaped"), "../ past the root creates nothing outside");
    close(fd);
    snprintf(target, sizeof target, "%s/abs", outside);
    link_in_root(target, "etc/abs");
    fd = resolve_in_root(root_fd, "/etc/abs", RESOLVE_MAKE_DIR);
    CHECK(fd >= 0 && access(target, F_OK) != 0, "an absolute host path creates nothing outside");
    CHECK(fd_is(fd, target + 1), "... but the same path inside the root");
    close(fd);

    link_in_root("loop-b", "etc/loop-a");
    link_in_root("loop-a", "etc/loop-b");
    errno = 0;
    fd = resolve_in_root(root_fd, "/etc/loop-a", RESOLVE_MAKE_FILE);
    CHECK(fd < 0 && errno == ELOOP, "a loop of links fails with ELOOP");

    errno = 0;
    fd = resolve_in_root(root_fd, "/etc/nolink", RESOLVE_EXISTING);
    CHECK(fd < 0 && errno == ENOENT, "RESOLVE_EXISTING creates nothing");

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, outside);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", root);
    return check_summary();
}
