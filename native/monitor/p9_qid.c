/* Qids: what the guest kernel takes for a file's identity. Its st_ino is
 * qid.path + 2, and the whole mount is one device, so two host inodes
 * with one qid.path are one file to every guest program that compares
 * (st_dev, st_ino): cp -a hard-links them, du and find skip the second.
 * A volume holding a mount point of another host file system (or a file
 * volume pinning files of several) reaches inodes whose numbers repeat.
 *
 * So qid.path is unique per (st_dev, st_ino) within a server. The
 * volume's own device keeps its host inode numbers, which is what runc
 * shows. Any other (device, top 16 bits of the inode number) gets a slot
 * 1..max in the order first seen, and its inodes show as slot << 48 | the
 * low 48 bits. The table is bounded: an inode of a range past the last
 * slot gets EOVERFLOW (as stat gives a program whose ino_t cannot hold
 * the number), never a qid.path that another inode has. */
#include "p9.h"

#include <errno.h>
#include <sys/stat.h>

#define LOW_BITS 48
#define LOW_MASK ((1ull << LOW_BITS) - 1)

void p9_qids_init(struct p9_qids *q, dev_t home, bool all_home)
{
    q->home = home;
    q->all_home = all_home;
    q->n = 0;
    q->max = P9_MAX_QID_SLOTS;
}

/* The slot of (dev, hi): 0 for the volume's own inodes, else from the
 * table, added when new; -1 when the table is full. */
static int slot_of(struct p9_qids *q, dev_t dev, uint16_t hi)
{
    if (dev == q->home && hi == 0)
        return 0;
    for (uint32_t i = 0; i < q->n; i++)
        if (q->slots[i].dev == dev && q->slots[i].hi == hi)
            return (int)i + 1;
    if (q->n >= q->max || q->n >= P9_MAX_QID_SLOTS)
        return -1;
    q->slots[q->n] = (struct p9_qid_slot){.dev = dev, .hi = hi};
    return (int)++q->n;
}

/* The Linux client numbers its inodes qid.path + 2 (v9fs_qid2ino keeps 0
 * and 1 free): taking 2 off here shows the host's inode numbers, as runc
 * does. Unsigned wrap-around keeps every path distinct. */
int p9_qid_path(struct p9_qids *q, dev_t dev, uint64_t ino, uint64_t *path)
{
    if (q->all_home) {
        *path = ino - 2;
        return 0;
    }
    int slot = slot_of(q, dev, (uint16_t)(ino >> LOW_BITS));
    if (slot < 0)
        return EOVERFLOW;
    *path = (((uint64_t)slot << LOW_BITS) | (ino & LOW_MASK)) - 2;
    return 0;
}

int p9_put_qid(struct p9_server *s, struct p9_out *out, const struct stat *st)
{
    uint64_t path;
    int err = p9_qid_path(&s->qids, st->st_dev, (uint64_t)st->st_ino, &path);
    if (err != 0)
        return err;
    p9_put8(out, p9_qid_type(st->st_mode));
    p9_put32(out, 0);
    p9_put64(out, path);
    return 0;
}
