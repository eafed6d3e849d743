/* One small logging helper for the C programs: a line to a file descriptor,
 * prefixed with the program name, gated by verbosity. */
#ifndef DOCK_FIRE_LOG_H
#define DOCK_FIRE_LOG_H

#include <stdarg.h>

enum df_log_level { DF_LOG_ERROR = 0, DF_LOG_WARN = 1, DF_LOG_INFO = 2, DF_LOG_DEBUG = 3 };

/* Sets where lines go (default: fd 2), the program name and the level. */
void df_log_init(const char *program, int fd, enum df_log_level level);
void df_log(enum df_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define df_error(...) df_log(DF_LOG_ERROR, __VA_ARGS__)
#define df_warn(...) df_log(DF_LOG_WARN, __VA_ARGS__)
#define df_info(...) df_log(DF_LOG_INFO, __VA_ARGS__)
#define df_debug(...) df_log(DF_LOG_DEBUG, __VA_ARGS__)

#endif
