/* Frame and process-spec codecs of the agent protocol (docs/protocol.md). */
#include "protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void df_encode_header(uint8_t *buf, uint8_t type, uint16_t stream, uint32_t length)
{
    df_put32(buf, length);
    buf[4] = type;
    buf[5] = 0;
    df_put16(buf + 6, stream);
}

int df_decode_header(const uint8_t *buf, struct df_header *out)
{
    out->length = df_get32(buf);
    out->type = buf[4];
    out->flags = buf[5];
    out->stream = df_get16(buf + 6);
    if (out->length > DF_MAX_PAYLOAD || out->flags != 0)
        return -1;
    return 0;
}

int df_check_payload_size(uint8_t type, uint32_t length)
{
    switch (type) {
    case DF_HELLO:
        return length >= 4 && length <= 4 + 64 ? 0 : -1;
    case DF_STARTED:
        return length == 4 ? 0 : -1;
    case DF_STDIN:
    case DF_STDOUT:
    case DF_STDERR:
        return length <= DF_MAX_DATA ? 0 : -1;
    case DF_STDIN_EOF:
    case DF_OK:
        return length == 0 ? 0 : -1;
    case DF_EXIT:
    case DF_SIGNAL:
        return length == 8 ? 0 : -1;
    case DF_RESIZE:
        return length == 4 ? 0 : -1;
    case DF_ERROR:
        return length >= 4 && length <= 4 + DF_MAX_ERROR_MSG ? 0 : -1;
    case DF_START:
    case DF_EXEC:
        return length >= DF_SPEC_RECORD_HEADER ? 0 : -1;
    case DF_DNS_QUERY:
    case DF_DNS_ANSWER:
        return length >= DF_DNS_TAG_SIZE + DF_DNS_MIN_MSG &&
                       length <= DF_DNS_TAG_SIZE + DF_DNS_MAX_MSG
                   ? 0
                   : -1;
    default:
        return 0;
    }
}

int df_spec_next(struct df_spec_iter *it, struct df_spec_record *rec)
{
    if (it->offset == it->size)
        return 0;
    if (it->size - it->offset < DF_SPEC_RECORD_HEADER)
        return -1;
    const uint8_t *p = it->data + it->offset;
    uint32_t length = df_get32(p + 2);
    if (length > it->size - it->offset - DF_SPEC_RECORD_HEADER)
        return -1;
    rec->tag = df_get16(p);
    rec->length = length;
    rec->value = p + DF_SPEC_RECORD_HEADER;
    it->offset += DF_SPEC_RECORD_HEADER + length;
    return 1;
}

int df_spec_string(const struct df_spec_record *rec, char *dst, size_t cap)
{
    if (rec->length >= cap || memchr(rec->value, 0, rec->length) != NULL)
        return -1;
    memcpy(dst, rec->value, rec->length);
    dst[rec->length] = '\0';
    return 0;
}

int df_is_host_frame_on_stream(uint8_t type)
{
    switch (type) {
    case DF_HELLO:
    case DF_START:
    case DF_STDIN:
    case DF_STDIN_EOF:
    case DF_SIGNAL:
    case DF_RESIZE:
    case DF_OK:
    case DF_EXEC:
    case DF_DNS_ANSWER:
        return 1;
    default:
        return 0;
    }
}

int df_spec_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
