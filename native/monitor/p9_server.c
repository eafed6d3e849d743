/* Request dispatch: checks the header, runs the handler of the type, and
 * turns any failure (a malformed request included) into Rlerror with a
 * Linux errno, which is what 9P2000.L clients expect. */
#include "p9.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int p9_flush(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    /* Requests are answered in order, one at a time: by the time a Tflush
     * is read, the request it names has its reply. */
    (void)s, (void)out;
    (void)p9_get16(in);
    return 0;
}

static int not_supported(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    /* Limitation: no extended attributes (so no ACLs or file
     * capabilities in volumes) and no Tauth; the Linux client copes with
     * EOPNOTSUPP for both. Trename is the fallback of Trenameat. */
    (void)s, (void)out;
    in->off = in->len;
    return EOPNOTSUPP;
}

/* Limitation: POSIX locks are granted without being held: they work
 * between processes of one container (the guest kernel does not see them
 * either way) but not against the host or other containers. */
static int p9_lock(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    char client[256];
    uint32_t fid = p9_get32(in);
    (void)p9_get8(in), (void)p9_get32(in), (void)p9_get64(in), (void)p9_get64(in);
    (void)p9_get32(in), (void)p9_getstr(in, client, sizeof client);
    if (p9_fid_get(s, fid) == NULL)
        return EBADF;
    p9_put8(out, 0); /* P9_LOCK_SUCCESS */
    return 0;
}

static int p9_getlock(struct p9_server *s, struct p9_in *in, struct p9_out *out)
{
    char client[256];
    uint32_t fid = p9_get32(in);
    (void)p9_get8(in);
    uint64_t start = p9_get64(in), length = p9_get64(in);
    uint32_t proc = p9_get32(in);
    p9_getstr(in, client, sizeof client);
    if (p9_fid_get(s, fid) == NULL)
        return EBADF;
    p9_put8(out, 2); /* P9_LOCK_TYPE_UNLCK: nobody holds it */
    p9_put64(out, start);
    p9_put64(out, length);
    p9_put32(out, proc);
    p9_putstr(out, client, strlen(client));
    return 0;
}

static p9_handler *handler_of(uint8_t type)
{
    switch (type) {
    case P9_TVERSION: return p9_version;
    case P9_TATTACH: return p9_attach;
    case P9_TWALK: return p9_walk;
    case P9_TCLUNK: return p9_clunk;
    case P9_TGETATTR: return p9_getattr;
    case P9_TSETATTR: return p9_setattr;
    case P9_TLOPEN: return p9_lopen;
    case P9_TREAD: return p9_read;
    case P9_TWRITE: return p9_write;
    case P9_TREADDIR: return p9_readdir;
    case P9_TREADLINK: return p9_readlink;
    case P9_TSTATFS: return p9_statfs;
    case P9_TFSYNC: return p9_fsync;
    case P9_TLCREATE: return p9_lcreate;
    case P9_TMKDIR: return p9_mkdir;
    case P9_TSYMLINK: return p9_symlink;
    case P9_TMKNOD: return p9_mknod;
    case P9_TLINK: return p9_link;
    case P9_TRENAMEAT: return p9_renameat;
    case P9_TUNLINKAT: return p9_unlinkat;
    case P9_TREMOVE: return p9_remove;
    case P9_TFLUSH: return p9_flush;
    case P9_TLOCK: return p9_lock;
    case P9_TGETLOCK: return p9_getlock;
    case P9_TAUTH:
    case P9_TXATTRWALK:
    case P9_TXATTRCREATE:
    case P9_TRENAME: return not_supported;
    default: return NULL;
    }
}

static void put_header(struct p9_out *out, uint8_t type, uint16_t tag)
{
    out->len = 0;
    out->bad = false;
    p9_put32(out, 0); /* the size, filled in at the end */
    p9_put8(out, type);
    p9_put16(out, tag);
}

size_t p9_handle(struct p9_server *s, const uint8_t *req, size_t len, uint8_t *reply,
                 size_t cap)
{
    struct p9_in in = {.p = req, .len = len};
    uint32_t size = p9_get32(&in);
    uint8_t type = p9_get8(&in);
    uint16_t tag = p9_get16(&in);
    /* Before Tversion only Tversion's reply size (P9_MAX_MSIZE) applies. */
    size_t limit = s->msize ? s->msize : P9_MAX_MSIZE;
    struct p9_out out = {.p = reply, .cap = cap < limit ? cap : limit};

    int err;
    p9_handler *h = handler_of(type);
    put_header(&out, (uint8_t)(type + 1), tag);
    if (in.bad || size != len)
        err = EINVAL;
    else if (h == NULL)
        err = EOPNOTSUPP;
    else if (s->msize == 0 && type != P9_TVERSION)
        err = EPROTO; /* the session starts with Tversion */
    else
        err = h(s, &in, &out);
    if (err == 0 && (in.bad || in.off != in.len))
        err = EINVAL; /* short or overlong request: nothing it did counts */
    if (err == 0 && out.bad)
        err = ENOBUFS; /* handlers bound replies by msize; a safety net */
    if (err != 0) {
        put_header(&out, P9_RLERROR, tag);
        p9_put32(&out, (uint32_t)err);
    }
    out.p[0] = (uint8_t)out.len;
    out.p[1] = (uint8_t)(out.len >> 8);
    out.p[2] = (uint8_t)(out.len >> 16);
    out.p[3] = (uint8_t)(out.len >> 24);
    return out.len;
}
