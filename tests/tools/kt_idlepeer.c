/*
 * kt_idlepeer - a kiemtra client that stays quiet, for the timeout tests.
 *
 *   kt_idlepeer HOST:PORT MODE MS [DELAY_US]
 *
 * Each MODE connects, behaves in one way for a while and checks what the server
 * does, measuring when it does it; MS is the server's idle timeout (modes after
 * the handshake) or its handshake timeout (modes before). Exit 0 when the
 * server behaved as docs/PROTOCOL.md says, 1 when not (with what was seen), 2 on
 * usage errors. Every measured time is printed, in seconds, with the window it
 * was expected in.
 *
 * The server checks its timeouts once a second, so an action due at T comes
 * between T and T + 1 s; the windows add TIMING_SLACK_MS for a loaded machine.
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
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/noise.h"
#include "common/wire.h"
#include "proto/kiemtra.pb-c.h"

#define SWEEP_MS 1000        /* the server's timeout check period */
#define TIMING_SLACK_MS 2500 /* scheduling delays on a loaded (or sanitized) machine */
#define EARLY_MS 50          /* clock granularity: an action may come this much early */

static const char *mode = "?";
static const char *peer_addr;
static int fd = -1;
static struct noise_cipher tx, rx;
static uint64_t t_start; /* ms: when the measured period began */
static uint64_t t_msg1;  /* ms: when handshake message 1 was sent */

static uint8_t inbuf[2 * (KT_FRAME_HDR + KT_FRAME_MAX)];
static size_t inlen;
static int peer_closed;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kt_idlepeer %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double since_start(void)
{
	return (double)(now_ms() - t_start) / 1000.0;
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
		die("cannot connect to %s: %s", addr, strerror(errno));
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
			die("send failed after %.3f s: %s", since_start(), strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
}

static void send_frame(const uint8_t *msg, size_t len)
{
	uint8_t hdr[KT_FRAME_HDR];

	kt_frame_header(hdr, len);
	send_all(hdr, sizeof(hdr));
	send_all(msg, len);
}

/*
 * Wait until the deadline (absolute, ms) for a whole frame. Returns its length
 * (copied to out), 0 when the server closed the connection, -1 at the deadline.
 * Partial frames stay buffered for the next call.
 */
static long next_frame(uint8_t *out, size_t cap, uint64_t deadline)
{
	for (;;) {
		if (inlen >= KT_FRAME_HDR) {
			size_t len = ((size_t)inbuf[0] << 8) | inbuf[1];
			if (len == 0 || len > cap)
				die("the server sent a frame of %zu bytes", len);
			if (inlen >= KT_FRAME_HDR + len) {
				memcpy(out, inbuf + KT_FRAME_HDR, len);
				inlen -= KT_FRAME_HDR + len;
				memmove(inbuf, inbuf + KT_FRAME_HDR + len, inlen);
				return (long)len;
			}
		}
		if (peer_closed)
			return 0;

		uint64_t now = now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r;

		if (now >= deadline)
			return -1;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r == 0)
			return -1;
		ssize_t k = recv(fd, inbuf + inlen, sizeof(inbuf) - inlen, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0 || (k < 0 && errno == ECONNRESET)) {
			peer_closed = 1;
			continue; /* deliver what is buffered first */
		}
		if (k < 0)
			die("recv: %s", strerror(errno));
		inlen += (size_t)k;
	}
}

/* Preamble and message 1; returns after reading message 2 (ServerHello must be OK). */
static void handshake_start(struct noise_handshake *hs, uint64_t delay_us)
{
	uint8_t priv[NOISE_DHLEN], pub[NOISE_DHLEN], msg[KT_FRAME_MAX], payload[KT_FRAME_MAX];
	Kiemtra__V1__ClientHello ch = KIEMTRA__V1__CLIENT_HELLO__INIT;
	Kiemtra__V1__ServerHello *sh;
	size_t mlen, plen;
	long n;

	noise_keypair(priv, pub);
	if (noise_handshake_init(hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
				 KT_PREAMBLE_LEN, priv, NULL, NULL, 0) != NOISE_OK)
		die("noise init failed");
	sodium_memzero(priv, sizeof(priv));
	send_all(kt_preamble, KT_PREAMBLE_LEN);
	if (delay_us) {
		struct timespec ts = {.tv_sec = (time_t)(delay_us / 1000000),
				      .tv_nsec = (long)(delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
	}
	ch.min_version = 1;
	ch.max_version = 1;
	ch.client_name = "kt_idlepeer";
	plen = kt_pack(&ch.base, payload, sizeof(payload));
	if (noise_handshake_write(hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("message 1 failed");
	t_msg1 = now_ms();
	send_frame(msg, mlen);
	n = next_frame(msg, sizeof(msg), now_ms() + 5000);
	if (n <= 0)
		die("no message 2 from the server");
	if (noise_handshake_read(hs, msg, (size_t)n, payload, sizeof(payload), &plen) != NOISE_OK)
		die("message 2 did not verify");
	sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor, payload,
						   plen, 65536);
	if (!sh || sh->status != KIEMTRA__V1__STATUS__STATUS_OK)
		die("the server refused the handshake");
	kt_unpack_free(&sh->base);
}

static void handshake(void)
{
	struct noise_handshake hs;
	uint8_t msg[KT_FRAME_MAX], payload[64];
	Kiemtra__V1__ClientFinish cf = KIEMTRA__V1__CLIENT_FINISH__INIT;
	size_t mlen, plen;

	handshake_start(&hs, 0);
	plen = kt_pack(&cf.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, msg, sizeof(msg), &mlen) != NOISE_OK)
		die("message 3 failed");
	send_frame(msg, mlen);
	if (noise_handshake_split(&hs, &tx, &rx, NULL) != NOISE_OK)
		die("split failed");
}

static void send_ping(uint64_t id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	uint8_t plain[256], out[256 + NOISE_TAGLEN];
	size_t n;

	req.id = id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	n = kt_pack(&req.base, plain, sizeof(plain));
	if (n == 0 || noise_encrypt(&tx, NULL, 0, plain, n, out) != NOISE_OK)
		die("cannot encrypt a ping");
	send_frame(out, n + NOISE_TAGLEN);
}

/* What the connection has seen so far. */
struct seen {
	int keepalives;
	double first_keepalive, last_keepalive; /* seconds since t_start */
	int goodbye_reason;                     /* -1: none */
	double goodbye_at;
	int pongs;          /* ping responses with status OK */
	uint64_t last_pong; /* id of the last one */
	uint64_t want_pong; /* receive() returns when this one comes (0: none) */
	int bad;            /* anything unexpected */
	uint64_t next_seq;  /* Event.seq expected next */
};

/*
 * Receive until the deadline or the close. Returns 0 at the deadline, -1 when
 * the connection closed, 1 at a KeepAlive when stop_on_keepalive is set, 2 at
 * the response to ping s->want_pong.
 */
static int receive(struct seen *s, uint64_t deadline, int stop_on_keepalive)
{
	static uint8_t frame[KT_FRAME_MAX], plain[KT_FRAME_MAX];

	for (;;) {
		long n = next_frame(frame, sizeof(frame), deadline);
		Kiemtra__V1__ServerFrame *f;

		if (n < 0)
			return 0;
		if (n == 0)
			return -1;
		if ((size_t)n < NOISE_TAGLEN ||
		    noise_decrypt(&rx, NULL, 0, frame, (size_t)n, plain) != NOISE_OK)
			die("a server frame did not decrypt");
		f = (Kiemtra__V1__ServerFrame *)kt_unpack(&kiemtra__v1__server_frame__descriptor,
							  plain, (size_t)n - NOISE_TAGLEN,
							  KT_DECODE_BUDGET);
		if (!f)
			die("a server frame did not decode");
		if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_EVENT) {
			Kiemtra__V1__Event *ev = f->event;
			double at = since_start();

			if (ev->seq != s->next_seq) {
				printf("%s: event seq %llu, expected %llu\n", mode,
				       (unsigned long long)ev->seq,
				       (unsigned long long)s->next_seq);
				s->bad = 1;
			}
			s->next_seq = ev->seq + 1;
			if (ev->kind_case == KIEMTRA__V1__EVENT__KIND_KEEPALIVE) {
				if (!s->keepalives)
					s->first_keepalive = at;
				s->last_keepalive = at;
				s->keepalives++;
				printf("%s: KeepAlive (seq %llu) at %.3f s\n", mode,
				       (unsigned long long)ev->seq, at);
				if (stop_on_keepalive) {
					kt_unpack_free(&f->base);
					return 1;
				}
			} else if (ev->kind_case == KIEMTRA__V1__EVENT__KIND_GOODBYE) {
				s->goodbye_reason = ev->goodbye ? (int)ev->goodbye->reason : 0;
				s->goodbye_at = at;
				printf("%s: Goodbye reason %d (%s) (seq %llu) at %.3f s\n", mode,
				       s->goodbye_reason,
				       ev->goodbye && ev->goodbye->message ? ev->goodbye->message
									   : "",
				       (unsigned long long)ev->seq, at);
			} else {
				printf("%s: event kind %d at %.3f s\n", mode, (int)ev->kind_case,
				       at);
			}
		} else if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE) {
			Kiemtra__V1__Response *r = f->response;

			if (r->status == KIEMTRA__V1__STATUS__STATUS_OK &&
			    r->body_case == KIEMTRA__V1__RESPONSE__BODY_PING) {
				s->pongs++;
				s->last_pong = r->id;
				if (s->want_pong && r->id == s->want_pong) {
					kt_unpack_free(&f->base);
					return 2;
				}
			} else {
				printf("%s: response id %llu status %d: %s\n", mode,
				       (unsigned long long)r->id, (int)r->status, r->message);
				s->bad = 1;
			}
		}
		kt_unpack_free(&f->base);
	}
}

/* Is t (seconds) within [lo, hi] (ms)? Prints the verdict either way. */
static int within(const char *what, double t, uint64_t lo, uint64_t hi)
{
	int ok = t * 1000.0 >= (double)lo && t * 1000.0 <= (double)hi;

	printf("%s: %s at %.3f s (expected %.3f..%.3f s)%s\n", mode, what, t, (double)lo / 1000,
	       (double)hi / 1000, ok ? "" : ": OUT OF RANGE");
	return ok;
}

/*
 * Wait for one of the server's timeout checks: reconnect, send nothing, and
 * when the server cuts the connection (it does so in a check) connect again.
 */
static void align_to_sweep(uint64_t delay_us)
{
	struct timespec ts = {.tv_sec = (time_t)(delay_us / 1000000),
			      .tv_nsec = (long)(delay_us % 1000000) * 1000};
	uint8_t b;

	close(fd);
	connect_to(peer_addr);
	for (;;) {
		ssize_t k = recv(fd, &b, 1, 0);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			break;
		if (k < 0 && errno == EINTR)
			continue;
		die("the aligning connection was not cut: %s",
		    k < 0 ? strerror(errno) : "it received data");
	}
	close(fd);
	if (delay_us)
		nanosleep(&ts, NULL);
	connect_to(peer_addr);
}

/*
 * idle: say nothing; expect one KeepAlive at half the timeout, then
 * Goodbye{CLOSE_IDLE}. With align set, the handshake is done delay_us after
 * one of the server's timeout checks; with a delay of a millisecond or so the
 * later checks fall just short of each whole second of idleness, which is
 * where a 2-second idle timeout can skip the KeepAlive. It must still come
 * before the Goodbye.
 */
static int mode_idle(uint64_t idle_ms, int align, uint64_t delay_us)
{
	struct seen s = {.goodbye_reason = -1, .next_seq = 1};
	int ok = 1, r;
	double closed_at;

	if (align)
		align_to_sweep(delay_us);
	handshake();
	t_start = now_ms();
	r = receive(&s, t_start + 3 * idle_ms + SWEEP_MS + TIMING_SLACK_MS, 0);
	closed_at = since_start();
	if (r != -1) {
		printf("%s: the connection was still open after %.3f s\n", mode, closed_at);
		return 1;
	}
	if (s.keepalives != 1) {
		printf("%s: %d KeepAlives, expected 1\n", mode, s.keepalives);
		ok = 0;
	} else {
		ok &= within("KeepAlive", s.first_keepalive, idle_ms / 2 - EARLY_MS,
			     idle_ms / 2 + SWEEP_MS + TIMING_SLACK_MS);
	}
	if (s.goodbye_reason != KIEMTRA__V1__CLOSE_REASON__CLOSE_IDLE) {
		printf("%s: Goodbye reason %d, expected CLOSE_IDLE (%d)\n", mode, s.goodbye_reason,
		       KIEMTRA__V1__CLOSE_REASON__CLOSE_IDLE);
		ok = 0;
	} else {
		ok &= within("Goodbye", s.goodbye_at, idle_ms - EARLY_MS,
			     idle_ms + SWEEP_MS + TIMING_SLACK_MS);
		if (s.keepalives && s.first_keepalive > s.goodbye_at) {
			printf("%s: the KeepAlive came after the Goodbye\n", mode);
			ok = 0;
		}
		ok &= within("close after the Goodbye", closed_at - s.goodbye_at, 0,
			     TIMING_SLACK_MS);
	}
	printf("%s: connection closed at %.3f s\n", mode, closed_at);
	return ok && !s.bad ? 0 : 1;
}

/*
 * ping-before: ping at 0.4 x the timeout, i.e. before each KeepAlive would be
 * due (at 0.5 x), for 3 x the timeout; ping-on-keepalive: answer each
 * KeepAlive with a ping. Either way the server must not close the connection,
 * and must answer a last ping at the end.
 */
static int mode_pinging(uint64_t idle_ms, int on_keepalive)
{
	struct seen s = {.goodbye_reason = -1, .next_seq = 1};
	uint64_t end, next_ping, id = 0;
	int pings = 0, r;

	handshake();
	t_start = now_ms();
	end = t_start + 3 * idle_ms;
	next_ping = t_start + idle_ms * 2 / 5;
	while (now_ms() < end) {
		uint64_t until = on_keepalive || next_ping > end ? end : next_ping;

		r = receive(&s, until, on_keepalive);
		if (r < 0) {
			printf("%s: the server closed the connection at %.3f s\n", mode,
			       since_start());
			return 1;
		}
		if (on_keepalive ? r == 1 : now_ms() >= next_ping) {
			send_ping(++id);
			pings++;
			next_ping += idle_ms * 2 / 5;
		}
	}
	/* Still open: a last ping is answered. */
	send_ping(++id);
	pings++;
	s.want_pong = id;
	receive(&s, now_ms() + 2000 + TIMING_SLACK_MS, 0);
	printf("%s: %d pings sent, %d answered, %d KeepAlives, over %.3f s\n", mode, pings,
	       s.pongs, s.keepalives, since_start());
	if (s.goodbye_reason >= 0) {
		printf("%s: got a Goodbye (reason %d), expected none\n", mode, s.goodbye_reason);
		return 1;
	}
	if (s.pongs != pings || s.last_pong != id) {
		printf("%s: expected %d ping responses, got %d\n", mode, pings, s.pongs);
		return 1;
	}
	if (on_keepalive && s.keepalives < 2) {
		printf("%s: expected at least 2 KeepAlives in %.3f s, got %d\n", mode,
		       (double)(3 * idle_ms) / 1000, s.keepalives);
		return 1;
	}
	return s.bad;
}

/* Wait for the server to close a connection that has not finished its handshake. */
static int expect_cut(uint64_t hs_ms, const char *what)
{
	uint8_t frame[KT_FRAME_MAX];
	long n = next_frame(frame, sizeof(frame), t_start + 3 * hs_ms + SWEEP_MS + TIMING_SLACK_MS);
	double at = since_start();

	if (n > 0) {
		printf("%s: the server sent a %ld-byte frame at %.3f s; expected nothing\n", mode,
		       n, at);
		return 1;
	}
	if (n < 0) {
		printf("%s: still open after %.3f s\n", mode, at);
		return 1;
	}
	return within(what, at, hs_ms - EARLY_MS, hs_ms + SWEEP_MS + TIMING_SLACK_MS) ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kt_idlepeer HOST:PORT MODE MS [DELAY_US]\n"
		"after the handshake (MS = the server's idle timeout):\n"
		"  idle               send nothing: a KeepAlive at MS/2, then Goodbye{CLOSE_IDLE}\n"
		"                     at MS and the close\n"
		"  idle-aligned       the same, with the handshake done DELAY_US microseconds\n"
		"                     after one of the server's once-a-second timeout checks\n"
		"  ping-before        ping every 0.4 x MS for 3 x MS: never closed\n"
		"  ping-on-keepalive  answer each KeepAlive with a ping for 3 x MS: never closed\n"
		"before it (MS = the server's handshake timeout; closed after MS, no word):\n"
		"  silent             connect and send nothing\n"
		"  preamble-only      send the preamble only\n"
		"  hello-only         the preamble, then after DELAY_US (default 0) message 1;\n"
		"                     read message 2, then nothing; timed from message 1\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t ms, delay = 0;

	if (argc < 4)
		usage();
	if (sodium_init() < 0)
		return 1;
	mode = argv[2];
	ms = strtoull(argv[3], NULL, 10);
	if (argc > 4)
		delay = strtoull(argv[4], NULL, 10);
	if (ms < 200)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	peer_addr = argv[1];
	connect_to(argv[1]);
	t_start = now_ms();

	if (strcmp(mode, "idle") == 0)
		return mode_idle(ms, 0, 0);
	if (strcmp(mode, "idle-aligned") == 0)
		return mode_idle(ms, 1, delay);
	if (strcmp(mode, "ping-before") == 0)
		return mode_pinging(ms, 0);
	if (strcmp(mode, "ping-on-keepalive") == 0)
		return mode_pinging(ms, 1);
	if (strcmp(mode, "silent") == 0)
		return expect_cut(ms, "closed");
	if (strcmp(mode, "preamble-only") == 0) {
		send_all(kt_preamble, KT_PREAMBLE_LEN);
		return expect_cut(ms, "closed");
	}
	if (strcmp(mode, "hello-only") == 0) {
		struct noise_handshake hs;
		double t_hello;

		handshake_start(&hs, delay);
		noise_handshake_wipe(&hs);
		t_hello = (double)(t_msg1 - t_start) / 1000.0;
		printf("%s: message 1 sent at %.3f s after connecting\n", mode, t_hello);
		t_start = t_msg1;
		if (expect_cut(ms, "closed (timed from message 1)") != 0)
			return 1;
		printf("%s: closed %.3f s after connecting\n", mode, t_hello + since_start());
		return 0;
	}
	usage();
	return 2;
}
