/*
 * transport.c - see transport.h.
 *
 * Connection states:
 *
 *   kt_conn_open: dial --> preamble+msg1 --> msg2 --> pin check --> msg3 --> split
 *                   (any failure: close, wipe, nothing returned)
 *   open --(send/wait/recv)--> open
 *   open --(I/O error, timeout, Goodbye, protocol error)--> broken (sticky rc)
 *   open | broken --kt_conn_close--> freed
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "client/transport.h"
#include "client/util.h"
#include "common/codec.h"
#include "common/keyfile.h"
#include "common/status.h"
#include "common/wire.h"

#define KT_CLIENT_NAME "kiemtra/" KT_VERSION

struct kt_conn {
	int fd;
	int timeout_ms;
	char hostport[KT_HOSTPORT_MAX];
	struct noise_cipher tx, rx;
	uint8_t hash[NOISE_HASHLEN];
	uint8_t server_pub[32];
	char server_fp[KT_FINGERPRINT_LEN];
	char device_fp[KT_FINGERPRINT_LEN];
	char server_name[65];
	enum kt_pin_state pin;
	struct kt_conn_limits limits;
	uint64_t next_id;
	bool authed;	      /* a login or resume succeeded: the larger request limit applies */
	uint64_t auth_req_id; /* id of an outstanding login/resume, or 0 */
	int broken;	      /* 0, or the code every call now returns */
	char errmsg[2048];
	bool got_goodbye;
	int goodbye_reason;
	char goodbye_msg[256];
	uint64_t *inflight; /* ids sent, responses not yet read */
	size_t ninflight, capinflight;
	Kiemtra__V1__Response **ready; /* read, not yet handed out, in arrival order */
	size_t nready, capready;
	Kiemtra__V1__Event *events[KT_CONN_EVENT_QUEUE]; /* KeepAlive/Update not yet taken */
	size_t nevents;
	uint64_t events_dropped;
	bool keep_events;     /* queue KeepAlive/Update (watchers); else drop them */
	size_t inpos, inlen; /* unread bytes in[inpos..inlen) */
	uint8_t in[16384];
	uint8_t frame[KT_FRAME_MAX];
	uint8_t plain[KT_FRAME_MAX];
	uint8_t out[KT_PREAMBLE_LEN + KT_FRAME_HDR + KT_FRAME_MAX];
};

static void seterr(struct kt_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void seterr(struct kt_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

/* Mark the connection broken with rc; returns rc. */
static int fail(struct kt_conn *c, int rc)
{
	if (!c->broken)
		c->broken = rc;
	return c->broken;
}

static int remaining(int64_t deadline)
{
	int64_t left = deadline - kt_mono_ms();

	if (left <= 0)
		return 0;
	return left > 1000000 ? 1000000 : (int)left;
}

/* ---- socket I/O -------------------------------------------------------------- */

static int wait_fd(struct kt_conn *c, short events, int64_t deadline)
{
	struct pollfd p = {.fd = c->fd, .events = events};
	int n;

	for (;;) {
		n = poll(&p, 1, remaining(deadline));
		if (n > 0)
			return KT_OK;
		if (n == 0) {
			seterr(c, "timed out after %d ms waiting for %s", c->timeout_ms,
			       c->hostport);
			return KT_EBUSY;
		}
		if (errno != EINTR) {
			seterr(c, "poll: %s", strerror(errno));
			return KT_ESYS;
		}
	}
}

static int send_all(struct kt_conn *c, const uint8_t *p, size_t n, int64_t deadline)
{
	ssize_t k;
	int rc;

	while (n > 0) {
		k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(c, POLLOUT, deadline);
			if (rc != KT_OK)
				return rc;
			continue;
		}
		seterr(c, "cannot send to %s: %s", c->hostport, strerror(errno));
		return KT_ESYS;
	}
	return KT_OK;
}

/* Read more bytes into c->in (which must be empty). */
static int fill(struct kt_conn *c, int64_t deadline)
{
	ssize_t k;
	int rc;

	c->inpos = 0;
	c->inlen = 0;
	for (;;) {
		k = recv(c->fd, c->in, sizeof(c->in), 0);
		if (k > 0) {
			c->inlen = (size_t)k;
			return KT_OK;
		}
		if (k == 0) {
			if (c->got_goodbye)
				return KT_ESHUTDOWN;
			seterr(c, "%s closed the connection", c->hostport);
			return KT_ESYS;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			seterr(c, "cannot read from %s: %s", c->hostport, strerror(errno));
			return KT_ESYS;
		}
		rc = wait_fd(c, POLLIN, deadline);
		if (rc != KT_OK)
			return rc;
	}
}

static int read_exact(struct kt_conn *c, uint8_t *dst, size_t n, int64_t deadline)
{
	size_t k;
	int rc;

	while (n > 0) {
		if (c->inpos == c->inlen) {
			rc = fill(c, deadline);
			if (rc != KT_OK)
				return rc;
		}
		k = c->inlen - c->inpos;
		if (k > n)
			k = n;
		memcpy(dst, c->in + c->inpos, k);
		c->inpos += k;
		dst += k;
		n -= k;
	}
	return KT_OK;
}

/* Read one frame into c->frame. */
static int read_frame(struct kt_conn *c, size_t *len, int64_t deadline)
{
	uint8_t hdr[KT_FRAME_HDR];
	int rc;

	rc = read_exact(c, hdr, sizeof(hdr), deadline);
	if (rc != KT_OK)
		return rc;
	*len = ((size_t)hdr[0] << 8) | hdr[1];
	if (*len == 0) {
		seterr(c, "%s sent an empty frame (protocol error)", c->hostport);
		return KT_EINVAL;
	}
	return read_exact(c, c->frame, *len, deadline);
}

static int dial(struct kt_conn *c, const char *host, const char *port, int64_t deadline)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int rc = KT_ESYS, gai, one = 1, soerr;
	socklen_t sl;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		seterr(c, "cannot resolve %s: %s", host, gai_strerror(gai));
		return KT_ESYS;
	}
	seterr(c, "cannot connect to %s", c->hostport);
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       ai->ai_protocol);
		if (c->fd < 0) {
			seterr(c, "socket: %s", strerror(errno));
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				seterr(c, "cannot connect to %s: %s", c->hostport, strerror(errno));
				goto next;
			}
			rc = wait_fd(c, POLLOUT, deadline);
			if (rc != KT_OK) {
				seterr(c, "cannot connect to %s: timed out after %d ms",
				       c->hostport, c->timeout_ms);
				goto next;
			}
			sl = sizeof(soerr);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
				soerr = errno;
			if (soerr != 0) {
				seterr(c, "cannot connect to %s: %s", c->hostport, strerror(soerr));
				rc = KT_ESYS;
				goto next;
			}
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		rc = KT_OK;
		break;
	next:
		close(c->fd);
		c->fd = -1;
		rc = KT_ESYS;
	}
	freeaddrinfo(res);
	return rc;
}

/* ---- handshake ---------------------------------------------------------------- */

static void make_hostport(char *out, size_t cap, const char *host, const char *port)
{
	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%s", host, port);
	else
		snprintf(out, cap, "%s:%s", host, port);
}

static struct kt_conn *conn_new(const char *host, const char *port, int timeout_ms)
{
	struct kt_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	make_hostport(c->hostport, sizeof(c->hostport), host, port);
	return c;
}

/*
 * Run the handshake on a connected socket. With probe set, stop after message 2
 * (nothing about the device is sent). Otherwise check the server key against
 * the pins before writing message 3.
 */
static int handshake(struct kt_conn *c, const uint8_t priv[32], const char *known_path,
		     const char *pin_fp, bool tofu, bool probe, int64_t deadline)
{
	Kiemtra__V1__ClientHello hello = KIEMTRA__V1__CLIENT_HELLO__INIT;
	Kiemtra__V1__ClientFinish finish = KIEMTRA__V1__CLIENT_FINISH__INIT;
	Kiemtra__V1__ServerHello *sh = NULL;
	struct noise_handshake hs;
	uint8_t payload[256];
	size_t plen, mlen, flen;
	const uint8_t *rs;
	int rc, nrc;

	nrc = noise_handshake_init(&hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
				   KT_PREAMBLE_LEN, priv, NULL, NULL, 0);
	if (nrc != NOISE_OK) {
		seterr(c, "handshake setup failed: %s", noise_strerror(nrc));
		rc = KT_EINTERNAL;
		goto out;
	}
	/* -> e, with ClientHello */
	hello.min_version = KT_PROTOCOL_VERSION;
	hello.max_version = KT_PROTOCOL_VERSION;
	hello.client_name = (char *)KT_CLIENT_NAME;
	plen = kt_pack(&hello.base, payload, sizeof(payload));
	memcpy(c->out, kt_preamble, KT_PREAMBLE_LEN);
	nrc = noise_handshake_write(&hs, payload, plen, c->out + KT_PREAMBLE_LEN + KT_FRAME_HDR,
				    KT_FRAME_MAX, &mlen);
	if (nrc != NOISE_OK) {
		seterr(c, "handshake message 1: %s", noise_strerror(nrc));
		rc = KT_EINTERNAL;
		goto out;
	}
	kt_frame_header(c->out + KT_PREAMBLE_LEN, mlen);
	rc = send_all(c, c->out, KT_PREAMBLE_LEN + KT_FRAME_HDR + mlen, deadline);
	if (rc != KT_OK)
		goto out;
	/* <- e, ee, s, es, with ServerHello */
	rc = read_frame(c, &flen, deadline);
	if (rc != KT_OK) {
		if (rc == KT_ESYS && strstr(c->errmsg, "closed the connection"))
			seterr(c,
			       "%s closed the connection during the handshake (is it a kiemtrad "
			       "server of a compatible version?)",
			       c->hostport);
		goto out;
	}
	nrc = noise_handshake_read(&hs, c->frame, flen, c->plain, sizeof(c->plain), &plen);
	if (nrc != NOISE_OK) {
		seterr(c, "handshake with %s failed: %s", c->hostport, noise_strerror(nrc));
		rc = KT_EINVAL;
		goto out;
	}
	rs = noise_handshake_remote_static(&hs);
	if (!rs || noise_handshake_action(&hs) != NOISE_ACTION_WRITE_MESSAGE) {
		seterr(c, "handshake with %s failed: no server key", c->hostport);
		rc = KT_EINVAL;
		goto out;
	}
	memcpy(c->server_pub, rs, 32);
	kt_fingerprint(c->server_pub, c->server_fp);
	sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor, c->plain,
						   plen, KT_DECODE_BUDGET_UNAUTH);
	if (!sh) {
		seterr(c, "%s sent an undecodable ServerHello", c->hostport);
		rc = KT_EINVAL;
		goto out;
	}
	snprintf(c->server_name, sizeof(c->server_name), "%s", sh->server_name);
	if (probe) {
		rc = KT_OK;
		goto out;
	}
	/* The pin check comes before anything that identifies this device. */
	rc = kt_known_verify(known_path, c->hostport, c->server_pub, pin_fp, tofu, &c->pin,
			     c->errmsg, sizeof(c->errmsg));
	if (rc != KT_OK) {
		if (rc != KT_EPERM)
			rc = KT_ECORRUPT;
		goto out;
	}
	if (sh->status != KIEMTRA__V1__STATUS__STATUS_OK || sh->version != KT_PROTOCOL_VERSION) {
		seterr(c, "%s refused the connection: %s%s%s", c->hostport,
		       kt_status_name((int)sh->status), sh->message[0] ? ": " : "", sh->message);
		rc = sh->status != KIEMTRA__V1__STATUS__STATUS_OK ? KT_EBUSY : KT_EUNIMPL;
		goto out;
	}
	if (sh->limits) {
		c->limits.max_frame_bytes = sh->limits->max_frame_bytes;
		c->limits.max_in_flight = sh->limits->max_in_flight;
		c->limits.idle_timeout_ms = sh->limits->idle_timeout_ms;
		c->limits.max_request_bytes_unauth = sh->limits->max_request_bytes_unauth;
		c->limits.max_request_bytes = sh->limits->max_request_bytes;
	}
	/* -> s, se, with ClientFinish */
	plen = kt_pack(&finish.base, payload, sizeof(payload));
	nrc = noise_handshake_write(&hs, payload, plen, c->out + KT_FRAME_HDR, KT_FRAME_MAX, &mlen);
	if (nrc != NOISE_OK || noise_handshake_action(&hs) != NOISE_ACTION_SPLIT) {
		seterr(c, "handshake message 3: %s", noise_strerror(nrc));
		rc = KT_EINTERNAL;
		goto out;
	}
	kt_frame_header(c->out, mlen);
	rc = send_all(c, c->out, KT_FRAME_HDR + mlen, deadline);
	if (rc != KT_OK)
		goto out;
	nrc = noise_handshake_split(&hs, &c->tx, &c->rx, c->hash);
	if (nrc != NOISE_OK) {
		seterr(c, "handshake split: %s", noise_strerror(nrc));
		rc = KT_EINTERNAL;
		goto out;
	}
	rc = KT_OK;
out:
	noise_handshake_wipe(&hs);
	sodium_memzero(c->plain, sizeof(c->plain));
	kt_unpack_free(sh ? &sh->base : NULL);
	return rc;
}

static void copy_err(char *err, size_t errcap, const char *msg)
{
	if (err && errcap)
		snprintf(err, errcap, "%s", msg);
}

int kt_conn_open(const char *host, const char *port, const uint8_t device_priv[32],
		 const uint8_t device_pub[32], const char *known_servers_path, const char *pin_fp,
		 bool tofu_allowed, int timeout_ms, struct kt_conn **out, char *err, size_t errcap)
{
	struct kt_conn *c;
	int64_t deadline;
	int rc = KT_ENOMEM;

	*out = NULL;
	c = conn_new(host, port, timeout_ms);
	if (!c) {
		copy_err(err, errcap, "out of memory");
		return rc;
	}
	kt_fingerprint(device_pub, c->device_fp);
	deadline = kt_mono_ms() + c->timeout_ms;
	rc = dial(c, host, port, deadline);
	if (rc != KT_OK)
		goto out;
	deadline = kt_mono_ms() + c->timeout_ms;
	rc = handshake(c, device_priv, known_servers_path, pin_fp, tofu_allowed, false, deadline);
	if (rc != KT_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	if (c) {
		copy_err(err, errcap, c->errmsg);
		kt_conn_close(c);
	}
	return rc;
}

int kt_conn_probe(const char *host, const char *port, int timeout_ms, uint8_t pub[32], char *name,
		  size_t namecap, char *err, size_t errcap)
{
	uint8_t priv[32], tmp[32];
	struct kt_conn *c;
	int64_t deadline;
	int rc = KT_ENOMEM;

	c = conn_new(host, port, timeout_ms);
	if (!c) {
		copy_err(err, errcap, "out of memory");
		return rc;
	}
	noise_keypair(priv, tmp);
	deadline = kt_mono_ms() + c->timeout_ms;
	rc = dial(c, host, port, deadline);
	if (rc != KT_OK)
		goto out;
	rc = handshake(c, priv, NULL, NULL, false, true, deadline);
	if (rc != KT_OK)
		goto out;
	memcpy(pub, c->server_pub, 32);
	if (name && namecap)
		snprintf(name, namecap, "%s", c->server_name);
out:
	if (rc != KT_OK)
		copy_err(err, errcap, c->errmsg);
	sodium_memzero(priv, sizeof(priv));
	kt_conn_close(c);
	return rc;
}

/* ---- requests and responses ------------------------------------------------------ */

int kt_conn_send(struct kt_conn *c, Kiemtra__V1__Request *req, uint64_t *id)
{
	size_t n, limit;
	int64_t deadline;
	int rc, nrc;

	if (c->broken)
		return c->broken;
	/* Answers already read (c->ready) no longer count against the server's limit. */
	if (c->limits.max_in_flight && c->ninflight >= c->limits.max_in_flight) {
		seterr(c, "%zu requests outstanding; the server allows %u", c->ninflight,
		       c->limits.max_in_flight);
		return KT_ELIMIT;
	}
	if (c->ninflight == c->capinflight) {
		size_t ncap = c->capinflight ? c->capinflight * 2 : 16;
		uint64_t *nv = realloc(c->inflight, ncap * sizeof(*nv));

		if (!nv) {
			seterr(c, "out of memory");
			return KT_ENOMEM;
		}
		c->inflight = nv;
		c->capinflight = ncap;
	}
	req->id = ++c->next_id;
	n = protobuf_c_message_get_packed_size(&req->base);
	limit = KT_PLAINTEXT_MAX;
	if (c->limits.max_frame_bytes > NOISE_TAGLEN &&
	    c->limits.max_frame_bytes - NOISE_TAGLEN < limit)
		limit = c->limits.max_frame_bytes - NOISE_TAGLEN;
	if (c->authed && c->limits.max_request_bytes && c->limits.max_request_bytes < limit)
		limit = c->limits.max_request_bytes;
	if (!c->authed && c->limits.max_request_bytes_unauth &&
	    c->limits.max_request_bytes_unauth < limit)
		limit = c->limits.max_request_bytes_unauth;
	if (n > limit) {
		seterr(c, "request of %zu bytes is larger than the server accepts (%zu)", n, limit);
		return KT_ETOOBIG;
	}
	kt_pack(&req->base, c->plain, n);
	nrc = noise_encrypt(&c->tx, NULL, 0, c->plain, n, c->out + KT_FRAME_HDR);
	sodium_memzero(c->plain, n);
	if (nrc != NOISE_OK) {
		seterr(c, "cannot encrypt: %s; reconnect", noise_strerror(nrc));
		return fail(c, KT_EINTERNAL);
	}
	kt_frame_header(c->out, n + NOISE_TAGLEN);
	deadline = kt_mono_ms() + c->timeout_ms;
	rc = send_all(c, c->out, KT_FRAME_HDR + n + NOISE_TAGLEN, deadline);
	if (rc != KT_OK)
		return fail(c, rc);
	c->inflight[c->ninflight++] = req->id;
	if (req->body_case == KIEMTRA__V1__REQUEST__BODY_LOGIN ||
	    req->body_case == KIEMTRA__V1__REQUEST__BODY_RESUME)
		c->auth_req_id = req->id;
	if (id)
		*id = req->id;
	return KT_OK;
}

/* Read a protobuf varint; returns bytes used or 0 when malformed/truncated. */
static size_t varint(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n && i < 10; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

/*
 * Walk a ServerFrame's fields: find its oneof member (field 1 Response or 2
 * Event; the last one wins, as in protobuf) and skip unknown fields.
 */
static int envelope(const uint8_t *p, size_t n, int *field, const uint8_t **body, size_t *blen)
{
	uint64_t tag, len;
	size_t k;

	*field = 0;
	while (n > 0) {
		k = varint(p, n, &tag);
		if (!k || (tag >> 3) == 0)
			return KT_EINVAL;
		p += k;
		n -= k;
		switch (tag & 7) {
		case 0:
			k = varint(p, n, &len);
			if (!k)
				return KT_EINVAL;
			break;
		case 1:
			k = 8;
			break;
		case 5:
			k = 4;
			break;
		case 2:
			k = varint(p, n, &len);
			if (!k || len > n - k)
				return KT_EINVAL;
			if ((tag >> 3) == 1 || (tag >> 3) == 2) {
				*field = (int)(tag >> 3);
				*body = p + k;
				*blen = (size_t)len;
			}
			k += (size_t)len;
			break;
		default:
			return KT_EINVAL;
		}
		if (k > n)
			return KT_EINVAL;
		p += k;
		n -= k;
	}
	return KT_OK;
}

static int handle_event(struct kt_conn *c, const uint8_t *p, size_t n)
{
	Kiemtra__V1__Event *ev;

	ev = (Kiemtra__V1__Event *)kt_unpack(&kiemtra__v1__event__descriptor, p, n,
					     KT_DECODE_BUDGET);
	if (!ev) {
		seterr(c, "%s sent an undecodable event", c->hostport);
		return KT_EINVAL;
	}
	if (ev->kind_case == KIEMTRA__V1__EVENT__KIND_GOODBYE && ev->goodbye) {
		c->got_goodbye = true;
		c->goodbye_reason = (int)ev->goodbye->reason;
		snprintf(c->goodbye_msg, sizeof(c->goodbye_msg), "%s", ev->goodbye->message);
		seterr(c, "%s closed the connection (%s)%s%s", c->hostport,
		       kt_close_reason_name(c->goodbye_reason), c->goodbye_msg[0] ? ": " : "",
		       c->goodbye_msg);
		kt_unpack_free(&ev->base);
		return KT_ESHUTDOWN;
	}
	/*
	 * KeepAlive and Update wait in a bounded queue for kt_conn_next_event();
	 * a client that never asks for events loses the oldest, never memory.
	 */
	if (c->keep_events && (ev->kind_case == KIEMTRA__V1__EVENT__KIND_KEEPALIVE ||
				ev->kind_case == KIEMTRA__V1__EVENT__KIND_UPDATE)) {
		if (c->nevents == KT_CONN_EVENT_QUEUE) {
			kt_unpack_free(&c->events[0]->base);
			memmove(c->events, c->events + 1, (c->nevents - 1) * sizeof(*c->events));
			c->nevents--;
			c->events_dropped++;
		}
		c->events[c->nevents++] = ev;
		return KT_OK;
	}
	kt_unpack_free(&ev->base); /* not kept, or a kind this client does not know */
	return KT_OK;
}

static int take_inflight(struct kt_conn *c, uint64_t id)
{
	size_t i;

	for (i = 0; i < c->ninflight; i++) {
		if (c->inflight[i] == id) {
			c->inflight[i] = c->inflight[--c->ninflight];
			return KT_OK;
		}
	}
	return KT_ENOTFOUND;
}

static int push_ready(struct kt_conn *c, Kiemtra__V1__Response *r)
{
	if (c->nready == c->capready) {
		size_t ncap = c->capready ? c->capready * 2 : 16;
		Kiemtra__V1__Response **nv = realloc(c->ready, ncap * sizeof(*nv));

		if (!nv) {
			seterr(c, "out of memory");
			return KT_ENOMEM;
		}
		c->ready = nv;
		c->capready = ncap;
	}
	c->ready[c->nready++] = r;
	return KT_OK;
}

/* Read, decrypt and dispatch one frame. */
static int recv_one(struct kt_conn *c, int64_t deadline)
{
	Kiemtra__V1__Response *r = NULL;
	const uint8_t *body = NULL;
	size_t flen, plen, blen = 0;
	int rc, nrc, field;

	rc = read_frame(c, &flen, deadline);
	if (rc != KT_OK)
		return rc;
	if (flen < NOISE_TAGLEN) {
		seterr(c, "%s sent a frame too short to be encrypted", c->hostport);
		return KT_EINVAL;
	}
	plen = flen - NOISE_TAGLEN;
	nrc = noise_decrypt(&c->rx, NULL, 0, c->frame, flen, c->plain);
	if (nrc != NOISE_OK) {
		seterr(c, "cannot decrypt a frame from %s: %s", c->hostport, noise_strerror(nrc));
		return KT_EINVAL;
	}
	rc = envelope(c->plain, plen, &field, &body, &blen);
	if (rc != KT_OK) {
		seterr(c, "%s sent an undecodable frame", c->hostport);
		goto out;
	}
	if (field == 2) {
		rc = handle_event(c, body, blen);
		goto out;
	}
	if (field != 1) {
		rc = KT_OK; /* an empty frame or a kind from a newer server */
		goto out;
	}
	r = (Kiemtra__V1__Response *)kt_unpack(&kiemtra__v1__response__descriptor, body, blen,
					       KT_DECODE_BUDGET);
	if (!r) {
		seterr(c, "%s sent an undecodable response", c->hostport);
		rc = KT_EINVAL;
		goto out;
	}
	if (r->id == 0) {
		seterr(c, "%s could not read a request: %s: %s", c->hostport,
		       kt_status_name((int)r->status), r->message);
		rc = KT_EINVAL;
		goto out;
	}
	if (take_inflight(c, r->id) != KT_OK) {
		seterr(c, "%s answered request %llu, which is not outstanding", c->hostport,
		       (unsigned long long)r->id);
		rc = KT_EINVAL;
		goto out;
	}
	if (r->id == c->auth_req_id) {
		c->auth_req_id = 0;
		if (r->status == KIEMTRA__V1__STATUS__STATUS_OK)
			c->authed = true;
	}
	if (r->body_case == KIEMTRA__V1__RESPONSE__BODY_LOGOUT &&
	    r->status == KIEMTRA__V1__STATUS__STATUS_OK)
		c->authed = false;
	rc = push_ready(c, r);
	if (rc == KT_OK)
		r = NULL;
out:
	sodium_memzero(c->plain, plen);
	kt_response_free(r);
	return rc;
}

static Kiemtra__V1__Response *take_ready(struct kt_conn *c, size_t i)
{
	Kiemtra__V1__Response *r = c->ready[i];

	memmove(c->ready + i, c->ready + i + 1, (c->nready - i - 1) * sizeof(*c->ready));
	c->nready--;
	return r;
}

int kt_conn_wait(struct kt_conn *c, uint64_t id, Kiemtra__V1__Response **resp)
{
	int64_t deadline = kt_mono_ms() + c->timeout_ms;
	bool outstanding = false;
	size_t i;
	int rc;

	*resp = NULL;
	for (;;) {
		for (i = 0; i < c->nready; i++) {
			if (c->ready[i]->id == id) {
				*resp = take_ready(c, i);
				return KT_OK;
			}
		}
		if (c->broken)
			return c->broken;
		for (i = 0; i < c->ninflight; i++)
			outstanding = outstanding || c->inflight[i] == id;
		if (!outstanding) {
			seterr(c, "request %llu is not outstanding", (unsigned long long)id);
			return KT_ESTATE;
		}
		rc = recv_one(c, deadline);
		if (rc != KT_OK)
			return fail(c, rc);
	}
}

int kt_conn_recv(struct kt_conn *c, Kiemtra__V1__Response **resp)
{
	int64_t deadline = kt_mono_ms() + c->timeout_ms;
	int rc;

	*resp = NULL;
	for (;;) {
		if (c->nready > 0) {
			*resp = take_ready(c, 0);
			return KT_OK;
		}
		if (c->broken)
			return c->broken;
		if (c->ninflight == 0) {
			seterr(c, "no request is outstanding");
			return KT_ESTATE;
		}
		rc = recv_one(c, deadline);
		if (rc != KT_OK)
			return fail(c, rc);
	}
}

int kt_conn_call(struct kt_conn *c, Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp)
{
	uint64_t id;
	int rc;

	*resp = NULL;
	rc = kt_conn_send(c, req, &id);
	if (rc != KT_OK)
		return rc;
	return kt_conn_wait(c, id, resp);
}

int kt_conn_next_event(struct kt_conn *c, int wait_ms, Kiemtra__V1__Event **ev)
{
	struct pollfd p;
	int rc;

	*ev = NULL;
	for (;;) {
		if (c->nevents > 0) {
			*ev = c->events[0];
			memmove(c->events, c->events + 1, (c->nevents - 1) * sizeof(*c->events));
			c->nevents--;
			return KT_OK;
		}
		if (c->broken)
			return c->broken;
		/*
		 * Wait for the first byte of a frame only: once one arrives the whole
		 * frame is read with the connection's own timeout, so a frame is never
		 * left half-read by a short wait.
		 */
		if (c->inpos == c->inlen) {
			p.fd = c->fd;
			p.events = POLLIN;
			p.revents = 0;
			rc = poll(&p, 1, wait_ms);
			if (rc == 0)
				return KT_EBUSY;
			if (rc < 0)
				return errno == EINTR ? KT_EBUSY : fail(c, KT_ESYS);
		}
		rc = recv_one(c, kt_mono_ms() + c->timeout_ms);
		if (rc != KT_OK)
			return fail(c, rc);
	}
}

void kt_conn_keep_events(struct kt_conn *c, bool keep)
{
	c->keep_events = keep;
}

void kt_event_free(Kiemtra__V1__Event *ev)
{
	if (ev)
		kt_unpack_free(&ev->base);
}

size_t kt_conn_in_flight(const struct kt_conn *c)
{
	return c->ninflight + c->nready;
}

void kt_response_free(Kiemtra__V1__Response *resp)
{
	if (resp)
		kt_unpack_free(&resp->base);
}

void kt_conn_close(struct kt_conn *c)
{
	size_t i;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (i = 0; i < c->nready; i++)
		kt_response_free(c->ready[i]);
	free(c->ready);
	for (i = 0; i < c->nevents; i++)
		kt_event_free(c->events[i]);
	free(c->inflight);
	noise_cipher_wipe(&c->tx);
	noise_cipher_wipe(&c->rx);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* ---- accessors ------------------------------------------------------------------ */

const char *kt_conn_strerror(const struct kt_conn *c)
{
	return c->errmsg;
}

const uint8_t *kt_conn_server_key(const struct kt_conn *c)
{
	return c->server_pub;
}

const char *kt_conn_server_fingerprint(const struct kt_conn *c)
{
	return c->server_fp;
}

const char *kt_conn_device_fingerprint(const struct kt_conn *c)
{
	return c->device_fp;
}

const char *kt_conn_hostport(const struct kt_conn *c)
{
	return c->hostport;
}

const char *kt_conn_server_name(const struct kt_conn *c)
{
	return c->server_name;
}

const uint8_t *kt_conn_handshake_hash(const struct kt_conn *c)
{
	return c->hash;
}

const struct kt_conn_limits *kt_conn_limits(const struct kt_conn *c)
{
	return &c->limits;
}

enum kt_pin_state kt_conn_pin_state(const struct kt_conn *c)
{
	return c->pin;
}

bool kt_conn_goodbye(const struct kt_conn *c, int *reason, const char **message)
{
	if (!c->got_goodbye)
		return false;
	if (reason)
		*reason = c->goodbye_reason;
	if (message)
		*message = c->goodbye_msg;
	return true;
}

const char *kt_close_reason_name(int reason)
{
	static const char *const names[] = {
	    "no reason given",	"shutdown",	  "idle timeout",   "kicked by an administrator",
	    "account disabled", "protocol error", "rekey required", "logged out",
	};

	if (reason < 0 || reason >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown reason";
	return names[reason];
}
