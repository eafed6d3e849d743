/* dock-fire-monitor: the per-container host process. Its pid is the
 * container pid the shim waits for; it runs the VMM as its child, relays the
 * container's stdio and signals over the agent channel, and exits with the
 * container's exit status. One global state, one thread, one poll loop.
 *
 * In attach mode (--attach) the same program is the monitor of one exec'd
 * process: its "agent channel" is a control connection to the container's
 * monitor, which relays the process's stream; there is no VMM. */
#ifndef DOCK_FIRE_MONITOR_H
#define DOCK_FIRE_MONITOR_H

#include "protocol.h"
#include "queue.h"

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_CGROUP_FILES 16
/* Queue caps: several times a pipe's 64 KiB, small enough that all queues
 * full at once stay near the 2 MiB RSS budget. */
#define OUTPUT_CAP (512u * 1024u)
#define AGENT_OUT_CAP (256u * 1024u)
/* Per exec client; up to MAX_EXECS of them. */
#define EXEC_OUT_CAP (64u * 1024u)
/* Room above a cap for one more frame: producers check the cap before they
 * take a frame, so a push never has to fail. */
#define QUEUE_SLACK (DF_HEADER_SIZE + DF_MAX_PAYLOAD + 4096u)
#define CONSOLE_LOG_CAP (4u * 1024u * 1024u)
#define SIGKILL_GRACE_MS 2000
/* How long a dead VMM's agent channel, or a closed channel's VMM, gets to
 * show its last state before the monitor decides the exit status. */
#define FAILURE_GRACE_MS 500

enum { OUT_STDOUT = 0, OUT_STDERR = 1 };

struct config {
    bool attach;                /* --attach: monitor of an exec'd process */
    const char *spec_path;      /* attach: the EXEC request's process spec */
    const char *console_socket; /* where the pty master goes, or NULL */
    const char *dir;
    const char *control_path;
    const char *agent_path;
    const char *console_log_path;
    const char *log_path;
    int ready_fd;
    bool detach; /* --detach: run as a grandchild of the caller, "PID n" first */
    bool netns;
    bool debug;
    bool has_dns_relay;        /* --dns-relay: where DNS_QUERY goes */
    struct in_addr dns_relay;
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

    /* The process this monitor relays for: stream 1, or in attach mode the
     * exec's stream (0 until the container's monitor names it). */
    uint16_t stream;
    int in_fd;            /* its stdin: fd 0, or the pty slave */
    int out_fd[2];        /* its STDOUT/STDERR: fds 1 and 2, or the pty slave */
    int pty_fd;           /* the slave of --console-socket, or -1 */

    bool ready_sent;      /* "OK" went to the ready fd */
    bool hello;           /* the guest said HELLO (attach: connected): may send */
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
int write_ready(const char *line);
void open_log(void);

/* args.c */
const char *parse_args(int argc, char **argv);

/* attach.c: --attach, the monitor of one exec'd process */
_Noreturn void attach_main(void);
void attach_started(void);
_Noreturn void attach_failed(uint32_t code, const char *msg);

/* pty.c: --console-socket */
int pty_setup(char *err, size_t cap);
void pty_send_size(void);

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
int agent_send_on(uint16_t stream, uint8_t type, const void *payload, uint32_t n);
void agent_send_signal(uint32_t sig, uint32_t flags);
_Noreturn void agent_violation(const char *what, unsigned value);
bool agent_noise_allowed(void);
void printable_copy(char *dst, size_t cap, const uint8_t *src, size_t n);

/* exec.c: processes started by EXEC requests, one agent stream each */
#define MAX_EXECS 16
void exec_request(int client, const uint8_t *spec, uint32_t n);
void exec_guest_frame(const struct df_header *h, const uint8_t *frame);
int exec_client_frame(int slot, const struct df_header *h, const uint8_t *frame);
void exec_client_gone(int slot, bool kill_process);
bool exec_output_paused(void);
bool exec_running(int slot);
bool exec_finished(int slot);
struct queue *exec_output(int slot);

/* control.c: requests of the dock-fire CLI verbs */
/* Exec clients are long-lived: MAX_CLIENTS - MAX_EXECS slots always remain
 * for short requests (kill, start, state). */
#define MAX_CLIENTS 24
void control_accept(void);
void control_bind(int client, int exec_slot);
void control_wake(int client);
void control_process(void);
int control_poll_fds(struct pollfd *pfds, int *client_of, int max);
void control_event(int client, int fd, short revents);
void control_reply(int client, const uint8_t *frame, size_t n);
void control_reply_error(int client, uint32_t code, const char *msg);
void control_guest_booted(void);
/* The VM ended before any START: tells a waiting or later HELLO or START
 * client so, then exits with status. */
void control_vm_failed(int status);
void control_flush_blocking(int client, int timeout_ms);
void control_close_all(void);
int64_t control_next_deadline(void);
void control_expire(int64_t now);

/* stdio.c: the process's stdio: fds 0, 1 and 2, or the pty slave */
int stdio_setup(void);
void stdio_read_stdin(void);
void stdio_write(int which);
void stdio_flush_blocking(int timeout_ms);
void stdio_output(int which, const uint8_t *data, size_t n);

/* dns.c: --dns-relay, the host's half of the guest's DNS relay */
/* Queries waiting for the resolver at once; more are dropped. */
#define DNS_MAX_PENDING 32
void dns_query(const struct df_header *h, const uint8_t *payload);
int dns_poll_fds(struct pollfd *pfds, int *slot_of, int max);
void dns_event(int slot, int fd);
int64_t dns_next_deadline(void);
void dns_expire(int64_t now);

/* loop.c */
int signals_setup(void);
_Noreturn void monitor_loop(void);
void monitor_vmm_gone(void);
void monitor_agent_gone(void);

#endif
