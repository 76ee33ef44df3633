/*
 * kt_abuser - abusive kiemtra clients for reliability tests (tests/integration/abuse.sh).
 *
 *   kt_abuser HOST:PORT MODE ARGS...
 *
 * Each mode misbehaves in bulk (a client that never reads, clients that vanish
 * mid-request, connection floods) and prints one line of figures that the test
 * script checks. Exit 0 when the server reacted within its documented limits,
 * 1 when it did not (with what was seen), 2 on usage errors. Modes are listed in
 * usage() below. Loopback only: every connection goes to HOST:PORT.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/noise.h"
#include "common/status.h"
#include "common/wire.h"
#include "proto/kiemtra.pb-c.h"

struct peer {
	int fd;
	struct noise_cipher tx, rx;
};

static struct sockaddr_in server_sa = {.sin_family = AF_INET};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kt_abuser: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_addr(const char *addr)
{
	char host[64];
	const char *colon = strrchr(addr, ':');

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		die("bad address %s", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	server_sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &server_sa.sin_addr) != 1)
		die("bad host %s", host);
}

/* Raise the descriptor limit to the hard limit: floods open more than 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * A connected socket (-1 when connect failed). src: a loopback source address
 * (127.x.y.z) or NULL; rcvbuf: a small receive buffer, or 0 for the default.
 */
static int dial(const char *src, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (src) {
		struct sockaddr_in sa = {.sin_family = AF_INET};

		if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&server_sa, sizeof(server_sa)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Close with a reset (SO_LINGER 0) instead of a FIN: the peer vanishes harder. */
static void close_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Blocking send of everything: 0 ok, -1 when the server closed (or reset). */
static int send_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read exactly n bytes within timeout_ms: 1 ok, 0 closed, -1 timeout/error. */
static int recv_exact(int fd, uint8_t *buf, size_t n, int timeout_ms)
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
static long recv_frame(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint8_t hdr[KT_FRAME_HDR];
	size_t len;
	int r = recv_exact(fd, hdr, sizeof(hdr), timeout_ms);

	if (r <= 0)
		return r;
	len = ((size_t)hdr[0] << 8) | hdr[1];
	if (len > cap)
		return -1;
	r = recv_exact(fd, buf, len, timeout_ms);
	return r <= 0 ? r : (long)len;
}

/* Frame header and Noise message into out; the total length. */
static size_t frame_into(uint8_t *out, const uint8_t *msg, size_t len)
{
	kt_frame_header(out, len);
	memcpy(out + KT_FRAME_HDR, msg, len);
	return KT_FRAME_HDR + len;
}

/*
 * The handshake of kt_rawpeer.c, on p->fd. With only_msg1 it stops after
 * sending message 1 (the server is then mid-handshake). 0 when the transport
 * is up (or msg1 went out), -1 when the server refused or closed.
 */
static int handshake(struct peer *p, int only_msg1)
{
	struct noise_handshake hs;
	uint8_t priv[32], pub[32], msg[NOISE_MAX_MSG], payload[4096], out[NOISE_MAX_MSG + 16];
	size_t mlen, plen, olen;
	Kiemtra__V1__ClientHello ch = KIEMTRA__V1__CLIENT_HELLO__INIT;
	Kiemtra__V1__ClientFinish cf = KIEMTRA__V1__CLIENT_FINISH__INIT;
	Kiemtra__V1__ServerHello *sh;
	long n;
	int ok;

	noise_keypair(priv, pub);
	if (noise_handshake_init(&hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
				 KT_PREAMBLE_LEN, priv, NULL, NULL, 0) != NOISE_OK)
		die("noise init failed");
	sodium_memzero(priv, sizeof(priv));
	ch.min_version = 1;
	ch.max_version = 1;
	ch.client_name = "kt_abuser";
	plen = kt_pack(&ch.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("msg1 failed");
	memcpy(out, kt_preamble, KT_PREAMBLE_LEN);
	olen = KT_PREAMBLE_LEN + frame_into(out + KT_PREAMBLE_LEN, msg, mlen);
	if (send_all(p->fd, out, olen) != 0)
		goto fail;
	if (only_msg1) {
		noise_handshake_wipe(&hs);
		return 0;
	}
	n = recv_frame(p->fd, msg, sizeof(msg), 5000);
	if (n <= 0 ||
	    noise_handshake_read(&hs, msg, (size_t)n, payload, sizeof(payload), &plen) != NOISE_OK)
		goto fail;
	sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor, payload,
						   plen, 65536);
	ok = sh && sh->status == KIEMTRA__V1__STATUS__STATUS_OK;
	if (sh)
		kt_unpack_free(&sh->base);
	if (!ok)
		goto fail;
	plen = kt_pack(&cf.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("msg3 failed");
	olen = frame_into(out, msg, mlen);
	if (send_all(p->fd, out, olen) != 0)
		goto fail;
	if (noise_handshake_split(&hs, &p->tx, &p->rx, NULL) != NOISE_OK)
		die("split failed");
	return 0;
fail:
	noise_handshake_wipe(&hs);
	return -1;
}

/* Encrypt req as one frame into out (room for KT_FRAME_HDR + 65535); its length. */
static size_t seal_request(struct peer *p, Kiemtra__V1__Request *req, uint8_t *out)
{
	uint8_t plain[NOISE_MAX_MSG];
	size_t n = kt_pack(&req->base, plain, sizeof(plain) - NOISE_TAGLEN);

	if (n == 0 || noise_encrypt(&p->tx, NULL, 0, plain, n, out + KT_FRAME_HDR) != NOISE_OK)
		die("cannot seal a request");
	kt_frame_header(out, n + NOISE_TAGLEN);
	return KT_FRAME_HDR + n + NOISE_TAGLEN;
}

static int send_request(struct peer *p, Kiemtra__V1__Request *req)
{
	static uint8_t out[KT_FRAME_HDR + NOISE_MAX_MSG];
	size_t n = seal_request(p, req, out);

	return send_all(p->fd, out, n);
}

/* The status of the response with this id (skipping events), or -1 when none came. */
static int recv_status(struct peer *p, uint64_t id, int timeout_ms)
{
	static uint8_t buf[NOISE_MAX_MSG], plain[NOISE_MAX_MSG];

	for (;;) {
		Kiemtra__V1__ServerFrame *f;
		long n = recv_frame(p->fd, buf, sizeof(buf), timeout_ms);
		int st = -2;

		if (n < NOISE_TAGLEN)
			return -1;
		if (noise_decrypt(&p->rx, NULL, 0, buf, (size_t)n, plain) != NOISE_OK)
			die("a server frame did not decrypt");
		f = (Kiemtra__V1__ServerFrame *)kt_unpack(&kiemtra__v1__server_frame__descriptor,
							  plain, (size_t)n - NOISE_TAGLEN, 1 << 20);
		if (!f)
			die("a server frame did not decode");
		if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE &&
		    f->response->id == id)
			st = (int)f->response->status;
		kt_unpack_free(&f->base);
		if (st != -2)
			return st;
	}
}

static void login_request(Kiemtra__V1__Request *req, Kiemtra__V1__LoginReq *lr, uint64_t id,
			  const char *user, const char *password)
{
	kiemtra__v1__request__init(req);
	kiemtra__v1__login_req__init(lr);
	req->id = id;
	req->body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req->login = lr;
	lr->username = (char *)user;
	lr->password = (char *)password;
	lr->device_name = "kt_abuser";
}

/* A fresh connection: handshake and one ping answered OK. 1 served, 0 refused. */
static int probe(void)
{
	struct peer p = {.fd = dial(NULL, 0)};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	int served = 0;

	if (p.fd < 0)
		return 0;
	if (handshake(&p, 0) == 0) {
		req.id = 1;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
		req.ping = &ping;
		served = send_request(&p, &req) == 0 &&
			 recv_status(&p, 1, 5000) == KIEMTRA__V1__STATUS__STATUS_OK;
	}
	close(p.fd);
	return served;
}

/* ---- noread: log in, then pipeline pings with 256-byte payloads, never reading ---- */

static int mode_noread(const char *user, const char *password, double seconds)
{
	struct peer p = {.fd = dial(NULL, 4096)};
	Kiemtra__V1__Request req;
	Kiemtra__V1__LoginReq lr;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	static uint8_t batch[64 * 400];
	uint8_t data[256];
	size_t used = 0, off = 0, sent_bytes = 0;
	unsigned long nreq = 0, sent_reqs = 0, batch_n = 0;
	double t0, last_progress, cut_at = -1;
	int st = -1;

	if (p.fd < 0 || handshake(&p, 0) != 0)
		die("noread: no handshake");
	login_request(&req, &lr, 1, user, password);
	if (send_request(&p, &req) != 0 || (st = recv_status(&p, 1, 10000)) != 0)
		die("noread: login as %s failed (status %d)", user, st);
	randombytes_buf(data, sizeof(data));
	ping.data.data = data;
	ping.data.len = sizeof(data);
	kiemtra__v1__request__init(&req);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) | O_NONBLOCK);
	t0 = last_progress = now_s();
	while (now_s() - t0 < seconds) {
		struct pollfd pf = {.fd = p.fd, .events = POLLOUT};
		ssize_t k;

		if (off == used) {
			/* A new batch of 64 pings, each with its own id and nonce. */
			for (used = off = batch_n = 0; used + 400 <= sizeof(batch); batch_n++) {
				req.id = 2 + nreq++;
				used += seal_request(&p, &req, batch + used);
			}
		}
		k = send(p.fd, batch + off, used - off, MSG_NOSIGNAL);
		if (k > 0) {
			off += (size_t)k;
			sent_bytes += (size_t)k;
			last_progress = now_s();
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			cut_at = now_s() - t0;
			break;
		}
		poll(&pf, 1, 100);
		if (pf.revents & (POLLERR | POLLHUP)) {
			cut_at = now_s() - t0;
			break;
		}
	}
	/* Requests whose bytes all went out (the partial batch counted pro rata). */
	sent_reqs = used ? nreq - (unsigned long)((used - off) * batch_n / used) : nreq;
	printf("noread: sent %lu requests (%zu bytes) in %.1f s; last progress at %.1f s; ",
	       sent_reqs, sent_bytes, now_s() - t0, last_progress - t0);
	if (cut_at >= 0)
		printf("cut by the server at %.1f s\n", cut_at);
	else if (now_s() - last_progress >= 1.0)
		printf("paused (the server stopped reading)\n");
	else
		printf("still flowing\n");
	close_reset(p.fd);
	return cut_at >= 0 || now_s() - last_progress >= 1.0 ? 0 : 1;
}

/* ---- vanish: requests whose work is slow, the client gone before the answer ------- */

static int mode_vanish(int n, const char *user, const char *password)
{
	Kiemtra__V1__Request req;
	Kiemtra__V1__LoginReq lr;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	Kiemtra__V1__UnitListReq ul = KIEMTRA__V1__UNIT_LIST_REQ__INIT;
	static uint8_t burst[40 * 512];
	int *held = calloc((size_t)n, sizeof(int));
	int wrong = 0, right = 0, half = 0, failed = 0;
	double t0 = now_s();

	if (!held)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		struct peer p = {.fd = -1};
		char src[32], ghost[48];
		size_t used = 0;

		/*
		 * Wrong passwords come from 127.0.A.B, at most 8 from each address,
		 * each for its own unknown name: below the throttle's free failures
		 * (10 per address), so every one costs an Argon2id verification and
		 * 127.0.0.1 (the other clients) is never throttled.
		 */
		snprintf(src, sizeof(src), "127.0.%d.%d", 1 + i / 8 / 250, 1 + i / 8 % 250);
		switch (i % 3) {
		case 0: /* a wrong password for an unknown account, then gone */
			p.fd = dial(src, 0);
			if (p.fd < 0 || handshake(&p, 0) != 0)
				break;
			snprintf(ghost, sizeof(ghost), "ghost-%d", i);
			login_request(&req, &lr, 1, ghost, "not-the-password-at-all");
			used = seal_request(&p, &req, burst);
			wrong++;
			break;
		case 1: /* the right password and 32 pipelined requests, then gone */
			p.fd = dial(NULL, 0);
			if (p.fd < 0 || handshake(&p, 0) != 0)
				break;
			login_request(&req, &lr, 1, user, password);
			used = seal_request(&p, &req, burst);
			kiemtra__v1__request__init(&req);
			for (int k = 0; k < 32; k++) {
				req.id = 2 + (uint64_t)k;
				if (k % 2) {
					req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_LIST;
					req.unit_list = &ul;
				} else {
					req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
					req.ping = &ping;
				}
				used += seal_request(&p, &req, burst + used);
			}
			right++;
			break;
		default: /* message 1 of the handshake, then gone before message 2 */
			p.fd = dial(NULL, 0);
			if (p.fd < 0 || handshake(&p, 1) != 0)
				break;
			half++;
			break;
		}
		if (p.fd < 0) {
			failed++;
			continue;
		}
		if (used && send_all(p.fd, burst, used) != 0)
			failed++;
		/* Half vanish at once; the rest stay until the end of their group of 16. */
		if (i % 2) {
			if (i % 4 == 1)
				close_reset(p.fd);
			else
				close(p.fd);
		} else {
			held[i] = p.fd + 1;
		}
		if (i % 16 == 15 || i == n - 1) {
			for (int j = i - i % 16; j <= i; j++) {
				if (held[j]) {
					close(held[j] - 1);
					held[j] = 0;
				}
			}
		}
	}
	free(held);
	printf("vanish: %d connections in %.1f s: %d wrong-password logins, %d logins with 32 "
	       "pipelined requests, %d half handshakes; %d not connected; probe after: %s\n",
	       n, now_s() - t0, wrong, right, half, failed, probe() ? "served" : "REFUSED");
	return failed == 0 ? 0 : 1;
}

/*
 * vanish-throttle: from one address, n wrong-password logins for user, each
 * connection closed as soon as the request is out; then one more that waits
 * for its answer. Past 10 failures per address (docs/SECURITY.md §4) it must
 * be throttled: RESOURCE_EXHAUSTED, not another Argon2id verification.
 */
static int mode_vanish_throttle(const char *src, int n, const char *user)
{
	Kiemtra__V1__Request req;
	Kiemtra__V1__LoginReq lr;
	struct peer p;
	int st = -1, sent = 0;

	for (int i = 0; i <= n; i++) {
		p.fd = dial(src, 0);
		if (p.fd < 0 || handshake(&p, 0) != 0)
			die("vanish-throttle: no connection from %s", src);
		login_request(&req, &lr, 1, user, "not-the-password-at-all");
		if (send_request(&p, &req) != 0)
			die("vanish-throttle: the login could not be sent");
		if (i == n) {
			st = recv_status(&p, 1, 10000);
		} else {
			sent++;
			/* Let the server start the lookup, then vanish before the verdict. */
			usleep(2000);
			close(p.fd);
			/*
			 * Let the verifications finish, but stay inside the account's first
			 * backoff (1 s after its 4th failure): a failure that counted makes
			 * the next attempt wait; failures that escaped would let it through.
			 */
			if (i == n - 1)
				usleep(300 * 1000);
			continue;
		}
		close(p.fd);
	}
	printf("vanish-throttle: %d vanished wrong logins from %s, then a login answered %s\n",
	       sent, src, st < 0 ? "nothing" : kt_status_name(st));
	return st == KIEMTRA__V1__STATUS__STATUS_RESOURCE_EXHAUSTED ? 0 : 1;
}

/*
 * burst: from one address, n connections handshake first, then each sends a
 * wrong-password login for user, all before any answer is read, so the
 * server sees them together. Sequential guesses get the account's 3 free
 * failures and a fourth that starts its backoff (docs/SECURITY.md §4); a
 * burst must get no more (auth.h: a waiting verification is checked again).
 */
static int mode_burst(const char *src, int n, const char *user)
{
	Kiemtra__V1__Request req;
	Kiemtra__V1__LoginReq lr;
	struct peer *p = calloc((size_t)n, sizeof(*p));
	int wrong = 0, limited = 0, other = 0;

	if (!p)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		p[i].fd = dial(src, 0);
		if (p[i].fd < 0 || handshake(&p[i], 0) != 0)
			die("burst: no connection from %s", src);
	}
	for (int i = 0; i < n; i++) {
		login_request(&req, &lr, 1, user, "not-the-password-at-all");
		if (send_request(&p[i], &req) != 0)
			die("burst: a login could not be sent");
	}
	for (int i = 0; i < n; i++) {
		int st = recv_status(&p[i], 1, 20000);

		if (st == KIEMTRA__V1__STATUS__STATUS_UNAUTHENTICATED)
			wrong++;
		else if (st == KIEMTRA__V1__STATUS__STATUS_RESOURCE_EXHAUSTED)
			limited++;
		else
			other++;
		close(p[i].fd);
	}
	free(p);
	printf("burst: %d wrong logins at once from %s: %d answered wrong password, %d throttled, "
	       "%d other\n",
	       n, src, wrong, limited, other);
	return wrong <= 4 && other == 0 && wrong + limited == n ? 0 : 1;
}

/* ---- flood: many connections at once, bare or stuck after the preamble ---------- */

static int mode_flood(int n, int preamble, int hold_ms, int limit)
{
	int *fds = calloc((size_t)n, sizeof(int));
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	int opened = 0, closed = 0, during, after, i;
	double t0 = now_s(), deadline;

	if (!fds || !pf)
		die("out of memory");
	raise_fd_limit();
	for (i = 0; i < n; i++) {
		fds[i] = dial(NULL, 0);
		if (fds[i] < 0)
			continue;
		opened++;
		if (preamble)
			send_all(fds[i], kt_preamble, KT_PREAMBLE_LEN);
	}
	/* A real client while the flood holds its connections: over a limit, refused. */
	during = probe();
	/* Count the connections the server closed (refused) within hold_ms. */
	deadline = now_s() + hold_ms / 1000.0;
	for (;;) {
		int left = (int)((deadline - now_s()) * 1000), m = 0;

		for (i = 0; i < n; i++) {
			pf[i].fd = fds[i];
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			m += fds[i] >= 0;
		}
		if (left <= 0 || m == 0 || poll(pf, (nfds_t)n, left) <= 0)
			break;
		for (i = 0; i < n; i++) {
			char b[64];

			if (fds[i] < 0 || !pf[i].revents)
				continue;
			if (recv(fds[i], b, sizeof(b), MSG_DONTWAIT) > 0)
				continue; /* not expected before our msg1: ignore it */
			close(fds[i]);
			fds[i] = -1;
			closed++;
		}
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* The server notices the closes on its next loop turns. */
	for (i = 0, after = 0; i < 50 && !(after = probe()); i++)
		usleep(100 * 1000);
	printf("flood: %d of %d %s connections opened in %.1f s; %d closed by the server, %d "
	       "held (limit %d); a real client during: %s, after: %s\n",
	       opened, n, preamble ? "preamble-only" : "bare", now_s() - t0, closed,
	       opened - closed, limit, during ? "served" : "refused", after ? "served" : "REFUSED");
	free(fds);
	free(pf);
	if (opened - closed > limit || !after)
		return 1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kt_abuser HOST:PORT MODE ARGS...\n"
		"modes:\n"
		"  noread USER PASSWORD SECONDS\n"
		"          log in, then pipeline pings with 256 bytes of data for SECONDS\n"
		"          without ever reading; exit 0 when the server stopped reading\n"
		"          (backpressure) or cut the connection\n"
		"  vanish N USER PASSWORD\n"
		"          N connections, in turn: a wrong-password login for an unknown name\n"
		"          (from 127.0.A.B), a login with 32 pipelined requests, half a\n"
		"          handshake; each closed (FIN or reset) without reading the answers;\n"
		"          then a fresh client must be served\n"
		"  vanish-throttle SRC N USER\n"
		"          from source address SRC (127.x.y.z), N wrong-password logins for USER,\n"
		"          each connection closed before the answer; then one that waits: exit 0\n"
		"          when it is throttled (RESOURCE_EXHAUSTED)\n"
		"  burst SRC N USER\n"
		"          from SRC, N connections send a wrong-password login for USER at once;\n"
		"          exit 0 when at most 4 are verified (3 free failures and the one that\n"
		"          starts the backoff) and the rest are throttled\n"
		"  flood N bare|preamble HOLD_MS LIMIT\n"
		"          open N connections (sending nothing, or only the preamble), probe\n"
		"          with a real client, count those the server closes within HOLD_MS,\n"
		"          close the rest; exit 0 when at most LIMIT were held and a real\n"
		"          client is served afterwards\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode;

	if (argc < 3)
		usage();
	if (sodium_init() < 0)
		return 1;
	parse_addr(argv[1]);
	mode = argv[2];
	if (strcmp(mode, "noread") == 0 && argc == 6)
		return mode_noread(argv[3], argv[4], atof(argv[5]));
	if (strcmp(mode, "vanish") == 0 && argc == 6)
		return mode_vanish(atoi(argv[3]), argv[4], argv[5]);
	if (strcmp(mode, "vanish-throttle") == 0 && argc == 6)
		return mode_vanish_throttle(argv[3], atoi(argv[4]), argv[5]);
	if (strcmp(mode, "burst") == 0 && argc == 6)
		return mode_burst(argv[3], atoi(argv[4]), argv[5]);
	if (strcmp(mode, "flood") == 0 && argc == 7 &&
	    (strcmp(argv[4], "bare") == 0 || strcmp(argv[4], "preamble") == 0))
		return mode_flood(atoi(argv[3]), strcmp(argv[4], "preamble") == 0, atoi(argv[5]),
				  atoi(argv[6]));
	usage();
	return 2;
}
