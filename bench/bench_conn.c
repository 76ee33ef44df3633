/*
 * bench_conn.c - many asynchronous kiemtra clients on one libuv loop.
 *
 * Each connection: TCP connect -> preamble + Noise XX (initiator; the device
 * key is shared, so one session token resumes every connection) -> ResumeReq
 * -> READY. Under load each runs a closed loop: one request outstanding,
 * the next sent when the response arrives, its latency recorded.
 *
 * Before the load, --report-findings fills the plan (PHASE_POPULATE: each
 * connection creates a finding, then accepts it with the device's signing key
 * over the acceptance digest, as `kiemtra finding accept` does, until the
 * target is reached) and times reports one at a time (PHASE_REPORT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench/bench.h"
#include "common/approval.h"
#include "common/codec.h"
#include "common/noise.h"
#include "common/wire.h"
#include "proto/kiemtra.pb-c.h"

enum bstate { B_CONNECTING, B_HANDSHAKE, B_RESUMING, B_READY, B_CLOSED };

struct bconn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	struct bench *b;
	enum bstate state;
	bool idle;
	bool login;               /* logs in with the password instead of resuming */
	struct noise_handshake hs;
	struct noise_cipher tx, rx;
	struct kt_frame_reader fr;
	uint64_t next_id;
	uint64_t sent_ns;
	bool outstanding;
	unsigned turn;            /* mixed workload: which request comes next */
};

struct bwrite {
	uv_write_t req;
	size_t len;
	uint8_t data[];
};

static uint8_t readbuf[65536]; /* one loop thread: shared */
static uint8_t packbuf[65536];
static uint8_t plainbuf[65536];

static void on_write(uv_write_t *req, int status)
{
	free(req);
}

static void start_more(struct bench *b);

/* Login connections are not in b->conns: each frees itself when closed. */
static void on_login_closed(uv_handle_t *h)
{
	struct bconn *c = h->data;

	noise_handshake_wipe(&c->hs);
	noise_cipher_wipe(&c->tx);
	noise_cipher_wipe(&c->rx);
	kt_frame_reader_reset(&c->fr);
	free(c);
}

static void conn_fail(struct bconn *c, const char *why)
{
	struct bench *b = c->b;

	if (c->state == B_CLOSED)
		return;
	if (c->login) {
		b->logins_failed++;
		if (!b->first_error[0])
			snprintf(b->first_error, sizeof(b->first_error), "login: %s", why);
		c->state = B_CLOSED;
		uv_close((uv_handle_t *)&c->tcp, on_login_closed);
		return;
	}
	if (!b->first_error[0])
		snprintf(b->first_error, sizeof(b->first_error), "%s", why);
	if (c->state == B_READY && (b->phase == PHASE_POPULATE || b->phase == PHASE_REPORT)) {
		/* A lost request would never be answered: end the phase as failed. */
		b->phase_failed = true;
		uv_stop(b->loop);
	}
	if (c->state != B_READY)
		b->failed_setup++;
	else
		b->errors++;
	bool was_setup = c->state != B_READY;

	c->state = B_CLOSED;
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, NULL);
	if (was_setup)
		start_more(b);
}

static void send_raw(struct bconn *c, const uint8_t *frame_body, size_t len, bool encrypt)
{
	size_t total = KT_FRAME_HDR + len + (encrypt ? NOISE_TAGLEN : 0);
	struct bwrite *w = malloc(sizeof(*w) + total);
	uv_buf_t buf;
	int n;

	if (!w) {
		conn_fail(c, "out of memory");
		return;
	}
	kt_frame_header(w->data, total - KT_FRAME_HDR);
	if (encrypt) {
		if (noise_encrypt(&c->tx, NULL, 0, frame_body, len, w->data + KT_FRAME_HDR) != 0) {
			free(w);
			conn_fail(c, "encrypt failed");
			return;
		}
	} else {
		memcpy(w->data + KT_FRAME_HDR, frame_body, len);
	}
	w->len = total;
	buf = uv_buf_init((char *)w->data, (unsigned)total);
	/* Written at once when the socket takes it (no write request, no poll change). */
	n = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
	if (n == (int)total) {
		free(w);
		return;
	}
	if (n < 0 && n != UV_EAGAIN) {
		free(w);
		conn_fail(c, "write failed");
		return;
	}
	if (n > 0)
		buf = uv_buf_init((char *)w->data + n, (unsigned)(total - (size_t)n));
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
		free(w);
		conn_fail(c, "write failed");
	}
}

static void send_request(struct bconn *c, Kiemtra__V1__Request *req)
{
	size_t n;

	req->id = ++c->next_id;
	n = kt_pack(&req->base, packbuf, KT_PLAINTEXT_MAX);
	if (n == 0) {
		conn_fail(c, "request too large");
		return;
	}
	send_raw(c, packbuf, n, true);
}

/* Submit a new finding (the same text and length in every mode). */
static void send_create(struct bconn *c)
{
	struct bench *b = c->b;
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingCreateReq fc = KIEMTRA__V1__FINDING_CREATE_REQ__INIT;
	char client_id[48], text[160];

	snprintf(client_id, sizeof(client_id), "bench-%08llu", (unsigned long long)++b->client_seq);
	snprintf(text, sizeof(text),
		 "Hồ sơ trễ hạn trên phần mềm một cửa điện tử do công chức quên cập nhật (%llu)",
		 (unsigned long long)b->client_seq);
	fc.client_id = client_id;
	fc.plan_id = b->plan_id;
	fc.unit_id = b->unit_id;
	fc.area = KIEMTRA__V1__AREA__AREA_PROCEDURES;
	fc.kind = KIEMTRA__V1__FINDING_KIND__FINDING_KIND_SHORTCOMING;
	fc.text = text;
	fc.cause = "Công chức chưa cập nhật luân chuyển hồ sơ";
	fc.submit = true;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_CREATE;
	req.finding_create = &fc;
	c->sent_ns = bench_now_ns();
	c->outstanding = true;
	send_request(c, &req);
}

/* The next request of the workload. */
static void send_next(struct bconn *c)
{
	struct bench *b = c->b;
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingListReq fl = KIEMTRA__V1__FINDING_LIST_REQ__INIT;
	Kiemtra__V1__ReportReq rr = KIEMTRA__V1__REPORT_REQ__INIT;
	Kiemtra__V1__UnitFindReq uf = KIEMTRA__V1__UNIT_FIND_REQ__INIT;
	unsigned turn = c->turn++;

	if (b->workload != WORKLOAD_MIXED || turn % 4 == 0) {
		send_create(c);
		return;
	}
	/* mixed: one submission, then a list, a unit lookup and a report */
	switch (turn % 4) {
	case 1:
		fl.plan_id = b->plan_id;
		fl.unit_id = b->unit_id;
		fl.limit = 50;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_LIST;
		req.finding_list = &fl;
		break;
	case 2:
		uf.query = "phuong bench";
		req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_FIND;
		req.unit_find = &uf;
		break;
	default:
		rr.plan_id = b->plan_id;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_REPORT;
		req.report = &rr;
		break;
	}
	c->sent_ns = bench_now_ns();
	c->outstanding = true;
	send_request(c, &req);
}

/* Accept finding f as the plan's leader: sign its acceptance digest. */
static void send_accept(struct bconn *c, const Kiemtra__V1__Finding *f)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingReviewReq fr = KIEMTRA__V1__FINDING_REVIEW_REQ__INIT;
	uint8_t digest[KT_DIGEST_LEN], sig[crypto_sign_BYTES];

	kt_digest_finding_accept(f->plan_id, f->id, f->unit_id, f->area, f->kind, f->text,
				 f->cause, 0, NULL, digest);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), c->b->sign_sk);
	fr.id = f->id;
	fr.version = f->version;
	fr.accept = true;
	fr.signature.data = sig;
	fr.signature.len = sizeof(sig);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_REVIEW;
	req.finding_review = &fr;
	c->outstanding = true;
	send_request(c, &req);
}

static void populate_error(struct bench *b, const Kiemtra__V1__Response *r)
{
	b->pop_errors++;
	if (!b->first_error[0])
		snprintf(b->first_error, sizeof(b->first_error), "populate: status %d: %s",
			 r->status, r->message);
}

/* PHASE_POPULATE: a create was answered (accept it) or an accept (next create). */
static void on_populate(struct bconn *c, const Kiemtra__V1__Response *r)
{
	struct bench *b = c->b;
	bool ok = r->status == KIEMTRA__V1__STATUS__STATUS_OK;

	if (r->body_case == KIEMTRA__V1__RESPONSE__BODY_FINDING_CREATE && ok &&
	    r->finding_create->finding) {
		send_accept(c, r->finding_create->finding);
		return;
	}
	if (ok && r->body_case == KIEMTRA__V1__RESPONSE__BODY_FINDING_REVIEW)
		b->pop_done++;
	else
		populate_error(b, r);
	if (b->pop_done + b->pop_errors >= b->pop_target) {
		uv_stop(b->loop);
		return;
	}
	if (b->pop_sent < b->pop_target) {
		b->pop_sent++;
		send_create(c);
	}
}

static void send_report(struct bconn *c)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ReportReq rr = KIEMTRA__V1__REPORT_REQ__INIT;

	rr.plan_id = c->b->plan_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_REPORT;
	req.report = &rr;
	c->sent_ns = bench_now_ns();
	c->outstanding = true;
	send_request(c, &req);
}

/* PHASE_REPORT: record one report's latency and what it counted; ask again. */
static void on_report(struct bconn *c, const Kiemtra__V1__Response *r)
{
	struct bench *b = c->b;
	uint64_t us = (bench_now_ns() - c->sent_ns) / 1000;

	if (r->status != KIEMTRA__V1__STATUS__STATUS_OK ||
	    r->body_case != KIEMTRA__V1__RESPONSE__BODY_REPORT) {
		b->errors++;
		if (!b->first_error[0])
			snprintf(b->first_error, sizeof(b->first_error), "report: status %d: %s",
				 r->status, r->message);
		b->phase_failed = true;
		uv_stop(b->loop);
		return;
	}
	b->report_us[b->nreports++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	b->report_shortcomings = 0;
	for (size_t i = 0; i < r->report->n_areas; i++)
		b->report_shortcomings += r->report->areas[i]->shortcomings;
	if (b->nreports < b->reports)
		send_report(c);
	else
		uv_stop(b->loop);
}

static void on_response(struct bconn *c, Kiemtra__V1__Response *r)
{
	struct bench *b = c->b;
	char err[200];

	if (c->login) {
		if (r->status == KIEMTRA__V1__STATUS__STATUS_OK) {
			b->login_ms[b->logins_ok++] =
				(uint32_t)((bench_now_ns() - c->sent_ns) / 1000000);
		} else {
			b->logins_failed++;
			if (!b->first_error[0])
				snprintf(b->first_error, sizeof(b->first_error), "login: %s",
					 r->message);
		}
		c->state = B_CLOSED;
		uv_close((uv_handle_t *)&c->tcp, on_login_closed);
		return;
	}
	if (c->state == B_RESUMING) {
		if (r->status != KIEMTRA__V1__STATUS__STATUS_OK) {
			snprintf(err, sizeof(err), "resume refused: %s", r->message);
			conn_fail(c, err);
			return;
		}
		c->state = B_READY;
		b->ready++;
		start_more(b);
		if (b->running && !c->idle)
			send_next(c);
		return;
	}
	if (!c->outstanding)
		return;
	c->outstanding = false;
	if (b->phase == PHASE_POPULATE) {
		on_populate(c, r);
		return;
	}
	if (b->phase == PHASE_REPORT) {
		on_report(c, r);
		return;
	}
	if (r->status != KIEMTRA__V1__STATUS__STATUS_OK)
		snprintf(err, sizeof(err), "status %d: %s", r->status, r->message);
	if (b->running)
		bench_record(b, bench_now_ns() - c->sent_ns,
			     r->status == KIEMTRA__V1__STATUS__STATUS_OK, err);
	if (b->running && !b->stopping)
		send_next(c);
}

static void send_resume(struct bconn *c)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ResumeReq rr = KIEMTRA__V1__RESUME_REQ__INIT;

	rr.session_token.data = c->b->token;
	rr.session_token.len = sizeof(c->b->token);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RESUME;
	req.resume = &rr;
	c->state = B_RESUMING;
	send_request(c, &req);
}

static int on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct bconn *c = arg;
	size_t plen;

	if (c->state == B_HANDSHAKE) {
		Kiemtra__V1__ClientFinish cf = KIEMTRA__V1__CLIENT_FINISH__INIT;
		Kiemtra__V1__ServerHello *sh;
		uint8_t msg[256];
		size_t mlen, n;

		if (noise_handshake_read(&c->hs, frame, len, plainbuf, sizeof(plainbuf), &plen) !=
		    0) {
			conn_fail(c, "message 2 did not verify");
			return 1;
		}
		sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor,
							   plainbuf, plen, 65536);
		if (!sh || sh->status != KIEMTRA__V1__STATUS__STATUS_OK) {
			kt_unpack_free(sh ? &sh->base : NULL);
			conn_fail(c, "the server refused the handshake");
			return 1;
		}
		kt_unpack_free(&sh->base);
		n = kt_pack(&cf.base, packbuf, sizeof(packbuf));
		if (noise_handshake_write(&c->hs, packbuf, n, msg, sizeof(msg), &mlen) != 0 ||
		    noise_handshake_split(&c->hs, &c->tx, &c->rx, NULL) != 0) {
			conn_fail(c, "message 3 failed");
			return 1;
		}
		send_raw(c, msg, mlen, false);
		if (c->login) {
			Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
			Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;

			lr.username = c->b->username;
			lr.password = BENCH_PASSWORD;
			lr.device_name = "kiemtra-bench";
			req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
			req.login = &lr;
			c->state = B_RESUMING;
			send_request(c, &req);
			return 0;
		}
		send_resume(c);
		return 0;
	}
	if (len < NOISE_TAGLEN || noise_decrypt(&c->rx, NULL, 0, frame, len, plainbuf) != 0) {
		conn_fail(c, "a frame did not decrypt");
		return 1;
	}
	Kiemtra__V1__ServerFrame *f = (Kiemtra__V1__ServerFrame *)kt_unpack(
		&kiemtra__v1__server_frame__descriptor, plainbuf, len - NOISE_TAGLEN, 1 << 20);
	if (!f) {
		conn_fail(c, "undecodable server frame");
		return 1;
	}
	if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE)
		on_response(c, f->response);
	else if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_EVENT &&
		 f->event->kind_case == KIEMTRA__V1__EVENT__KIND_GOODBYE)
		conn_fail(c, f->event->goodbye->message);
	kt_unpack_free(&f->base);
	return c->state == B_CLOSED ? 1 : 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = (char *)readbuf;
	buf->len = sizeof(readbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct bconn *c = s->data;

	if (nread < 0) {
		conn_fail(c, "the server closed the connection");
		return;
	}
	if (nread > 0 && c->state != B_CLOSED)
		kt_frame_feed(&c->fr, (const uint8_t *)buf->base, (size_t)nread, on_frame, c);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct bconn *c = req->data;
	Kiemtra__V1__ClientHello ch = KIEMTRA__V1__CLIENT_HELLO__INIT;
	uint8_t msg[256], pre[KT_PREAMBLE_LEN];
	size_t n, mlen;
	struct bwrite *w;
	uv_buf_t buf;

	if (status != 0) {
		conn_fail(c, uv_strerror(status));
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	memcpy(pre, kt_preamble, sizeof(pre));
	if (noise_handshake_init(&c->hs, KT_NOISE_PROTOCOL, NOISE_INITIATOR, pre, sizeof(pre),
				 c->b->dev_priv, NULL, NULL, 0) != 0) {
		conn_fail(c, "noise init");
		return;
	}
	ch.min_version = ch.max_version = KT_PROTOCOL_VERSION;
	ch.client_name = "kiemtra-bench";
	n = kt_pack(&ch.base, packbuf, sizeof(packbuf));
	if (noise_handshake_write(&c->hs, packbuf, n, msg, sizeof(msg), &mlen) != 0) {
		conn_fail(c, "message 1 failed");
		return;
	}
	/* The preamble goes with message 1 in one write. */
	w = malloc(sizeof(*w) + sizeof(pre));
	if (!w) {
		conn_fail(c, "out of memory");
		return;
	}
	memcpy(w->data, pre, sizeof(pre));
	buf = uv_buf_init((char *)w->data, sizeof(pre));
	uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
	send_raw(c, msg, mlen, false);
	c->state = B_HANDSHAKE;
	kt_frame_reader_init(&c->fr, KT_FRAME_MAX);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/*
 * Handshakes in progress at once: a real population of clients does not all
 * connect in the same millisecond, and the server refuses handshakes beyond
 * its flood limit (1024).
 */
#define BENCH_HANDSHAKES 256

static struct sockaddr_in bench_addr;
static unsigned started;

static void start_one(struct bench *b, unsigned i)
{
	struct bconn *c = calloc(1, sizeof(*c));

	if (!c) {
		b->failed_setup++;
		return;
	}
	c->b = b;
	c->idle = i >= b->connections;
	b->conns[i] = c;
	uv_tcp_init(b->loop, &c->tcp);
	c->tcp.data = c;
	c->creq.data = c;
	c->state = B_CONNECTING;
	if (uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&bench_addr, on_connect) != 0)
		conn_fail(c, "connect failed");
}

/* Keep BENCH_HANDSHAKES connections in setup until every one has started. */
static void start_more(struct bench *b)
{
	while (started < b->nconns && started - (b->ready + b->failed_setup) < BENCH_HANDSHAKES)
		start_one(b, started++);
}

int bench_connect_all(struct bench *b)
{
	if (uv_ip4_addr(b->host, atoi(b->port), &bench_addr) != 0)
		return -1;
	b->nconns = b->connections + b->idle;
	b->conns = calloc(b->nconns, sizeof(*b->conns));
	if (!b->conns)
		return -1;
	started = 0;
	start_more(b);
	return 0;
}

void bench_start_logins(struct bench *b)
{
	b->login_ms = calloc(b->logins ? b->logins : 1, sizeof(*b->login_ms));
	for (unsigned i = 0; i < b->logins && b->login_ms; i++) {
		struct bconn *c = calloc(1, sizeof(*c));

		if (!c)
			return;
		c->b = b;
		c->login = true;
		c->sent_ns = bench_now_ns(); /* a login's latency counts from its connect */
		uv_tcp_init(b->loop, &c->tcp);
		c->tcp.data = c;
		c->creq.data = c;
		c->state = B_CONNECTING;
		/* Login connections are not kept in b->conns: they close themselves. */
		if (uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&bench_addr, on_connect) !=
		    0) {
			free(c);
			b->logins_failed++;
		}
	}
}

void bench_start_load(struct bench *b)
{
	b->phase = PHASE_LOAD;
	for (unsigned i = 0; i < b->nconns; i++) {
		struct bconn *c = b->conns[i];

		if (c->state == B_READY && !c->idle && !c->outstanding)
			send_next(c);
	}
}

void bench_start_populate(struct bench *b, uint64_t n)
{
	b->phase = PHASE_POPULATE;
	b->pop_target = n;
	for (unsigned i = 0; i < b->nconns && b->pop_sent < n; i++) {
		struct bconn *c = b->conns[i];

		if (c && c->state == B_READY && !c->idle && !c->outstanding) {
			b->pop_sent++;
			send_create(c);
		}
	}
}

void bench_start_reports(struct bench *b)
{
	b->phase = PHASE_REPORT;
	b->nreports = 0;
	for (unsigned i = 0; i < b->nconns; i++) {
		struct bconn *c = b->conns[i];

		if (c && c->state == B_READY && !c->idle && !c->outstanding) {
			send_report(c);
			return;
		}
	}
	b->phase_failed = true;
}

void bench_close_all(struct bench *b)
{
	for (unsigned i = 0; i < b->nconns; i++) {
		struct bconn *c = b->conns[i];

		if (!c)
			continue;
		if (!uv_is_closing((uv_handle_t *)&c->tcp))
			uv_close((uv_handle_t *)&c->tcp, NULL);
	}
	uv_run(b->loop, UV_RUN_DEFAULT);
	for (unsigned i = 0; i < b->nconns; i++) {
		if (!b->conns[i])
			continue;
		noise_cipher_wipe(&b->conns[i]->tx);
		noise_cipher_wipe(&b->conns[i]->rx);
		kt_frame_reader_reset(&b->conns[i]->fr);
		free(b->conns[i]);
	}
	free(b->conns);
	b->conns = NULL;
}
