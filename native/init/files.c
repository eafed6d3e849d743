/* The staged copies live on their own tmpfs under /run so that the image's
 * disk is never written and the copies vanish with the VM. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "resolve.h"

#define FILES_DIR "/run/dock-fire-files"

static void staged_path(char *buf, size_t cap, size_t index)
{
    snprintf(buf, cap, FILES_DIR "/%zu", index);
}

static int write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

int files_stage(const struct spec *spec, char *err, size_t errlen)
{
    if (spec->nfiles == 0)
        return 0;
    if (mkdir(FILES_DIR, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "create %s: %s", FILES_DIR, container_strerror(errno));
        return -1;
    }
    if (mount("tmpfs", FILES_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0) {
        snprintf(err, errlen, "mount %s: %s", FILES_DIR, container_strerror(errno));
        return -1;
    }

    for (size_t i = 0; i < spec->nfiles; i++) {
        const struct spec_file *f = &spec->files[i];
        char path[64];
        staged_path(path, sizeof path, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write_all(fd, f->content, f->size) < 0 ||
            fchmod(fd, (mode_t)(f->mode & 07777)) < 0 ||
            fchown(fd, (uid_t)f->uid, (gid_t)f->gid) < 0) {
            snprintf(err, errlen, "stage the file for %s: %s", f->target,
                     container_strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

void files_bind(int root_fd, const struct spec_file *file, size_t index)
{
    char source[64];
    staged_path(source, sizeof source, index);
    int fd = resolve_in_root(root_fd, file->target, RESOLVE_MAKE_FILE);
    if (fd < 0)
        container_fail("create %s: %s", file->target, container_strerror(errno));
    char target[FD_PATH_MAX];
    if (mount(source, fd_path(target, fd), NULL, MS_BIND, NULL) < 0)
        container_fail("bind %s: %s", file->target, container_strerror(errno));
    close(fd);
}
