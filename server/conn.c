/* conn.c - see conn.h for the state machine. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/status.h"
#include "proto/kiemtra.pb-c.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "server/svc_evidence.h"

#define CLOSE_GRACE_MS 2000 /* a closing connection that does not drain is cut */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

struct wreq {
	uv_write_t req;
	struct conn *c;
	size_t len;
	uint8_t data[];
};

static void assert_state(const struct conn *c)
{
	assert(c->state >= CONN_PREAMBLE && c->state <= CONN_CLOSING);
	assert(c->state != CONN_HANDSHAKE || c->hs);
	assert(c->state != CONN_PREAMBLE || c->preamble_len < KT_PREAMBLE_LEN);
	assert(c->state == CONN_OPEN || c->state == CONN_CLOSING || c->user_id == 0);
}

/* ---- lifetime ------------------------------------------------------------------ */

void conn_ref(struct conn *c)
{
	c->refs++;
}

static void conn_free(struct conn *c)
{
	if (c->hs) {
		noise_handshake_wipe(c->hs);
		free(c->hs);
	}
	noise_cipher_wipe(&c->tx);
	noise_cipher_wipe(&c->rx);
	kt_frame_reader_reset(&c->fr);
	events_forget(c);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

void conn_unref(struct conn *c)
{
	assert(c->refs > 0);
	if (--c->refs == 0)
		conn_free(c);
}

static void unlink_conn(struct conn *c)
{
	struct server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	s->nconns--;
}

static void on_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	unlink_conn(c);
	conn_unref(c); /* the registry's reference */
}

static void leave_handshake(struct conn *c)
{
	if (c->hs) {
		noise_handshake_wipe(c->hs);
		free(c->hs);
		c->hs = NULL;
	}
	if (c->state == CONN_PREAMBLE || c->state == CONN_HANDSHAKE)
		c->srv->nhandshakes--;
}

/* Close now, dropping anything unsent. */
static void conn_abort(struct conn *c)
{
	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	leave_handshake(c);
	c->state = CONN_CLOSING;
	uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	free(req);
	conn_abort(c);
}

/* Close after what is queued has been written (bounded by the sweep's grace). */
static void conn_drain_close(struct conn *c)
{
	uv_shutdown_t *req;

	if (uv_is_closing((uv_handle_t *)&c->tcp) || c->state == CONN_CLOSING)
		return;
	leave_handshake(c);
	c->state = CONN_CLOSING;
	c->last_rx_ms = uv_now(c->srv->loop); /* start of the grace period */
	uv_read_stop((uv_stream_t *)&c->tcp);
	req = malloc(sizeof(*req));
	if (!req || uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
		free(req);
		conn_abort(c);
		return;
	}
	req->data = c;
}

void conn_close(struct conn *c, int reason, const char *message)
{
	if (c->state == CONN_OPEN) {
		Kiemtra__V1__Event ev = KIEMTRA__V1__EVENT__INIT;
		Kiemtra__V1__Goodbye g = KIEMTRA__V1__GOODBYE__INIT;

		g.reason = (Kiemtra__V1__CloseReason)reason;
		g.message = (char *)(message ? message : "");
		ev.kind_case = KIEMTRA__V1__EVENT__KIND_GOODBYE;
		ev.goodbye = &g;
		dispatch_send_event(c, &ev);
	}
	conn_drain_close(c);
}

/* ---- writing --------------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->c;

	c->write_queued -= w->len;
	free(w);
	if (status != 0 && c->state != CONN_CLOSING) {
		conn_abort(c);
		return;
	}
	if (c->reading_paused && c->state == CONN_OPEN &&
	    c->write_queued <= c->srv->cfg.max_write_queue / 2) {
		c->reading_paused = false;
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	}
}

/*
 * Queue w (its data already holds the frame). Takes ownership of w. When
 * nothing is queued before it, the frame is first written at once
 * (uv_try_write): a response that fits the socket buffer, the usual case,
 * then costs no write request, no callback and no change of the poll set.
 */
static int queue_write(struct conn *c, struct wreq *w)
{
	uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
	struct server *s = c->srv;
	int n;

	w->c = c;
	if (c->write_queued == 0) {
		n = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
		if (n == (int)w->len) {
			free(w);
			return KT_OK;
		}
		if (n < 0 && n != UV_EAGAIN) {
			free(w);
			conn_abort(c);
			return KT_EIO;
		}
		if (n > 0) {
			buf = uv_buf_init((char *)w->data + n, (unsigned)(w->len - (size_t)n));
			w->len -= (size_t)n; /* what is left to count in write_queued */
		}
	}
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
		free(w);
		conn_abort(c);
		return KT_EIO;
	}
	c->write_queued += w->len;
	if (c->write_queued > 4 * (size_t)s->cfg.max_write_queue) {
		/* The client stopped reading long ago: cut it rather than buffer without end. */
		fprintf(stderr, "kiemtrad: %s does not read its responses; closing\n", c->peer);
		conn_abort(c);
		return KT_ELIMIT;
	}
	if (!c->reading_paused && c->write_queued > s->cfg.max_write_queue) {
		c->reading_paused = true; /* backpressure: no new requests until it reads */
		uv_read_stop((uv_stream_t *)&c->tcp);
	}
	return KT_OK;
}

static struct wreq *wreq_new(size_t payload)
{
	struct wreq *w = malloc(sizeof(*w) + KT_FRAME_HDR + payload);

	if (w)
		w->len = KT_FRAME_HDR + payload;
	return w;
}

int conn_send(struct conn *c, const uint8_t *plain, size_t len)
{
	struct wreq *w;
	int rc;

	if (c->state != CONN_OPEN)
		return KT_ESTATE;
	if (len > KT_PLAINTEXT_MAX)
		return KT_ETOOBIG;
	w = wreq_new(len + NOISE_TAGLEN);
	if (!w) {
		conn_abort(c);
		return KT_ENOMEM;
	}
	kt_frame_header(w->data, len + NOISE_TAGLEN);
	rc = noise_encrypt(&c->tx, NULL, 0, plain, len, w->data + KT_FRAME_HDR);
	if (rc != NOISE_OK) {
		/* Only NOISE_ENONCE can happen here: 2^64-1 messages; the client reconnects. */
		free(w);
		conn_abort(c);
		return KT_ELIMIT;
	}
	return queue_write(c, w);
}

/* ---- handshake ---------------------------------------------------------------------- */

static void fill_limits(struct server *s, Kiemtra__V1__Limits *l)
{
	l->max_frame_bytes = KT_FRAME_MAX;
	l->max_in_flight = s->cfg.max_in_flight;
	l->idle_timeout_ms = s->cfg.idle_timeout_ms;
	l->max_request_bytes_unauth = CONN_REQUEST_MAX_UNAUTH;
	l->max_request_bytes = KT_PLAINTEXT_MAX;
	l->max_evidence_bytes = SVC_EVIDENCE_MAX_BYTES;
	l->evidence_chunk_bytes = SVC_EVIDENCE_CHUNK_BYTES;
}

static int write_msg2(struct conn *c, const Kiemtra__V1__ServerHello *hello)
{
	uint8_t payload[512];
	size_t plen = kt_pack(&hello->base, payload, sizeof(payload)), mlen;
	struct wreq *w;
	int rc;

	if (plen == 0)
		return KT_EINTERNAL;
	w = wreq_new(NOISE_MAX_MSG);
	if (!w)
		return KT_ENOMEM;
	rc = noise_handshake_write(c->hs, payload, plen, w->data + KT_FRAME_HDR, NOISE_MAX_MSG,
				   &mlen);
	if (rc != NOISE_OK) {
		free(w);
		return KT_EINVAL;
	}
	kt_frame_header(w->data, mlen);
	w->len = KT_FRAME_HDR + mlen;
	return queue_write(c, w);
}

static int handshake_frame(struct conn *c, const uint8_t *msg, size_t len)
{
	struct server *s = c->srv;
	uint8_t *payload = s->plainbuf;
	size_t plen;
	int rc;

	if (noise_handshake_action(c->hs) != NOISE_ACTION_READ_MESSAGE)
		return KT_EINVAL;
	rc = noise_handshake_read(c->hs, msg, len, payload, sizeof(s->plainbuf), &plen);
	if (rc != NOISE_OK)
		return KT_EUNAUTH;

	if (noise_handshake_action(c->hs) == NOISE_ACTION_WRITE_MESSAGE) {
		/* msg1 read: ClientHello; answer with msg2 carrying ServerHello. */
		Kiemtra__V1__ClientHello *ch;
		Kiemtra__V1__ServerHello sh = KIEMTRA__V1__SERVER_HELLO__INIT;
		Kiemtra__V1__Limits lim = KIEMTRA__V1__LIMITS__INIT;
		char text[160];
		bool ok;

		ch = (Kiemtra__V1__ClientHello *)kt_unpack(&kiemtra__v1__client_hello__descriptor,
							    payload, plen, 4096);
		ok = ch && ch->min_version <= KT_PROTOCOL_VERSION &&
		     ch->max_version >= KT_PROTOCOL_VERSION;
		sh.server_name = "kiemtrad/" KT_VERSION;
		fill_limits(s, &lim);
		sh.limits = &lim;
		if (ok) {
			sh.version = KT_PROTOCOL_VERSION;
			sh.status = KIEMTRA__V1__STATUS__STATUS_OK;
		} else {
			snprintf(text, sizeof(text),
				 "this server speaks protocol version %d; the client offered %u..%u",
				 KT_PROTOCOL_VERSION, ch ? ch->min_version : 0,
				 ch ? ch->max_version : 0);
			if (!ch)
				snprintf(text, sizeof(text), "the ClientHello could not be decoded");
			sh.status = KIEMTRA__V1__STATUS__STATUS_FAILED_PRECONDITION;
			sh.message = text;
		}
		if (ch)
			kt_unpack_free(&ch->base);
		rc = write_msg2(c, &sh);
		if (rc != KT_OK)
			return rc;
		if (!ok) {
			s->stats.handshakes_failed++;
			conn_drain_close(c); /* the refusal is written first */
			return 1;
		}
		return KT_OK;
	}

	/* msg3 read: the client's static key is now known and authenticated. */
	Kiemtra__V1__ClientFinish *cf;
	const uint8_t *rs = noise_handshake_remote_static(c->hs);

	cf = (Kiemtra__V1__ClientFinish *)kt_unpack(&kiemtra__v1__client_finish__descriptor,
						     payload, plen, 4096);
	if (!cf || !rs)
		return KT_EINVAL;
	kt_unpack_free(&cf->base);
	memcpy(c->device_pub, rs, 32);
	kt_fingerprint(c->device_pub, c->device_fp);
	if (noise_handshake_split(c->hs, &c->tx, &c->rx, NULL) != NOISE_OK)
		return KT_EINTERNAL;
	leave_handshake(c);
	c->state = CONN_OPEN;
	c->fr.max_frame = CONN_FRAME_MAX_UNAUTH;
	return KT_OK;
}

/* ---- reading --------------------------------------------------------------------- */

static int on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct conn *c = arg;
	struct server *s = c->srv;
	int rc;

	assert_state(c);
	c->last_rx_ms = uv_now(s->loop);
	c->keepalive_sent = false;
	switch (c->state) {
	case CONN_HANDSHAKE:
		rc = handshake_frame(c, frame, len);
		if (rc < 0)
			s->stats.handshakes_failed++;
		return rc;
	case CONN_OPEN:
		if (len < NOISE_TAGLEN)
			return KT_EINVAL;
		if (noise_decrypt(&c->rx, NULL, 0, frame, len, s->plainbuf) != NOISE_OK)
			return KT_EUNAUTH;
		return dispatch_frame(c, s->plainbuf, len - NOISE_TAGLEN);
	default:
		return 1; /* closing: ignore the rest */
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	buf->base = (char *)c->srv->readbuf;
	buf->len = sizeof(c->srv->readbuf);
}

static int start_handshake(struct conn *c)
{
	struct server *s = c->srv;

	if (kt_preamble_check(c->preamble) != KT_OK)
		return KT_EINVAL;
	c->hs = malloc(sizeof(*c->hs));
	if (!c->hs)
		return KT_ENOMEM;
	if (noise_handshake_init(c->hs, KT_NOISE_PROTOCOL, NOISE_RESPONDER, c->preamble,
				 KT_PREAMBLE_LEN, s->static_priv, NULL, NULL, 0) != NOISE_OK)
		return KT_EINTERNAL;
	c->state = CONN_HANDSHAKE;
	/* The largest handshake message a client sends is msg3 with a small payload. */
	kt_frame_reader_init(&c->fr, CONN_FRAME_MAX_UNAUTH);
	return KT_OK;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	const uint8_t *p = (const uint8_t *)buf->base;
	size_t n;
	int rc;

	if (nread < 0) {
		conn_abort(c); /* EOF or error: the peer is gone */
		return;
	}
	if (nread == 0 || c->state == CONN_CLOSING)
		return;
	n = (size_t)nread;
	if (c->state == CONN_PREAMBLE) {
		size_t k = KT_PREAMBLE_LEN - c->preamble_len;
		if (k > n)
			k = n;
		memcpy(c->preamble + c->preamble_len, p, k);
		c->preamble_len += (unsigned)k;
		p += k;
		n -= k;
		if (c->preamble_len < KT_PREAMBLE_LEN)
			return;
		if (start_handshake(c) != KT_OK) {
			c->srv->stats.handshakes_failed++;
			conn_abort(c); /* not our protocol: nothing to say in it */
			return;
		}
	}
	rc = kt_frame_feed(&c->fr, p, n, on_frame, c);
	if (rc == 0 || rc == 1 || c->state == CONN_CLOSING)
		return;
	if (c->state == CONN_OPEN) {
		const char *why = rc == KT_ETOOBIG ? "a frame exceeded the size limit"
			: rc == KT_EUNAUTH ? "a frame failed authentication"
			: "the client broke the protocol";
		if (rc == KT_ETOOBIG && !c->user_id)
			why = "a frame exceeded the 4 KiB limit before login";
		if (rc == KT_EUNAUTH) {
			conn_abort(c); /* the channel is broken: we cannot say anything in it */
			return;
		}
		conn_close(c, KIEMTRA__V1__CLOSE_REASON__CLOSE_PROTOCOL_ERROR, why);
		return;
	}
	conn_abort(c);
}

void conn_accept(struct server *s, uv_stream_t *listener)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char host[48] = "?";

	if (!c)
		return;
	if (uv_tcp_init(s->loop, &c->tcp) != 0) {
		free(c);
		return;
	}
	c->tcp.data = c;
	c->srv = s;
	c->refs = 1;
	c->state = CONN_PREAMBLE;
	c->id = ++s->next_conn_id;
	c->connected_at = server_now_ms();
	c->last_rx_ms = c->accepted_ms = uv_now(s->loop);
	kt_frame_reader_init(&c->fr, CONN_FRAME_MAX_UNAUTH);
	/* Registered before anything can fail, so on_closed always unlinks it. */
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	s->nhandshakes++;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
		conn_abort(c);
		return;
	}
	s->stats.accepted++;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sslen) == 0) {
		int port = 0;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			uv_ip4_name(a, host, sizeof(host));
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			uv_ip6_name(a, host, sizeof(host));
			port = ntohs(a->sin6_port);
		}
		snprintf(c->peer_host, sizeof(c->peer_host), "%s", host);
		snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
	}
	if (s->stopping || s->nconns > s->cfg.max_conns ||
	    s->nhandshakes > s->cfg.max_handshakes) {
		s->stats.refused++;
		conn_abort(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
		conn_abort(c);
}

void conn_sweep(struct conn *c, uint64_t now)
{
	struct server *s = c->srv;
	uint64_t idle = now - c->last_rx_ms;

	switch (c->state) {
	case CONN_PREAMBLE:
	case CONN_HANDSHAKE:
		/* From the accept, not the last message: a slow peer gets one deadline. */
		if (now - c->accepted_ms >= s->cfg.handshake_timeout_ms) {
			s->stats.handshakes_failed++;
			conn_abort(c);
		}
		break;
	case CONN_OPEN:
		/*
		 * Close only after a KeepAlive went out: the sweep runs once a second,
		 * so with a short timeout both thresholds can fall between two sweeps.
		 */
		if (idle >= s->cfg.idle_timeout_ms && c->keepalive_sent) {
			conn_close(c, KIEMTRA__V1__CLOSE_REASON__CLOSE_IDLE,
				   "idle for too long; reconnect when needed");
		} else if (idle >= s->cfg.idle_timeout_ms / 2 && !c->keepalive_sent) {
			Kiemtra__V1__Event ev = KIEMTRA__V1__EVENT__INIT;
			Kiemtra__V1__KeepAlive ka = KIEMTRA__V1__KEEP_ALIVE__INIT;

			ka.server_time = server_now_ms();
			ev.kind_case = KIEMTRA__V1__EVENT__KIND_KEEPALIVE;
			ev.keepalive = &ka;
			c->keepalive_sent = true;
			dispatch_send_event(c, &ev);
		}
		break;
	case CONN_CLOSING:
		if (idle >= CLOSE_GRACE_MS)
			conn_abort(c);
		break;
	}
}
