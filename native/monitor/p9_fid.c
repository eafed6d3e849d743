/* The fid table of one connection: indexed by fid number, grown by
 * doubling up to P9_MAX_FIDS, so its memory follows what the guest uses
 * and a guest naming fid 0xfffffffe gets an error, not a huge table. */
#include "p9.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIRST_CAPACITY 64u

void p9_server_init(struct p9_server *s, int root_fd, bool readonly)
{
    s->root_fd = root_fd;
    s->files = NULL;
    s->nfiles = 0;
    s->readonly = readonly;
    s->msize = 0;
    s->fids = NULL;
    s->nfids = 0;
    s->max_fids = P9_MAX_FIDS;
    /* Without the root's device (fstat failing) every device takes a
     * slot: numbers change, but stay distinct. */
    struct stat st;
    dev_t home = root_fd >= 0 && fstat(root_fd, &st) == 0 ? st.st_dev : (dev_t)-1;
    p9_qids_init(&s->qids, home, false);
}

/* Whether two files of a file volume have one inode number on two
 * devices (or a stat fails): only then do their numbers need slots. */
static bool numbers_clash(const struct p9_file_entry *files, uint32_t n, dev_t *first)
{
    for (uint32_t i = 0; i < n; i++) {
        struct stat a, b;
        if (fstat(files[i].fd, &a) < 0)
            return true;
        if (i == 0)
            *first = a.st_dev;
        for (uint32_t j = 0; j < i; j++)
            if (fstat(files[j].fd, &b) < 0 || (b.st_ino == a.st_ino && b.st_dev != a.st_dev))
                return true;
    }
    return false;
}

void p9_server_init_files(struct p9_server *s, const struct p9_file_entry *files, uint32_t n)
{
    p9_server_init(s, P9_NO_FD, false);
    s->files = files;
    s->nfiles = n;
    /* The files are all the inodes this volume reaches (and its root, made
     * up here, which the guest keeps apart): when their numbers are
     * distinct, each keeps its host number, as under runc. */
    dev_t first = (dev_t)-1;
    bool clash = numbers_clash(files, n, &first);
    p9_qids_init(&s->qids, first, !clash);
}

void p9_fid_release(struct p9_fid *f)
{
    if (f->open_fd >= 0)
        (void)close(f->open_fd); /* nothing to do about a failed close */
    if (f->fd >= 0)
        (void)close(f->fd);
    *f = (struct p9_fid){.fd = P9_NO_FD, .open_fd = P9_NO_FD};
}

void p9_server_reset(struct p9_server *s)
{
    for (uint32_t i = 0; i < s->nfids; i++)
        p9_fid_release(&s->fids[i]);
    free(s->fids);
    s->fids = NULL;
    s->nfids = 0;
    s->msize = 0;
}

struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t fid)
{
    if (fid >= s->nfids || s->fids[fid].fd == P9_NO_FD)
        return NULL;
    return &s->fids[fid];
}

static int grow(struct p9_server *s, uint32_t fid)
{
    uint32_t cap = s->nfids ? s->nfids : FIRST_CAPACITY;
    while (cap <= fid)
        cap *= 2;
    if (cap > s->max_fids)
        cap = s->max_fids;
    struct p9_fid *t = realloc(s->fids, cap * sizeof *t);
    if (t == NULL)
        return -1;
    for (uint32_t i = s->nfids; i < cap; i++)
        t[i] = (struct p9_fid){.fd = P9_NO_FD, .open_fd = P9_NO_FD};
    s->fids = t;
    s->nfids = cap;
    return 0;
}

struct p9_fid *p9_fid_new(struct p9_server *s, uint32_t fid)
{
    if (fid >= s->max_fids) {
        errno = EMFILE;
        return NULL;
    }
    if (fid >= s->nfids && grow(s, fid) < 0) {
        errno = ENOMEM;
        return NULL;
    }
    if (s->fids[fid].fd != P9_NO_FD) {
        errno = EBADF;
        return NULL;
    }
    return &s->fids[fid];
}
