/* A 9P2000.L file server for one host directory (a volume), or for a set
 * of host files (a file volume: single-file bind mounts, p9_files.c),
 * spoken by the guest kernel's own 9p client over a channel of its own
 * (docs/volumes.md).
 *
 * Threat model: every request comes from the untrusted guest. The server
 * never resolves a path of more than one component, never follows a
 * symlink on the host, opens only regular files and directories, never
 * looks up a name in a file volume's host directories, and with a
 * read-only volume or file refuses every request that would change it. Anything
 * malformed gets Rlerror; nothing a request says can crash the monitor.
 * This file knows nothing about sockets: p9_handle maps one request to one
 * reply, so the unit tests drive it directly. */
#ifndef DOCK_FIRE_MONITOR_P9_H
#define DOCK_FIRE_MONITOR_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The largest message either side sends. 64 KiB keeps the two buffers of a
 * volume small (RSS budget) while a Tread/Twrite still moves 64 KiB - 24. */
#define P9_MAX_MSIZE (64u * 1024u)
/* size[4] type[1] tag[2] */
#define P9_HEADER 7u
/* The fid table grows up to this many fids (16 bytes each); the Linux
 * client numbers fids from 0 upwards and reuses them, so fid values stay
 * below this bound. A file open in the guest holds two (its dentry's and
 * the open one), so a volume holds up to about 32,000 open files. */
#define P9_MAX_FIDS 65536u
/* Host devices (or 2^48-inode ranges) a volume reaches besides its own,
 * each named by a slot in the top bits of qid.path (p9_qid.c). */
#define P9_MAX_QID_SLOTS 255u
/* Twalk carries at most this many names (the protocol's MAXWELEM). */
#define P9_MAX_WELEM 16u

enum p9_type {
    P9_RLERROR = 7,
    P9_TSTATFS = 8,
    P9_TLOPEN = 12,
    P9_TLCREATE = 14,
    P9_TSYMLINK = 16,
    P9_TMKNOD = 18,
    P9_TRENAME = 20,
    P9_TREADLINK = 22,
    P9_TGETATTR = 24,
    P9_TSETATTR = 26,
    P9_TXATTRWALK = 30,
    P9_TXATTRCREATE = 32,
    P9_TREADDIR = 40,
    P9_TFSYNC = 50,
    P9_TLOCK = 52,
    P9_TGETLOCK = 54,
    P9_TLINK = 70,
    P9_TMKDIR = 72,
    P9_TRENAMEAT = 74,
    P9_TUNLINKAT = 76,
    P9_TVERSION = 100,
    P9_TAUTH = 102,
    P9_TATTACH = 104,
    P9_TFLUSH = 108,
    P9_TWALK = 110,
    P9_TREAD = 116,
    P9_TWRITE = 118,
    P9_TCLUNK = 120,
    P9_TREMOVE = 122,
};

#define P9_QTDIR 0x80u
#define P9_QTSYMLINK 0x02u
#define P9_QTFILE 0x00u

#define P9_NOFID 0xffffffffu
#define P9_NOTAG 0xffffu

/* fd of a free fid, and open_fd of a fid not open */
#define P9_NO_FD (-1)
/* fd (and, once opened, open_fd) of the root of a file volume: a
 * directory that exists only in the server, so it holds no host fd, and
 * any request the server does not expect on it fails with EBADF. */
#define P9_FILES_ROOT (-2)

struct p9_fid {
    int fd;       /* O_PATH fd of the file, P9_FILES_ROOT, or P9_NO_FD: free */
    int open_fd;  /* after Tlopen/Tlcreate, else P9_NO_FD */
    uint32_t uid; /* from Tattach: the owner of what this fid creates */
    bool readonly; /* reached through a read-only file of a file volume */
};

/* One host file of a file volume, pinned at start as a bind mount pins
 * its inode. */
struct p9_file_entry {
    int fd; /* O_PATH, of a regular file; owned by the caller */
    bool readonly;
};

struct p9_qid_slot {
    dev_t dev;
    uint16_t hi; /* the inode numbers' top 16 bits */
};

/* How host inodes become qid.paths, unique within a server (p9_qid.c). */
struct p9_qids {
    dev_t home;    /* the volume's own device: its inode numbers show as they are */
    bool all_home; /* a file volume whose files' inode numbers are all distinct */
    uint32_t n;    /* slots in use */
    uint32_t max;  /* slots allowed (<= P9_MAX_QID_SLOTS; tests lower it) */
    struct p9_qid_slot slots[P9_MAX_QID_SLOTS];
};

struct p9_server {
    /* A directory volume: the directory, O_PATH, owned by the caller.
     * A file volume: P9_NO_FD, and its root lists files[i] as "i". */
    int root_fd;
    const struct p9_file_entry *files;
    uint32_t nfiles;
    bool readonly;
    uint32_t msize; /* negotiated by Tversion; 0 before */
    struct p9_fid *fids;
    uint32_t nfids;    /* capacity of fids */
    uint32_t max_fids; /* fid numbers stay below this (<= P9_MAX_FIDS) */
    struct p9_qids qids;
};

/* Reads a request with bounds checks: any overrun sets bad, and every
 * later read returns zeroes, so handlers check bad once at the end. */
struct p9_in {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool bad;
};

/* Builds a reply in a buffer of fixed capacity; overflow sets bad. */
struct p9_out {
    uint8_t *p;
    size_t cap;
    size_t len;
    bool bad;
};

/* 0 when the whole request was read and nothing overran, else EINVAL:
 * handlers call it after parsing and before acting. */
static inline int p9_parsed(const struct p9_in *in)
{
    return in->bad || in->off != in->len ? 22 /* EINVAL */ : 0;
}

/* p9_wire.c */
uint8_t p9_get8(struct p9_in *in);
uint16_t p9_get16(struct p9_in *in);
uint32_t p9_get32(struct p9_in *in);
uint64_t p9_get64(struct p9_in *in);
/* A string copied into dst (cap bytes, NUL-terminated); bad when it does
 * not fit or holds a NUL. Returns dst. */
char *p9_getstr(struct p9_in *in, char *dst, size_t cap);
/* A name for one path component: not empty, no '/', not "." or "..". */
bool p9_valid_name(const char *name);
void p9_put8(struct p9_out *out, uint8_t v);
void p9_put16(struct p9_out *out, uint16_t v);
void p9_put32(struct p9_out *out, uint32_t v);
void p9_put64(struct p9_out *out, uint64_t v);
void p9_putstr(struct p9_out *out, const char *s, size_t n);
/* Room for n raw bytes at the end of the reply; NULL (and bad) if none. */
uint8_t *p9_reserve(struct p9_out *out, size_t n);

/* p9_fid.c */
void p9_server_init(struct p9_server *s, int root_fd, bool readonly);
/* A file volume: a root directory holding only files[0..n), named by
 * their index, which nothing can add to, rename or remove. */
void p9_server_init_files(struct p9_server *s, const struct p9_file_entry *files, uint32_t n);
/* Closes every fid's fds and frees the table (the connection ended). */
void p9_server_reset(struct p9_server *s);
/* The fid in use, or NULL. */
struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t fid);
/* A free slot for fid, growing the table; NULL (errno) when fid is in use
 * or not below max_fids. */
struct p9_fid *p9_fid_new(struct p9_server *s, uint32_t fid);
void p9_fid_release(struct p9_fid *f);

/* p9_server.c: one request of len bytes (a whole message) in, one reply
 * out (cap >= P9_MAX_MSIZE bytes). Returns the reply's length. */
size_t p9_handle(struct p9_server *s, const uint8_t *req, size_t len, uint8_t *reply,
                 size_t cap);

/* Handlers: each reads its request from in, fills out after the header,
 * and returns 0, or a positive errno for Rlerror. */
typedef int p9_handler(struct p9_server *s, struct p9_in *in, struct p9_out *out);

/* p9_file.c: fids, walking, attributes, reading and writing */
p9_handler p9_version, p9_attach, p9_walk, p9_clunk, p9_getattr, p9_setattr, p9_lopen,
    p9_read, p9_write, p9_readdir, p9_readlink, p9_statfs, p9_fsync;
/* p9_change.c: requests that create, rename or remove names */
p9_handler p9_lcreate, p9_mkdir, p9_symlink, p9_mknod, p9_link, p9_renameat, p9_unlinkat,
    p9_remove;
/* p9_files.c: the root of a file volume */
/* The entry a walk from the root reaches by name: a new O_PATH fd of its
 * file, or -1 with errno (ENOENT for any other name). */
int p9_files_lookup(const struct p9_server *s, const char *name, bool *readonly);
void p9_files_root_stat(const struct p9_server *s, struct stat *st);
/* Rreaddir's entries of the root from offset, in at most count bytes. */
int p9_files_list(struct p9_server *s, uint64_t offset, uint32_t count,
                  struct p9_out *out);
/* Shared by all */
/* Attributes of what a fid holds: the host inode, or the file volume's root. */
int p9_fid_stat(const struct p9_server *s, const struct p9_fid *f, struct stat *st);
/* Whether changes through f are refused. */
static inline bool p9_fid_readonly(const struct p9_server *s, const struct p9_fid *f)
{
    return s->readonly || f->readonly;
}
/* p9_qid.c */
void p9_qids_init(struct p9_qids *q, dev_t home, bool all_home);
/* The qid.path of host inode (dev, ino): 0, or EOVERFLOW when it would
 * need a slot and none is left. */
int p9_qid_path(struct p9_qids *q, dev_t dev, uint64_t ino, uint64_t *path);
/* The qid of what st describes; 0 or EOVERFLOW (nothing written). */
int p9_put_qid(struct p9_server *s, struct p9_out *out, const struct stat *st);
static inline uint8_t p9_qid_type(mode_t mode)
{
    return S_ISDIR(mode) ? P9_QTDIR : S_ISLNK(mode) ? P9_QTSYMLINK : P9_QTFILE;
}
int p9_stat_fd(int fd, struct stat *st);
/* The /proc/self/fd/N path of fd (buf of 32 bytes): reaches exactly the
 * inode fd holds; used only for inodes that are not symlinks. */
const char *p9_fd_path(char *buf, int fd);
/* Tlopen/Tlcreate flags as host open flags, and whether they write. */
int p9_open_flags(uint32_t flags);
bool p9_open_writes(uint32_t flags);

#endif
