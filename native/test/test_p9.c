/* The monitor's 9P server (monitor/p9_*.c) against a scratch volume, fed
 * raw requests as a hostile guest kernel could send them: nothing may
 * reach a host path outside the volume (.., symlinks, a symlink swapped in
 * during a walk, device nodes, hard links), a read-only volume refuses
 * every change, and malformed requests get Rlerror. Needs root (chown,
 * mknod), as the monitor has. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "p9.h"
#include "p9_req.h"

static char base[] = "/tmp/df-p9-XXXXXX";
static char vol[64], outside[64];
static void path_of(char *dst, const char *dir, const char *name)
{
    snprintf(dst, 256, "%s/%s", dir, name);
}

static void put_file(const char *dir, const char *name, const char *content)
{
    char p[256];
    path_of(p, dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, content, strlen(content));
        close(fd);
    }
}

static int session(struct p9_server *s, bool readonly, uint32_t uid)
{
    int root = open(vol, O_PATH | O_DIRECTORY | O_CLOEXEC);
    p9_server_init(s, root, readonly);
    if (req(s, P9_TVERSION, "ds", 8192u, "9P2000.L") != 0)
        return -1;
    return req(s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", uid);
}

static void end(struct p9_server *s)
{
    p9_server_reset(s);
    close(s->root_fd);
}

/* Walks fid 0 to newfid through names (up to 3, NULL-terminated). */
static int walk(struct p9_server *s, uint32_t newfid, const char *a, const char *b)
{
    if (b)
        return req(s, P9_TWALK, "ddwss", 0u, newfid, 2u, a, b);
    return req(s, P9_TWALK, "ddws", 0u, newfid, 1u, a);
}

static void test_session_rules(void)
{
    struct p9_server s;
    int root = open(vol, O_PATH | O_DIRECTORY);
    p9_server_init(&s, root, false);
    CHECK(req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u) == EPROTO,
          "a request before Tversion gets EPROTO");
    CHECK(req(&s, P9_TVERSION, "ds", 1u << 20, "9P2000.L") == 0 && u32_at(7) == P9_MAX_MSIZE,
          "Tversion clamps msize to the server's maximum");
    CHECK(req(&s, P9_TVERSION, "ds", 8192u, "9P2000.u") == 0 && reply[13] == 'u',
          "another protocol version is answered with unknown");
    CHECK(req(&s, P9_TVERSION, "ds", 100u, "9P2000.L") == EINVAL, "a tiny msize is refused");
    end(&s);
}

static void test_malformed(void)
{
    struct p9_server s;
    CHECK(session(&s, false, 0) == 0, "attach");
    uint8_t bad[16] = {9, 0, 0, 0, P9_TCLUNK, 1, 0, 0, 0};
    reply_len = p9_handle(&s, bad, 8, reply, sizeof reply);
    CHECK(reply[4] == P9_RLERROR && u32_at(7) == EINVAL, "size field and length disagree");
    CHECK(req(&s, P9_TCLUNK, "w", 0u) == EINVAL, "a truncated request gets EINVAL");
    CHECK(req(&s, P9_TCLUNK, "dd", 0u, 0u) == EINVAL, "trailing bytes get EINVAL");
    CHECK(req(&s, 200, "") == EOPNOTSUPP, "an unknown type gets EOPNOTSUPP");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 1u, 17u) == EINVAL, "more than 16 walk names");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, P9_MAX_FIDS, 0u) == EMFILE, "a fid beyond the table");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 0xfffffffeu, 0u) == EMFILE, "a huge fid number");
    s.max_fids = 8; /* the monitor's share of RLIMIT_NOFILE */
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 7u, 0u) == 0 && req(&s, P9_TWALK, "ddw", 0u, 8u, 0u) ==
          EMFILE, "fids stay below the volume's share of the fd limit");
    req(&s, P9_TCLUNK, "d", 7u);
    s.max_fids = P9_MAX_FIDS;
    CHECK(req(&s, P9_TGETATTR, "dq", 77u, 0ull) == EBADF, "an unknown fid gets EBADF");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 0u, 0u) == 0, "a walk of no names onto itself");
    CHECK(req(&s, P9_TWALK, "ddws", 0u, 9000u, 1u, "file") == 0 &&
              req(&s, P9_TGETATTR, "dq", 9000u, 0ull) == 0 &&
              req(&s, P9_TGETATTR, "dq", 0u, 0ull) == 0 && reply[15] == 0x80,
          "a walk that grows the fid table keeps both fids");
    uint8_t nul[] = {15, 0, 0, 0, P9_TWALK, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 'a', 0};
    nul[0] = 21;
    nul[7] = 0, nul[8] = 0, nul[9] = 0, nul[10] = 0; /* fid 0 */
    nul[11] = 2, nul[12] = 0, nul[13] = 0, nul[14] = 0; /* newfid 2 */
    nul[15] = 1, nul[16] = 0; /* one name */
    nul[17] = 2, nul[18] = 0; /* of two bytes: 'a', NUL */
    reply_len = p9_handle(&s, nul, 21, reply, sizeof reply);
    CHECK(reply[4] == P9_RLERROR && u32_at(7) == EINVAL, "a name holding a NUL byte");
    CHECK(req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u) == EBADF,
          "attach to a fid in use");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 3u, 0u) == 0 &&
              req(&s, P9_TREAD, "dqd", 3u, 0ull, 100u) == EBADF,
          "read on a fid that is not open");
    end(&s);
}

static void test_confinement(void)
{
    struct p9_server s;
    CHECK(session(&s, false, 0) == 0, "attach");
    CHECK(walk(&s, 1, "..", NULL) == EINVAL, ".. is refused");
    CHECK(walk(&s, 1, ".", NULL) == EINVAL, ". is refused");
    CHECK(walk(&s, 1, "sub/../..", NULL) == EINVAL, "a name with a slash is refused");
    CHECK(walk(&s, 1, "", NULL) == EINVAL, "an empty name is refused");

    /* esc -> / and up -> ../..: a walk reaches the symlink, never through it. */
    CHECK(walk(&s, 1, "abs", "secret") == 0 && reply[7] == 1,
          "walking through an absolute symlink stops at the symlink");
    CHECK(req(&s, P9_TGETATTR, "dq", 1u, 0ull) == EBADF, "a partial walk creates no fid");
    CHECK(walk(&s, 1, "rel", "secret") == 0 && reply[7] == 1,
          "walking through a relative symlink stops at the symlink");
    CHECK(walk(&s, 1, "abs", NULL) == 0, "the symlink itself can be walked to");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 0u) == ELOOP, "a symlink is never opened");
    CHECK(req(&s, P9_TREADLINK, "d", 1u) == 0 && reply[9] == '/',
          "readlink gives the target text, for the guest to resolve");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x8u, 0u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == EINVAL,
          "truncate through a symlink fid is refused");
    CHECK(req(&s, P9_TLCREATE, "dsddd", 0u, "abs", 0101u, 0644u, 0u) == EEXIST,
          "create over an existing symlink does not follow it");

    CHECK(walk(&s, 2, "null", NULL) == 0 && req(&s, P9_TLOPEN, "dd", 2u, 2u) == EPERM,
          "a host device node in the volume is never opened");
    CHECK(walk(&s, 3, "fifo", NULL) == 0 && req(&s, P9_TLOPEN, "dd", 3u, 0u) == EPERM,
          "a fifo is never opened (it would block the monitor)");
    CHECK(req(&s, P9_TMKNOD, "dsdddd", 0u, "mem", 020600u, 1u, 1u, 0u) == 0,
          "mknod makes a device node, as in a runc container");
    CHECK(walk(&s, 4, "mem", NULL) == 0 && req(&s, P9_TLOPEN, "dd", 4u, 0u) == EPERM,
          "a device node the guest made is not opened either");

    CHECK(walk(&s, 5, "file", NULL) == 0 &&
              req(&s, P9_TLINK, "dds", 0u, 5u, "../linked") == EINVAL,
          "a hard link name with a slash is refused");
    CHECK(req(&s, P9_TLINK, "dds", 0u, 5u, "hard") == 0, "a hard link inside the volume");
    CHECK(req(&s, P9_TRENAMEAT, "dsds", 0u, "hard", 0u, "..") == EINVAL,
          "rename to .. is refused");
    CHECK(req(&s, P9_TUNLINKAT, "dsd", 0u, "..", 0x200u) == EINVAL, "unlink of .. is refused");
    CHECK(req(&s, P9_TSYMLINK, "dssd", 0u, "new", "/etc/shadow", 0u) == 0,
          "a symlink to a host path is stored as text");
    CHECK(walk(&s, 6, "new", NULL) == 0 && req(&s, P9_TLOPEN, "dd", 6u, 0u) == ELOOP,
          "and is never followed");
    end(&s);
}

/* A child swaps "d" between a directory and a symlink to the outside
 * directory while the server walks d/secret and reads it: the outside
 * secret must never come back. */
static void test_symlink_swap_race(void)
{
    char d[256], link[256];
    path_of(d, vol, "d");
    path_of(link, vol, "dlink");
    mkdir(d, 0755);
    put_file(d, "secret", "inside");
    put_file(outside, "secret", "OUTSIDE");
    (void)!symlink(outside, link);

    pid_t pid = fork();
    if (pid == 0) {
        for (;;) /* RENAME_EXCHANGE: "d" is the symlink half of the time */
            (void)!syscall(SYS_renameat2, AT_FDCWD, d, AT_FDCWD, link, 2);
    }
    struct p9_server s;
    session(&s, false, 0);
    int leaks = 0, reads = 0;
    /* 3000 walks, more if none read the file yet (a loaded machine may run
     * the swapper in long slices), bounded. */
    for (int i = 0; i < 100000 && (i < 3000 || reads == 0); i++) {
        if (walk(&s, 1, "d", "secret") != 0 || reply[7] != 2)
            continue;
        if (req(&s, P9_TLOPEN, "dd", 1u, 0u) == 0 &&
            req(&s, P9_TREAD, "dqd", 1u, 0ull, 64u) == 0) {
            reads++;
            if (u32_at(7) >= 7 && memcmp(reply + 11, "OUTSIDE", 7) == 0)
                leaks++;
        }
        req(&s, P9_TCLUNK, "d", 1u);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    end(&s);
    printf("# %d reads during the swap race\n", reads);
    CHECK(reads > 0 && leaks == 0, "a symlink swapped in during walks never leads outside");
}

static void test_readonly(void)
{
    struct p9_server s;
    CHECK(session(&s, true, 0) == 0, "attach read-only");
    CHECK(walk(&s, 1, "file", NULL) == 0, "walk");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 1u) == EROFS, "open for writing");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 01000u) == EROFS, "open with O_TRUNC");
    CHECK(req(&s, P9_TLCREATE, "dsddd", 0u, "n", 0101u, 0644u, 0u) == EROFS, "create");
    CHECK(req(&s, P9_TMKDIR, "dsdd", 0u, "n", 0755u, 0u) == EROFS, "mkdir");
    CHECK(req(&s, P9_TSYMLINK, "dssd", 0u, "n", "x", 0u) == EROFS, "symlink");
    CHECK(req(&s, P9_TMKNOD, "dsdddd", 0u, "n", 010644u, 0u, 0u, 0u) == EROFS, "mknod");
    CHECK(req(&s, P9_TLINK, "dds", 0u, 1u, "n") == EROFS, "link");
    CHECK(req(&s, P9_TRENAMEAT, "dsds", 0u, "file", 0u, "n") == EROFS, "rename");
    CHECK(req(&s, P9_TUNLINKAT, "dsd", 0u, "file", 0u) == EROFS, "unlink");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x1u, 0777u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == EROFS,
          "chmod");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 0u) == 0 &&
              req(&s, P9_TWRITE, "dqds", 1u, 0ull, 2u, "") == EROFS,
          "write on a read-only fid");
    CHECK(req(&s, P9_TREMOVE, "d", 1u) == EROFS, "remove");
    char p[256];
    struct stat st;
    path_of(p, vol, "file");
    CHECK(stat(p, &st) == 0 && st.st_size == 4 && (st.st_mode & 0777) == 0644,
          "the host file is unchanged");
    end(&s);
}

static void test_files(void)
{
    struct p9_server s;
    CHECK(session(&s, false, 1234) == 0, "attach as uid 1234");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 1u, 0u) == 0 &&
              req(&s, P9_TLCREATE, "dsddd", 1u, "made", 0102u, 04755u, 99u) == 0,
          "create a set-uid file");
    char p[256];
    struct stat st;
    path_of(p, vol, "made");
    CHECK(stat(p, &st) == 0 && st.st_uid == 1234 && st.st_gid == 99 &&
              (st.st_mode & 07777) == 04755,
          "it has the attaching uid, the asked gid and the whole mode");
    CHECK(req(&s, P9_TWRITE, "dqdb", 1u, 0ull, 1u, 'x') == 0 && u32_at(7) == 1,
          "write through the created fid");
    CHECK(req(&s, P9_TREAD, "dqd", 1u, 0ull, 10u) == 0 && u32_at(7) == 1 && reply[11] == 'x',
          "read it back");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x8u, 0u, 0u, 0u, 100ull, 0ull, 0ull, 0ull,
              0ull) == 0 &&
              stat(p, &st) == 0 && st.st_size == 100,
          "truncate by setattr");
    CHECK(req(&s, P9_TMKDIR, "dsdd", 0u, "dir", 02750u, 5u) == 0 && stat(p, &st) == 0,
          "mkdir");
    path_of(p, vol, "dir");
    CHECK(stat(p, &st) == 0 && st.st_uid == 1234 && st.st_gid == 5 &&
              (st.st_mode & 07777) == 02750,
          "the directory's owner and mode");
    CHECK(req(&s, P9_TRENAMEAT, "dsds", 0u, "dir", 0u, "dir2") == 0 &&
              req(&s, P9_TUNLINKAT, "dsd", 0u, "dir2", 0x200u) == 0,
          "rename and rmdir");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 2u, 0u) == 0 && req(&s, P9_TLOPEN, "dd", 2u, 0u) == 0 &&
              req(&s, P9_TREADDIR, "dqd", 2u, 0ull, 8000u) == 0 && u32_at(7) > 0,
          "readdir of the root");
    bool found = false;
    for (size_t off = 11; off + 24 <= reply_len;) {
        size_t len = reply[off + 22] | reply[off + 23] << 8;
        if (len == 4 && memcmp(reply + off + 24, "made", 4) == 0)
            found = true;
        off += 24 + len;
    }
    CHECK(found, "readdir lists the created file");
    end(&s);
}

static const char *const names[] = {"a", "b", "file", "abs", "null", "..", "", "x/y", "sub"};

/* Requests with random fields, some then cut, grown or bit-flipped: every
 * reply must be a well-formed R-message or Rlerror within msize (memory
 * errors show under `make test-asan`). */
static void test_random_requests(void)
{
    static const struct {
        uint8_t type;
        const char *fmt;
    } kinds[] = {
        {P9_TWALK, "ddws"}, {P9_TWALK, "ddwss"}, {P9_TWALK, "ddw"}, {P9_TLOPEN, "dd"},
        {P9_TREAD, "dqd"}, {P9_TWRITE, "dqd"}, {P9_TGETATTR, "dq"}, {P9_TSETATTR, "dddddqqqqq"},
        {P9_TREADDIR, "dqd"}, {P9_TLCREATE, "dsddd"}, {P9_TMKDIR, "dsdd"}, {P9_TSYMLINK, "dssd"},
        {P9_TMKNOD, "dsdddd"}, {P9_TRENAMEAT, "dsds"}, {P9_TUNLINKAT, "dsd"}, {P9_TLINK, "dds"},
        {P9_TREADLINK, "d"}, {P9_TCLUNK, "d"}, {P9_TFSYNC, "dd"}, {P9_TSTATFS, "d"},
        {P9_TLOCK, "dbdqqds"}, {P9_TXATTRWALK, "dds"}, {P9_TREMOVE, "d"},
    };
    static uint8_t buf[P9_MAX_MSIZE];
    struct p9_server s;
    session(&s, false, 0);
    int bad = 0, served = 0;
    for (int i = 0; i < 100000; i++) {
        if (i % 16 == 0) /* fid 0 may have been clunked or walked over */
            req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u);
        uint32_t k = rnd(sizeof kinds / sizeof kinds[0]);
        size_t n = random_request(buf, kinds[k].type, kinds[k].fmt, names, 9);
        uint32_t how = rnd(8);
        if (how == 0 && n > 7)
            n -= 1 + rnd((uint32_t)n - 7); /* cut, size field now wrong */
        else if (how == 1)
            buf[7 + rnd((uint32_t)n - 7 + 1)] ^= (uint8_t)(1u << rnd(8)); /* flip */
        size_t len = p9_handle(&s, buf, n, reply, sizeof reply);
        if (u32_at(0) != len || len > s.msize ||
            (reply[4] != P9_RLERROR && reply[4] != buf[4] + 1))
            bad++;
        served += reply[4] != P9_RLERROR;
    }
    end(&s);
    printf("# %d of the random requests succeeded\n", served);
    CHECK(bad == 0 && served > 1000, "100,000 random requests all get well-formed replies");
}

static void setup(void)
{
    if (mkdtemp(base) == NULL)
        exit(1);
    snprintf(vol, sizeof vol, "%s/vol", base);
    snprintf(outside, sizeof outside, "%s/outside", base);
    mkdir(vol, 0755);
    mkdir(outside, 0755);
    put_file(outside, "secret", "OUTSIDE");
    put_file(vol, "file", "data");
    char p[256];
    path_of(p, vol, "abs");
    (void)!symlink(outside, p);
    path_of(p, vol, "rel");
    (void)!symlink("../outside", p);
    path_of(p, vol, "null");
    (void)!mknod(p, S_IFCHR | 0666, makedev(1, 3));
    path_of(p, vol, "fifo");
    (void)!mkfifo(p, 0644);
}

int main(void)
{
    setup();
    test_session_rules();
    test_malformed();
    test_confinement();
    test_readonly();
    test_files();
    test_symlink_swap_race();
    test_random_requests();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    (void)!system(cmd);
    return check_summary();
}
