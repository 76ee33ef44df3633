/*
 * transport.h - the client's blocking connection to kiemtrad: TCP, the wire
 * preamble, the Noise_XX handshake (with server key pinning between messages 2
 * and 3), and request/response exchange over the encrypted channel.
 *
 * Owns: a struct kt_conn owns its socket, its transport cipher states, the
 * handshake hash, and every Response it has read but not yet handed out.
 * kt_conn_close() closes the socket, wipes every key and frees all of that; it
 * accepts NULL. The device private key is the caller's: the connection copies
 * it only into the handshake state, which is wiped before kt_conn_open returns.
 *
 * A Response handed out (kt_conn_call, kt_conn_wait, kt_conn_recv) belongs to
 * the caller, independent of the connection: free it with kt_response_free()
 * (it may outlive kt_conn_close). Each one is its own message decoded with
 * kt_unpack() under KT_DECODE_BUDGET; the ServerFrame envelope around it is
 * walked by hand so that the Response can be returned alone. A LoginResp
 * carries the session token: wipe it before freeing.
 *
 * Requests belong to the caller; kt_conn_send sets req->id (a counter from 1).
 * The packed plaintext of every request is wiped once it is encrypted.
 *
 * Blocking and timeouts: every call blocks, but never longer than timeout_ms
 * for one step (connecting to one address, the handshake, one wait for a
 * response). Events are handled inside the reads: KeepAlive is ignored;
 * Goodbye makes the connection fail with KT_ESHUTDOWN and kt_conn_goodbye()
 * tells the reason. After any transport failure the connection is broken: every
 * later call returns the same code; kt_conn_strerror() says what happened.
 *
 * Not thread-safe: one thread uses one connection at a time.
 */
#ifndef KT_CLIENT_TRANSPORT_H
#define KT_CLIENT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/known_servers.h"
#include "common/noise.h"
#include "proto/kiemtra.pb-c.h"

struct kt_conn;

/* The limits the server stated in its ServerHello (0: not stated, not enforced). */
struct kt_conn_limits {
	uint32_t max_frame_bytes;
	uint32_t max_in_flight;
	uint32_t idle_timeout_ms;
	uint32_t max_request_bytes_unauth;
	uint32_t max_request_bytes;
};

/*
 * Connect to host:port and run the handshake as device_priv/device_pub.
 *
 * The server's static key is checked with kt_known_verify(known_servers_path,
 * "host:port", key, pin_fp, tofu_allowed) after message 2; when it is refused
 * the connection is dropped before message 3, so the client never reveals its
 * identity to that server. known_servers_path may be NULL (no pinning file:
 * then pin_fp, if given, must match, and without it tofu_allowed decides).
 *
 * Returns 0 and *out, or (with *out NULL and err filled):
 *   KT_EPERM      the server's key was refused (mismatch, --pin mismatch,
 *                 unknown server without trust on first use)
 *   KT_ECORRUPT   the known-servers file cannot be read, written or parsed
 *   KT_EUNIMPL    the server speaks no protocol version we speak
 *   KT_EBUSY      the server refused the connection (err has its message)
 *   other         cannot resolve, connect, time out, or a handshake failure
 */
int kt_conn_open(const char *host, const char *port, const uint8_t device_priv[32],
		 const uint8_t device_pub[32], const char *known_servers_path, const char *pin_fp,
		 bool tofu_allowed, int timeout_ms, struct kt_conn **out, char *err, size_t errcap);

/*
 * What a server presents, without logging in or revealing this device: runs
 * the handshake up to message 2 with a throwaway key, then hangs up. pub gets
 * the server's static key; name (may be NULL) its server_name. Same error
 * codes as kt_conn_open but KT_EPERM and KT_ECORRUPT.
 */
int kt_conn_probe(const char *host, const char *port, int timeout_ms, uint8_t pub[32], char *name,
		  size_t namecap, char *err, size_t errcap);

/*
 * Send one request without waiting (pipelining): sets req->id and returns it
 * in *id (may be NULL). Fails with KT_ELIMIT when max_in_flight requests are
 * unanswered, KT_ETOOBIG when the request is larger than the server accepts
 * (max_request_bytes_unauth until a login or resume succeeds, then
 * max_request_bytes); neither breaks the connection.
 */
int kt_conn_send(struct kt_conn *c, Kiemtra__V1__Request *req, uint64_t *id);

/* Wait for the response to request id (others read meanwhile are kept). */
int kt_conn_wait(struct kt_conn *c, uint64_t id, Kiemtra__V1__Response **resp);

/* The next response to any outstanding request, in arrival order. KT_ESTATE if none. */
int kt_conn_recv(struct kt_conn *c, Kiemtra__V1__Response **resp);

/*
 * kt_conn_send then kt_conn_wait. On 0, *resp is the server's answer, which may
 * itself carry an error status: check (*resp)->status.
 */
int kt_conn_call(struct kt_conn *c, Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp);

/* Requests sent whose responses have not been handed out (unanswered or kept). */
size_t kt_conn_in_flight(const struct kt_conn *c);

void kt_response_free(Kiemtra__V1__Response *resp);

/* Close the socket, wipe the keys, free the connection. Accepts NULL. */
void kt_conn_close(struct kt_conn *c);

/*
 * Events (KeepAlive, Update) the server pushed. kt_conn_next_event() hands out
 * the oldest queued one, or waits up to wait_ms for the next frame (responses
 * that arrive meanwhile are kept for kt_conn_wait). Returns KT_OK with *ev (the
 * caller frees it with kt_event_free), KT_EBUSY when nothing came in wait_ms
 * (the connection stays usable), or the connection's error (a Goodbye ends it
 * with KT_ESHUTDOWN). Events are queued only after kt_conn_keep_events(c,
 * true); at most KT_CONN_EVENT_QUEUE wait, the oldest dropped beyond that.
 */
#define KT_CONN_EVENTS 1
#define KT_CONN_EVENT_QUEUE 256
int kt_conn_next_event(struct kt_conn *c, int wait_ms, Kiemtra__V1__Event **ev);
/* Queue events for kt_conn_next_event (a watcher); by default they are dropped. */
void kt_conn_keep_events(struct kt_conn *c, bool keep);
void kt_event_free(Kiemtra__V1__Event *ev);

/* Accessors: valid while c is open. */
const char *kt_conn_strerror(const struct kt_conn *c);
const uint8_t *kt_conn_server_key(const struct kt_conn *c);	 /* 32 bytes */
const char *kt_conn_server_fingerprint(const struct kt_conn *c); /* "SHA256:..." */
const char *kt_conn_device_fingerprint(const struct kt_conn *c); /* our device key's */
const char *kt_conn_hostport(const struct kt_conn *c);
const char *kt_conn_server_name(const struct kt_conn *c);
const uint8_t *kt_conn_handshake_hash(const struct kt_conn *c); /* NOISE_HASHLEN bytes */
const struct kt_conn_limits *kt_conn_limits(const struct kt_conn *c);
enum kt_pin_state kt_conn_pin_state(const struct kt_conn *c);
/* True (and *reason, message set) once the server said Goodbye. */
bool kt_conn_goodbye(const struct kt_conn *c, int *reason, const char **message);
/* "shutdown", "idle", "kicked", ... for a CloseReason. */
const char *kt_close_reason_name(int reason);

#endif
