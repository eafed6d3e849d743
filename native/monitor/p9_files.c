/* The root of a file volume: single-file bind mounts (`-v /host/file:/x`)
 * served live. The guest mounts the volume at a hidden place and binds
 * each file onto its target (docs/volumes.md).
 *
 * The root is a directory that exists only here: it holds no host fd, and
 * lists the volume's files, named "0", "1", ... by their index. Each file
 * was opened (O_PATH) when the monitor started, so a walk from the root
 * reaches exactly that inode, whatever happens to its name on the host, as
 * a runc bind mount keeps the inode it was made on. Nothing is ever looked
 * up in the file's parent directory, so no request can reach another
 * entry of it: a walk to any other name gets ENOENT, and the requests that
 * add, rename or remove names get EPERM on the root and ENOTDIR on a file.
 */
#include "p9.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* The root's inode number as the guest sees it; the guest kernel makes
 * the root's inode apart from the others, so it cannot clash with one. */
#define ROOT_INO 2u

/* The index a name stands for: decimal digits without a leading zero,
 * below nfiles; -1 otherwise. */
static long entry_index(const struct p9_server *s, const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 9 || (name[0] == '0' && len > 1))
        return -1;
    long i = 0;
    for (size_t k = 0; k < len; k++) {
        if (name[k] < '0' || name[k] > '9')
            return -1;
        i = i * 10 + (name[k] - '0');
    }
    return i < (long)s->nfiles ? i : -1;
}

int p9_files_lookup(const struct p9_server *s, const char *name, bool *readonly)
{
    long i = entry_index(s, name);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    int fd = fcntl(s->files[i].fd, F_DUPFD_CLOEXEC, 3);
    if (fd >= 0 && s->files[i].readonly)
        *readonly = true;
    return fd;
}

void p9_files_root_stat(const struct p9_server *s, struct stat *st)
{
    (void)s;
    *st = (struct stat){
        .st_mode = S_IFDIR | 0555,
        .st_nlink = 2,
        .st_ino = ROOT_INO,
        .st_blksize = 4096,
    };
}

int p9_files_list(struct p9_server *s, uint64_t offset, uint32_t count,
                  struct p9_out *out)
{
    size_t at = out->len;
    p9_put32(out, 0);
    size_t start = out->len;
    /* Entry i has offset i + 1: the next Treaddir starts after it. */
    for (uint64_t i = offset; i < s->nfiles; i++) {
        char name[16];
        int len = snprintf(name, sizeof name, "%u", (unsigned)i);
        struct stat st;
        int err = p9_stat_fd(s->files[i].fd, &st);
        if (err != 0)
            return err;
        if (out->len - start + 24 + (size_t)len > count)
            break;
        if ((err = p9_put_qid(s, out, &st)) != 0)
            return err;
        p9_put64(out, i + 1);
        p9_put8(out, DT_REG);
        p9_putstr(out, name, (size_t)len);
    }
    size_t used = out->len - start;
    for (int i = 0; i < 4; i++)
        out->p[at + (size_t)i] = (uint8_t)(used >> (8 * i));
    return 0;
}
