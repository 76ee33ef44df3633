/*
 * test_codec.c - budgeted protobuf decoding and bounded encoding (common/codec.h).
 * Exit status 0 when every check passed; each failed check prints what was
 * expected and what came.
 *
 * Random inputs are seeded (set KT_TEST_SEED to replay a run). Run this test in
 * the sanitizer build too: every decode, including the ones refused half way
 * for the budget, must free all it allocated (LeakSanitizer reports otherwise).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "proto/kiemtra.pb-c.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

/* Pack msg into a fresh heap buffer of exactly its size (*len); abort on failure. */
static uint8_t *pack_alloc(const ProtobufCMessage *msg, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		abort();
	*len = kt_pack(msg, buf, n);
	if (*len != n) {
		fprintf(stderr, "kt_pack: expected %zu bytes, got %zu\n", n, *len);
		failures++;
	}
	return buf;
}

static void *unpack(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t n, size_t budget)
{
	return kt_unpack(d, b, n, budget);
}

/* ---- valid and truncated input --------------------------------------------------- */

static void test_valid_request(void)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq login = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	Kiemtra__V1__Request *got;
	uint8_t data[40], *buf;
	size_t len;

	/* A login with Vietnamese text. */
	req.id = 4242;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req.login = &login;
	login.username = "lan";
	login.password = "bí-mật-của-Lan-2024";
	login.device_name = "máy của Lan";
	buf = pack_alloc(&req.base, &len);
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(4242, got->id);
		CHECK_INT(KIEMTRA__V1__REQUEST__BODY_LOGIN, got->body_case);
		CHECK(got->login && strcmp(got->login->username, "lan") == 0);
		CHECK(got->login && strcmp(got->login->password, login.password) == 0);
		CHECK(got->login && strcmp(got->login->device_name, login.device_name) == 0);
		CHECK(got->login && got->login->signing_key.len == 0);
	}
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);

	/* A ping with binary data (bytes are copied out of the input). */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	req.id = 1;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	ping.data.data = data;
	ping.data.len = sizeof(data);
	buf = pack_alloc(&req.base, &len);
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	memset(buf, 0, len);
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(KIEMTRA__V1__REQUEST__BODY_PING, got->body_case);
		CHECK(got->ping && got->ping->data.len == sizeof(data) &&
		      memcmp(got->ping->data.data, data, sizeof(data)) == 0);
	}
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);

	/* An empty input is a valid, empty Request. */
	got = unpack(&kiemtra__v1__request__descriptor, (const uint8_t *)"", 0,
		     KT_DECODE_BUDGET_UNAUTH);
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(0, got->id);
		CHECK_INT(KIEMTRA__V1__REQUEST__BODY__NOT_SET, got->body_case);
	}
	kt_unpack_free((ProtobufCMessage *)got);

	kt_unpack_free(NULL); /* must be a no-op */
}

static void test_truncated(void)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq login = KIEMTRA__V1__LOGIN_REQ__INIT;
	uint8_t *buf, *cut;
	size_t len;

	req.id = 300; /* a two-byte varint: 08 ac 02 */
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req.login = &login;
	login.username = "minh";
	login.password = "mật khẩu rất dài 123";
	login.device_name = "laptop";
	buf = pack_alloc(&req.base, &len);
	CHECK(len > 10);
	CHECK_INT(0x08, buf[0]);

	/*
	 * Every prefix that cuts a field is refused. Only the prefix that ends
	 * exactly after the id field (3 bytes) is itself a valid Request.
	 */
	for (size_t n = 1; n < len; n++) {
		void *m;

		cut = malloc(n); /* exact size, so a read past the end is caught by ASan */
		if (!cut)
			abort();
		memcpy(cut, buf, n);
		m = unpack(&kiemtra__v1__request__descriptor, cut, n, KT_DECODE_BUDGET_UNAUTH);
		if (n == 3) {
			CHECK(m != NULL);
		} else if (m) {
			fprintf(stderr,
				"truncated to %zu of %zu bytes: expected NULL, got a message\n", n,
				len);
			failures++;
		}
		kt_unpack_free(m);
		free(cut);
	}
	free(buf);
}

/* ---- garbage ---------------------------------------------------------------------- */

static const ProtobufCMessageDescriptor *garbage_descs[] = {
	&kiemtra__v1__request__descriptor,
	&kiemtra__v1__server_frame__descriptor,
	&kiemtra__v1__unit_list_resp__descriptor,
	&kiemtra__v1__client_hello__descriptor,
	&kiemtra__v1__server_hello__descriptor,
};
#define NDESCS (sizeof(garbage_descs) / sizeof(garbage_descs[0]))

/* Decode; when it succeeds, pack the result again (which reads every field). */
static int decode_touch(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t n,
			size_t budget)
{
	ProtobufCMessage *m = kt_unpack(d, b, n, budget);
	int ok = m != NULL;

	if (m) {
		size_t sz = protobuf_c_message_get_packed_size(m);
		uint8_t *out = malloc(sz ? sz : 1);
		if (!out)
			abort();
		if (kt_pack(m, out, sz) != sz) {
			fprintf(stderr, "%s: a decoded message did not pack again to %zu bytes\n",
				d->name, sz);
			failures++;
		}
		free(out);
		kt_unpack_free(m);
	}
	return ok;
}

static void test_garbage(void)
{
	enum { ROUNDS = 4000 };
	size_t decoded = 0, refused = 0;
	Kiemtra__V1__ServerFrame f = KIEMTRA__V1__SERVER_FRAME__INIT;
	Kiemtra__V1__Response r = KIEMTRA__V1__RESPONSE__INIT;
	Kiemtra__V1__UnitListResp ul = KIEMTRA__V1__UNIT_LIST_RESP__INIT;
	Kiemtra__V1__Unit u[3] = {KIEMTRA__V1__UNIT__INIT, KIEMTRA__V1__UNIT__INIT,
				  KIEMTRA__V1__UNIT__INIT};
	Kiemtra__V1__Unit *up[3] = {&u[0], &u[1], &u[2]};
	uint8_t *valid;
	size_t vlen;

	/* Purely random buffers, 0..600 bytes, decoded as each message type. */
	for (int i = 0; i < ROUNDS; i++) {
		size_t n = rng_below(601);
		uint8_t *b = malloc(n ? n : 1);

		if (!b)
			abort();
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rng();
		for (size_t d = 0; d < NDESCS; d++) {
			if (decode_touch(garbage_descs[d], b, n, KT_DECODE_BUDGET_UNAUTH))
				decoded++;
			else
				refused++;
		}
		free(b);
	}

	/* A valid nested message with random damage: flips, overwrites, cuts, insertions. */
	for (int i = 0; i < 3; i++) {
		u[i].id = 1000 + i;
		u[i].code = "29.268";
		u[i].name = "xã Hòa An";
		u[i].parent_id = 7;
		u[i].version = 3;
	}
	ul.n_units = 3;
	ul.units = up;
	ul.more = 1;
	r.id = 77;
	r.message = "đã xong";
	r.body_case = KIEMTRA__V1__RESPONSE__BODY_UNIT_LIST;
	r.unit_list = &ul;
	f.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE;
	f.response = &r;
	valid = pack_alloc(&f.base, &vlen);
	CHECK(decode_touch(&kiemtra__v1__server_frame__descriptor, valid, vlen, KT_DECODE_BUDGET));
	for (int i = 0; i < ROUNDS; i++) {
		size_t n = vlen + 8, edits = 1 + rng_below(4);
		uint8_t *b = malloc(n);

		if (!b)
			abort();
		memcpy(b, valid, vlen);
		n = vlen;
		for (size_t e = 0; e < edits; e++) {
			size_t at = rng_below(n);
			switch (rng_below(4)) {
			case 0:
				b[at] ^= (uint8_t)(1u << rng_below(8));
				break;
			case 1:
				b[at] = (uint8_t)rng();
				break;
			case 2:
				n = at; /* cut */
				break;
			default:
				if (n < vlen + 8) { /* insert one byte */
					memmove(b + at + 1, b + at, n - at);
					b[at] = (uint8_t)rng();
					n++;
				}
				break;
			}
			if (n == 0)
				break;
		}
		if (decode_touch(&kiemtra__v1__server_frame__descriptor, b, n, KT_DECODE_BUDGET))
			decoded++;
		else
			refused++;
		free(b);
	}
	free(valid);
	printf("test_codec: garbage: %zu decodes, %zu decoded, %zu refused\n", decoded + refused,
	       decoded, refused);
	CHECK(refused > 0);
	CHECK(decoded > 0);
}

/* ---- the budget --------------------------------------------------------------------- */

static void test_budget_login(void)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq login = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__Request *got;
	char *name = malloc(20001);
	uint8_t *buf;
	size_t len;

	if (!name)
		abort();
	memset(name, 'n', 20000);
	name[20000] = '\0';
	req.id = 9;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req.login = &login;
	login.username = name;
	login.password = "whatever-password";
	buf = pack_alloc(&req.base, &len);

	/* 20 KB of username decodes to more than the 16 KiB allowed before login. */
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	if (got) {
		fprintf(stderr, "LoginReq with a 20000-byte username under the %d-byte budget: "
				"expected NULL, got a message\n",
			KT_DECODE_BUDGET_UNAUTH);
		failures++;
	}
	kt_unpack_free((ProtobufCMessage *)got);

	/* The same bytes under the logged-in budget decode. */
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET);
	CHECK(got != NULL);
	if (got)
		CHECK_INT(20000, got->login ? strlen(got->login->username) : 0);
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);

	/* 8000 bytes fit under the small budget: it refuses only what exceeds it. */
	name[8000] = '\0';
	buf = pack_alloc(&req.base, &len);
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	CHECK(got != NULL);
	if (got)
		CHECK_INT(8000, got->login ? strlen(got->login->username) : 0);
	kt_unpack_free((ProtobufCMessage *)got);

	/*
	 * The smallest budget that decodes it: it covers at least the decoded
	 * structures and strings, and one byte less is refused. Budgets are
	 * monotonic: every larger one decodes too.
	 */
	size_t lo = 0, hi = KT_DECODE_BUDGET, floor_sz;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		void *m = unpack(&kiemtra__v1__request__descriptor, buf, len, mid);
		if (m)
			hi = mid;
		else
			lo = mid + 1;
		kt_unpack_free(m);
	}
	floor_sz = sizeof(Kiemtra__V1__Request) + sizeof(Kiemtra__V1__LoginReq) + 8001 +
		   strlen(login.password) + 1;
	printf("test_codec: the 8000-byte login needs a budget of %zu bytes (structures and "
	       "strings: %zu)\n",
	       lo, floor_sz);
	CHECK(lo >= floor_sz);
	for (size_t b = lo > 8 ? lo - 8 : 0; b < lo + 8; b++) {
		void *m = unpack(&kiemtra__v1__request__descriptor, buf, len, b);
		if ((m != NULL) != (b >= lo)) {
			fprintf(stderr,
				"budget %zu (smallest that decodes: %zu): expected %s, got %s\n", b,
				lo, b >= lo ? "a message" : "NULL", m ? "a message" : "NULL");
			failures++;
		}
		kt_unpack_free(m);
	}
	free(buf);
	free(name);
}

/* A UnitListResp of n units (each with the given name, or empty when NULL). */
static uint8_t *pack_units(size_t n, const char *name, size_t *len)
{
	Kiemtra__V1__UnitListResp ul = KIEMTRA__V1__UNIT_LIST_RESP__INIT;
	Kiemtra__V1__Unit *units = malloc(n * sizeof(*units));
	Kiemtra__V1__Unit **ptrs = malloc(n * sizeof(*ptrs));
	Kiemtra__V1__Unit init = KIEMTRA__V1__UNIT__INIT;
	uint8_t *buf;

	if (!units || !ptrs)
		abort();
	for (size_t i = 0; i < n; i++) {
		units[i] = init;
		if (name) {
			units[i].id = (int64_t)i + 1;
			units[i].name = (char *)name;
			units[i].code = "29.268";
		}
		ptrs[i] = &units[i];
	}
	ul.n_units = n;
	ul.units = ptrs;
	buf = pack_alloc(&ul.base, len);
	free(ptrs);
	free(units);
	return buf;
}

static void test_budget_units(void)
{
	Kiemtra__V1__UnitListResp *got;
	uint8_t *buf;
	size_t len;

	/* 2000 named units (about 40 KB): refused under the small budget, decoded under 512 KiB. */
	buf = pack_units(2000, "Phường Hòa An", &len);
	got = unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	if (got) {
		fprintf(stderr, "2000 units (%zu bytes) under a %d-byte budget: expected NULL, got "
				"%zu units\n",
			len, KT_DECODE_BUDGET_UNAUTH, got->n_units);
		failures++;
	}
	kt_unpack_free((ProtobufCMessage *)got);
	got = unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, KT_DECODE_BUDGET);
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(2000, got->n_units);
		CHECK_INT(2000, got->units[1999]->id);
		CHECK(strcmp(got->units[1999]->name, "Phường Hòa An") == 0);
	}
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);

	/*
	 * The amplification the budget exists for: 30000 empty units are 60000
	 * bytes on the wire (one frame) but decode to megabytes of structures.
	 */
	buf = pack_units(30000, NULL, &len);
	printf("test_codec: 30000 empty units: %zu bytes packed, at least %zu decoded\n", len,
	       30000 * (sizeof(Kiemtra__V1__Unit) + sizeof(void *)));
	CHECK(len <= 65519);
	got = unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, KT_DECODE_BUDGET);
	if (got) {
		fprintf(stderr, "30000 empty units under the %d-byte budget: expected NULL, got "
				"%zu units\n",
			KT_DECODE_BUDGET, got->n_units);
		failures++;
	}
	kt_unpack_free((ProtobufCMessage *)got);
	got = unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, 64u << 20);
	CHECK(got != NULL);
	if (got)
		CHECK_INT(30000, got->n_units);
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);

	/* A budget of zero decodes nothing, not even an empty message. */
	got = unpack(&kiemtra__v1__unit_list_resp__descriptor, (const uint8_t *)"", 0, 0);
	CHECK(got == NULL);
	kt_unpack_free((ProtobufCMessage *)got);
}

/*
 * What the decoder frees while decoding returns to the budget: a LoginReq that
 * repeats its username field 20 times (the last one wins) holds one username
 * at a time, so it decodes under a budget smaller than all of them together.
 */
static void test_budget_returns(void)
{
	enum { CHUNK = 900, REPEAT = 20 };
	size_t inner = REPEAT * (1 + 2 + CHUNK), len = 0;
	uint8_t *buf = malloc(2 + 3 + 3 + inner);
	Kiemtra__V1__Request *got;

	if (!buf)
		abort();
	buf[len++] = 0x08; /* id = 1 */
	buf[len++] = 0x01;
	buf[len++] = 0x8a; /* field 17 (login), length-delimited */
	buf[len++] = 0x01;
	buf[len++] = (uint8_t)(0x80 | (inner & 0x7f)); /* varint length, 3 bytes */
	buf[len++] = (uint8_t)(0x80 | ((inner >> 7) & 0x7f));
	buf[len++] = (uint8_t)(inner >> 14);
	for (int i = 0; i < REPEAT; i++) {
		buf[len++] = 0x0a; /* field 1 (username), length-delimited */
		buf[len++] = (uint8_t)(0x80 | (CHUNK & 0x7f));
		buf[len++] = (uint8_t)(CHUNK >> 7);
		memset(buf + len, 'a' + i, CHUNK);
		len += CHUNK;
	}
	CHECK(len > KT_DECODE_BUDGET_UNAUTH);
	got = unpack(&kiemtra__v1__request__descriptor, buf, len, KT_DECODE_BUDGET_UNAUTH);
	if (!got) {
		fprintf(stderr, "a username repeated %d times (%d bytes each) under the %d-byte "
				"budget: expected a message (freed strings return to the budget), "
				"got NULL\n",
			REPEAT, CHUNK, KT_DECODE_BUDGET_UNAUTH);
		failures++;
	} else {
		CHECK(got->login != NULL);
		if (got->login) {
			CHECK_INT(CHUNK, strlen(got->login->username));
			CHECK_INT('a' + REPEAT - 1, got->login->username[0]);
		}
	}
	kt_unpack_free((ProtobufCMessage *)got);
	free(buf);
}

/* Many decodes and frees: the budget state must not leak or drift. */
static void test_repeat(void)
{
	uint8_t *buf;
	size_t len;
	int ok = 0;

	buf = pack_units(50, "Thị trấn Trâu Quỳ", &len);
	for (int i = 0; i < 2000; i++) {
		Kiemtra__V1__UnitListResp *m =
			unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, 8192);
		Kiemtra__V1__UnitListResp *m2 =
			unpack(&kiemtra__v1__unit_list_resp__descriptor, buf, len, 1 << 20);
		/* 50 units with strings do not fit in 8 KiB; they fit in 1 MiB, every time. */
		if (!m && m2 && m2->n_units == 50)
			ok++;
		kt_unpack_free((ProtobufCMessage *)m);
		kt_unpack_free((ProtobufCMessage *)m2);
	}
	CHECK_INT(2000, ok);
	free(buf);
}

/* ---- encoding ----------------------------------------------------------------------- */

static void test_pack(void)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	uint8_t data[100], *small;
	size_t n;

	memset(data, 0xab, sizeof(data));
	req.id = 5;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	ping.data.data = data;
	ping.data.len = sizeof(data);
	n = protobuf_c_message_get_packed_size(&req.base);
	CHECK(n > sizeof(data));

	/* One byte short: 0, and nothing written (an exact-size heap buffer: ASan checks). */
	small = malloc(n);
	if (!small)
		abort();
	memset(small, 0xee, n);
	CHECK_INT(0, kt_pack(&req.base, small, n - 1));
	for (size_t i = 0; i < n; i++) {
		if (small[i] != 0xee) {
			fprintf(stderr, "kt_pack into a too-small buffer wrote byte %zu\n", i);
			failures++;
			break;
		}
	}
	CHECK_INT(0, kt_pack(&req.base, small, 0));
	CHECK_INT(0, kt_pack(&req.base, NULL, 0));
	/* Exactly enough. */
	CHECK_INT(n, kt_pack(&req.base, small, n));
	Kiemtra__V1__Request *back =
		unpack(&kiemtra__v1__request__descriptor, small, n, KT_DECODE_BUDGET_UNAUTH);
	CHECK(back && back->ping && back->ping->data.len == sizeof(data));
	kt_unpack_free((ProtobufCMessage *)back);
	free(small);
}

int main(void)
{
	const char *seed = getenv("KT_TEST_SEED");

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x6b74636f64656321ULL;
	if (rng_state == 0)
		rng_state = 1;
	printf("test_codec: seed %llu (KT_TEST_SEED to replay)\n", (unsigned long long)rng_state);

	test_valid_request();
	test_truncated();
	test_garbage();
	test_budget_login();
	test_budget_units();
	test_budget_returns();
	test_repeat();
	test_pack();

	if (failures) {
		printf("test_codec: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_codec: all checks passed\n");
	return 0;
}
