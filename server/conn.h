/*
 * conn.h - one client connection: the byte stream, the Noise session, frames,
 * and the requests in flight.
 *
 * State machine (asserted in conn.c):
 *
 *   PREAMBLE --8 bytes ok--> HANDSHAKE --msg3 ok, split--> OPEN --close--> CLOSING
 *       \                        \                           /
 *        `-----------------------`--- error/timeout -------'
 *
 *   PREAMBLE   waiting for the 8-byte preamble (bad magic or version: close)
 *   HANDSHAKE  Noise XX as responder: read msg1 (ClientHello), write msg2
 *              (ServerHello), read msg3 (ClientFinish; the client's static key
 *              is its device key); timeout cfg.handshake_timeout_ms
 *   OPEN       transport: Request frames in, ServerFrame frames out. Before
 *              login (user_id == 0) frames and decode budgets are small.
 *   CLOSING    uv_close requested; nothing is read or written; freed in the
 *              close callback once no job still holds a reference.
 *
 * Lifetime: the server's registry holds the connection; each request in
 * flight holds a reference (conn_ref/conn_unref), so a job finishing after the
 * client vanished finds a CLOSING connection and drops its response.
 */
#ifndef KT_CONN_H
#define KT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "common/keyfile.h"
#include "common/noise.h"
#include "common/wire.h"
#include "server/events.h"

struct server;

/* Before login a request is at most 4 KiB: its frame is that plus the AEAD tag. */
#define CONN_REQUEST_MAX_UNAUTH 4096
#define CONN_FRAME_MAX_UNAUTH (CONN_REQUEST_MAX_UNAUTH + NOISE_TAGLEN)
/* Before login a connection may have this many requests outstanding. */
#define CONN_IN_FLIGHT_UNAUTH 8

enum conn_state { CONN_PREAMBLE = 1, CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING };

struct conn {
	uv_tcp_t tcp;
	struct server *srv;
	enum conn_state state;
	uint64_t id;
	int refs;                 /* registry 1 + requests in flight */
	char peer[64];            /* "127.0.0.1:51234" */
	char peer_host[48];       /* "127.0.0.1" (throttling key) */
	int64_t connected_at;     /* wall clock ms */
	uint64_t accepted_ms;     /* uv_now() at accept: the handshake deadline counts from it */
	uint64_t last_rx_ms;      /* uv_now() of the last frame received */
	bool keepalive_sent;
	uint8_t preamble[KT_PREAMBLE_LEN];
	unsigned preamble_len;
	struct noise_handshake *hs; /* only during HANDSHAKE */
	struct noise_cipher tx, rx;
	uint8_t device_pub[32];   /* the client's Noise static key */
	char device_fp[KT_FINGERPRINT_LEN];
	struct kt_frame_reader fr;
	unsigned in_flight;
	size_t write_queued;      /* bytes handed to uv_write, not yet written */
	bool reading_paused;
	uint64_t event_seq;
	/* authentication (0 / empty before login) */
	int64_t user_id;
	int64_t session_id;
	char username[65];
	uint32_t roles;
	int64_t unit_id;
	bool must_change_password;
	int64_t session_started_at, session_expires_at;
	bool login_pending;       /* a login or resume is running */
	int64_t device_id;        /* the enrolled device of the session */
	struct watch_entry *watch; /* events.c: what this connection watches */
	size_t nwatch;
	struct conn *wprev, *wnext; /* events.c: the server's list of watching connections */
	struct conn *prev, *next; /* registry */
};

/* Accept a pending connection from the listener (loop thread). */
void conn_accept(struct server *s, uv_stream_t *listener);

/* Send a Goodbye (when OPEN) and close. reason is a CloseReason value. */
void conn_close(struct conn *c, int reason, const char *message);

void conn_ref(struct conn *c);
void conn_unref(struct conn *c);

/*
 * Send a packed ServerFrame (plaintext, len <= KT_PLAINTEXT_MAX): encrypt, frame,
 * queue. Returns 0 or a KT_E* code (the connection is then being closed).
 */
int conn_send(struct conn *c, const uint8_t *plain, size_t len);

/* Once a second from the server's sweep timer: handshake/idle timeouts, keep-alives. */
void conn_sweep(struct conn *c, uint64_t now);

#endif
