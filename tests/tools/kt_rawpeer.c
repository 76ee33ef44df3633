/*
 * kt_rawpeer - a deliberately misbehaving kiemtra client for bad-input tests.
 *
 *   kt_rawpeer HOST:PORT MODE
 *
 * Each MODE breaks the protocol in one way and checks that the server answers
 * as docs/PROTOCOL.md says (a status, a Goodbye, or a closed connection). Exit
 * 0 when it did, 1 when it did not (with what was seen), 2 on usage errors.
 * Modes are listed in usage() below.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/noise.h"
#include "common/status.h"
#include "common/wire.h"
#include "proto/kiemtra.pb-c.h"

static int fd = -1;
static struct noise_cipher tx, rx;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kt_rawpeer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void connect_to(const char *addr)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int one = 1;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		die("bad address %s", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("bad host %s", host);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("cannot connect to %s", addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void send_all(const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return; /* the server may have closed already: the caller checks */
		}
		p += k;
		n -= (size_t)k;
	}
}

static void send_frame(const uint8_t *msg, size_t len)
{
	uint8_t hdr[2];

	kt_frame_header(hdr, len);
	send_all(hdr, 2);
	send_all(msg, len);
}

/* Read exactly n bytes within timeout_ms: 1 ok, 0 closed, -1 timeout/error. */
static int recv_exact(uint8_t *buf, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);
		if (r <= 0)
			return -1;
		ssize_t k = recv(fd, buf + got, n - got, 0);
		if (k == 0)
			return 0;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECONNRESET ? 0 : -1;
		}
		got += (size_t)k;
	}
	return 1;
}

/* One frame into buf: its length, 0 when closed, -1 on timeout. */
static long recv_frame(uint8_t *buf, size_t cap, int timeout_ms)
{
	uint8_t hdr[2];
	size_t len;
	int r = recv_exact(hdr, 2, timeout_ms);

	if (r <= 0)
		return r;
	len = ((size_t)hdr[0] << 8) | hdr[1];
	if (len > cap)
		die("frame of %zu bytes is larger than the buffer", len);
	r = recv_exact(buf, len, timeout_ms);
	return r <= 0 ? r : (long)len;
}

/* True when the server closes the connection within timeout_ms (frames before that are skipped). */
static int expect_close(int timeout_ms)
{
	uint8_t buf[65536];

	for (;;) {
		long n = recv_frame(buf, sizeof(buf), timeout_ms);
		if (n == 0)
			return 1;
		if (n < 0)
			return 0;
	}
}

static void handshake(uint32_t min_v, uint32_t max_v, Kiemtra__V1__ServerHello **hello_out)
{
	struct noise_handshake hs;
	uint8_t priv[32], pub[32], msg[65535], payload[65535];
	size_t mlen, plen;
	Kiemtra__V1__ClientHello ch = KIEMTRA__V1__CLIENT_HELLO__INIT;
	Kiemtra__V1__ClientFinish cf = KIEMTRA__V1__CLIENT_FINISH__INIT;
	Kiemtra__V1__ServerHello *sh;
	long n;

	noise_keypair(priv, pub);
	if (noise_handshake_init(&hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
				 KT_PREAMBLE_LEN, priv, NULL, NULL, 0) != NOISE_OK)
		die("noise init failed");
	send_all(kt_preamble, KT_PREAMBLE_LEN);
	ch.min_version = min_v;
	ch.max_version = max_v;
	ch.client_name = "kt_rawpeer";
	plen = kt_pack(&ch.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("msg1 failed");
	send_frame(msg, mlen);
	n = recv_frame(msg, sizeof(msg), 5000);
	if (n <= 0)
		die("no msg2 from the server");
	if (noise_handshake_read(&hs, msg, (size_t)n, payload, sizeof(payload), &plen) != NOISE_OK)
		die("msg2 did not verify");
	sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor, payload,
						   plen, 65536);
	if (!sh)
		die("ServerHello undecodable");
	*hello_out = sh;
	if (sh->status != KIEMTRA__V1__STATUS__STATUS_OK)
		return;
	plen = kt_pack(&cf.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("msg3 failed");
	send_frame(msg, mlen);
	if (noise_handshake_split(&hs, &tx, &rx, NULL) != NOISE_OK)
		die("split failed");
	sodium_memzero(priv, sizeof(priv));
}

static void send_plain(const uint8_t *plain, size_t len)
{
	uint8_t out[65535];

	if (noise_encrypt(&tx, NULL, 0, plain, len, out) != NOISE_OK)
		die("encrypt failed");
	send_frame(out, len + NOISE_TAGLEN);
}

static void send_request(Kiemtra__V1__Request *req)
{
	uint8_t buf[65535];
	size_t n = kt_pack(&req->base, buf, sizeof(buf));

	send_plain(buf, n);
}

/*
 * The next ServerFrame (NULL when the connection closed or timed out). It stays
 * valid until the next call, which frees it.
 */
static Kiemtra__V1__ServerFrame *last_frame;

static Kiemtra__V1__ServerFrame *recv_server_frame(int timeout_ms)
{
	uint8_t buf[65536], plain[65536];
	long n;

	if (last_frame)
		kt_unpack_free(&last_frame->base);
	last_frame = NULL;
	n = recv_frame(buf, sizeof(buf), timeout_ms);
	if (n <= 0)
		return NULL;
	if (noise_decrypt(&rx, NULL, 0, buf, (size_t)n, plain) != NOISE_OK)
		die("a server frame did not decrypt");
	last_frame = (Kiemtra__V1__ServerFrame *)kt_unpack(&kiemtra__v1__server_frame__descriptor,
							   plain, (size_t)n - NOISE_TAGLEN, 1 << 20);
	return last_frame;
}

static Kiemtra__V1__Response *recv_response(int timeout_ms)
{
	for (;;) {
		Kiemtra__V1__ServerFrame *f = recv_server_frame(timeout_ms);
		if (!f)
			return NULL;
		if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE)
			return f->response; /* valid until the next receive */
	}
}

static int check_status(Kiemtra__V1__Response *r, int want, const char *what)
{
	if (!r) {
		fprintf(stderr, "%s: no response (connection closed)\n", what);
		return 1;
	}
	if ((int)r->status != want) {
		fprintf(stderr, "%s: status %s, wanted %s (%s)\n", what, kt_status_name(r->status),
			kt_status_name(want), r->message);
		return 1;
	}
	printf("%s: %s: %s\n", what, kt_status_name(r->status), r->message);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kt_rawpeer HOST:PORT MODE\n"
		"modes (each exits 0 when the server reacts as specified):\n"
		"  garbage         random bytes instead of the preamble -> closed\n"
		"  bad-version     preamble with wire version 9 -> closed\n"
		"  zero-frame      preamble, then a zero-length frame -> closed\n"
		"  truncated       preamble, half of msg1, then silence -> closed by the handshake timeout\n"
		"  hs-garbage      preamble, then a frame of random bytes as msg3 position -> closed\n"
		"  app-version     ClientHello offering versions 7..9 -> ServerHello refuses, closed\n"
		"  bad-hello       message 1 whose payload is not a ClientHello -> refused, closed\n"
		"  oversized       after the handshake, a 60000-byte frame before login -> closed\n"
		"  undecodable     after the handshake, an encrypted non-protobuf -> INVALID_ARGUMENT\n"
		"  tampered        after the handshake, a frame with a flipped bit -> closed\n"
		"  before-login    unit.list before login -> UNAUTHENTICATED, ping -> OK\n"
		"  unknown-method  a request whose body the server does not know -> UNIMPLEMENTED\n"
		"  bad-token       resume with a wrong-length and an unknown token -> errors\n"
		"  bad-utf8        login with a username that is not UTF-8 -> INVALID_ARGUMENT\n"
		"  pipeline N      N resume requests (unknown tokens) at once -> N responses,\n"
		"                  matched by id; prints how many were UNAUTHENTICATED and how\n"
		"                  many RESOURCE_EXHAUSTED (over the in-flight cap)\n"
		"  wait-goodbye USER PASSWORD REASON\n"
		"                  log in, print 'logged in', then wait (up to 30 s) for a\n"
		"                  Goodbye with CloseReason number REASON and the close\n");
	exit(2);
}

static Kiemtra__V1__ServerHello *sh; /* the handshake's answer, for the whole run */

int main(int argc, char **argv)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	const char *mode;
	uint8_t junk[4096];

	if (argc < 3)
		usage();
	if (sodium_init() < 0)
		return 1;
	mode = argv[2];
	connect_to(argv[1]);
	randombytes_buf(junk, sizeof(junk));

	if (strcmp(mode, "garbage") == 0) {
		send_all(junk, sizeof(junk));
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "bad-version") == 0) {
		uint8_t p[KT_PREAMBLE_LEN];
		memcpy(p, kt_preamble, sizeof(p));
		p[4] = 9;
		send_all(p, sizeof(p));
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "zero-frame") == 0) {
		uint8_t z[2] = {0, 0};
		send_all(kt_preamble, KT_PREAMBLE_LEN);
		send_all(z, 2);
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "truncated") == 0) {
		uint8_t hdr[2];
		send_all(kt_preamble, KT_PREAMBLE_LEN);
		kt_frame_header(hdr, 32);
		send_all(hdr, 2);
		send_all(junk, 16);
		return expect_close(30000) ? 0 : 1;
	}
	if (strcmp(mode, "hs-garbage") == 0) {
		send_all(kt_preamble, KT_PREAMBLE_LEN);
		send_frame(junk, 20); /* shorter than an ephemeral key */
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "bad-hello") == 0) {
		struct noise_handshake hs;
		uint8_t priv[32], pub[32], msg[65535], payload[65535], junk1[1] = {0xff};
		size_t mlen, plen;
		long n;

		noise_keypair(priv, pub);
		if (noise_handshake_init(&hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
					 KT_PREAMBLE_LEN, priv, NULL, NULL, 0) != NOISE_OK ||
		    noise_handshake_write(&hs, junk1, 1, msg, sizeof(msg), &mlen) != NOISE_OK)
			die("msg1 failed");
		send_all(kt_preamble, KT_PREAMBLE_LEN);
		send_frame(msg, mlen);
		n = recv_frame(msg, sizeof(msg), 5000);
		if (n <= 0 || noise_handshake_read(&hs, msg, (size_t)n, payload, sizeof(payload),
						   &plen) != NOISE_OK)
			die("no readable msg2 after a bad ClientHello");
		sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor,
							   payload, plen, 65536);
		if (!sh || sh->status == KIEMTRA__V1__STATUS__STATUS_OK) {
			fprintf(stderr, "a bad ClientHello was not refused\n");
			return 1;
		}
		printf("refused: %s\n", sh->message);
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "app-version") == 0) {
		handshake(7, 9, &sh);
		if (sh->status != KIEMTRA__V1__STATUS__STATUS_FAILED_PRECONDITION) {
			fprintf(stderr, "ServerHello status %s, wanted FAILED_PRECONDITION\n",
				kt_status_name(sh->status));
			return 1;
		}
		printf("refused: %s\n", sh->message);
		return expect_close(5000) ? 0 : 1;
	}

	handshake(1, 1, &sh);
	if (sh->status != KIEMTRA__V1__STATUS__STATUS_OK)
		die("handshake refused: %s", sh->message);

	if (strcmp(mode, "oversized") == 0) {
		static uint8_t big[60000];
		send_plain(big, sizeof(big) - NOISE_TAGLEN);
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "undecodable") == 0) {
		uint8_t bad[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		send_plain(bad, sizeof(bad));
		return check_status(recv_response(5000), KT_STATUS_INVALID_ARGUMENT, "undecodable");
	}
	if (strcmp(mode, "tampered") == 0) {
		uint8_t buf[256], out[256];
		Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
		size_t n;
		req.id = 1;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
		req.ping = &ping;
		n = kt_pack(&req.base, buf, sizeof(buf));
		noise_encrypt(&tx, NULL, 0, buf, n, out);
		out[0] ^= 1;
		send_frame(out, n + NOISE_TAGLEN);
		return expect_close(5000) ? 0 : 1;
	}
	if (strcmp(mode, "before-login") == 0) {
		Kiemtra__V1__UnitListReq ul = KIEMTRA__V1__UNIT_LIST_REQ__INIT;
		Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
		int bad = 0;
		req.id = 5;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_LIST;
		req.unit_list = &ul;
		send_request(&req);
		bad |= check_status(recv_response(5000), KT_STATUS_UNAUTHENTICATED, "unit.list");
		req.id = 6;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
		req.ping = &ping;
		send_request(&req);
		bad |= check_status(recv_response(5000), KT_STATUS_OK, "ping");
		return bad;
	}
	if (strcmp(mode, "unknown-method") == 0) {
		/* field 200 of Request: a body this server does not know (varint 1) */
		uint8_t raw[] = {0x08, 0x07, 0xc0, 0x0c, 0x01};
		send_plain(raw, sizeof(raw));
		return check_status(recv_response(5000), KT_STATUS_UNIMPLEMENTED, "unknown body");
	}
	if (strcmp(mode, "bad-token") == 0) {
		Kiemtra__V1__ResumeReq rr = KIEMTRA__V1__RESUME_REQ__INIT;
		int bad = 0;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_RESUME;
		req.resume = &rr;
		req.id = 1;
		rr.session_token.data = junk;
		rr.session_token.len = 5;
		send_request(&req);
		bad |= check_status(recv_response(5000), KT_STATUS_INVALID_ARGUMENT, "short token");
		req.id = 2;
		rr.session_token.len = 32;
		send_request(&req);
		bad |= check_status(recv_response(5000), KT_STATUS_UNAUTHENTICATED, "unknown token");
		return bad;
	}
	if (strcmp(mode, "bad-utf8") == 0) {
		Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;
		req.id = 3;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
		req.login = &lr;
		lr.username = "ad\xc3\x28min";
		lr.password = "whatever-password";
		send_request(&req);
		return check_status(recv_response(5000), KT_STATUS_INVALID_ARGUMENT, "bad utf-8");
	}
	if (strcmp(mode, "pipeline") == 0 && argc > 3) {
		int n = atoi(argv[3]), seen = 0, unauth = 0, limited = 0, other = 0;
		Kiemtra__V1__ResumeReq rr = KIEMTRA__V1__RESUME_REQ__INIT;
		uint8_t buf[65536], frames[65536];
		size_t used = 0;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_RESUME;
		req.resume = &rr;
		rr.session_token.data = junk;
		rr.session_token.len = 32;
		/* Encrypt all, then send them in one write so they arrive together. */
		for (int i = 1; i <= n; i++) {
			size_t k;
			req.id = (uint64_t)i;
			k = kt_pack(&req.base, buf, sizeof(buf));
			if (used + 2 + k + NOISE_TAGLEN > sizeof(frames))
				die("too many requests for one write");
			kt_frame_header(frames + used, k + NOISE_TAGLEN);
			noise_encrypt(&tx, NULL, 0, buf, k, frames + used + 2);
			used += 2 + k + NOISE_TAGLEN;
		}
		send_all(frames, used);
		while (seen < n) {
			Kiemtra__V1__Response *r = recv_response(5000);
			if (!r) {
				fprintf(stderr, "pipeline: %d of %d responses\n", seen, n);
				return 1;
			}
			if (r->status == KIEMTRA__V1__STATUS__STATUS_UNAUTHENTICATED)
				unauth++;
			else if (r->status == KIEMTRA__V1__STATUS__STATUS_RESOURCE_EXHAUSTED)
				limited++;
			else
				other++;
			seen++;
		}
		printf("pipeline: %d responses: %d UNAUTHENTICATED, %d RESOURCE_EXHAUSTED, "
		       "%d other\n",
		       seen, unauth, limited, other);
		return other ? 1 : 0;
	}
	if (strcmp(mode, "wait-goodbye") == 0 && argc > 5) {
		Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;
		Kiemtra__V1__ServerFrame *f;
		int want = atoi(argv[5]);
		req.id = 1;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
		req.login = &lr;
		lr.username = argv[3];
		lr.password = argv[4];
		lr.device_name = "kt_rawpeer";
		send_request(&req);
		if (check_status(recv_response(5000), KT_STATUS_OK, "login"))
			return 1;
		printf("logged in\n");
		fflush(stdout);
		while ((f = recv_server_frame(30000)) != NULL) {
			if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_EVENT &&
			    f->event->kind_case == KIEMTRA__V1__EVENT__KIND_GOODBYE) {
				printf("goodbye %d: %s\n", f->event->goodbye->reason,
				       f->event->goodbye->message);
				if ((int)f->event->goodbye->reason != want)
					return 1;
				return expect_close(5000) ? 0 : 1;
			}
		}
		fprintf(stderr, "no Goodbye before the connection ended\n");
		return 1;
	}
	usage();
	return 2;
}
