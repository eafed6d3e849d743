/* qid.path is unique per host inode within a volume (monitor/p9_qid.c):
 * the volume's own device keeps its host inode numbers, other devices
 * (mount points inside the volume, files of a file volume) take slots in
 * the top bits, and a full slot table refuses with EOVERFLOW rather than
 * reuse a number. The mount tests run in a private mount namespace of
 * their own, so their tmpfs mounts end with the program. Needs root. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "p9.h"
#include "p9_req.h"

#define SLOT(k) ((uint64_t)(k) << 48)

static char base[] = "/tmp/df-p9-qid-XXXXXX";
static char vol[64];

static uint64_t u64_at(size_t off)
{
    return (uint64_t)u32_at(off) | (uint64_t)u32_at(off + 4) << 32;
}

static uint64_t path_of(struct p9_qids *q, dev_t dev, uint64_t ino)
{
    uint64_t path = 0;
    return p9_qid_path(q, dev, ino, &path) == 0 ? path : 0xdeadu;
}

static void test_mapping(void)
{
    struct p9_qids q;
    p9_qids_init(&q, 10, false);
    CHECK(path_of(&q, 10, 5) == 3, "the volume's own device keeps its inode numbers");
    CHECK(path_of(&q, 11, 5) == (SLOT(1) | 5) - 2, "another device takes slot 1");
    CHECK(path_of(&q, 11, 7) == (SLOT(1) | 7) - 2, "and keeps it for all its inodes");
    CHECK(path_of(&q, 12, 5) == (SLOT(2) | 5) - 2, "a third device takes slot 2");
    CHECK(path_of(&q, 10, SLOT(4) | 5) == (SLOT(3) | 5) - 2,
          "an inode number of more than 48 bits takes a slot for its range");

    uint64_t path = 0;
    q.max = 3;
    CHECK(p9_qid_path(&q, 13, 5, &path) == EOVERFLOW, "a device past the last slot: EOVERFLOW");
    CHECK(path_of(&q, 12, 9) == (SLOT(2) | 9) - 2 && path_of(&q, 10, 9) == 7,
          "devices that have a slot keep working when the table is full");

    p9_qids_init(&q, 10, true);
    CHECK(path_of(&q, 11, SLOT(4) | 5) == (SLOT(4) | 5) - 2,
          "a file volume without clashing numbers shows every host number");
}

static int session(struct p9_server *s)
{
    int root = open(vol, O_PATH | O_DIRECTORY | O_CLOEXEC);
    p9_server_init(s, root, false);
    if (req(s, P9_TVERSION, "ds", 8192u, "9P2000.L") != 0)
        return -1;
    return req(s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u);
}

/* The qid.path of what fid holds, by Tgetattr; 0xdead on error. */
static uint64_t getattr_path(struct p9_server *s, uint32_t fid)
{
    return req(s, P9_TGETATTR, "dq", fid, 0x7ffull) == 0 ? u64_at(20) : 0xdeadu;
}

static ino_t host_ino(const char *name)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", vol, name);
    return lstat(p, &st) == 0 ? st.st_ino : 0;
}

static void put(const char *name, const char *content)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", vol, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, content, strlen(content));
        close(fd);
    }
}

/* The qid.path of name in the Rreaddir in reply; 0xdead when absent. */
static uint64_t readdir_path(const char *name)
{
    size_t end = 11 + u32_at(7);
    for (size_t at = 11; at + 24 <= end;) {
        size_t len = reply[at + 22] | (size_t)reply[at + 23] << 8;
        if (len == strlen(name) && memcmp(reply + at + 24, name, len) == 0)
            return u64_at(at + 5);
        at += 24 + len;
    }
    return 0xdeadu;
}

/* The tester's layout: a tmpfs volume holding a/ and a second tmpfs on
 * sub/ holding b; fresh tmpfs number their inodes alike, so a and b have
 * one host inode number on two devices. */
static void test_mount_point_in_volume(void)
{
    char sub[80];
    snprintf(sub, sizeof sub, "%s/sub", vol);
    if (mount("x", vol, "tmpfs", 0, "mode=755") < 0) {
        CHECK(false, "mount a tmpfs as the volume");
        return;
    }
    put("a", "PARENT-A\n");
    mkdir(sub, 0755);
    if (mount("y", sub, "tmpfs", 0, "mode=755") < 0) {
        CHECK(false, "mount a tmpfs inside the volume");
        return;
    }
    put("sub/b", "s2\n");
    CHECK(host_ino("a") == host_ino("sub/b"), "on the host, a and sub/b share an inode number");

    struct p9_server s;
    CHECK(session(&s) == 0, "attach");
    uint64_t root = getattr_path(&s, 0);
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 1u, 1u, "a") == 0 && u64_at(9 + 5) == host_ino("a") - 2,
          "Rwalk: a file of the volume's device shows its host inode number");
    CHECK(getattr_path(&s, 1) == host_ino("a") - 2, "Rgetattr agrees with Rwalk");
    CHECK(req(&s, P9_TWALK, "ddwss", 0u, 2u, 2u, "sub", "b") == 0 &&
              u64_at(9 + 5) != root && u64_at(9 + 13 + 5) != host_ino("a") - 2,
          "Rwalk: the mount point and the file on it get their own qid.paths");
    uint64_t b = u64_at(9 + 13 + 5), sub_root = u64_at(9 + 5);
    CHECK(getattr_path(&s, 2) == b && b == (SLOT(1) | host_ino("sub/b")) - 2,
          "Rgetattr of sub/b: slot 1 in the top bits, its host number below");
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 3u, 1u, "sub") == 0 && getattr_path(&s, 3) == sub_root,
          "the mount point's qid is the same by any walk");

    CHECK(req(&s, P9_TLCREATE, "dsddd", 3u, "c", 0u, 0644u, 0u) == 0 &&
              u64_at(7 + 5) == (SLOT(1) | host_ino("sub/c")) - 2,
          "Rlcreate on the other device uses the same slot");
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 4u, 1u, "sub") == 0 &&
              req(&s, P9_TMKDIR, "dsdd", 4u, "d", 0755u, 0u) == 0 &&
              u64_at(7 + 5) == (SLOT(1) | host_ino("sub/d")) - 2,
          "Rmkdir on the other device uses the same slot");

    CHECK(req(&s, P9_TWALK, "ddw", 0u, 5u, 0u) == 0 && req(&s, P9_TLOPEN, "dd", 5u, 0u) == 0 &&
              req(&s, P9_TREADDIR, "dqd", 5u, 0ull, 4096u) == 0 &&
              readdir_path("a") == host_ino("a") - 2,
          "Rreaddir: an entry's qid.path is the one Rwalk gives");
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 6u, 1u, "sub") == 0 &&
              req(&s, P9_TLOPEN, "dd", 6u, 0u) == 0 &&
              req(&s, P9_TREADDIR, "dqd", 6u, 0ull, 4096u) == 0 && readdir_path("b") == b,
          "Rreaddir in the mounted file system: entries carry its slot");

    p9_server_reset(&s);
    close(s.root_fd);

    CHECK(session(&s) == 0, "attach again");
    s.qids.max = 0;
    CHECK(req(&s, P9_TWALK, "ddwss", 0u, 1u, 2u, "sub", "b") == EOVERFLOW,
          "with no slot left, a walk onto another device gets EOVERFLOW");
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 1u, 1u, "a") == 0, "the volume's own files still walk");
    p9_server_reset(&s);
    close(s.root_fd);
    umount(sub);
    umount(vol);
}

/* A file volume whose files share an inode number on two devices. */
static void test_file_volume(void)
{
    char one[80], two[80];
    snprintf(one, sizeof one, "%s/one", vol);
    snprintf(two, sizeof two, "%s/two", vol);
    mkdir(one, 0755);
    mkdir(two, 0755);
    if (mount("x", one, "tmpfs", 0, NULL) < 0 || mount("y", two, "tmpfs", 0, NULL) < 0) {
        CHECK(false, "mount two tmpfs");
        return;
    }
    put("one/f", "1\n");
    put("two/f", "2\n");
    put("one/g", "3\n");
    struct p9_file_entry e[3];
    char p[96];
    snprintf(p, sizeof p, "%s/f", one);
    e[0].fd = open(p, O_PATH);
    snprintf(p, sizeof p, "%s/g", one);
    e[1].fd = open(p, O_PATH);
    snprintf(p, sizeof p, "%s/f", two);
    e[2].fd = open(p, O_PATH);

    struct p9_server s;
    p9_server_init_files(&s, e, 2);
    CHECK(req(&s, P9_TVERSION, "ds", 8192u, "9P2000.L") == 0 &&
              req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u) == 0 &&
              req(&s, P9_TWALK, "ddws", 0u, 1u, 1u, "1") == 0 &&
              u64_at(9 + 5) == host_ino("one/g") - 2,
          "a file volume whose numbers are distinct shows the host numbers");
    p9_server_reset(&s);

    struct p9_file_entry clash[2] = {e[0], e[2]};
    p9_server_init_files(&s, clash, 2);
    req(&s, P9_TVERSION, "ds", 8192u, "9P2000.L");
    req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u);
    uint64_t f0 = req(&s, P9_TWALK, "ddws", 0u, 1u, 1u, "0") == 0 ? u64_at(9 + 5) : 0xdeadu;
    uint64_t f1 = req(&s, P9_TWALK, "ddws", 0u, 2u, 1u, "1") == 0 ? u64_at(9 + 5) : 0xdeadu;
    CHECK(host_ino("one/f") == host_ino("two/f") && f0 == host_ino("one/f") - 2 &&
              ((f1 + 2) & (SLOT(1) - 1)) == host_ino("two/f") && (f1 + 2) >> 48 != 0,
          "files with one number on two devices: the second takes a slot");
    p9_server_reset(&s);
    for (int i = 0; i < 3; i++)
        close(e[i].fd);
    umount(one);
    umount(two);
}

int main(void)
{
    test_mapping();
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mkdtemp(base) == NULL) {
        CHECK(false, "a private mount namespace and a scratch directory (needs root)");
        return check_summary();
    }
    snprintf(vol, sizeof vol, "%s/vol", base);
    mkdir(vol, 0755);
    test_mount_point_in_volume();
    test_file_volume();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    (void)!system(cmd);
    return check_summary();
}
