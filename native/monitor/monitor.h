/* dock-fire-monitor: the per-container host process. Its pid is the
 * container pid the shim waits for; it runs the VMM as its child, relays the
 * container's stdio and signals over the agent channel, and exits with the
 * container's exit status. One global state, one thread, one poll loop. */
#ifndef DOCK_FIRE_MONITOR_H
#define DOCK_FIRE_MONITOR_H

#include "queue.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_CGROUP_FILES 16
/* Queue caps: several times a pipe's 64 KiB, small enough that all queues
 * full at once stay near the 2 MiB RSS budget. */
#define OUTPUT_CAP (512u * 1024u)
#define AGENT_OUT_CAP (256u * 1024u)
#define CONSOLE_LOG_CAP (4u * 1024u * 1024u)
#define SIGKILL_GRACE_MS 2000
/* How long a dead VMM's agent channel, or a closed channel's VMM, gets to
 * show its last state before the monitor decides the exit status. */
#define FAILURE_GRACE_MS 500

enum { OUT_STDOUT = 0, OUT_STDERR = 1 };

struct config {
    const char *dir;
    const char *control_path;
    const char *agent_path;
    const char *console_log_path;
    const char *log_path;
    int ready_fd;
    bool netns;
    bool debug;
    const char *cgroup_procs[MAX_CGROUP_FILES];
    int n_cgroup_procs;
    char **vmm_argv;
};

struct monitor {
    struct config cfg;

    int signal_fd;
    bool control_bound;   /* the socket files are ours to unlink at exit */
    bool agent_bound;
    int control_listen_fd;
    int agent_listen_fd;
    int agent_fd;         /* the one accepted agent connection, or -1 */
    bool agent_eof;
    int console_fd;       /* read end of the VMM's stdout+stderr pipe */
    int console_log_fd;
    uint64_t console_logged;

    pid_t vmm_pid;
    bool vmm_reaped;
    int vmm_status;

    bool ready_sent;      /* "OK" went to the ready fd */
    bool hello;           /* the guest said HELLO: START may be sent */
    bool start_requested; /* a START was queued for the guest */
    int start_client;     /* control client awaiting STARTED/ERROR, or -1 */
    bool started;         /* the guest reported STARTED */

    bool stdin_open;
    bool out_dropped[2];  /* the reader of fd 1 / fd 2 went away */
    struct queue out[2];  /* guest STDOUT/STDERR on their way to fd 1/2 */
    struct queue to_agent;

    int64_t kill_deadline;    /* ms: SIGKILL sent, VMM ends then; 0 = none */
    int64_t failure_deadline; /* ms: VMM or agent channel gone; 0 = none */
};

extern struct monitor M;

/* main.c */
int64_t now_ms(void);
/* Ends the VM and exits. flush_ms bounds the wait for fd 1/2 to take the
 * queued output: -1 waits as long as it takes, 0 drops it. */
_Noreturn void monitor_exit(int code, int flush_ms);
_Noreturn void monitor_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int set_nonblock(int fd);

/* setup.c: the host side of the container before the VMM starts */
void close_stray_fds(int keep);
int ensure_std_fds(void);
int enter_netns(char *err, size_t cap);
int join_cgroup(const char *procs_file, char *err, size_t cap);
int listen_unix(const char *path, char *err, size_t cap);

/* vmm.c */
int vmm_spawn(char *err, size_t cap);
void vmm_kill_and_reap(void);
void vmm_reap_nohang(void);
void console_copy(void);
int console_open_log(char *err, size_t cap);

/* agent.c: the channel to the guest's init */
void agent_accept(void);
void agent_read(void);
void agent_process(void);
bool agent_has_frames(void);
void agent_write(void);
bool agent_wants_read(void);
bool agent_wants_write(void);
int agent_send(uint8_t type, const void *payload, uint32_t n);
void agent_send_signal(uint32_t sig, uint32_t flags);

/* control.c: requests of the dock-fire CLI verbs */
#define MAX_CLIENTS 8
void control_accept(void);
int control_poll_fds(struct pollfd *pfds, int *client_of, int max);
void control_event(int client, int fd, short revents);
void control_reply(int client, const uint8_t *frame, size_t n);
void control_reply_error(int client, uint32_t code, const char *msg);
void control_flush_blocking(int client, int timeout_ms);
void control_close_all(void);
int64_t control_next_deadline(void);
void control_expire(int64_t now);

/* stdio.c: the container's fds 0, 1 and 2 */
int stdio_setup(void);
void stdio_read_stdin(void);
void stdio_write(int which);
void stdio_flush_blocking(int timeout_ms);
void stdio_output(int which, const uint8_t *data, size_t n);

/* loop.c */
int signals_setup(void);
_Noreturn void monitor_loop(void);
void monitor_vmm_gone(void);
void monitor_agent_gone(void);

#endif
