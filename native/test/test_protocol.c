/* Checks the C codec against the shared vectors in test/vectors/protocol.txt,
 * the same file the TypeScript side reads: a frame decodes to its fields and
 * encodes back byte for byte, a bad frame is rejected, a spec decodes into
 * exactly its records, a bad spec is rejected. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define MAX_LINE 8192
#define MAX_BYTES 4096
#define MAX_RECORDS 64

struct bytes {
    size_t len;
    uint8_t data[MAX_BYTES];
};

static int passed, failed;

static void result(bool ok, const char *kind, const char *name, const char *why)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s %s %s%s%s\n", ok ? "ok" : "FAIL", kind, name, ok ? "" : ": ", ok ? "" : why);
}

/* Parses lower-case hex, or "-" for empty. Returns 0, or -1 when malformed. */
static int parse_hex(const char *hex, struct bytes *out)
{
    out->len = 0;
    if (strcmp(hex, "-") == 0)
        return 0;
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > sizeof out->data)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        unsigned int byte;
        if (sscanf(hex + i, "%2x", &byte) != 1)
            return -1;
        out->data[out->len++] = (uint8_t)byte;
    }
    return 0;
}

/* Finds "key=value" among the tokens and returns value, or NULL. */
static const char *field(char **tokens, int count, const char *key)
{
    size_t klen = strlen(key);
    for (int i = 0; i < count; i++) {
        if (strncmp(tokens[i], key, klen) == 0 && tokens[i][klen] == '=')
            return tokens[i] + klen + 1;
    }
    return NULL;
}

static bool check_frame(char **tokens, int count, const char **why)
{
    const char *type = field(tokens, count, "type"), *stream = field(tokens, count, "stream");
    const char *payload_hex = field(tokens, count, "payload"), *hex = field(tokens, count, "hex");
    static struct bytes payload, frame;
    if (!type || !stream || !payload_hex || !hex || parse_hex(payload_hex, &payload) < 0 ||
        parse_hex(hex, &frame) < 0 || frame.len < DF_HEADER_SIZE) {
        *why = "malformed vector";
        return false;
    }

    struct df_header h;
    if (df_decode_header(frame.data, &h) < 0 || df_check_payload_size(h.type, h.length) < 0) {
        *why = "rejected a valid frame";
        return false;
    }
    if (h.type != atoi(type) || h.stream != atoi(stream) || h.flags != 0 ||
        h.length != payload.len || frame.len != DF_HEADER_SIZE + payload.len ||
        memcmp(frame.data + DF_HEADER_SIZE, payload.data, payload.len) != 0) {
        *why = "decoded fields differ";
        return false;
    }
    uint8_t header[DF_HEADER_SIZE];
    df_encode_header(header, h.type, h.stream, h.length);
    if (memcmp(header, frame.data, DF_HEADER_SIZE) != 0) {
        *why = "encoding differs";
        return false;
    }
    return true;
}

static bool check_bad_frame(char **tokens, int count, const char **why)
{
    static struct bytes frame;
    const char *hex = field(tokens, count, "hex");
    if (!hex || parse_hex(hex, &frame) < 0 || frame.len < DF_HEADER_SIZE) {
        *why = "malformed vector";
        return false;
    }
    struct df_header h;
    if (df_decode_header(frame.data, &h) < 0 || df_check_payload_size(h.type, h.length) < 0)
        return true;
    *why = "accepted a bad frame";
    return false;
}

/* The records after "records=" are the tokens that follow it. */
static bool check_spec(char **tokens, int count, const char **why)
{
    static struct bytes spec, value;
    const char *hex = field(tokens, count, "hex");
    int first = 0;
    while (first < count && strncmp(tokens[first], "records=", 8) != 0)
        first++;
    if (!hex || parse_hex(hex, &spec) < 0 || first == count) {
        *why = "malformed vector";
        return false;
    }

    struct df_spec_iter it = {spec.data, spec.len, 0};
    struct df_spec_record rec;
    for (int i = first; i < count; i++) {
        const char *expect = i == first ? tokens[i] + 8 : tokens[i];
        char *colon = strchr(expect, ':');
        if (colon == NULL || parse_hex(colon + 1, &value) < 0) {
            *why = "malformed vector";
            return false;
        }
        if (df_spec_next(&it, &rec) != 1) {
            *why = "fewer records than expected";
            return false;
        }
        if (rec.tag != atoi(expect) || rec.length != value.len ||
            memcmp(rec.value, value.data, value.len) != 0) {
            *why = "record differs";
            return false;
        }
    }
    if (df_spec_next(&it, &rec) != 0) {
        *why = "more records than expected, or no clean end";
        return false;
    }
    return true;
}

static bool check_bad_spec(char **tokens, int count, const char **why)
{
    static struct bytes spec;
    const char *hex = field(tokens, count, "hex");
    if (!hex || parse_hex(hex, &spec) < 0) {
        *why = "malformed vector";
        return false;
    }
    struct df_spec_iter it = {spec.data, spec.len, 0};
    struct df_spec_record rec;
    int rc;
    while ((rc = df_spec_next(&it, &rec)) == 1)
        ;
    *why = "accepted a bad spec";
    return rc == -1;
}

/* Network record vectors: their values are test-netspec's to check; here
 * only that they are whole TLV records, as any spec. */
static bool check_net_spec(char **tokens, int count, const char **why)
{
    static struct bytes spec;
    const char *hex = field(tokens, count, "hex");
    if (!hex || parse_hex(hex, &spec) < 0) {
        *why = "malformed vector";
        return false;
    }
    struct df_spec_iter it = {spec.data, spec.len, 0};
    struct df_spec_record rec;
    int rc;
    while ((rc = df_spec_next(&it, &rec)) == 1)
        ;
    *why = "records do not end cleanly";
    return rc == 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s protocol.txt\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }

    static char line[MAX_LINE];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strchr(line, '\n') == NULL && !feof(f)) {
            result(false, "line", "?", "longer than the reader's buffer");
            break;
        }
        char *tokens[MAX_RECORDS + 8];
        int count = 0;
        for (char *t = strtok(line, " \t\r\n"); t && count < MAX_RECORDS + 8;
             t = strtok(NULL, " \t\r\n"))
            tokens[count++] = t;
        if (count == 0 || tokens[0][0] == '#')
            continue;
        if (count < 2) {
            result(false, tokens[0], "?", "no name");
            continue;
        }

        const char *why = "";
        bool ok;
        if (strcmp(tokens[0], "frame") == 0)
            ok = check_frame(tokens + 2, count - 2, &why);
        else if (strcmp(tokens[0], "bad-frame") == 0)
            ok = check_bad_frame(tokens + 2, count - 2, &why);
        else if (strcmp(tokens[0], "spec") == 0)
            ok = check_spec(tokens + 2, count - 2, &why);
        else if (strcmp(tokens[0], "bad-spec") == 0)
            ok = check_bad_spec(tokens + 2, count - 2, &why);
        else if (strcmp(tokens[0], "net-spec") == 0 || strcmp(tokens[0], "bad-net-spec") == 0)
            ok = check_net_spec(tokens + 2, count - 2, &why);
        else {
            ok = false;
            why = "unknown vector kind";
        }
        result(ok, tokens[0], tokens[1], why);
    }
    fclose(f);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
