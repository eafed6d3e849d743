/* The monitor's frame reader (monitor/frames.c): frames split across reads
 * come out whole and in order, several in one read come out one by one, and
 * malformed headers or sizes are reported rather than consumed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "frames.h"
#include "protocol.h"

static uint8_t buf[DF_HEADER_SIZE + DF_MAX_PAYLOAD];

static size_t put_frame(uint8_t *p, uint8_t type, uint16_t stream, const char *payload)
{
    uint32_t n = (uint32_t)strlen(payload);
    df_encode_header(p, type, stream, n);
    memcpy(p + DF_HEADER_SIZE, payload, n);
    return DF_HEADER_SIZE + n;
}

static void test_split_and_batched(void)
{
    int fds[2];
    CHECK(pipe2(fds, O_NONBLOCK) == 0, "pipe");
    struct frame_reader r = {.buf = buf, .cap = sizeof buf};
    uint8_t wire[64];
    size_t n = put_frame(wire, DF_STDIN, 2, "hello");
    n += put_frame(wire + n, DF_STDIN_EOF, 2, "");

    struct df_header h;
    const uint8_t *f;
    CHECK(write(fds[1], wire, 3) == 3, "write a partial header");
    CHECK(frame_fill(&r, fds[0]) == 3, "reads 3 bytes");
    CHECK(frame_next(&r, &h, &f) == FRAME_INCOMPLETE, "a partial header is incomplete");
    CHECK(write(fds[1], wire + 3, n - 3) == (ssize_t)(n - 3), "write the rest");
    CHECK(frame_fill(&r, fds[0]) == (long)(n - 3), "reads the rest");
    CHECK(frame_next(&r, &h, &f) == FRAME_READY, "first frame ready");
    CHECK(h.type == DF_STDIN && h.stream == 2 && h.length == 5, "first frame header");
    CHECK(memcmp(f + DF_HEADER_SIZE, "hello", 5) == 0, "first frame payload");
    frame_done(&r, &h);
    CHECK(frame_next(&r, &h, &f) == FRAME_READY && h.type == DF_STDIN_EOF, "second frame");
    frame_done(&r, &h);
    CHECK(r.start == 0 && r.end == 0, "an empty reader starts over");
    CHECK(frame_fill(&r, fds[0]) == -1 && errno == EAGAIN, "EAGAIN when nothing is there");
    CHECK(close(fds[1]) == 0 && frame_fill(&r, fds[0]) == 0, "0 at end of file");
    CHECK(close(fds[0]) == 0, "close");
}

static void test_malformed(void)
{
    struct frame_reader r = {.buf = buf, .cap = sizeof buf};
    struct df_header h;
    const uint8_t *f;
    df_encode_header(buf, DF_STDOUT, 1, 1);
    buf[5] = 1; /* flags */
    r.end = DF_HEADER_SIZE + 1;
    CHECK(frame_next(&r, &h, &f) == FRAME_BAD_HEADER, "nonzero flags: bad header");
    df_encode_header(buf, DF_STDOUT, 1, DF_MAX_PAYLOAD + 1);
    CHECK(frame_next(&r, &h, &f) == FRAME_BAD_HEADER, "length over the limit: bad header");
    df_encode_header(buf, DF_SIGNAL, 2, 4);
    CHECK(frame_next(&r, &h, &f) == FRAME_BAD_SIZE, "SIGNAL of 4 bytes: bad size");
    CHECK(f == buf && r.start == 0, "errors consume nothing");
}

static void test_full_buffer(void)
{
    int fds[2];
    CHECK(pipe2(fds, O_NONBLOCK) == 0, "pipe");
    struct frame_reader r = {.buf = buf, .cap = 16};
    uint8_t wire[32];
    size_t n = put_frame(wire, DF_STDIN, 2, "12345678");
    CHECK(write(fds[1], wire, n) == (ssize_t)n, "write a frame that fills the buffer");
    CHECK(frame_fill(&r, fds[0]) == 16 && !frame_room(&r), "buffer full");
    CHECK(frame_fill(&r, fds[0]) == -1 && errno == ENOBUFS, "no read into a full buffer");
    struct df_header h;
    const uint8_t *f;
    CHECK(frame_next(&r, &h, &f) == FRAME_READY, "a full buffer holds a whole frame");
    CHECK(close(fds[0]) == 0 && close(fds[1]) == 0, "close");
}

int main(void)
{
    test_split_and_batched();
    test_malformed();
    test_full_buffer();
    return check_summary();
}
