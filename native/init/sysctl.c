/* Applies linux.sysctl in the container's own namespaces. Called in the
 * container's child before it leaves init's /proc, since namespaced sysctls
 * (net.*, kernel.msg*, ...) take effect in the namespaces of the writer. */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"

int sysctl_key_to_path(const char *key, size_t len, char *path, size_t cap)
{
    static const char prefix[] = "/proc/sys/";
    if (len == 0 || len + sizeof prefix > cap || key[0] == '.' || key[len - 1] == '.')
        return -1;
    memcpy(path, prefix, sizeof prefix - 1);
    char *out = path + sizeof prefix - 1;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (c == '.') {
            if (key[i + 1] == '.')
                return -1;
            c = '/';
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return -1;
        }
        *out++ = c;
    }
    *out = '\0';
    return 0;
}

void sysctl_apply(const struct spec *spec)
{
    for (size_t i = 0; i < spec->nsysctls; i++) {
        const char *entry = spec->sysctls[i];
        const char *eq = strchr(entry, '=');
        char path[PATH_MAX];
        if (eq == NULL || sysctl_key_to_path(entry, (size_t)(eq - entry), path, sizeof path) < 0)
            container_fail("invalid sysctl \"%s\"", entry);

        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            container_fail("sysctl \"%.*s\": %s", (int)(eq - entry), entry,
                           container_strerror(errno));
        size_t len = strlen(eq + 1);
        ssize_t n = write(fd, eq + 1, len);
        int saved = errno;
        close(fd);
        if (n < 0 || (size_t)n != len)
            container_fail("sysctl \"%.*s\": %s", (int)(eq - entry), entry,
                           container_strerror(n < 0 ? saved : EIO));
    }
}
