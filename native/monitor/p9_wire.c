/* Bounds-checked reading and writing of 9P fields (little-endian). A read
 * past the end, or a write past the capacity, marks the message bad rather
 * than touching memory outside it. */
#include "p9.h"

#include <string.h>

static const uint8_t *take(struct p9_in *in, size_t n)
{
    if (in->bad || in->len - in->off < n) {
        in->bad = true;
        return NULL;
    }
    const uint8_t *p = in->p + in->off;
    in->off += n;
    return p;
}

uint8_t p9_get8(struct p9_in *in)
{
    const uint8_t *p = take(in, 1);
    return p ? p[0] : 0;
}

uint16_t p9_get16(struct p9_in *in)
{
    const uint8_t *p = take(in, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t p9_get32(struct p9_in *in)
{
    const uint8_t *p = take(in, 4);
    if (!p)
        return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t p9_get64(struct p9_in *in)
{
    uint64_t lo = p9_get32(in);
    return lo | (uint64_t)p9_get32(in) << 32;
}

char *p9_getstr(struct p9_in *in, char *dst, size_t cap)
{
    uint16_t n = p9_get16(in);
    const uint8_t *p = take(in, n);
    dst[0] = '\0';
    if (!p || n >= cap || memchr(p, '\0', n) != NULL) {
        in->bad = true;
        return dst;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return dst;
}

bool p9_valid_name(const char *name)
{
    return name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

uint8_t *p9_reserve(struct p9_out *out, size_t n)
{
    if (out->bad || out->cap - out->len < n) {
        out->bad = true;
        return NULL;
    }
    uint8_t *p = out->p + out->len;
    out->len += n;
    return p;
}

void p9_put8(struct p9_out *out, uint8_t v)
{
    uint8_t *p = p9_reserve(out, 1);
    if (p)
        p[0] = v;
}

void p9_put16(struct p9_out *out, uint16_t v)
{
    uint8_t *p = p9_reserve(out, 2);
    if (p) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

void p9_put32(struct p9_out *out, uint32_t v)
{
    uint8_t *p = p9_reserve(out, 4);
    for (int i = 0; p && i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void p9_put64(struct p9_out *out, uint64_t v)
{
    p9_put32(out, (uint32_t)v);
    p9_put32(out, (uint32_t)(v >> 32));
}

void p9_putstr(struct p9_out *out, const char *s, size_t n)
{
    if (n > 0xffff) {
        out->bad = true;
        return;
    }
    p9_put16(out, (uint16_t)n);
    uint8_t *p = p9_reserve(out, n);
    if (p)
        memcpy(p, s, n);
}
