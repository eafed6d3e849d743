/* The lookup follows Go's exec.LookPath, which runc uses, so the errors
 * read as they do under runc and Docker maps them to the same exit codes:
 * "executable file not found in $PATH" and "no such file or directory"
 * give 127, "permission denied" 126. */
#include "exec.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

/* runc's default when the environment has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(const struct spec *spec)
{
    for (size_t i = 0; i < spec->nenv; i++) {
        if (strncmp(spec->env[i], "PATH=", 5) == 0)
            return spec->env[i] + 5;
    }
    return DEFAULT_PATH;
}

/* LookPath's test: exists, is not a directory, has an execute bit. */
static int check_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

_Noreturn static void exec_found(const struct spec *spec, const char *path)
{
    execve(path, spec->args, spec->env);
    container_fail("exec %s: %s", path, container_strerror(errno));
}

_Noreturn void exec_process(const struct spec *spec)
{
    const char *name = spec->args[0];
    if (strchr(name, '/') != NULL) {
        if (check_executable(name) < 0) {
            if (errno == EACCES)
                container_fail("exec: \"%s\": permission denied", name);
            container_fail("exec: \"%s\": stat %s: %s", name, name, container_strerror(errno));
        }
        exec_found(spec, name);
    }

    const char *dirs = env_path(spec);
    for (;;) {
        if (name[0] == '\0')
            break;
        size_t len = strcspn(dirs, ":");
        char candidate[PATH_MAX];
        /* An empty entry means the working directory, as in Go. */
        int n = len == 0 ? snprintf(candidate, sizeof candidate, "./%s", name)
                         : snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, dirs,
                                    name);
        if (n > 0 && (size_t)n < sizeof candidate && check_executable(candidate) == 0)
            exec_found(spec, candidate);
        if (dirs[len] == '\0')
            break;
        dirs += len + 1;
    }
    container_fail("exec: \"%s\": executable file not found in $PATH", name);
}
