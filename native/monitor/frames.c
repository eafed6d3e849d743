/* Frame reader (frames.h). The buffer is linear: consumed frames advance
 * start, and the unread rest moves to the front only when more must be read,
 * so each byte is moved at most once. */
#include "frames.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

long frame_fill(struct frame_reader *r, int fd)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        errno = ENOBUFS;
        return -1;
    }
    ssize_t n;
    do
        n = read(fd, r->buf + r->end, r->cap - r->end);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        r->end += (size_t)n;
    return (long)n;
}

int frame_next(const struct frame_reader *r, struct df_header *h, const uint8_t **frame)
{
    size_t len = r->end - r->start;
    *frame = r->buf + r->start;
    if (len < DF_HEADER_SIZE)
        return FRAME_INCOMPLETE;
    if (df_decode_header(*frame, h) < 0)
        return FRAME_BAD_HEADER;
    if (df_check_payload_size(h->type, h->length) < 0)
        return FRAME_BAD_SIZE;
    if (len < DF_HEADER_SIZE + (size_t)h->length)
        return FRAME_INCOMPLETE;
    return FRAME_READY;
}

void frame_done(struct frame_reader *r, const struct df_header *h)
{
    r->start += DF_HEADER_SIZE + (size_t)h->length;
    if (r->start == r->end)
        r->start = r->end = 0;
}
