/* The guest's half of the DNS relay: a UDP socket on the DNS_RELAY address
 * (port 53) whose queries travel to the host monitor as DNS_QUERY frames,
 * and whose answers come back as DNS_ANSWER (docs/protocol.md). */
#ifndef DOCK_FIRE_INIT_DNS_RELAY_H
#define DOCK_FIRE_INIT_DNS_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Queries waiting for an answer; a new one reuses the oldest slot. */
#define DNS_RELAY_SLOTS 64u

/* Room for one DNS_QUERY payload: the tag and the largest message. */
#define DNS_RELAY_QUERY_MAX (DF_DNS_TAG_SIZE + DF_DNS_MAX_MSG)

/* Binds the relay's socket to addr (IPv4, 4 bytes) port 53. Returns 0, or
 * -1 with "starting the DNS relay: ..." in err. */
int dns_relay_open(const uint8_t addr[4], char *err, size_t errlen);

/* The socket to poll for queries, or -1 when there is no relay. */
int dns_relay_fd(void);

/* Reads one query and writes the DNS_QUERY payload for it into payload
 * (DNS_RELAY_QUERY_MAX bytes). Returns the payload's size, 0 when the
 * datagram was dropped (too short or too long), -1 when none is waiting. */
long dns_relay_take_query(uint8_t *payload);

/* Sends a DNS_ANSWER's message to the client of its tag; an unknown or
 * reused tag is dropped. */
void dns_relay_answer(const uint8_t *payload, size_t size);

#endif
