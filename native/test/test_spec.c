/* init's decoding of a START payload (init/spec.c): what it accepts, and
 * every malformed payload it must refuse before the container setup sees
 * it (unknown tags, truncated records, NUL bytes, bad sizes). */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "spec.h"

#define BUF_MAX (DF_MAX_PAYLOAD + 64)

struct payload {
    size_t len;
    uint8_t data[BUF_MAX];
};

static struct spec spec;
static char err[256];

static void add(struct payload *p, uint16_t tag, const void *value, size_t len)
{
    df_put16(p->data + p->len, tag);
    df_put32(p->data + p->len + 2, (uint32_t)len);
    if (len > 0)
        memcpy(p->data + p->len + DF_SPEC_RECORD_HEADER, value, len);
    p->len += DF_SPEC_RECORD_HEADER + len;
}

static void add_str(struct payload *p, uint16_t tag, const char *s)
{
    add(p, tag, s, strlen(s));
}

static void add_u32(struct payload *p, uint16_t tag, uint32_t v)
{
    uint8_t b[4];
    df_put32(b, v);
    add(p, tag, b, 4);
}

static int decode(const struct payload *p)
{
    err[0] = '\0';
    return spec_decode(p->data, p->len, &spec, err, sizeof err);
}

/* A payload that starts valid (one ARG) and gets one more record. */
static struct payload *with_arg(void)
{
    static struct payload p;
    p.len = 0;
    add_str(&p, DF_TAG_ARG, "/bin/true");
    return &p;
}

static void test_valid(void)
{
    struct payload *p = with_arg();
    add_str(p, DF_TAG_ARG, "-x");
    add_str(p, DF_TAG_ENV, "PATH=/bin");
    add_str(p, DF_TAG_CWD, "/work");
    add_u32(p, DF_TAG_UID, 1000);
    add_u32(p, DF_TAG_GROUP, 5);
    add_u32(p, DF_TAG_GROUP, 6);
    add(p, DF_TAG_NO_NEW_PRIVS, NULL, 0);
    add_str(p, DF_TAG_SYSCTL, "net.ipv4.ip_forward=1");
    static const char mount[] = "\0\0\0\0proc\0/proc\0proc\0\0";
    add(p, DF_TAG_MOUNT, mount, sizeof mount - 1);
    static const char file[] = "\xa4\1\0\0\0\0\0\0\0\0\0\0/etc/hosts\0" "127.0.0.1 x\n";
    add(p, DF_TAG_FILE, file, sizeof file - 1);
    CHECK(decode(p) == 0, "a well-formed spec decodes");
    CHECK(spec.nargs == 2 && strcmp(spec.args[1], "-x") == 0 && spec.args[2] == NULL,
          "ARGs keep their order and end with NULL for execve");
    CHECK(spec.nenv == 1 && spec.env[1] == NULL, "ENV ends with NULL for execve");
    CHECK(strcmp(spec.cwd, "/work") == 0 && spec.uid == 1000 && spec.gid == 0,
          "CWD and UID are taken, GID defaults to 0");
    CHECK(spec.ngroups == 2 && spec.groups[1] == 6, "repeated GROUPs are all kept");
    CHECK(spec.no_new_privs && !spec.terminal && spec.umask == 022, "flags and defaults");
    CHECK(spec.nmounts == 1 && strcmp(spec.mounts[0].target, "/proc") == 0 &&
              spec.mounts[0].data[0] == '\0',
          "a MOUNT splits into its four fields");
    CHECK(spec.nfiles == 1 && spec.files[0].mode == 0644 && spec.files[0].size == 12 &&
              memcmp(spec.files[0].content, "127.0.0.1 x\n", 12) == 0,
          "a FILE keeps its mode, target and content");

    p = with_arg();
    CHECK(decode(p) == 0 && strcmp(spec.cwd, "/") == 0 && spec.nenv == 0 &&
              spec.ngroups == 0 && spec.nmounts == 0,
          "a second decode starts from a clean spec");
}

static void expect_reject(struct payload *p, const char *name, const char *reason)
{
    bool rejected = decode(p) < 0;
    CHECK(rejected && strstr(err, reason) != NULL, name);
    if (rejected && strstr(err, reason) == NULL)
        printf("  error was: %s\n", err);
}

static void test_rejects(void)
{
    struct payload *p = with_arg();
    add_str(p, 99, "x");
    expect_reject(p, "an unknown tag is an error, not skipped", "unknown tag 99");

    p = with_arg();
    p->len += 3;
    expect_reject(p, "a truncated record header is an error", "past the end");

    p = with_arg();
    add_str(p, DF_TAG_ENV, "A=1");
    p->len -= 1;
    expect_reject(p, "a record longer than the payload is an error", "past the end");

    p = with_arg();
    add(p, DF_TAG_ARG, "a\0b", 3);
    expect_reject(p, "a NUL byte inside a string is an error", "tag 1");

    p = with_arg();
    add_str(p, DF_TAG_CWD, "relative");
    expect_reject(p, "a relative CWD is an error", "tag 3");

    p = with_arg();
    add_u32(p, DF_TAG_UMASK, 01000);
    expect_reject(p, "a umask over 0777 is an error", "tag 15");

    p = with_arg();
    add(p, DF_TAG_UID, "\1\0\0", 3);
    expect_reject(p, "a UID of the wrong size is an error", "tag 4");

    p = with_arg();
    add(p, DF_TAG_TERMINAL, "x", 1);
    expect_reject(p, "a flag record with a value is an error", "tag 8");

    p = with_arg();
    static const char extra[] = "\0\0\0\0a\0/b\0c\0d\0junk";
    add(p, DF_TAG_MOUNT, extra, sizeof extra - 1);
    expect_reject(p, "bytes after a MOUNT's data field are an error", "tag 10");

    p = with_arg();
    static const char short_mount[] = "\0\0\0\0a\0/b\0c";
    add(p, DF_TAG_MOUNT, short_mount, sizeof short_mount - 1);
    expect_reject(p, "a MOUNT missing a field is an error", "tag 10");

    p = with_arg();
    static const char no_target[] = "\0\0\0\0\0\0\0\0\0\0\0\0\0content";
    add(p, DF_TAG_FILE, no_target, sizeof no_target - 1);
    expect_reject(p, "a FILE without a target is an error", "tag 11");

    p = with_arg();
    p->len = 0;
    add_str(p, DF_TAG_ENV, "A=1");
    expect_reject(p, "a spec without ARG is an error", "no ARG");
}

/* The most records a payload can hold: every array has room for them. */
static void test_record_limits(void)
{
    static struct payload p;
    p.len = 0;
    while (p.len + DF_SPEC_RECORD_HEADER <= DF_MAX_PAYLOAD)
        add(&p, DF_TAG_ARG, NULL, 0);
    size_t records = p.len / DF_SPEC_RECORD_HEADER;
    CHECK(decode(&p) == 0 && spec.nargs == records && spec.args[records] == NULL,
          "a payload of nothing but empty ARGs decodes, NULL-terminated");
    CHECK(records < SPEC_MAX_RECORDS, "SPEC_MAX_RECORDS covers a full payload");

    p.len = 0;
    while (p.len + DF_SPEC_RECORD_HEADER + 4 <= DF_MAX_PAYLOAD)
        add_u32(&p, DF_TAG_GROUP, 7);
    add_str(&p, DF_TAG_ARG, "/bin/true");
    CHECK(p.len > DF_MAX_PAYLOAD, "a payload over the frame limit can be built");
    CHECK(decode(&p) < 0 && strstr(err, "over") != NULL,
          "a payload over DF_MAX_PAYLOAD is refused");
}

static void test_exec_records(void)
{
    struct payload *p = with_arg();
    add_str(p, DF_TAG_ENV, "A=b");
    add_str(p, DF_TAG_CWD, "/tmp");
    add_u32(p, DF_TAG_UID, 1);
    add(p, DF_TAG_TERMINAL, NULL, 0);
    add_u32(p, DF_TAG_UMASK, 027);
    CHECK(decode(p) == 0 && spec_container_record(&spec) == NULL,
          "process records alone make a valid exec spec");

    p = with_arg();
    add_str(p, DF_TAG_HOSTNAME, "box");
    CHECK(decode(p) == 0 && strcmp(spec_container_record(&spec), "HOSTNAME") == 0,
          "HOSTNAME is named as a container record");
    p = with_arg();
    add(p, DF_TAG_ROOT_READONLY, NULL, 0);
    CHECK(decode(p) == 0 && strcmp(spec_container_record(&spec), "ROOT_READONLY") == 0,
          "ROOT_READONLY is named as a container record");
    p = with_arg();
    add_str(p, DF_TAG_SYSCTL, "kernel.domainname=x");
    CHECK(decode(p) == 0 && strcmp(spec_container_record(&spec), "SYSCTL") == 0,
          "SYSCTL is named as a container record");
    p = with_arg();
    uint8_t limit[8];
    df_put64(limit, 100);
    add(p, DF_TAG_PIDS_LIMIT, limit, sizeof limit);
    CHECK(decode(p) == 0 && spec.pids_limit == 100 &&
              strcmp(spec_container_record(&spec), "PIDS_LIMIT") == 0,
          "PIDS_LIMIT is decoded and named as a container record");
    p = with_arg();
    df_put64(limit, 0);
    add(p, DF_TAG_PIDS_LIMIT, limit, sizeof limit);
    CHECK(decode(p) < 0, "a PIDS_LIMIT of 0 is refused");
    p = with_arg();
    add(p, DF_TAG_PIDS_LIMIT, limit, 4);
    CHECK(decode(p) < 0, "a short PIDS_LIMIT is refused");
    p = with_arg();
    CHECK(decode(p) == 0 && spec_container_record(&spec) == NULL,
          "a decode after a container record starts clean");
}

int main(void)
{
    test_valid();
    test_rejects();
    test_record_limits();
    test_exec_records();
    return check_summary();
}
