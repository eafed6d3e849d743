/* Decodes the TLV records of a START payload. Every string is validated
 * (no NUL inside, length below PATH_MAX where it is a path) before anything
 * acts on it, so the container setup never sees a malformed value. */
#include "spec.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Copies len bytes plus a terminator into the arena. */
static char *arena_copy(struct spec *spec, const uint8_t *src, size_t len)
{
    if (len + 1 > sizeof spec->arena - spec->arena_used)
        return NULL;
    char *dst = spec->arena + spec->arena_used;
    memcpy(dst, src, len);
    dst[len] = '\0';
    spec->arena_used += len + 1;
    return dst;
}

/* A string record: no NUL inside, shorter than cap. */
static char *take_string(struct spec *spec, const struct df_spec_record *rec, size_t cap)
{
    if (rec->length >= cap || memchr(rec->value, 0, rec->length) != NULL)
        return NULL;
    return arena_copy(spec, rec->value, rec->length);
}

/* Splits the NUL-terminated fields of a MOUNT value after its u32 flags. */
static int take_mount(struct spec *spec, const struct df_spec_record *rec)
{
    if (rec->length < 4)
        return -1;
    const uint8_t *p = rec->value + 4;
    size_t left = rec->length - 4;
    char *copy = arena_copy(spec, p, left);
    if (copy == NULL)
        return -1;

    const char *fields[4];
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        const char *nul = memchr(copy + off, 0, left - off);
        if (nul == NULL || (size_t)(nul - (copy + off)) >= PATH_MAX)
            return -1;
        fields[i] = copy + off;
        off = (size_t)(nul - copy) + 1;
    }
    if (off != left)
        return -1; /* bytes after the data field */

    struct spec_mount *m = &spec->mounts[spec->nmounts++];
    m->flags = df_get32(rec->value);
    m->source = fields[0];
    m->target = fields[1];
    m->fstype = fields[2];
    m->data = fields[3];
    return 0;
}

static int take_file(struct spec *spec, const struct df_spec_record *rec)
{
    if (rec->length < 12)
        return -1;
    const uint8_t *p = rec->value + 12;
    size_t left = rec->length - 12;
    const uint8_t *nul = memchr(p, 0, left);
    if (nul == NULL || nul == p || (size_t)(nul - p) >= PATH_MAX)
        return -1;
    size_t target_len = (size_t)(nul - p);

    struct spec_file *f = &spec->files[spec->nfiles];
    f->target = arena_copy(spec, p, target_len);
    f->size = left - target_len - 1;
    f->content = (const uint8_t *)arena_copy(spec, nul + 1, f->size);
    if (f->target == NULL || f->content == NULL)
        return -1;
    f->mode = df_get32(rec->value);
    f->uid = df_get32(rec->value + 4);
    f->gid = df_get32(rec->value + 8);
    spec->nfiles++;
    return 0;
}

/* ARG, ENV, CWD, HOSTNAME and the path lists. Returns 0, -1 when malformed,
 * -2 when rec is not a string record. */
static int take_string_record(struct spec *spec, const struct df_spec_record *rec)
{
    switch (rec->tag) {
    case DF_TAG_ARG:
        return (spec->args[spec->nargs++] = take_string(spec, rec, DF_MAX_PAYLOAD)) ? 0 : -1;
    case DF_TAG_ENV:
        return (spec->env[spec->nenv++] = take_string(spec, rec, DF_MAX_PAYLOAD)) ? 0 : -1;
    case DF_TAG_CWD:
        spec->cwd = take_string(spec, rec, PATH_MAX);
        return spec->cwd != NULL && spec->cwd[0] == '/' ? 0 : -1;
    case DF_TAG_HOSTNAME:
        spec->hostname = take_string(spec, rec, HOST_NAME_MAX + 1);
        return spec->hostname != NULL ? 0 : -1;
    case DF_TAG_MASK_PATH:
        return (spec->masked[spec->nmasked++] = take_string(spec, rec, PATH_MAX)) ? 0 : -1;
    case DF_TAG_READONLY_PATH:
        return (spec->readonly[spec->nreadonly++] = take_string(spec, rec, PATH_MAX)) ? 0 : -1;
    case DF_TAG_SYSCTL:
        return (spec->sysctls[spec->nsysctls++] = take_string(spec, rec, PATH_MAX)) ? 0 : -1;
    default:
        return -2;
    }
}

/* Sets a flag of an empty record (TERMINAL, ROOT_READONLY, NO_NEW_PRIVS). */
static int take_flag(const struct df_spec_record *rec, bool *flag)
{
    if (rec->length != 0)
        return -1;
    *flag = true;
    return 0;
}

/* Fixed-size records. Returns 0, -1 when malformed, -2 when unknown. */
static int take_fixed_record(struct spec *spec, const struct df_spec_record *rec)
{
    const uint8_t *v = rec->value;
    switch (rec->tag) {
    case DF_TAG_UID:
    case DF_TAG_GID:
    case DF_TAG_GROUP:
        if (rec->length != 4)
            return -1;
        if (rec->tag == DF_TAG_UID)
            spec->uid = df_get32(v);
        else if (rec->tag == DF_TAG_GID)
            spec->gid = df_get32(v);
        else
            spec->groups[spec->ngroups++] = df_get32(v);
        return 0;
    case DF_TAG_RLIMIT:
        if (rec->length != 20)
            return -1;
        spec->rlimits[spec->nrlimits++] = (struct spec_rlimit){
            df_get32(v), df_get64(v + 4), df_get64(v + 12)};
        return 0;
    case DF_TAG_CAPS:
        if (rec->length != 40)
            return -1;
        for (int i = 0; i < 5; i++)
            spec->caps[i] = df_get64(v + 8 * i);
        spec->has_caps = true;
        return 0;
    case DF_TAG_UMASK:
        if (rec->length != 4 || df_get32(v) > 0777)
            return -1;
        spec->umask = df_get32(v);
        return 0;
    case DF_TAG_PIDS_LIMIT:
        if (rec->length != 8 || df_get64(v) == 0)
            return -1;
        spec->pids_limit = df_get64(v);
        return 0;
    case DF_TAG_TERMINAL:
        return take_flag(rec, &spec->terminal);
    case DF_TAG_ROOT_READONLY:
        return take_flag(rec, &spec->root_readonly);
    case DF_TAG_NO_NEW_PRIVS:
        return take_flag(rec, &spec->no_new_privs);
    default:
        return -2;
    }
}

/* Applies one record; returns 0, -1 when its value is malformed, -2 when
 * its tag is unknown. */
static int take_record(struct spec *spec, const struct df_spec_record *rec)
{
    if (rec->tag == DF_TAG_MOUNT)
        return take_mount(spec, rec);
    if (rec->tag == DF_TAG_FILE)
        return take_file(spec, rec);
    int rc = take_string_record(spec, rec);
    return rc != -2 ? rc : take_fixed_record(spec, rec);
}

int spec_decode(const uint8_t *payload, size_t size, struct spec *spec, char *err,
                size_t errlen)
{
    /* Only the scalars are reset: clearing the arrays would touch ~2 MiB. */
    spec->nargs = spec->nenv = spec->ngroups = spec->nrlimits = 0;
    spec->nmounts = spec->nfiles = spec->nmasked = spec->nreadonly = spec->nsysctls = 0;
    spec->cwd = "/";
    spec->hostname = NULL;
    spec->uid = spec->gid = 0;
    spec->terminal = spec->root_readonly = spec->has_caps = spec->no_new_privs = false;
    memset(spec->caps, 0, sizeof spec->caps);
    spec->umask = 022;
    spec->pids_limit = 0;
    spec->arena_used = 0;
    netspec_reset(&spec->net);
    /* The array sizes (SPEC_MAX_RECORDS) rest on this bound. */
    if (size > DF_MAX_PAYLOAD)
        return df_spec_error(err, errlen, "invalid process spec: %zu bytes, over %u", size,
                    DF_MAX_PAYLOAD);

    struct df_spec_iter it = {payload, size, 0};
    struct df_spec_record rec;
    int more;
    while ((more = df_spec_next(&it, &rec)) == 1) {
        int rc = netspec_take(&spec->net, &rec, err, errlen);
        if (rc == -1)
            return -1;
        if (rc == 0)
            continue;
        rc = take_record(spec, &rec);
        if (rc == -2)
            return df_spec_error(err, errlen, "invalid process spec: unknown tag %u", rec.tag);
        if (rc < 0)
            return df_spec_error(err, errlen, "invalid process spec: malformed record with tag %u",
                        rec.tag);
    }
    if (more < 0)
        return df_spec_error(err, errlen, "invalid process spec: a record runs past the end");
    if (spec->nargs == 0)
        return df_spec_error(err, errlen, "invalid process spec: no ARG record");
    if (netspec_finish(&spec->net, err, errlen) < 0)
        return -1;
    spec->args[spec->nargs] = NULL;
    spec->env[spec->nenv] = NULL;
    return 0;
}

const char *spec_container_record(const struct spec *spec)
{
    if (spec->hostname != NULL)
        return "HOSTNAME";
    if (spec->nmounts > 0)
        return "MOUNT";
    if (spec->nfiles > 0)
        return "FILE";
    if (spec->root_readonly)
        return "ROOT_READONLY";
    if (spec->nmasked > 0)
        return "MASK_PATH";
    if (spec->nreadonly > 0)
        return "READONLY_PATH";
    if (spec->nsysctls > 0)
        return "SYSCTL";
    const char *net = netspec_first_record(&spec->net);
    if (net != NULL)
        return net;
    if (spec->pids_limit > 0)
        return "PIDS_LIMIT";
    return NULL;
}
