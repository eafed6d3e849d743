/* init's sysctl key check (init/sysctl.c): a key from config.json becomes a
 * path under /proc/sys and never anything else. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "container.h"
#include "sysctl.h"

/* sysctl_apply's failure path; never reached by these tests. */
_Noreturn void container_fail(const char *fmt, ...)
{
    (void)fmt;
    abort();
}

const char *container_strerror(int err)
{
    (void)err;
    return "error";
}

static void accepts(const char *key, const char *path)
{
    char out[128], name[160];
    snprintf(name, sizeof name, "key \"%s\" is %s", key, path);
    CHECK(sysctl_key_to_path(key, strlen(key), out, sizeof out) == 0 && strcmp(out, path) == 0,
          name);
}

static void rejects(const char *key, const char *why)
{
    char out[128], name[160];
    snprintf(name, sizeof name, "key \"%s\" is refused: %s", key, why);
    for (char *c = name; *c; c++)
        if (*c < 0x20)
            *c = '?';
    CHECK(sysctl_key_to_path(key, strlen(key), out, sizeof out) < 0, name);
}

int main(void)
{
    accepts("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward");
    accepts("kernel.shm_rmid_forced", "/proc/sys/kernel/shm_rmid_forced");
    accepts("net.ipv4.conf.all.rp_filter", "/proc/sys/net/ipv4/conf/all/rp_filter");
    accepts("net.ipv6.conf.veth-1.mtu", "/proc/sys/net/ipv6/conf/veth-1/mtu");

    rejects("", "empty");
    rejects(".net", "leading dot");
    rejects("net.", "trailing dot");
    rejects("net..core", "empty component");
    rejects("net/../../etc", "slash");
    rejects("..", "dot-dot");
    rejects("net.core.somaxconn ", "space");
    rejects("kernel.x\n", "newline");
    rejects("kernel.*", "glob");

    char out[64];
    const char *entry = "net.core.somaxconn=1024";
    CHECK(sysctl_key_to_path(entry, strlen("net.core.somaxconn"), out, sizeof out) == 0 &&
              strcmp(out, "/proc/sys/net/core/somaxconn") == 0,
          "only the first len bytes (the key of key=value) are taken");
    CHECK(sysctl_key_to_path("a.b", 3, out, strlen("/proc/sys/a/b") + 1) == 0,
          "a path that exactly fits is written");
    CHECK(sysctl_key_to_path("a.b", 3, out, strlen("/proc/sys/a/b")) < 0,
          "a path one byte too long for the buffer is refused");
    return check_summary();
}
