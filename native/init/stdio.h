/* Relaying one process's stdio between its pipes (or its terminal's
 * master) and the agent channel, without ever blocking on a pipe. */
#ifndef DOCK_FIRE_INIT_STDIO_H
#define DOCK_FIRE_INIT_STDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Host stdin bytes waiting for the process to read them. Beyond this init
 * stops reading the agent channel until the process catches up. */
#define STDIN_QUEUE_CAP (1u << 20)

struct stdio_relay {
    int in_fd;      /* write end of the process's stdin pipe, -1 when closed */
    int out_fd;     /* read end of its stdout pipe, -1 after EOF */
    int err_fd;     /* read end of its stderr pipe, -1 after EOF */
    bool terminal;  /* in_fd and out_fd are two fds of one pty master; no err_fd */
    bool in_closed; /* stdin is gone: queued and further bytes are dropped */
    bool in_eof;    /* STDIN_EOF arrived: close in_fd once the queue drains */
    size_t head;
    size_t len;
    uint8_t queue[STDIN_QUEUE_CAP];
};

void stdio_init(struct stdio_relay *relay);

/* Creates the three pipes; child[] gets the process's ends (close-on-exec,
 * blocking), the relay keeps the others non-blocking. Returns 0 or -1. */
int stdio_create(struct stdio_relay *relay, int child[3]);

/* Takes a pty master: output is read from it, stdin written to a
 * duplicate, both non-blocking. Returns 0, or -1 (master closed). */
int stdio_attach_terminal(struct stdio_relay *relay, int master);

/* Whether size more stdin bytes fit in the queue now. */
bool stdio_fits(const struct stdio_relay *relay, size_t size);
void stdio_queue(struct stdio_relay *relay, const uint8_t *data, size_t size);
/* Without a terminal, stdin is closed once the queue drains. A terminal
 * stays open: its user ends input with ^D bytes, not by closing it. */
void stdio_set_eof(struct stdio_relay *relay);

/* Writes queued bytes while the pipe takes them. */
void stdio_flush(struct stdio_relay *relay);
bool stdio_wants_write(const struct stdio_relay *relay);

/* Reads what one output pipe holds and sends it as STDOUT or STDERR
 * frames on stream; closes the pipe at EOF. With agent_fd -1 (the host is gone) the
 * bytes are read and dropped, so the process never blocks on a full pipe.
 * Returns -1 when the channel failed. */
int stdio_forward(struct stdio_relay *relay, bool err, int agent_fd, uint16_t stream);

/* The process is gone or never started: drop stdin. */
void stdio_close_input(struct stdio_relay *relay);
void stdio_close_all(struct stdio_relay *relay);

#endif
