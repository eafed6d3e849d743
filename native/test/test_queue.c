/* The monitor's bounded queues (monitor/queue.c): what a producer may push,
 * that bytes come out in order across partial writes and compaction, and
 * that nothing is ever queued past the mapped size. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "protocol.h"
#include "queue.h"

static uint8_t pattern(size_t i) { return (uint8_t)(i * 7 + 3); }

static void fill(uint8_t *buf, size_t n, size_t from)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(from + i);
}

/* Reads everything the pipe holds and checks it continues the pattern. */
static size_t drain(int fd, size_t from, int *bad)
{
    uint8_t buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(from + (size_t)i))
                (*bad)++;
        from += (size_t)n;
    }
    return from;
}

static void test_caps(void)
{
    struct queue q;
    CHECK(queue_init(&q, 1000, 100) == 0, "a queue maps cap plus slack");
    CHECK(q.size >= 1100 && q.size % 4096 == 0, "the mapping is whole pages");
    CHECK(queue_empty(&q) && !queue_over_cap(&q), "a new queue is empty");

    static uint8_t data[8192];
    fill(data, sizeof data, 0);
    CHECK(queue_push(&q, data, 999) == 0 && !queue_over_cap(&q), "below the cap is not over");
    CHECK(queue_push(&q, data, 1) == 0 && queue_over_cap(&q), "at the cap is over");
    size_t room = q.size - queue_len(&q);
    CHECK(queue_push(&q, data, room + 1) == -1, "a push past the mapping fails");
    CHECK(queue_len(&q) == 1000, "a failed push queues nothing");
    CHECK(queue_push(&q, data, room) == 0 && queue_len(&q) == q.size, "the slack is usable");
    CHECK(queue_push(&q, data, 1) == -1, "a full queue takes nothing more");
    queue_clear(&q);
    CHECK(queue_empty(&q), "clear empties the queue");
}

static void test_frames(void)
{
    struct queue q;
    CHECK(queue_init(&q, 4096, DF_HEADER_SIZE + DF_MAX_PAYLOAD) == 0, "frame queue maps");
    uint8_t payload[3] = {0xaa, 0xbb, 0xcc};
    CHECK(queue_push_frame(&q, DF_STDIN, 1, payload, 3) == 0, "a frame is queued");
    uint8_t expect[] = {3, 0, 0, 0, DF_STDIN, 0, 1, 0, 0xaa, 0xbb, 0xcc};
    CHECK(queue_len(&q) == sizeof expect && memcmp(q.buf + q.head, expect, sizeof expect) == 0,
          "a queued frame is its header and payload");
    CHECK(queue_push_frame(&q, DF_STDIN_EOF, 1, NULL, 0) == 0 &&
              queue_len(&q) == sizeof expect + DF_HEADER_SIZE,
          "an empty frame is a bare header");
    size_t before = queue_len(&q);
    CHECK(queue_push_frame(&q, DF_STDIN, 1, payload, DF_MAX_PAYLOAD + 1) == -1 &&
              queue_len(&q) == before,
          "a frame over DF_MAX_PAYLOAD is refused whole");
    static uint8_t big[DF_MAX_PAYLOAD];
    CHECK(queue_push_frame(&q, DF_STDIN, 1, big, DF_MAX_PAYLOAD) == 0,
          "a largest frame fits in the slack");
    CHECK(queue_push_frame(&q, DF_STDIN, 1, big, DF_MAX_PAYLOAD) == -1 &&
              queue_len(&q) == before + DF_HEADER_SIZE + DF_MAX_PAYLOAD,
          "a frame that does not fit is refused whole");
}

/* A pipe that fills up mid-write: the queue keeps the rest, compacts when
 * it needs room, and the reader sees every byte once, in order. */
static void test_partial_writes(void)
{
    struct queue q;
    int p[2];
    CHECK(queue_init(&q, 64 * 1024, 64 * 1024) == 0, "stream queue maps");
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe");
    static uint8_t data[16384];
    size_t pushed = 0, read_to = 0;
    int bad = 0, refused = 0;
    for (int round = 0; round < 200; round++) {
        size_t n = 1000 + (size_t)round * 37 % 9000;
        fill(data, n, pushed);
        if (queue_push(&q, data, n) == 0)
            pushed += n;
        else
            refused++;
        long w = queue_write(&q, p[1]);
        if (w < 0 && errno != EAGAIN)
            bad++;
        if (round % 25 == 0)
            read_to = drain(p[0], read_to, &bad);
    }
    while (!queue_empty(&q)) {
        if (queue_write(&q, p[1]) < 0 && errno != EAGAIN)
            break;
        read_to = drain(p[0], read_to, &bad);
    }
    read_to = drain(p[0], read_to, &bad);
    CHECK(refused > 0, "a slow reader makes pushes fail at the mapping's end");
    CHECK(bad == 0, "every byte arrives as pushed");
    CHECK(read_to == pushed, "no byte is lost or repeated");
    CHECK(queue_write(&q, p[1]) == 0, "writing an empty queue writes nothing");
    close(p[0]);
    CHECK(queue_push(&q, data, 10) == 0 && queue_write(&q, p[1]) == -1 && errno == EPIPE,
          "a closed reader shows as EPIPE, not a signal");
    close(p[1]);
}

static void test_destroy(void)
{
    struct queue q;
    CHECK(queue_init(&q, 4096, 100) == 0, "init before destroy");
    CHECK(queue_push(&q, "abc", 3) == 0, "push before destroy");
    CHECK(queue_destroy(&q) == 0, "destroy unmaps the buffer");
    CHECK(q.buf == NULL && queue_empty(&q) && q.size == 0, "a destroyed queue is empty");
    CHECK(queue_destroy(&q) == 0, "destroying twice is harmless");
    CHECK(queue_init(&q, 4096, 100) == 0 && queue_push(&q, "x", 1) == 0, "init again");
    CHECK(queue_destroy(&q) == 0, "destroy again");
}

int main(void)
{
    /* The monitor ignores SIGPIPE; so must this test of its writes. */
    signal(SIGPIPE, SIG_IGN);
    test_caps();
    test_frames();
    test_partial_writes();
    test_destroy();
    return check_summary();
}
