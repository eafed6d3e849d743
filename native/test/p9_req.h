/* Raw 9P requests for the tests of the monitor's 9P server: built from a
 * format string, handed to p9_handle, the reply left in `reply`. */
#ifndef DOCK_FIRE_TEST_P9_REQ_H
#define DOCK_FIRE_TEST_P9_REQ_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "p9.h"

static uint8_t reply[P9_MAX_MSIZE];
static size_t reply_len;

/* Builds a request: fmt letters b (u8), w (u16), d (u32), q (u64),
 * s (string), then the values. */
static inline size_t build(uint8_t *buf, uint8_t type, const char *fmt, va_list ap)
{
    size_t n = 7;
    for (const char *f = fmt; *f; f++) {
        uint64_t v = 0;
        int width = 0;
        if (*f == 's') {
            const char *str = va_arg(ap, const char *);
            size_t len = strlen(str);
            buf[n] = (uint8_t)len;
            buf[n + 1] = (uint8_t)(len >> 8);
            memcpy(buf + n + 2, str, len);
            n += 2 + len;
            continue;
        }
        if (*f == 'q') {
            v = va_arg(ap, uint64_t);
            width = 8;
        } else {
            v = va_arg(ap, unsigned);
            width = *f == 'b' ? 1 : *f == 'w' ? 2 : 4;
        }
        for (int i = 0; i < width; i++)
            buf[n++] = (uint8_t)(v >> (8 * i));
    }
    buf[0] = (uint8_t)n, buf[1] = (uint8_t)(n >> 8), buf[2] = 0, buf[3] = 0;
    buf[4] = type;
    buf[5] = 1, buf[6] = 0;
    return n;
}

/* Sends one request; returns the Rlerror errno, or 0 for a success reply. */
static inline int req(struct p9_server *s, uint8_t type, const char *fmt, ...)
{
    static uint8_t buf[P9_MAX_MSIZE];
    va_list ap;
    va_start(ap, fmt);
    size_t n = build(buf, type, fmt, ap);
    va_end(ap);
    reply_len = p9_handle(s, buf, n, reply, sizeof reply);
    if (reply[4] == P9_RLERROR)
        return (int)(reply[7] | reply[8] << 8);
    return reply[4] == type + 1 ? 0 : -1;
}

static inline uint32_t u32_at(size_t off)
{
    return (uint32_t)reply[off] | (uint32_t)reply[off + 1] << 8 |
           (uint32_t)reply[off + 2] << 16 | (uint32_t)reply[off + 3] << 24;
}

static uint32_t seed = 12345;

static inline uint32_t rnd(uint32_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

/* A request of type with the fields of fmt drawn from small sets (fids
 * 0-3 and some absurd ones, names drawn from names). */
static inline size_t random_request(uint8_t *buf, uint8_t type, const char *fmt,
                                    const char *const *names, uint32_t nnames)
{
    static const uint32_t u32s[] = {0, 1, 2, 3, 0x200, 0101, 04755, 9000, 0xffffffffu};
    size_t n = 7;
    for (const char *f = fmt; *f; f++) {
        if (*f == 's') {
            const char *str = names[rnd(nnames)];
            size_t len = strlen(str);
            buf[n] = (uint8_t)len, buf[n + 1] = 0;
            memcpy(buf + n + 2, str, len);
            n += 2 + len;
            continue;
        }
        uint64_t v = *f == 'q' ? rnd(3) * 4096u : u32s[rnd(sizeof u32s / sizeof u32s[0])];
        int width = *f == 'b' ? 1 : *f == 'w' ? 2 : *f == 'd' ? 4 : 8;
        for (int i = 0; i < width; i++)
            buf[n++] = (uint8_t)(v >> (8 * i));
    }
    buf[0] = (uint8_t)n, buf[1] = (uint8_t)(n >> 8), buf[2] = buf[3] = 0;
    buf[4] = type;
    buf[5] = buf[6] = 0;
    return n;
}

#endif
