/* A file volume of the monitor's 9P server (monitor/p9_files.c): the
 * single-file binds of a container, served from a root that lists only
 * them. Fed raw requests as a hostile guest kernel could send them:
 * nothing may reach another entry of a file's host directory or anything
 * outside it (other names, "..", names that look like indexes, a symlink
 * or a new file put at the name later), the root takes no new names, and
 * a read-only file refuses every change. Needs root, as the monitor. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "p9.h"
#include "p9_req.h"

static char base[] = "/tmp/df-p9-files-XXXXXX";
static char parent[64];
static struct p9_file_entry entries[3];

static void path_in(char *dst, const char *name)
{
    snprintf(dst, 256, "%s/%s", parent, name);
}

static void put(const char *name, const char *content, mode_t mode)
{
    char p[256];
    path_in(p, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        (void)!write(fd, content, strlen(content));
        close(fd);
    }
}

static char *host_read(const char *name, char *buf, size_t cap)
{
    char p[256];
    path_in(p, name);
    int fd = open(p, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);
    buf[n < 0 ? 0 : n] = '\0';
    if (fd >= 0)
        close(fd);
    return buf;
}

/* The names in the host directory, sorted, joined by spaces. */
static const char *host_listing(void)
{
    static char out[512];
    char cmd[300];
    snprintf(cmd, sizeof cmd, "ls -A %s | tr '\\n' ' '", parent);
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[n] = '\0';
    if (f)
        pclose(f);
    return out;
}

/* Entry 0: app.conf, read-write; 1: ro.conf, read-only; 2: reached
 * through the symlink link.conf -> app.conf, resolved when pinned. */
static void setup(void)
{
    if (mkdtemp(base) == NULL)
        exit(1);
    snprintf(parent, sizeof parent, "%s/parent", base);
    mkdir(parent, 0755);
    put("app.conf", "app\n", 0640);
    put("ro.conf", "ro\n", 0644);
    put("other", "OTHER-SECRET\n", 0600);
    char p[256];
    path_in(p, "link.conf");
    (void)!symlink("app.conf", p);
    const char *names[] = {"app.conf", "ro.conf", "link.conf"};
    for (int i = 0; i < 3; i++) {
        path_in(p, names[i]);
        entries[i] = (struct p9_file_entry){.fd = open(p, O_PATH | O_CLOEXEC),
                                            .readonly = i == 1};
    }
}

static int session(struct p9_server *s)
{
    p9_server_init_files(s, entries, 3);
    if (req(s, P9_TVERSION, "ds", 8192u, "9P2000.L") != 0)
        return -1;
    return req(s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 1000u);
}

static int walk1(struct p9_server *s, uint32_t from, uint32_t newfid, const char *name)
{
    return req(s, P9_TWALK, "ddws", from, newfid, 1u, name);
}

/* The u64 size of an Rgetattr: valid[8] qid[13] mode uid gid[12] nlink rdev[16]. */
static uint64_t getattr_size(void)
{
    return (uint64_t)u32_at(7 + 8 + 13 + 12 + 16) |
           (uint64_t)u32_at(7 + 8 + 13 + 12 + 16 + 4) << 32;
}

static void test_root(void)
{
    struct p9_server s;
    CHECK(session(&s) == 0 && reply[7] == 0x80, "attach gives a directory");
    CHECK(req(&s, P9_TGETATTR, "dq", 0u, 0x7ffull) == 0 &&
              (u32_at(7 + 8 + 13) & S_IFMT) == S_IFDIR,
          "the root's attributes are a directory's");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 1u, 0u) == 0 && req(&s, P9_TLOPEN, "dd", 1u, 0u) == 0,
          "the root opens for reading");
    CHECK(req(&s, P9_TREADDIR, "dqd", 1u, 0ull, 8000u) == 0, "readdir of the root");
    char names[64] = "";
    for (size_t off = 11; off + 24 <= reply_len;) {
        size_t len = reply[off + 22] | reply[off + 23] << 8;
        strncat(names, (const char *)reply + off + 24, len < 8 ? len : 8);
        strcat(names, " ");
        off += 24 + len;
    }
    CHECK(strcmp(names, "0 1 2 ") == 0, "it lists the files by index and nothing else");
    CHECK(req(&s, P9_TREADDIR, "dqd", 1u, 3ull, 8000u) == 0 && u32_at(7) == 0,
          "and ends after the last");
    CHECK(req(&s, P9_TREAD, "dqd", 1u, 0ull, 100u) == EBADF, "the root has no data to read");
    CHECK(walk1(&s, 0, 2, "0") == 0 && req(&s, P9_TGETATTR, "dq", 2u, 0x7ffull) == 0 &&
              (u32_at(7 + 8 + 13) & S_IFMT) == S_IFREG && getattr_size() == 4,
          "walking to 0 reaches the file, with its size");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 3u, 0u) == 0 && walk1(&s, 3, 4, "1") == 0,
          "a clone of the root walks as the root");
    CHECK(req(&s, P9_TSTATFS, "d", 0u) == 0, "statfs of the root");
    p9_server_reset(&s);
}

static void test_walk_attacks(void)
{
    struct p9_server s;
    session(&s);
    static const struct {
        const char *name;
        int err;
    } bad[] = {
        {"other", ENOENT},    {"app.conf", ENOENT}, {"link.conf", ENOENT}, {"3", ENOENT},
        {"00", ENOENT},       {"01", ENOENT},       {"-1", ENOENT},        {"1 ", ENOENT},
        {"4294967296", ENOENT}, {"..", EINVAL},     {".", EINVAL},         {"", EINVAL},
        {"0/..", EINVAL},     {"../other", EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "a walk from the root to \"%s\" is refused", bad[i].name);
        CHECK(walk1(&s, 0, 1, bad[i].name) == bad[i].err, what);
    }
    CHECK(req(&s, P9_TWALK, "ddwss", 0u, 1u, 2u, "0", "x") == 0 && reply[7] == 1 &&
              req(&s, P9_TCLUNK, "d", 1u) == EBADF,
          "a walk on from a file stops at the file and creates no fid");
    CHECK(walk1(&s, 0, 1, "0") == 0 && walk1(&s, 1, 2, "..") == EINVAL,
          ".. from a file is refused");
    CHECK(walk1(&s, 1, 2, "other") == ENOTDIR, "a name under a file is not a directory");
    p9_server_reset(&s);
}

static void test_no_new_names(void)
{
    struct p9_server s;
    session(&s);
    char *before = strdup(host_listing());
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 1u, 0u) == 0 &&
              req(&s, P9_TLCREATE, "dsddd", 1u, "new", 0102u, 0644u, 0u) == EPERM,
          "create in the root");
    CHECK(req(&s, P9_TMKDIR, "dsdd", 0u, "new", 0755u, 0u) == EPERM, "mkdir in the root");
    CHECK(req(&s, P9_TSYMLINK, "dssd", 0u, "new", "/etc/shadow", 0u) == EPERM,
          "symlink in the root");
    CHECK(req(&s, P9_TMKNOD, "dsdddd", 0u, "new", 020600u, 1u, 1u, 0u) == EPERM,
          "mknod in the root");
    CHECK(walk1(&s, 0, 2, "0") == 0 && req(&s, P9_TLINK, "dds", 0u, 2u, "new") == EPERM,
          "hard link into the root");
    CHECK(req(&s, P9_TRENAMEAT, "dsds", 0u, "0", 0u, "other") == EPERM, "rename in the root");
    CHECK(req(&s, P9_TRENAMEAT, "dsds", 2u, "x", 0u, "other") == EPERM,
          "rename onto a name of the root");
    CHECK(req(&s, P9_TUNLINKAT, "dsd", 0u, "0", 0u) == EPERM, "unlink in the root");
    CHECK(req(&s, P9_TUNLINKAT, "dsd", 0u, "other", 0u) == EPERM,
          "unlink of a sibling's name in the root");
    CHECK(req(&s, P9_TLCREATE, "dsddd", 2u, "new", 0102u, 0644u, 0u) == ENOTDIR,
          "create under a file");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 0u, 0x1u, 0777u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == EPERM,
          "chmod of the root");
    CHECK(req(&s, P9_TWALK, "ddw", 0u, 3u, 0u) == 0 &&
              req(&s, P9_TLOPEN, "dd", 3u, 2u) == EISDIR,
          "the root does not open for writing");
    CHECK(req(&s, P9_TREMOVE, "d", 2u) == EOPNOTSUPP, "remove of a file");
    CHECK(strcmp(host_listing(), before) == 0, "the host directory is unchanged");
    free(before);
    p9_server_reset(&s);
}

static void test_live_file(void)
{
    struct p9_server s;
    session(&s);
    char buf[64];
    CHECK(walk1(&s, 0, 1, "0") == 0 && req(&s, P9_TLOPEN, "dd", 1u, 2u) == 0 &&
              req(&s, P9_TWRITE, "dqdd", 1u, 0ull, 4u, 0x73657567u /* "gues" */) == 0,
          "a write through the file");
    CHECK(strcmp(host_read("app.conf", buf, sizeof buf), "gues") == 0,
          "is in the host file at once");
    put("app.conf", "host!\n", 0640);
    CHECK(req(&s, P9_TREAD, "dqd", 1u, 0ull, 100u) == 0 && u32_at(7) == 6 &&
              memcmp(reply + 11, "host!\n", 6) == 0,
          "a host write is read at once");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x1u, 0600u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == 0,
          "chmod of a read-write file");
    CHECK(walk1(&s, 0, 2, "2") == 0 && req(&s, P9_TGETATTR, "dq", 2u, 0x7ffull) == 0 &&
              (u32_at(7 + 8 + 13) & 07777) == 0600,
          "the file pinned through a symlink is the symlink's target");

    /* As a runc bind mount, the file stays the inode it was made on. */
    char from[256], to[256];
    path_in(from, "app.conf");
    path_in(to, "moved.conf");
    CHECK(rename(from, to) == 0, "the host moves the file away");
    put("app.conf", "OTHER-SECRET\n", 0644);
    CHECK(walk1(&s, 0, 3, "0") == 0 && req(&s, P9_TLOPEN, "dd", 3u, 0u) == 0 &&
              req(&s, P9_TREAD, "dqd", 3u, 0ull, 100u) == 0 &&
              memcmp(reply + 11, "host!\n", 6) == 0,
          "a new file at the name is not reached: the pinned inode is");
    unlink(from);
    CHECK(rename(to, from) == 0, "restore");
    p9_server_reset(&s);
}

static void test_readonly_file(void)
{
    struct p9_server s;
    session(&s);
    CHECK(walk1(&s, 0, 1, "1") == 0, "walk to the read-only file");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 1u) == EROFS, "open for writing");
    CHECK(req(&s, P9_TLOPEN, "dd", 1u, 01000u) == EROFS, "open with O_TRUNC");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x1u, 0777u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == EROFS,
          "chmod");
    CHECK(req(&s, P9_TSETATTR, "dddddqqqqq", 1u, 0x8u, 0u, 0u, 0u, 0ull, 0ull, 0ull, 0ull,
              0ull) == EROFS,
          "truncate");
    CHECK(req(&s, P9_TWALK, "ddw", 1u, 2u, 0u) == 0 &&
              req(&s, P9_TLOPEN, "dd", 2u, 0u) == 0 &&
              req(&s, P9_TWRITE, "dqds", 2u, 0ull, 2u, "") == EROFS,
          "write through a clone opened for reading");
    CHECK(req(&s, P9_TREMOVE, "d", 1u) == EROFS, "remove");
    char buf[64], p[256];
    struct stat st;
    path_in(p, "ro.conf");
    CHECK(strcmp(host_read("ro.conf", buf, sizeof buf), "ro\n") == 0 && stat(p, &st) == 0 &&
              (st.st_mode & 0777) == 0644,
          "the host file is unchanged");
    CHECK(walk1(&s, 0, 3, "0") == 0 && req(&s, P9_TLOPEN, "dd", 3u, 2u) == 0,
          "the read-write file beside it still opens for writing");
    p9_server_reset(&s);
}

/* Random requests on the file volume, names drawn from the entries and
 * attacks: every reply well-formed, and the host directory unchanged. */
static void test_random_requests(void)
{
    static const char *const names[] = {"0", "1", "2", "3", "other", "..", "", "app.conf",
                                        "x/y"};
    static const struct {
        uint8_t type;
        const char *fmt;
    } kinds[] = {
        {P9_TWALK, "ddws"}, {P9_TWALK, "ddwss"}, {P9_TWALK, "ddw"}, {P9_TLOPEN, "dd"},
        {P9_TREAD, "dqd"}, {P9_TGETATTR, "dq"}, {P9_TSETATTR, "dddddqqqqq"},
        {P9_TREADDIR, "dqd"}, {P9_TLCREATE, "dsddd"}, {P9_TMKDIR, "dsdd"},
        {P9_TSYMLINK, "dssd"}, {P9_TMKNOD, "dsdddd"}, {P9_TRENAMEAT, "dsds"},
        {P9_TUNLINKAT, "dsd"}, {P9_TLINK, "dds"}, {P9_TREADLINK, "d"}, {P9_TCLUNK, "d"},
        {P9_TFSYNC, "dd"}, {P9_TSTATFS, "d"}, {P9_TREMOVE, "d"},
    };
    static uint8_t buf[P9_MAX_MSIZE];
    struct p9_server s;
    session(&s);
    char *before = strdup(host_listing());
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        if (i % 16 == 0) /* fid 0 may have been clunked or walked over */
            req(&s, P9_TATTACH, "ddssd", 0u, P9_NOFID, "", "", 0u);
        uint32_t k = rnd(sizeof kinds / sizeof kinds[0]);
        size_t n = random_request(buf, kinds[k].type, kinds[k].fmt, names, 9);
        size_t len = p9_handle(&s, buf, n, reply, sizeof reply);
        if (u32_at(0) != len || len > s.msize ||
            (reply[4] != P9_RLERROR && reply[4] != buf[4] + 1))
            bad++;
    }
    CHECK(bad == 0, "20,000 random requests get well-formed replies");
    CHECK(strcmp(host_listing(), before) == 0, "and add, move or remove no host name");
    free(before);
    p9_server_reset(&s);
}

int main(void)
{
    setup();
    test_root();
    test_walk_attacks();
    test_no_new_names();
    test_live_file();
    test_readonly_file();
    test_random_requests();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    (void)!system(cmd);
    return check_summary();
}
