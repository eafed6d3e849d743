/* Bounded byte queues (queue.h). A linear buffer rather than a ring: when the
 * consumer keeps up, data stays in the first pages, so a 1 MiB queue costs a
 * few KiB of RSS instead of cycling through (and keeping) all of its pages. */
#include "queue.h"

#include "protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Pages kept when a queue drains; anything above is handed back. */
#define QUEUE_KEEP (64u * 1024u)

int queue_init(struct queue *q, size_t cap, size_t slack)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (cap + slack + page - 1) / page * page;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    *q = (struct queue){.buf = buf, .size = size, .cap = cap};
    return 0;
}

/* Moves pending bytes to the front once the consumed prefix is at least as
 * large as what remains, so each byte is moved at most once per byte sent. */
static void queue_compact(struct queue *q, size_t need)
{
    size_t len = queue_len(q);
    if (q->head == 0 || (q->tail + need <= q->size && q->head < len))
        return;
    memmove(q->buf, q->buf + q->head, len);
    q->head = 0;
    q->tail = len;
}

static int queue_reserve(struct queue *q, size_t n)
{
    if (n > q->size - queue_len(q))
        return -1;
    queue_compact(q, n);
    if (q->tail + n > q->touched)
        q->touched = q->tail + n;
    return 0;
}

int queue_push(struct queue *q, const void *data, size_t n)
{
    if (queue_reserve(q, n) < 0)
        return -1;
    memcpy(q->buf + q->tail, data, n);
    q->tail += n;
    return 0;
}

int queue_push_frame(struct queue *q, uint8_t type, uint16_t stream, const void *payload,
                     uint32_t n)
{
    /* Bounded here too, so the size sum below cannot wrap with a 32-bit
     * size_t whatever a caller passes. */
    if (n > DF_MAX_PAYLOAD)
        return -1;
    if (queue_reserve(q, DF_HEADER_SIZE + (size_t)n) < 0)
        return -1;
    df_encode_header(q->buf + q->tail, type, stream, n);
    if (n > 0)
        memcpy(q->buf + q->tail + DF_HEADER_SIZE, payload, n);
    q->tail += DF_HEADER_SIZE + (size_t)n;
    return 0;
}

void queue_clear(struct queue *q)
{
    q->head = q->tail = 0;
    if (q->touched > QUEUE_KEEP) {
        /* A burst filled the queue once; do not keep its pages resident. A
         * failure only costs memory, so it is not an error. */
        (void)madvise(q->buf + QUEUE_KEEP, q->touched - QUEUE_KEEP, MADV_DONTNEED);
        q->touched = QUEUE_KEEP;
    }
}

long queue_write(struct queue *q, int fd)
{
    if (queue_empty(q))
        return 0;
    ssize_t n;
    do
        n = write(fd, q->buf + q->head, queue_len(q));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    q->head += (size_t)n;
    if (queue_empty(q))
        queue_clear(q);
    return (long)n;
}

int queue_destroy(struct queue *q)
{
    int rc = q->buf ? munmap(q->buf, q->size) : 0;
    *q = (struct queue){0};
    return rc;
}
