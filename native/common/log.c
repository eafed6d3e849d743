#include "log.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "dock-fire";
static int log_fd = 2;
static enum df_log_level log_level = DF_LOG_INFO;

void df_log_init(const char *program, int fd, enum df_log_level level)
{
    log_program = program;
    log_fd = fd;
    log_level = level;
}

void df_log(enum df_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    if (level > log_level || log_fd < 0)
        return;

    char line[1024];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int n = snprintf(line, sizeof line, "%lld.%03ld %s %s: ", (long long)now.tv_sec,
                     now.tv_nsec / 1000000, log_program, names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* A failed log write has nowhere better to go. */
    if (write(log_fd, line, len) < 0)
        return;
}
