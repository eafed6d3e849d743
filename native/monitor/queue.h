/* Bounded byte queues: the only buffers between the monitor's readers and its
 * non-blocking writers. A producer stops reading its source while the queue
 * is over its cap, so memory stays bounded however slow the consumer is. */
#ifndef DOCK_FIRE_MONITOR_QUEUE_H
#define DOCK_FIRE_MONITOR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue {
    uint8_t *buf;
    size_t size;    /* bytes mapped: cap plus room for one more frame */
    size_t cap;     /* soft limit: producers pause at or above it */
    size_t head;    /* first unsent byte */
    size_t tail;    /* one past the last queued byte */
    size_t touched; /* high-water mark of pages written, returned when empty */
};

/* Maps cap + slack bytes (lazily: pages cost memory only once written). */
int queue_init(struct queue *q, size_t cap, size_t slack);

static inline size_t queue_len(const struct queue *q) { return q->tail - q->head; }
static inline bool queue_empty(const struct queue *q) { return q->tail == q->head; }
static inline bool queue_over_cap(const struct queue *q) { return queue_len(q) >= q->cap; }

/* Returns 0, or -1 when n bytes do not fit (nothing is queued then). */
int queue_push(struct queue *q, const void *data, size_t n);

/* Queues one frame (header and payload) atomically; -1 when it does not fit. */
int queue_push_frame(struct queue *q, uint8_t type, uint16_t stream, const void *payload,
                     uint32_t n);

/* Writes queued bytes to fd (non-blocking). Returns bytes written, or -1 with
 * errno set (EAGAIN when fd is full). */
long queue_write(struct queue *q, int fd);

void queue_clear(struct queue *q);

/* Unmaps the buffer (0, or -1 with errno); queue_init may set it up again. */
int queue_destroy(struct queue *q);

#endif
