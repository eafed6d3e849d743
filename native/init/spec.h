/* The process spec of a START frame (docs/protocol.md, "Process spec"),
 * decoded into plain C values. */
#ifndef DOCK_FIRE_INIT_SPEC_H
#define DOCK_FIRE_INIT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netspec.h"
#include "protocol.h"

/* No payload holds more records than this, so no array below can overflow. */
#define SPEC_MAX_RECORDS (DF_MAX_PAYLOAD / DF_SPEC_RECORD_HEADER + 1)

enum spec_caps { CAPS_BOUNDING, CAPS_EFFECTIVE, CAPS_PERMITTED, CAPS_INHERITABLE, CAPS_AMBIENT };

struct spec_mount {
    unsigned long flags;
    const char *source;
    const char *target;
    const char *fstype;
    const char *data;
};

struct spec_file {
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    const char *target;
    const uint8_t *content;
    size_t size;
};

struct spec_rlimit {
    uint32_t resource;
    uint64_t soft;
    uint64_t hard;
};

struct spec {
    char *args[SPEC_MAX_RECORDS + 1]; /* NULL-terminated, for execve */
    size_t nargs;
    char *env[SPEC_MAX_RECORDS + 1]; /* NULL-terminated, for execve */
    size_t nenv;
    const char *cwd;
    uint32_t uid;
    uint32_t gid;
    gid_t groups[SPEC_MAX_RECORDS];
    size_t ngroups;
    struct spec_rlimit rlimits[SPEC_MAX_RECORDS];
    size_t nrlimits;
    bool terminal;
    const char *hostname;
    struct spec_mount mounts[SPEC_MAX_RECORDS];
    size_t nmounts;
    struct spec_file files[SPEC_MAX_RECORDS];
    size_t nfiles;
    bool root_readonly;
    bool has_caps;
    uint64_t caps[5]; /* indexed by enum spec_caps */
    bool no_new_privs;
    uint32_t umask;
    const char *masked[SPEC_MAX_RECORDS];
    size_t nmasked;
    const char *readonly[SPEC_MAX_RECORDS];
    size_t nreadonly;
    const char *sysctls[SPEC_MAX_RECORDS]; /* "key=value" */
    size_t nsysctls;
    struct netspec net; /* container START only */
    uint64_t pids_limit; /* 0: none */

    /* Strings are copied here with their terminators; every record adds at
     * most its own length plus one byte. */
    char arena[DF_MAX_PAYLOAD + SPEC_MAX_RECORDS];
    size_t arena_used;
};

/* Decodes a START payload into spec. Returns 0, or -1 with a reason in
 * err (capacity errlen) when the payload is malformed or names an unknown
 * tag. */
int spec_decode(const uint8_t *payload, size_t size, struct spec *spec, char *err,
                size_t errlen);

/* The name of the first record in spec that sets up a container (MOUNT,
 * FILE, HOSTNAME, ...) rather than a process, or NULL: an exec takes
 * process records only. */
const char *spec_container_record(const struct spec *spec);

#endif
