/* The sockets of the volumes: accept the VMM's one connection, cut the
 * byte stream into 9P messages, answer each in order. A reply that the
 * socket does not take at once waits, and reading waits with it, so a
 * guest that stops reading holds at most one request and one reply.
 *
 * Limitation: requests are served in the monitor's one thread, so a slow
 * host file system (or a large fsync) delays the container's stdio and
 * the other volumes meanwhile. */
#include "volume.h"

#include "log.h"
#include "monitor.h"
#include "p9.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* fds kept for the monitor's own use, beyond the volumes' reach. */
#define FD_RESERVE 256u

struct volume {
    const char *socket_path;
    const char *dir; /* the file volume: "single-file binds", for logs */
    bool is_files;
    bool readonly;
    bool bound;
    bool served; /* the VMM connected once; it never reconnects */
    int listen_fd;
    int conn_fd;
    struct p9_server server;
    uint8_t *in;  /* P9_MAX_MSIZE bytes while connected */
    size_t in_len;
    uint8_t *out; /* P9_MAX_MSIZE bytes while connected */
    size_t out_len;
    size_t out_off;
};

static struct volume volumes[MAX_VOLUMES];
static int nvolumes;

/* The one file volume's files, in the order of --volume-file. */
static const char *file_paths[MAX_VOLUME_FILES];
static struct p9_file_entry files[MAX_VOLUME_FILES];
static uint32_t nfiles;
static bool has_file_volume;

/* "ro" or "rw" at the start of arg, then ':'; returns what follows, or NULL. */
static char *take_mode(char *arg, bool *readonly)
{
    if ((strncmp(arg, "ro:", 3) != 0 && strncmp(arg, "rw:", 3) != 0))
        return NULL;
    *readonly = arg[1] == 'o';
    return arg + 3;
}

const char *volume_add(char *arg)
{
    if (nvolumes == MAX_VOLUMES)
        return "too many --volume";
    char *sock = strchr(arg, ':');
    char *dir = sock ? strchr(sock + 1, ':') : NULL;
    if (dir == NULL || dir[1] != '/')
        return "--volume needs MODE:SOCKET:/DIR";
    *sock++ = '\0';
    *dir++ = '\0';
    if (strcmp(arg, "ro") != 0 && strcmp(arg, "rw") != 0)
        return "--volume MODE must be ro or rw";
    volumes[nvolumes++] = (struct volume){.socket_path = sock, .dir = dir,
                                          .readonly = arg[1] == 'o', .listen_fd = -1,
                                          .conn_fd = -1};
    return NULL;
}

const char *volume_add_files(char *socket_path)
{
    if (has_file_volume)
        return "more than one --file-volume";
    if (nvolumes == MAX_VOLUMES)
        return "too many --volume";
    has_file_volume = true;
    volumes[nvolumes++] = (struct volume){.socket_path = socket_path,
                                          .dir = "single-file binds", .is_files = true,
                                          .listen_fd = -1, .conn_fd = -1};
    return NULL;
}

const char *volume_add_file(char *arg)
{
    if (nfiles == MAX_VOLUME_FILES)
        return "too many --volume-file";
    bool readonly;
    char *path = take_mode(arg, &readonly);
    if (path == NULL || path[0] != '/')
        return "--volume-file needs MODE:/PATH, MODE ro or rw";
    file_paths[nfiles] = path;
    files[nfiles++] = (struct p9_file_entry){.fd = -1, .readonly = readonly};
    return NULL;
}

/* Pins each file of the file volume: the path is resolved now, symlinks
 * included, as runc resolves a bind source at create; from then on the
 * guest reaches that inode and nothing else (p9_files.c). */
static int open_files(char *err, size_t cap)
{
    if (nfiles > 0 && !has_file_volume) {
        snprintf(err, cap, "--volume-file without --file-volume");
        return -1;
    }
    for (uint32_t i = 0; i < nfiles; i++) {
        struct stat st;
        int fd = open(file_paths[i], O_PATH | O_CLOEXEC);
        const char *why = fd < 0 || fstat(fd, &st) < 0 ? strerror(errno)
                          : !S_ISREG(st.st_mode)       ? "not a regular file"
                                                       : NULL;
        if (why != NULL) {
            snprintf(err, cap, "bind mount source %s: %s", file_paths[i], why);
            if (fd >= 0)
                (void)close(fd);
            return -1;
        }
        files[i].fd = fd;
    }
    return 0;
}

/* Each fid holds up to two fds. The guest must not be able to take the fds
 * the monitor needs for itself (control clients, the agent channel): the
 * volumes share what RLIMIT_NOFILE leaves above a reserve. The limit the
 * monitor inherits (containerd's, often 1,024 to 20,000) is no measure of
 * what the container may open, which its own nofile rlimit bounds in the
 * guest; so the monitor first raises its limit to what every volume's full
 * fid table needs, within the kernel's fs.nr_open.
 *
 * Limitation: without CAP_SYS_RESOURCE the monitor stops at its inherited
 * hard limit, and the budget counts two fds per fid where an open file
 * takes three for its two fids; counting the fds held, and dropping an
 * open fid's O_PATH fd, would let the guest use all of them. */
static uint64_t nr_open(void)
{
    unsigned long long n = 0;
    FILE *f = fopen("/proc/sys/fs/nr_open", "re");
    if (f == NULL || fscanf(f, "%llu", &n) != 1)
        n = 1024 * 1024; /* the kernel's default */
    if (f != NULL)
        (void)fclose(f);
    return n;
}

static void raise_nofile(uint64_t want)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= want)
        return;
    uint64_t most = nr_open();
    struct rlimit up = {.rlim_cur = want < most ? want : most, .rlim_max = r.rlim_max};
    if (up.rlim_max < up.rlim_cur)
        up.rlim_max = up.rlim_cur;
    /* Raising the hard limit needs CAP_SYS_RESOURCE; without it, go as far
     * as the hard limit allows. */
    if (setrlimit(RLIMIT_NOFILE, &up) < 0) {
        up = (struct rlimit){.rlim_cur = r.rlim_max, .rlim_max = r.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) < 0)
            df_warn("cannot raise RLIMIT_NOFILE: %s", strerror(errno));
    }
}

/* The file volume holds a few files (MAX_VOLUME_FILES) and a fid or two
 * for each: it gets at most this many fids, the directory volumes share
 * the rest. */
#define FILE_VOLUME_FIDS 1024u

struct fid_shares {
    uint32_t dir;   /* each directory volume's */
    uint32_t files; /* the file volume's */
};

static struct fid_shares fid_shares(int ndirs)
{
    uint64_t files_fds = has_file_volume ? 2u * FILE_VOLUME_FIDS : 0;
    raise_nofile(FD_RESERVE + files_fds + 2u * P9_MAX_FIDS * (uint64_t)ndirs);
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur <= FD_RESERVE + 64)
        return (struct fid_shares){32, 32};
    uint64_t avail = r.rlim_cur - FD_RESERVE;
    uint64_t files = has_file_volume ? avail / 2 / (uint64_t)nvolumes : 0;
    if (files > FILE_VOLUME_FIDS)
        files = FILE_VOLUME_FIDS;
    uint64_t dir = ndirs ? (avail - 2 * files) / 2 / (uint64_t)ndirs : 0;
    return (struct fid_shares){.dir = dir < P9_MAX_FIDS ? (uint32_t)dir : P9_MAX_FIDS,
                               .files = (uint32_t)files};
}

int volumes_open(char *err, size_t cap)
{
    struct fid_shares shares = {0, 0};
    if (nvolumes > 0)
        shares = fid_shares(nvolumes - (has_file_volume ? 1 : 0));
    if (open_files(err, cap) < 0)
        return -1;
    for (int i = 0; i < nvolumes; i++) {
        struct volume *v = &volumes[i];
        if (v->is_files) {
            p9_server_init_files(&v->server, files, nfiles);
        } else {
            /* The source is Docker's (or the user's) path: resolved as runc
             * resolves a bind source. Only what the guest asks is confined. */
            int root = open(v->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (root < 0) {
                snprintf(err, cap, "volume %s: %s", v->dir, strerror(errno));
                return -1;
            }
            p9_server_init(&v->server, root, v->readonly);
        }
        v->server.max_fids = v->is_files ? shares.files : shares.dir;
        char why[256];
        if ((v->listen_fd = listen_unix(v->socket_path, why, sizeof why)) < 0) {
            snprintf(err, cap, "volume socket: %s", why);
            return -1;
        }
        v->bound = true;
    }
    return 0;
}

void volumes_unlink(void)
{
    for (int i = 0; i < nvolumes; i++) {
        struct volume *v = &volumes[i];
        if (v->bound && unlink(v->socket_path) < 0 && errno != ENOENT)
            df_warn("unlink %s: %s", v->socket_path, strerror(errno));
        v->bound = false;
    }
}

static void disconnect(struct volume *v, const char *why)
{
    df_info("volume %s: connection closed: %s", v->dir, why);
    if (close(v->conn_fd) < 0)
        df_warn("close volume connection: %s", strerror(errno));
    v->conn_fd = -1;
    p9_server_reset(&v->server);
    free(v->in);
    free(v->out);
    v->in = v->out = NULL;
    v->in_len = v->out_len = v->out_off = 0;
}

static void accept_conn(struct volume *v)
{
    int fd = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            df_warn("accept on volume socket: %s", strerror(errno));
        return;
    }
    if (v->served) {
        /* One VMM, one connection, as for the agent channel. */
        if (agent_noise_allowed())
            df_warn("volume %s: closing an extra connection", v->dir);
        (void)close(fd);
        return;
    }
    v->in = malloc(P9_MAX_MSIZE);
    v->out = malloc(P9_MAX_MSIZE);
    if (v->in == NULL || v->out == NULL) {
        df_error("volume %s: out of memory", v->dir);
        free(v->in);
        free(v->out);
        v->in = v->out = NULL;
        (void)close(fd);
        return;
    }
    v->served = true;
    v->conn_fd = fd;
    df_debug("volume %s connected", v->dir);
}

/* Returns false when the reply is still not all written. */
static bool flush_reply(struct volume *v)
{
    while (v->out_off < v->out_len) {
        ssize_t n = write(v->conn_fd, v->out + v->out_off, v->out_len - v->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return false;
        if (n < 0) {
            disconnect(v, strerror(errno));
            return false;
        }
        v->out_off += (size_t)n;
    }
    v->out_len = v->out_off = 0;
    return true;
}

/* Failed requests are routine (a lookup of a missing name is one), so
 * only the first few are logged, at debug level, to help find why a
 * program fails on a volume without letting the guest fill the log. */
static void log_error_reply(const struct volume *v, uint8_t type)
{
    static unsigned logged;
    if (v->out[4] != P9_RLERROR || logged >= 64)
        return;
    logged++;
    df_debug("volume %s: request type %u failed: %s", v->dir, type,
             strerror((int)((unsigned)v->out[7] | (unsigned)v->out[8] << 8)));
}

/* Answers every whole request in the buffer, one reply at a time. A size
 * outside [7, msize] cannot be skipped in a byte stream: the connection
 * ends, and the guest's mount reports I/O errors. */
static void serve(struct volume *v)
{
    size_t off = 0;
    uint32_t limit = v->server.msize ? v->server.msize : P9_MAX_MSIZE;
    while (v->conn_fd >= 0 && v->out_len == 0 && v->in_len - off >= 4) {
        const uint8_t *p = v->in + off;
        uint32_t size = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                        (uint32_t)p[3] << 24;
        if (size < P9_HEADER || size > limit) {
            df_warn("volume %s: message of %u bytes (limit %u); closing", v->dir, size, limit);
            disconnect(v, "protocol violation");
            return;
        }
        if (v->in_len - off < size)
            break;
        v->out_len = p9_handle(&v->server, p, size, v->out, P9_MAX_MSIZE);
        log_error_reply(v, p[4]);
        off += size;
        limit = v->server.msize;
        flush_reply(v);
    }
    if (v->conn_fd < 0)
        return;
    memmove(v->in, v->in + off, v->in_len - off);
    v->in_len -= off;
}

static void read_requests(struct volume *v)
{
    ssize_t n = read(v->conn_fd, v->in + v->in_len, P9_MAX_MSIZE - v->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        disconnect(v, n == 0 ? "end of file" : strerror(errno));
        return;
    }
    v->in_len += (size_t)n;
    serve(v);
}

/* owner: volume index * 2, +1 for the connection. */
int volumes_poll_fds(struct pollfd *pfds, int *owner, int max)
{
    int n = 0;
    for (int i = 0; i < nvolumes && n + 2 <= max; i++) {
        struct volume *v = &volumes[i];
        if (v->listen_fd >= 0) {
            pfds[n] = (struct pollfd){.fd = v->listen_fd, .events = POLLIN};
            owner[n++] = 2 * i;
        }
        if (v->conn_fd >= 0) {
            /* A full buffer always holds a whole request (sizes <= msize):
             * it waits for its reply's room, not for more bytes. */
            short ev = v->out_len ? POLLOUT : POLLIN;
            pfds[n] = (struct pollfd){.fd = v->conn_fd, .events = ev};
            owner[n++] = 2 * i + 1;
        }
    }
    return n;
}

void volumes_event(int owner, short revents)
{
    struct volume *v = &volumes[owner / 2];
    if (owner % 2 == 0) {
        accept_conn(v);
        return;
    }
    if (v->conn_fd < 0)
        return;
    if (v->out_len) {
        if (flush_reply(v))
            serve(v);
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR))
        read_requests(v);
}
