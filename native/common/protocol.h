/* The agent protocol shared by dock-fire-monitor and dock-fire-init.
 * docs/protocol.md is the specification; keep the two in step. */
#ifndef DOCK_FIRE_PROTOCOL_H
#define DOCK_FIRE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define DF_PROTOCOL_VERSION 1u
#define DF_HEADER_SIZE 8u
#define DF_MAX_PAYLOAD 65536u
#define DF_MAX_DATA 32768u
#define DF_MAX_ERROR_MSG 4096u
#define DF_AGENT_VSOCK_PORT 1024u
#define DF_AGENT_PORT_NAME "dock-fire.agent"
/* Volume N's channel (docs/volumes.md): the virtio-serial port named
 * DF_VOLUME_PORT_PREFIX "N", or vsock port DF_VOLUME_VSOCK_PORT_BASE + N. */
#define DF_VOLUME_PORT_PREFIX "dock-fire.vol."
#define DF_VOLUME_VSOCK_PORT_BASE 1025u
/* 16 directory volumes and the file volume of single-file binds. */
#define DF_MAX_VOLUMES 17u

#define DF_STREAM_CONNECTION 0u
#define DF_STREAM_CONTAINER 1u

enum df_frame_type {
    DF_HELLO = 1,
    DF_START = 2,
    DF_STARTED = 3,
    DF_STDIN = 4,
    DF_STDIN_EOF = 5,
    DF_STDOUT = 6,
    DF_STDERR = 7,
    DF_EXIT = 8,
    DF_SIGNAL = 9,
    DF_RESIZE = 10,
    DF_ERROR = 11,
    DF_OK = 12,
    DF_EXEC = 13,
    DF_DNS_QUERY = 14,
    DF_DNS_ANSWER = 15,
};

/* DNS_QUERY and DNS_ANSWER: u32 tag, then one DNS message (a header is 12
 * bytes; 4096 is the EDNS payload size resolvers commonly offer). */
#define DF_DNS_TAG_SIZE 4u
#define DF_DNS_MIN_MSG 12u
#define DF_DNS_MAX_MSG 4096u
#define DF_DNS_PORT 53u

enum df_exit_kind { DF_EXITED = 0, DF_SIGNALED = 1 };

#define DF_SIGNAL_ALL 1u

enum df_spec_tag {
    DF_TAG_ARG = 1,
    DF_TAG_ENV = 2,
    DF_TAG_CWD = 3,
    DF_TAG_UID = 4,
    DF_TAG_GID = 5,
    DF_TAG_GROUP = 6,
    DF_TAG_RLIMIT = 7,
    DF_TAG_TERMINAL = 8,
    DF_TAG_HOSTNAME = 9,
    DF_TAG_MOUNT = 10,
    DF_TAG_FILE = 11,
    DF_TAG_ROOT_READONLY = 12,
    DF_TAG_CAPS = 13,
    DF_TAG_NO_NEW_PRIVS = 14,
    DF_TAG_UMASK = 15,
    DF_TAG_MASK_PATH = 16,
    DF_TAG_READONLY_PATH = 17,
    DF_TAG_SYSCTL = 18,
    DF_TAG_NET_LINK = 19,
    DF_TAG_NET_ADDR = 20,
    DF_TAG_NET_ROUTE = 21,
    DF_TAG_DNS_RELAY = 22,
    /* 23-34 are reserved for host volumes and rootfs work in progress. */
    DF_TAG_PIDS_LIMIT = 35,
};

/* Bounds of the network records of a container START. */
#define DF_NET_MAX_ADDRS 16u
#define DF_NET_MAX_ROUTES 32u

#define DF_SPEC_RECORD_HEADER 6u

struct df_header {
    uint32_t length;
    uint8_t type;
    uint8_t flags;
    uint16_t stream;
};

/* Little-endian helpers: the wire format never depends on the host's order. */
static inline uint16_t df_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t df_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t df_get64(const uint8_t *p)
{
    return (uint64_t)df_get32(p) | (uint64_t)df_get32(p + 4) << 32;
}
static inline void df_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void df_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void df_put64(uint8_t *p, uint64_t v)
{
    df_put32(p, (uint32_t)v);
    df_put32(p + 4, (uint32_t)(v >> 32));
}

/* Encodes a header into buf (DF_HEADER_SIZE bytes). */
void df_encode_header(uint8_t *buf, uint8_t type, uint16_t stream, uint32_t length);

/* Decodes and validates a header. Returns 0, or -1 when the header violates
 * the protocol (length over DF_MAX_PAYLOAD, nonzero flags). */
int df_decode_header(const uint8_t *buf, struct df_header *out);

/* Checks the payload size a known frame type requires. Returns 0 when the
 * size is valid or the type is unknown (unknown types are skipped), -1 else. */
int df_check_payload_size(uint8_t type, uint32_t length);

/* True for the types only the host sends (and HELLO, which the guest sends
 * once, on stream 0): a guest sending one on a process stream breaks the
 * protocol. */
int df_is_host_frame_on_stream(uint8_t type);

/* Iterates the TLV records of a process spec. */
struct df_spec_iter {
    const uint8_t *data;
    size_t size;
    size_t offset;
};

struct df_spec_record {
    uint16_t tag;
    uint32_t length;
    const uint8_t *value;
};

/* Returns 1 and fills rec for the next record, 0 at the clean end, -1 when
 * a record runs past the end of the payload. */
int df_spec_next(struct df_spec_iter *it, struct df_spec_record *rec);

/* Formats why a spec does not decode into err (capacity errlen); returns -1,
 * so that decoders can `return df_spec_error(err, errlen, ...)`. */
int df_spec_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies a string record into dst (capacity cap, NUL-terminated). Returns 0,
 * or -1 when it does not fit or contains a NUL byte. */
int df_spec_string(const struct df_spec_record *rec, char *dst, size_t cap);

#endif
