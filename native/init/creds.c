/* The credential steps in runc's order: bounding set while still root, then
 * groups and ids with PR_SET_KEEPCAPS so the permitted set survives setuid,
 * then capset, ambient capabilities and no_new_privs last. Without a CAPS
 * record the kernel's rules apply: root keeps all, other users get none. */
#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"
#include "kernel_abi.h"

#define NR_OPEN "/proc/sys/fs/nr_open"

/* A host started under systemd passes on nofile limits up to its own
 * nr_open, which systemd raises to 2^30; the guest kernel's is 2^20. The VM
 * runs this one container, so its ceiling may follow the container's. */
void creds_fit_nr_open(const struct spec *spec)
{
    uint64_t want = 0;
    for (size_t i = 0; i < spec->nrlimits; i++) {
        if (spec->rlimits[i].resource == RLIMIT_NOFILE)
            want = spec->rlimits[i].hard;
    }
    /* nr_open is an int: past it (unlimited) setrlimit fails, as on a host. */
    if (want == 0 || want > INT_MAX)
        return;

    char buf[24];
    int fd = open(NR_OPEN, O_RDWR | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (n < 0)
        container_fail("read %s: %s", NR_OPEN, container_strerror(errno));
    buf[n] = '\0';
    if (strtoull(buf, NULL, 10) >= want) {
        close(fd);
        return;
    }

    int len = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)want);
    if (pwrite(fd, buf, (size_t)len, 0) != len)
        container_fail("raise fs.nr_open to %llu for RLIMIT_NOFILE: %s",
                       (unsigned long long)want, container_strerror(errno));
    close(fd);
}

void creds_apply_rlimits(const struct spec *spec)
{
    for (size_t i = 0; i < spec->nrlimits; i++) {
        const struct spec_rlimit *r = &spec->rlimits[i];
        struct rlimit limit = {(rlim_t)r->soft, (rlim_t)r->hard};
        if (setrlimit((int)r->resource, &limit) < 0)
            container_fail("setrlimit %u: %s", r->resource, container_strerror(errno));
    }
}

/* The highest capability number the kernel knows. */
static int last_cap(void)
{
    int cap = 0;
    while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
        cap++;
    return cap;
}

static void drop_bounding(uint64_t keep, int last)
{
    for (int cap = 0; cap <= last; cap++) {
        if (keep & (1ull << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            container_fail("drop capability %d from the bounding set: %s", cap,
                           container_strerror(errno));
    }
}

static void set_capabilities(const struct spec *spec, uint64_t valid)
{
    struct df_cap_header header = {DF_CAPABILITY_VERSION_3, 0};
    struct df_cap_data data[2];
    uint64_t effective = spec->caps[CAPS_EFFECTIVE] & valid;
    uint64_t permitted = spec->caps[CAPS_PERMITTED] & valid;
    uint64_t inheritable = spec->caps[CAPS_INHERITABLE] & valid;
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(effective >> (32 * i));
        data[i].permitted = (uint32_t)(permitted >> (32 * i));
        data[i].inheritable = (uint32_t)(inheritable >> (32 * i));
    }
    if (syscall(SYS_capset, &header, data) < 0)
        container_fail("capset: %s", container_strerror(errno));

    uint64_t ambient = spec->caps[CAPS_AMBIENT] & valid;
    for (int cap = 0; cap < 64; cap++) {
        if (!(ambient & (1ull << cap)))
            continue;
        /* The kernel refuses an ambient capability that is not also permitted
         * and inheritable; like runc, such a spec entry is skipped, not fatal
         * (runc's own default spec lists ambient without inheritable). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
            container_fail("raise ambient capability %d: %s", cap, container_strerror(errno));
    }
}

void creds_apply_user(const struct spec *spec)
{
    int last = last_cap();
    uint64_t valid = last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
    if (spec->has_caps) {
        drop_bounding(spec->caps[CAPS_BOUNDING], last);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            container_fail("keep capabilities: %s", container_strerror(errno));
    }

    if (setgroups(spec->ngroups, spec->groups) < 0)
        container_fail("setgroups: %s", container_strerror(errno));
    if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
        container_fail("setgid %u: %s", spec->gid, container_strerror(errno));
    if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
        container_fail("setuid %u: %s", spec->uid, container_strerror(errno));

    if (spec->has_caps) {
        set_capabilities(spec, valid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            container_fail("reset keep capabilities: %s", container_strerror(errno));
    }
    if (spec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        container_fail("set no_new_privs: %s", container_strerror(errno));
}
