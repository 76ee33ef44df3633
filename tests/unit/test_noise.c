/*
 * test_noise.c - unit test of common/noise.c.
 *
 * 1. Replays every XX, NK and IK entry (with any psk modifiers) of the
 *    cacophony and snow vector files in $KT_SOURCE_DIR/tests/data/noise-vectors/
 *    (see README.txt there): every handshake and transport ciphertext, the
 *    payloads read back, and the handshake hash where the file has one. Other
 *    patterns are counted as skipped.
 * 2. Failure paths: tampered handshake and transport messages, nonce
 *    exhaustion, low-order public keys, calls out of turn, unsupported names and
 *    keys, truncated and oversized messages; then a fresh XX handshake with
 *    random keys, psk handshakes (and a psk mismatch), and rekeying.
 *
 * Owns: everything it allocates; it reads the vector files and writes only to
 * stdout/stderr. Exit status 0 means every check passed.
 */
#include "common/noise.h"
#include "support_json.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char XX[] = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
static const char NK[] = "Noise_NK_25519_ChaChaPoly_BLAKE2b";
static const char IK[] = "Noise_IK_25519_ChaChaPoly_BLAKE2b";

static int failures;
static char ctx[256]; /* what is being tested, printed with every failure */

static uint8_t buf[NOISE_MAX_MSG + 64];
static uint8_t pbuf[NOISE_MAX_MSG + 64];

static void set_ctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_ctx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	size_t i;

	fprintf(stderr, "    %s (%zu bytes): ", label, n);
	if (!b)
		fprintf(stderr, "(null)");
	for (i = 0; b && i < n; i++)
		fprintf(stderr, "%02x", b[i]);
	fputc('\n', stderr);
}

static int check_rc_(int line, int got, int want, const char *what)
{
	if (got == want)
		return 1;
	failures++;
	fprintf(stderr, "FAIL line %d [%s] %s: expected %d (%s), got %d (%s)\n", line, ctx, what,
		want, noise_strerror(want), got, noise_strerror(got));
	return 0;
}

static int check_int_(int line, long long got, long long want, const char *what)
{
	if (got == want)
		return 1;
	failures++;
	fprintf(stderr, "FAIL line %d [%s] %s: expected %lld, got %lld\n", line, ctx, what, want,
		got);
	return 0;
}

static int check_bytes_(int line, const uint8_t *got, size_t glen, const uint8_t *want, size_t wlen,
			const char *what)
{
	if (got && want && glen == wlen && memcmp(got, want, wlen) == 0)
		return 1;
	if (glen == 0 && wlen == 0)
		return 1;
	failures++;
	fprintf(stderr, "FAIL line %d [%s] %s differs\n", line, ctx, what);
	print_hex("expected", want, wlen);
	print_hex("actual  ", got, glen);
	return 0;
}

static int check_true_(int line, int cond, const char *what)
{
	if (cond)
		return 1;
	failures++;
	fprintf(stderr, "FAIL line %d [%s] %s\n", line, ctx, what);
	return 0;
}

#define CHECK_RC(got, want, what) check_rc_(__LINE__, (got), (want), (what))
#define CHECK_INT(got, want, what) check_int_(__LINE__, (long long)(got), (long long)(want), (what))
#define CHECK_BYTES(got, glen, want, wlen, what)                                                   \
	check_bytes_(__LINE__, (got), (glen), (want), (wlen), (what))
#define CHECK(cond, what) check_true_(__LINE__, !!(cond), (what))

static const char *action_name(int a)
{
	switch (a) {
	case NOISE_ACTION_WRITE_MESSAGE:
		return "WRITE_MESSAGE";
	case NOISE_ACTION_READ_MESSAGE:
		return "READ_MESSAGE";
	case NOISE_ACTION_SPLIT:
		return "SPLIT";
	case NOISE_ACTION_FAILED:
		return "FAILED";
	}
	return "?";
}

static int check_action_(int line, const struct noise_handshake *hs, int want, const char *what)
{
	int got = noise_handshake_action(hs);

	if (got == want)
		return 1;
	failures++;
	fprintf(stderr, "FAIL line %d [%s] %s: expected action %s, got %s\n", line, ctx, what,
		action_name(want), action_name(got));
	return 0;
}

#define CHECK_ACTION(hs, want, what) check_action_(__LINE__, (hs), (want), (what))

/* A failed handshake must hold no key material. */
static void check_wiped_(int line, const struct noise_handshake *hs, const char *what)
{
	int ok = sodium_is_zero(hs->ck, sizeof(hs->ck)) && sodium_is_zero(hs->h, sizeof(hs->h)) &&
		 sodium_is_zero(hs->cs.k, sizeof(hs->cs.k)) &&
		 sodium_is_zero(hs->s_priv, sizeof(hs->s_priv)) &&
		 sodium_is_zero(hs->e_priv, sizeof(hs->e_priv)) &&
		 sodium_is_zero((const uint8_t *)hs->psks, sizeof(hs->psks));

	check_true_(line, ok, what);
}

#define CHECK_WIPED(hs, what) check_wiped_(__LINE__, (hs), (what))

/* ---- hex ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a hex string into a malloc'd buffer (at least 1 byte); NULL on bad input. */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n, i;
	uint8_t *out;
	int hi, lo;

	if (!hex)
		return NULL;
	n = strlen(hex);
	if (n % 2)
		return NULL;
	out = malloc(n / 2 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

/* Decode a hex string of exactly n bytes into out. */
static int unhex_fixed(const char *hex, uint8_t *out, size_t n)
{
	size_t len = 0;
	uint8_t *b = unhex(hex, &len);
	int ok = b && len == n;

	if (ok)
		memcpy(out, b, n);
	free(b);
	return ok ? 0 : -1;
}

/* ---- vector replay ---- */

struct party {
	uint8_t *prologue;
	size_t prologue_len;
	uint8_t s[NOISE_DHLEN], rs[NOISE_DHLEN], e[NOISE_DHLEN];
	int has_s, has_rs, has_e;
	uint8_t psks[NOISE_MAX_PSKS][32];
	size_t npsks;
	struct noise_handshake hs;
	struct noise_cipher send, recv;
};

/*
 * The number of handshake messages when name is an XX, NK or IK protocol
 * (optionally with psk modifiers) of our suite; 0 for anything else. This is
 * the test's own reading of the name, independent of noise.c.
 */
static int replay_messages(const char *name)
{
	static const char pfx[] = "Noise_", sfx[] = "_25519_ChaChaPoly_BLAKE2b";
	size_t n = strlen(name), plen;
	const char *pat, *m;

	if (n < strlen(pfx) + strlen(sfx) + 2 || strncmp(name, pfx, strlen(pfx)) != 0 ||
	    strcmp(name + n - strlen(sfx), sfx) != 0)
		return 0;
	pat = name + strlen(pfx);
	plen = n - strlen(pfx) - strlen(sfx);
	/* modifiers after the two-letter base: ("psk" digit) joined by '+' */
	for (m = pat + 2; m < pat + plen;) {
		if (strncmp(m, "psk", 3) != 0 || m[3] < '0' || m[3] > '9')
			return 0;
		m += 4;
		if (m < pat + plen && *m++ != '+')
			return 0;
	}
	if (strncmp(pat, "XX", 2) == 0)
		return 3;
	if (strncmp(pat, "NK", 2) == 0 || strncmp(pat, "IK", 2) == 0)
		return 2;
	return 0;
}

static int load_key(const struct json *v, const char *side, const char *field, uint8_t *out,
		    int *present)
{
	char key[64];
	const struct json *f;

	snprintf(key, sizeof(key), "%s_%s", side, field);
	f = json_get(v, key);
	*present = f != NULL;
	if (!f)
		return 0;
	if (unhex_fixed(json_str(f), out, NOISE_DHLEN) != 0) {
		failures++;
		fprintf(stderr, "FAIL [%s] field %s is not 32 bytes of hex\n", ctx, key);
		return -1;
	}
	return 0;
}

static int load_party(const struct json *v, const char *side, struct party *p)
{
	char key[64];
	const struct json *f;
	size_t i;

	memset(p, 0, sizeof(*p));
	snprintf(key, sizeof(key), "%s_prologue", side);
	p->prologue = unhex(json_str(json_get(v, key)), &p->prologue_len);
	if (!p->prologue) {
		failures++;
		fprintf(stderr, "FAIL [%s] field %s missing or not hex\n", ctx, key);
		return -1;
	}
	if (load_key(v, side, "static", p->s, &p->has_s) ||
	    load_key(v, side, "remote_static", p->rs, &p->has_rs) ||
	    load_key(v, side, "ephemeral", p->e, &p->has_e))
		return -1;
	snprintf(key, sizeof(key), "%s_psks", side);
	f = json_get(v, key);
	if (f) {
		if (f->type != JSON_ARRAY || f->len > NOISE_MAX_PSKS) {
			failures++;
			fprintf(stderr, "FAIL [%s] field %s is not an array of <= %d\n", ctx, key,
				NOISE_MAX_PSKS);
			return -1;
		}
		for (i = 0; i < f->len; i++) {
			if (unhex_fixed(json_str(json_at(f, i)), p->psks[i], 32) != 0) {
				failures++;
				fprintf(stderr, "FAIL [%s] %s[%zu] is not 32 bytes of hex\n", ctx,
					key, i);
				return -1;
			}
		}
		p->npsks = f->len;
	}
	return 0;
}

static int party_init(struct party *p, const char *name, enum noise_role role)
{
	int rc;

	rc = noise_handshake_init(&p->hs, name, role, p->prologue, p->prologue_len,
				  p->has_s ? p->s : NULL, p->has_rs ? p->rs : NULL,
				  p->npsks ? (const uint8_t(*)[32])p->psks : NULL, p->npsks);
	if (!CHECK_RC(rc, NOISE_OK, role == NOISE_INITIATOR ? "initiator init" : "responder init"))
		return -1;
	if (p->has_e)
		noise_handshake_set_ephemeral(&p->hs, p->e);
	return 0;
}

/* After the last handshake message: remote statics, handshake hash, Split(). */
static void replay_split(const struct json *v, struct party *ini, struct party *res)
{
	uint8_t pub[NOISE_DHLEN], h1[NOISE_HASHLEN], h2[NOISE_HASHLEN], hh[NOISE_HASHLEN];
	const char *want_hh = json_str(json_get(v, "handshake_hash"));
	const uint8_t *rs;

	CHECK_ACTION(&ini->hs, NOISE_ACTION_SPLIT, "initiator after the last message");
	CHECK_ACTION(&res->hs, NOISE_ACTION_SPLIT, "responder after the last message");
	/* Each pattern here ends with the initiator knowing the responder's static. */
	if (res->has_s) {
		noise_public_key(res->s, pub);
		rs = noise_handshake_remote_static(&ini->hs);
		CHECK_BYTES(rs, rs ? NOISE_DHLEN : 0, pub, NOISE_DHLEN,
			    "initiator's remote static");
	}
	rs = noise_handshake_remote_static(&res->hs);
	if (ini->has_s) {
		noise_public_key(ini->s, pub);
		CHECK_BYTES(rs, rs ? NOISE_DHLEN : 0, pub, NOISE_DHLEN,
			    "responder's remote static");
	} else {
		CHECK(rs == NULL, "responder has no remote static when the initiator has none");
	}
	noise_handshake_hash(&ini->hs, h1);
	noise_handshake_hash(&res->hs, h2);
	CHECK_BYTES(h1, sizeof(h1), h2, sizeof(h2), "handshake hash (responder vs initiator)");

	CHECK_RC(noise_handshake_split(&ini->hs, &ini->send, &ini->recv, h1), NOISE_OK,
		 "initiator split");
	CHECK_RC(noise_handshake_split(&res->hs, &res->send, &res->recv, h2), NOISE_OK,
		 "responder split");
	CHECK_BYTES(h1, sizeof(h1), h2, sizeof(h2), "split handshake hash");
	if (want_hh) {
		if (unhex_fixed(want_hh, hh, sizeof(hh)) != 0)
			CHECK(0, "handshake_hash is not 64 bytes of hex");
		else
			CHECK_BYTES(h1, sizeof(h1), hh, sizeof(hh), "handshake_hash");
	}
}

/* Replay one vector entry; returns 0 when every check passed. */
static int replay_vector(const struct json *v, const char *name, int nhs)
{
	struct party ini, res;
	struct party *snd, *rcv;
	const struct json *msgs, *m;
	uint8_t *payload = NULL, *ct = NULL;
	size_t plen = 0, ctlen = 0, outlen, i;
	int before = failures;
	int rc;

	memset(&ini, 0, sizeof(ini));
	memset(&res, 0, sizeof(res));
	if (load_party(v, "init", &ini) || load_party(v, "resp", &res))
		goto out;
	if (party_init(&ini, name, NOISE_INITIATOR) || party_init(&res, name, NOISE_RESPONDER))
		goto out;
	msgs = json_get(v, "messages");
	if (!msgs || msgs->type != JSON_ARRAY || msgs->len < (size_t)nhs) {
		CHECK(0, "messages missing or fewer than the handshake needs");
		goto out;
	}
	for (i = 0; i < msgs->len && failures == before; i++) {
		m = json_at(msgs, i);
		free(payload);
		free(ct);
		payload = unhex(json_str(json_get(m, "payload")), &plen);
		ct = unhex(json_str(json_get(m, "ciphertext")), &ctlen);
		if (!payload || !ct) {
			CHECK(0, "message payload or ciphertext missing or not hex");
			break;
		}
		/* Strict alternation, starting with the initiator, also after the handshake. */
		snd = i % 2 == 0 ? &ini : &res;
		rcv = i % 2 == 0 ? &res : &ini;
		if (i < (size_t)nhs) {
			set_ctx("%s: handshake message %zu", name, i);
			if (!CHECK_ACTION(&snd->hs, NOISE_ACTION_WRITE_MESSAGE, "sender") ||
			    !CHECK_ACTION(&rcv->hs, NOISE_ACTION_READ_MESSAGE, "receiver"))
				break;
			rc = noise_handshake_write(&snd->hs, payload, plen, buf, sizeof(buf),
						   &outlen);
			if (!CHECK_RC(rc, NOISE_OK, "write") ||
			    !CHECK_BYTES(buf, outlen, ct, ctlen, "ciphertext"))
				break;
			rc = noise_handshake_read(&rcv->hs, ct, ctlen, pbuf, sizeof(pbuf), &outlen);
			if (!CHECK_RC(rc, NOISE_OK, "read") ||
			    !CHECK_BYTES(pbuf, outlen, payload, plen, "payload read back"))
				break;
			if (i == (size_t)nhs - 1)
				replay_split(v, &ini, &res);
		} else {
			set_ctx("%s: transport message %zu", name, i);
			rc = noise_encrypt(&snd->send, NULL, 0, payload, plen, buf);
			if (!CHECK_RC(rc, NOISE_OK, "encrypt") ||
			    !CHECK_BYTES(buf, plen + NOISE_TAGLEN, ct, ctlen, "ciphertext"))
				break;
			rc = noise_decrypt(&rcv->recv, NULL, 0, ct, ctlen, pbuf);
			if (!CHECK_RC(rc, NOISE_OK, "decrypt") ||
			    !CHECK_BYTES(pbuf, ctlen - NOISE_TAGLEN, payload, plen, "payload"))
				break;
		}
	}
out:
	free(payload);
	free(ct);
	free(ini.prologue);
	free(res.prologue);
	noise_handshake_wipe(&ini.hs);
	noise_handshake_wipe(&res.hs);
	noise_cipher_wipe(&ini.send);
	noise_cipher_wipe(&ini.recv);
	noise_cipher_wipe(&res.send);
	noise_cipher_wipe(&res.recv);
	return failures == before ? 0 : -1;
}

struct vstats {
	int replayed, skipped, failed;
};

static void run_vector_file(const char *dir, const char *file, struct vstats *st)
{
	char path[4096], err[256];
	const struct json *vecs, *v;
	struct json *root;
	const char *name;
	size_t i;
	int nhs;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	set_ctx("%s", path);
	root = json_parse_file(path, err, sizeof(err));
	if (!root) {
		CHECK(0, err);
		st->failed++;
		return;
	}
	vecs = json_get(root, "vectors");
	if (!vecs || vecs->type != JSON_ARRAY || vecs->len == 0) {
		CHECK(0, "no \"vectors\" array");
		st->failed++;
		json_free(root);
		return;
	}
	for (i = 0; i < vecs->len; i++) {
		v = json_at(vecs, i);
		name = json_str(json_get(v, "protocol_name"));
		set_ctx("%s entry %zu", file, i);
		if (!name) {
			CHECK(0, "entry without protocol_name");
			st->failed++;
			continue;
		}
		nhs = replay_messages(name);
		if (!nhs) {
			st->skipped++;
			continue;
		}
		st->replayed++;
		set_ctx("%s entry %zu %s", file, i, name);
		if (replay_vector(v, name, nhs) != 0) {
			fprintf(stderr, "    (vector %s entry %zu: %s)\n", file, i, name);
			st->failed++;
		}
	}
	json_free(root);
}

/* ---- fresh handshakes between random keys ---- */

struct pair {
	struct noise_handshake ini, res;
	struct noise_cipher isend, irecv, rsend, rrecv;
	uint8_t is[NOISE_DHLEN], ip[NOISE_DHLEN], rk[NOISE_DHLEN], rp[NOISE_DHLEN];
	int nhs;
	int ini_has_s;
};

static const uint8_t prologue[] = "kiemtra test prologue";

static int pair_init(struct pair *p, const char *name, const uint8_t (*ipsks)[32],
		     const uint8_t (*rpsks)[32], size_t npsks)
{
	int ini_rs = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	noise_keypair(p->is, p->ip);
	noise_keypair(p->rk, p->rp);
	p->ini_has_s = 1;
	p->nhs = 3;
	if (strncmp(name, "Noise_NK", 8) == 0) {
		p->ini_has_s = 0;
		ini_rs = 1;
		p->nhs = 2;
	} else if (strncmp(name, "Noise_IK", 8) == 0) {
		ini_rs = 1;
		p->nhs = 2;
	}
	rc = noise_handshake_init(&p->ini, name, NOISE_INITIATOR, prologue, sizeof(prologue),
				  p->ini_has_s ? p->is : NULL, ini_rs ? p->rp : NULL, ipsks, npsks);
	if (!CHECK_RC(rc, NOISE_OK, "initiator init"))
		return -1;
	rc = noise_handshake_init(&p->res, name, NOISE_RESPONDER, prologue, sizeof(prologue), p->rk,
				  NULL, rpsks, npsks);
	if (!CHECK_RC(rc, NOISE_OK, "responder init"))
		return -1;
	return 0;
}

static struct noise_handshake *sender(struct pair *p, int i)
{
	return i % 2 ? &p->res : &p->ini;
}

static struct noise_handshake *receiver(struct pair *p, int i)
{
	return i % 2 ? &p->ini : &p->res;
}

static const uint8_t *payload_of(int i, size_t *len)
{
	static const char *const payloads[] = {"first handshake payload", "second payload",
					       "third one"};

	*len = strlen(payloads[i % 3]);
	return (const uint8_t *)payloads[i % 3];
}

/* Write message i into msg (capacity cap); 0 on success. */
static int pair_write(struct pair *p, int i, uint8_t *msg, size_t cap, size_t *mlen)
{
	const uint8_t *pl;
	size_t plen;
	int rc;

	pl = payload_of(i, &plen);
	rc = noise_handshake_write(sender(p, i), pl, plen, msg, cap, mlen);
	return CHECK_RC(rc, NOISE_OK, "handshake write") ? 0 : -1;
}

/* Run handshake messages [0, upto), checking each payload; 0 on success. */
static int pair_run(struct pair *p, int upto)
{
	uint8_t msg[512], out[512];
	const uint8_t *pl;
	size_t mlen, olen, plen;
	int i;

	for (i = 0; i < upto; i++) {
		if (pair_write(p, i, msg, sizeof(msg), &mlen))
			return -1;
		if (!CHECK_RC(
			noise_handshake_read(receiver(p, i), msg, mlen, out, sizeof(out), &olen),
			NOISE_OK, "handshake read"))
			return -1;
		pl = payload_of(i, &plen);
		if (!CHECK_BYTES(out, olen, pl, plen, "handshake payload"))
			return -1;
	}
	return 0;
}

static int pair_split(struct pair *p)
{
	uint8_t h1[NOISE_HASHLEN], h2[NOISE_HASHLEN];

	if (!CHECK_RC(noise_handshake_split(&p->ini, &p->isend, &p->irecv, h1), NOISE_OK,
		      "initiator split") ||
	    !CHECK_RC(noise_handshake_split(&p->res, &p->rsend, &p->rrecv, h2), NOISE_OK,
		      "responder split"))
		return -1;
	return CHECK_BYTES(h1, sizeof(h1), h2, sizeof(h2), "split handshake hashes") ? 0 : -1;
}

/* One transport message from c to d (with associated data); 0 when it arrived intact. */
static int transport_ok(struct noise_cipher *c, struct noise_cipher *d, const char *text)
{
	static const uint8_t ad[] = "associated";
	size_t len = strlen(text);
	uint8_t out[256];

	if (!CHECK_RC(noise_encrypt(c, ad, sizeof(ad), (const uint8_t *)text, len, buf), NOISE_OK,
		      "transport encrypt") ||
	    !CHECK_RC(noise_decrypt(d, ad, sizeof(ad), buf, len + NOISE_TAGLEN, out), NOISE_OK,
		      "transport decrypt"))
		return -1;
	return CHECK_BYTES(out, len, (const uint8_t *)text, len, "transport payload") ? 0 : -1;
}

static void pair_wipe(struct pair *p)
{
	noise_handshake_wipe(&p->ini);
	noise_handshake_wipe(&p->res);
	noise_cipher_wipe(&p->isend);
	noise_cipher_wipe(&p->irecv);
	noise_cipher_wipe(&p->rsend);
	noise_cipher_wipe(&p->rrecv);
	sodium_memzero(p, sizeof(*p));
}

static int contains(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	size_t i;

	for (i = 0; nlen && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

static void test_fresh_xx(void)
{
	struct pair p;
	uint8_t msg[512], out[512], h1[NOISE_HASHLEN], h2[NOISE_HASHLEN];
	const uint8_t *pl, *rs;
	size_t mlen, olen, plen;
	static const size_t overhead[3] = {32, 32 + 48 + 16, 48 + 16};
	int i;

	set_ctx("fresh XX between random static keys");
	if (pair_init(&p, XX, NULL, NULL, 0))
		return;
	CHECK(noise_handshake_remote_static(&p.ini) == NULL, "initiator knows no static yet");
	CHECK(noise_handshake_remote_static(&p.res) == NULL, "responder knows no static yet");
	for (i = 0; i < 3; i++) {
		CHECK_ACTION(sender(&p, i), NOISE_ACTION_WRITE_MESSAGE, "sender's turn");
		CHECK_ACTION(receiver(&p, i), NOISE_ACTION_READ_MESSAGE, "receiver's turn");
		if (pair_write(&p, i, msg, sizeof(msg), &mlen))
			goto out;
		pl = payload_of(i, &plen);
		CHECK_INT(mlen, plen + overhead[i], "XX message length");
		if (i > 0)
			CHECK(!contains(msg, mlen, pl, plen), "payload is not sent in clear");
		if (!CHECK_RC(
			noise_handshake_read(receiver(&p, i), msg, mlen, out, sizeof(out), &olen),
			NOISE_OK, "read"))
			goto out;
		CHECK_BYTES(out, olen, pl, plen, "payload");
	}
	rs = noise_handshake_remote_static(&p.ini);
	CHECK_BYTES(rs, rs ? NOISE_DHLEN : 0, p.rp, NOISE_DHLEN,
		    "initiator learnt responder's static");
	rs = noise_handshake_remote_static(&p.res);
	CHECK_BYTES(rs, rs ? NOISE_DHLEN : 0, p.ip, NOISE_DHLEN,
		    "responder learnt initiator's static");
	CHECK_ACTION(&p.ini, NOISE_ACTION_SPLIT, "initiator done");
	CHECK_ACTION(&p.res, NOISE_ACTION_SPLIT, "responder done");
	noise_handshake_hash(&p.ini, h1);
	noise_handshake_hash(&p.res, h2);
	CHECK_BYTES(h1, sizeof(h1), h2, sizeof(h2), "handshake hashes");
	if (pair_split(&p))
		goto out;
	CHECK_ACTION(&p.ini, NOISE_ACTION_FAILED, "initiator after split (spent)");
	CHECK_WIPED(&p.ini, "initiator wiped after split");
	CHECK_WIPED(&p.res, "responder wiped after split");
	rs = noise_handshake_remote_static(&p.res);
	CHECK_BYTES(rs, rs ? NOISE_DHLEN : 0, p.ip, NOISE_DHLEN, "remote static kept after split");
	CHECK_BYTES(p.isend.k, NOISE_KEYLEN, p.rrecv.k, NOISE_KEYLEN, "initiator->responder key");
	CHECK_BYTES(p.irecv.k, NOISE_KEYLEN, p.rsend.k, NOISE_KEYLEN, "responder->initiator key");
	CHECK(memcmp(p.isend.k, p.irecv.k, NOISE_KEYLEN) != 0, "the two directions differ");
	for (i = 0; i < 5; i++) {
		if (transport_ok(&p.isend, &p.rrecv, "to the responder") ||
		    transport_ok(&p.rsend, &p.irecv, "to the initiator"))
			goto out;
	}
	CHECK_INT(p.isend.n, 5, "initiator send nonce");
	CHECK_INT(p.irecv.n, 5, "initiator receive nonce");

	/* in place: out == in */
	memcpy(buf, "in place", 8);
	CHECK_RC(noise_encrypt(&p.rsend, NULL, 0, buf, 8, buf), NOISE_OK, "in-place encrypt");
	CHECK_RC(noise_decrypt(&p.irecv, NULL, 0, buf, 8 + NOISE_TAGLEN, buf), NOISE_OK,
		 "in-place decrypt");
	CHECK_BYTES(buf, 8, (const uint8_t *)"in place", 8, "in-place round trip");

	/* wrong associated data */
	CHECK_RC(noise_encrypt(&p.isend, (const uint8_t *)"a", 1, buf, 4, out), NOISE_OK,
		 "encrypt with ad");
	CHECK_RC(noise_decrypt(&p.rrecv, (const uint8_t *)"b", 1, out, 4 + NOISE_TAGLEN, buf),
		 NOISE_EAUTH, "decrypt with other ad");
out:
	pair_wipe(&p);
}

/* psk handshakes; and a psk mismatch must fail with EAUTH at a read. */
static void test_psk(void)
{
	static const char *const names[] = {
	    "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b",
	    "Noise_NKpsk2_25519_ChaChaPoly_BLAKE2b",
	    "Noise_IKpsk1_25519_ChaChaPoly_BLAKE2b",
	    "Noise_IKpsk0+psk2_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk0+psk1+psk2+psk3_25519_ChaChaPoly_BLAKE2b",
	};
	uint8_t psks[NOISE_MAX_PSKS][32], other[NOISE_MAX_PSKS][32];
	uint8_t msg[512], out[512];
	size_t n, k, mlen, olen;
	struct pair p;
	int i, rc;

	randombytes_buf(psks, sizeof(psks));
	memcpy(other, psks, sizeof(other));
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		const char *c = names[n];
		size_t npsks = 0;

		while ((c = strstr(c, "psk")) != NULL) {
			npsks++;
			c += 3;
		}
		set_ctx("%s with matching psks", names[n]);
		if (pair_init(&p, names[n], (const uint8_t(*)[32])psks, (const uint8_t(*)[32])psks,
			      npsks) == 0 &&
		    pair_run(&p, p.nhs) == 0 && pair_split(&p) == 0) {
			transport_ok(&p.isend, &p.rrecv, "psk transport 1");
			transport_ok(&p.rsend, &p.irecv, "psk transport 2");
		}
		pair_wipe(&p);

		/* Any one psk differing makes some read fail with EAUTH, and no write fails. */
		for (k = 0; k < npsks; k++) {
			set_ctx("%s with psk %zu differing", names[n], k);
			other[k][0] ^= 1;
			if (pair_init(&p, names[n], (const uint8_t(*)[32])psks,
				      (const uint8_t(*)[32])other, npsks) == 0) {
				rc = NOISE_OK;
				for (i = 0; i < p.nhs && rc == NOISE_OK; i++) {
					if (pair_write(&p, i, msg, sizeof(msg), &mlen))
						break;
					rc = noise_handshake_read(receiver(&p, i), msg, mlen, out,
								  sizeof(out), &olen);
				}
				CHECK_RC(rc, NOISE_EAUTH, "first failing read");
				CHECK_ACTION(receiver(&p, i - 1), NOISE_ACTION_FAILED, "reader");
			}
			other[k][0] ^= 1;
			pair_wipe(&p);
		}
	}
}

/* Flip one bit of every byte of each authenticated handshake message. */
static void test_tampered_handshake(void)
{
	static const struct {
		const char *name;
		int msg;
	} cases[] = {{XX, 1}, {XX, 2}, {NK, 0}, {NK, 1}, {IK, 0}, {IK, 1}};
	uint8_t msg[512], out[512];
	size_t c, j, mlen, olen;
	struct pair p;
	int rc;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (j = 0;; j++) {
			set_ctx("%s message %d with byte %zu bit %zu flipped", cases[c].name,
				cases[c].msg, j, j % 8);
			if (pair_init(&p, cases[c].name, NULL, NULL, 0) ||
			    pair_run(&p, cases[c].msg) ||
			    pair_write(&p, cases[c].msg, msg, sizeof(msg), &mlen)) {
				pair_wipe(&p);
				break;
			}
			if (j >= mlen) {
				pair_wipe(&p);
				break;
			}
			msg[j] ^= (uint8_t)(1u << (j % 8));
			memset(out, 0xaa, sizeof(out));
			rc = noise_handshake_read(receiver(&p, cases[c].msg), msg, mlen, out,
						  sizeof(out), &olen);
			if (!CHECK_RC(rc, NOISE_EAUTH, "tampered read") ||
			    !CHECK_ACTION(receiver(&p, cases[c].msg), NOISE_ACTION_FAILED,
					  "after a tampered read")) {
				pair_wipe(&p);
				break;
			}
			CHECK_WIPED(receiver(&p, cases[c].msg), "keys wiped after failure");
			CHECK(sodium_is_zero(out, mlen), "payload buffer zeroed after failure");
			CHECK_RC(noise_handshake_read(receiver(&p, cases[c].msg), msg, mlen, out,
						      sizeof(out), &olen),
				 NOISE_ESTATE, "read after failure");
			CHECK_RC(noise_handshake_write(receiver(&p, cases[c].msg), NULL, 0, msg,
						       sizeof(msg), &mlen),
				 NOISE_ESTATE, "write after failure");
			pair_wipe(&p);
		}
	}
}

static void test_tampered_transport(void)
{
	static const uint8_t text[] = "transport message";
	uint8_t ct[64], out[64];
	struct pair p;
	size_t j;

	set_ctx("tampered transport message");
	if (pair_init(&p, XX, NULL, NULL, 0) || pair_run(&p, 3) || pair_split(&p))
		goto out;
	transport_ok(&p.isend, &p.rrecv, "first");
	CHECK_RC(noise_encrypt(&p.isend, NULL, 0, text, sizeof(text), ct), NOISE_OK, "encrypt");
	for (j = 0; j < sizeof(text) + NOISE_TAGLEN; j++) {
		ct[j] ^= 0x80;
		memset(out, 0xaa, sizeof(out));
		CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, sizeof(text) + NOISE_TAGLEN, out),
			 NOISE_EAUTH, "tampered decrypt");
		CHECK_INT(p.rrecv.n, 1, "receive nonce not advanced");
		CHECK(sodium_is_zero(out, sizeof(text)), "output zeroed after failure");
		ct[j] ^= 0x80;
	}
	/* A truncated (by one byte) message fails too. */
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, sizeof(text) + NOISE_TAGLEN - 1, out),
		 NOISE_EAUTH, "truncated transport message");
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, sizeof(text) + NOISE_TAGLEN, out), NOISE_OK,
		 "untampered message after the failures");
	CHECK_BYTES(out, sizeof(text), text, sizeof(text), "payload");
	CHECK_INT(p.rrecv.n, 2, "receive nonce after success");
	/* replay of the same message now fails (nonce moved on) */
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, sizeof(text) + NOISE_TAGLEN, out),
		 NOISE_EAUTH, "replayed message");
	/* sizes */
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, NOISE_TAGLEN - 1, out), NOISE_ESIZE,
		 "decrypt shorter than a tag");
	CHECK_RC(noise_encrypt(&p.isend, NULL, 0, buf, NOISE_MAX_MSG - NOISE_TAGLEN + 1, pbuf),
		 NOISE_ESIZE, "encrypt above NOISE_MAX_MSG");
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, buf, NOISE_MAX_MSG + 1, pbuf), NOISE_ESIZE,
		 "decrypt above NOISE_MAX_MSG");
	CHECK_INT(p.isend.n, 2, "send nonce unchanged by a refused encrypt");
out:
	pair_wipe(&p);
}

static void test_nonce_exhausted(void)
{
	struct noise_cipher a, b;
	uint8_t in[32] = {1, 2, 3}, out[64], ct[64];

	set_ctx("nonce 2^64-1 is reserved");
	memset(&a, 0, sizeof(a));
	randombytes_buf(a.k, sizeof(a.k));
	a.has_key = 1;
	b = a;
	a.n = UINT64_MAX;
	memset(out, 0x5a, sizeof(out));
	CHECK_RC(noise_encrypt(&a, NULL, 0, in, sizeof(in), out), NOISE_ENONCE, "encrypt at n=max");
	CHECK(a.n == UINT64_MAX, "n unchanged by a refused encrypt");
	CHECK(out[0] == 0x5a && out[47] == 0x5a, "nothing written by a refused encrypt");
	memset(ct, 0, sizeof(ct));
	CHECK_RC(noise_decrypt(&a, NULL, 0, ct, 48, out), NOISE_ENONCE, "decrypt at n=max");
	CHECK(a.n == UINT64_MAX, "n unchanged by a refused decrypt");
	CHECK(out[0] == 0x5a && out[31] == 0x5a, "nothing written by a refused decrypt");

	/* n = 2^64-2 is the last usable nonce. */
	a.n = UINT64_MAX - 1;
	b.n = UINT64_MAX - 1;
	CHECK_RC(noise_encrypt(&a, NULL, 0, in, sizeof(in), ct), NOISE_OK, "encrypt at n=max-1");
	CHECK_RC(noise_decrypt(&b, NULL, 0, ct, sizeof(in) + NOISE_TAGLEN, out), NOISE_OK,
		 "decrypt at n=max-1");
	CHECK_BYTES(out, sizeof(in), in, sizeof(in), "payload at n=max-1");
	CHECK_RC(noise_encrypt(&a, NULL, 0, in, sizeof(in), ct), NOISE_ENONCE, "next encrypt");

	/* A cipher without a key refuses to work. */
	memset(&b, 0, sizeof(b));
	CHECK_RC(noise_encrypt(&b, NULL, 0, in, sizeof(in), out), NOISE_ESTATE, "encrypt, no key");
	CHECK_RC(noise_decrypt(&b, NULL, 0, ct, 48, out), NOISE_ESTATE, "decrypt, no key");
	noise_cipher_wipe(&a);
	noise_cipher_wipe(&b);
}

/* Public keys whose X25519 result is all zeros for every private key. */
static const char *const low_order_hex[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
};

static void test_low_order(void)
{
	uint8_t bad[NOISE_DHLEN], msg[512], out[512];
	struct noise_handshake hs;
	size_t i, mlen, olen;
	struct pair p;

	for (i = 0; i < sizeof(low_order_hex) / sizeof(low_order_hex[0]); i++) {
		if (unhex_fixed(low_order_hex[i], bad, sizeof(bad)) != 0)
			continue;
		/* NK initiator given a low-order responder key: "es" fails on write. */
		set_ctx("NK initiator with low-order remote static %zu", i);
		CHECK_RC(
		    noise_handshake_init(&hs, NK, NOISE_INITIATOR, NULL, 0, NULL, bad, NULL, 0),
		    NOISE_OK, "init");
		CHECK_RC(noise_handshake_write(&hs, NULL, 0, msg, sizeof(msg), &mlen), NOISE_EDH,
			 "write");
		CHECK_ACTION(&hs, NOISE_ACTION_FAILED, "after EDH");
		CHECK_WIPED(&hs, "wiped after EDH");
		CHECK_INT(mlen, 0, "no message length reported");
		CHECK(sodium_is_zero(msg, 32), "partial message wiped");

		/* XX responder reads a low-order "e" (no DH yet), then "ee" fails on write. */
		set_ctx("XX responder given low-order ephemeral %zu", i);
		if (pair_init(&p, XX, NULL, NULL, 0) == 0 &&
		    pair_write(&p, 0, msg, sizeof(msg), &mlen) == 0) {
			memcpy(msg, bad, NOISE_DHLEN);
			CHECK_RC(noise_handshake_read(&p.res, msg, mlen, out, sizeof(out), &olen),
				 NOISE_OK, "read message 1");
			CHECK_RC(noise_handshake_write(&p.res, NULL, 0, msg, sizeof(msg), &mlen),
				 NOISE_EDH, "write message 2");
			CHECK_ACTION(&p.res, NOISE_ACTION_FAILED, "after EDH");
		}
		pair_wipe(&p);

		/* XX initiator reads a low-order "e" in message 2: "ee" fails on read. */
		set_ctx("XX initiator given low-order ephemeral %zu", i);
		if (pair_init(&p, XX, NULL, NULL, 0) == 0 && pair_run(&p, 1) == 0 &&
		    pair_write(&p, 1, msg, sizeof(msg), &mlen) == 0) {
			memcpy(msg, bad, NOISE_DHLEN);
			CHECK_RC(noise_handshake_read(&p.ini, msg, mlen, out, sizeof(out), &olen),
				 NOISE_EDH, "read message 2");
			CHECK_ACTION(&p.ini, NOISE_ACTION_FAILED, "after EDH");
			CHECK_WIPED(&p.ini, "wiped after EDH");
		}
		pair_wipe(&p);

		/* NK and IK responders read a low-order "e": "es" fails on read. */
		set_ctx("NK/IK responder given low-order ephemeral %zu", i);
		if (pair_init(&p, NK, NULL, NULL, 0) == 0 &&
		    pair_write(&p, 0, msg, sizeof(msg), &mlen) == 0) {
			memcpy(msg, bad, NOISE_DHLEN);
			CHECK_RC(noise_handshake_read(&p.res, msg, mlen, out, sizeof(out), &olen),
				 NOISE_EDH, "NK read message 1");
		}
		pair_wipe(&p);
		if (pair_init(&p, IK, NULL, NULL, 0) == 0 &&
		    pair_write(&p, 0, msg, sizeof(msg), &mlen) == 0) {
			memcpy(msg, bad, NOISE_DHLEN);
			CHECK_RC(noise_handshake_read(&p.res, msg, mlen, out, sizeof(out), &olen),
				 NOISE_EDH, "IK read message 1");
		}
		pair_wipe(&p);
	}
	noise_handshake_wipe(&hs);
}

static void test_wrong_turn(void)
{
	uint8_t msg[512], out[512], h[NOISE_HASHLEN];
	struct noise_cipher s, r;
	size_t mlen, olen;
	struct pair p;

	set_ctx("calls out of turn");
	if (pair_init(&p, XX, NULL, NULL, 0) == 0) {
		CHECK_ACTION(&p.res, NOISE_ACTION_READ_MESSAGE, "responder starts by reading");
		CHECK_RC(noise_handshake_write(&p.res, NULL, 0, msg, sizeof(msg), &mlen),
			 NOISE_ESTATE, "responder writes when a read is due");
		CHECK_ACTION(&p.res, NOISE_ACTION_FAILED, "after ESTATE");
		CHECK_RC(noise_handshake_read(&p.ini, msg, 48, out, sizeof(out), &olen),
			 NOISE_ESTATE, "initiator reads when a write is due");
		CHECK_ACTION(&p.ini, NOISE_ACTION_FAILED, "after ESTATE");
	}
	pair_wipe(&p);

	if (pair_init(&p, XX, NULL, NULL, 0) == 0 && pair_run(&p, 1) == 0) {
		CHECK_RC(noise_handshake_split(&p.ini, &s, &r, h), NOISE_ESTATE,
			 "split in the middle of the handshake");
		CHECK_RC(noise_handshake_write(&p.res, NULL, 0, msg, sizeof(msg), &mlen), NOISE_OK,
			 "the other side is unaffected");
		CHECK_RC(noise_handshake_read(&p.ini, msg, mlen, out, sizeof(out), &olen),
			 NOISE_ESTATE, "reading into a failed handshake");
	}
	pair_wipe(&p);

	if (pair_init(&p, XX, NULL, NULL, 0) == 0 && pair_run(&p, 3) == 0) {
		CHECK_RC(noise_handshake_write(&p.ini, NULL, 0, msg, sizeof(msg), &mlen),
			 NOISE_ESTATE, "write after the last message");
		CHECK_RC(noise_handshake_split(&p.res, &s, &s, h), NOISE_EINVAL,
			 "split into one cipher twice");
	}
	pair_wipe(&p);

	if (pair_init(&p, XX, NULL, NULL, 0) == 0 && pair_run(&p, 3) == 0 && pair_split(&p) == 0) {
		CHECK_RC(noise_handshake_split(&p.ini, &s, &r, h), NOISE_ESTATE, "second split");
		CHECK_RC(noise_handshake_read(&p.res, msg, 48, out, sizeof(out), &olen),
			 NOISE_ESTATE, "read after split");
	}
	pair_wipe(&p);
	noise_cipher_wipe(&s);
	noise_cipher_wipe(&r);
}

static void test_bad_init(void)
{
	static const char *const names[] = {
	    "Noise_XX_448_AESGCM_SHA512",
	    "Noise_KK_25519_ChaChaPoly_BLAKE2b",
	    "Noise_NN_25519_ChaChaPoly_BLAKE2b",
	    "Noise_NK1_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XX_25519_ChaChaPoly_BLAKE2s",
	    "Noise_XX_25519_AESGCM_BLAKE2b",
	    "Noise_XX_25519_ChaChaPoly_SHA256",
	    "Noise_XX_448_ChaChaPoly_BLAKE2b",
	    "Noise_XX_25519_ChaChaPoly_BLAKE2b_",
	    "Noise_XX_25519_ChaChaPoly_BLAKE2",
	    "Noise_XX_25519_ChaChaPoly_BLAKE2bX",
	    "Noise_XX__25519_ChaChaPoly_BLAKE2b",
	    "noise_XX_25519_ChaChaPoly_BLAKE2b",
	    "Noise_xx_25519_ChaChaPoly_BLAKE2b",
	    "NoiseXX_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b",
	    "Noise_NKpsk3_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk10_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk0+_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XX+psk0_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk0+psk0_25519_ChaChaPoly_BLAKE2b",
	    "Noise_XXpsk0psk1_25519_ChaChaPoly_BLAKE2b",
	    "garbage",
	    "",
	    "Noise_",
	    "Noise_XX",
	};
	uint8_t psks[2][32] = {{1}, {2}}, s[NOISE_DHLEN], pub[NOISE_DHLEN];
	struct noise_handshake hs;
	size_t i;
	int rc;

	noise_keypair(s, pub);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		set_ctx("init with name \"%s\"", names[i]);
		rc = noise_handshake_init(&hs, names[i], NOISE_INITIATOR, NULL, 0, s, NULL,
					  strstr(names[i], "psk") ? (const uint8_t(*)[32])psks
								  : NULL,
					  strstr(names[i], "psk") ? 1 : 0);
		CHECK_RC(rc, NOISE_EINVAL, "unsupported name");
		CHECK_ACTION(&hs, NOISE_ACTION_FAILED, "after a failed init");
	}
	set_ctx("init argument checks");
	CHECK_RC(noise_handshake_init(&hs, NULL, NOISE_INITIATOR, NULL, 0, s, NULL, NULL, 0),
		 NOISE_EINVAL, "NULL name");
	CHECK_RC(noise_handshake_init(NULL, XX, NOISE_INITIATOR, NULL, 0, s, NULL, NULL, 0),
		 NOISE_EINVAL, "NULL state");
	CHECK_RC(noise_handshake_init(&hs, XX, (enum noise_role)2, NULL, 0, s, NULL, NULL, 0),
		 NOISE_EINVAL, "bad role");
	CHECK_RC(noise_handshake_init(&hs, XX, NOISE_INITIATOR, NULL, 3, s, NULL, NULL, 0),
		 NOISE_EINVAL, "NULL prologue with a length");
	CHECK_RC(noise_handshake_init(&hs, XX, NOISE_INITIATOR, NULL, 0, NULL, NULL, NULL, 0),
		 NOISE_EINVAL, "XX initiator without a static key");
	CHECK_RC(noise_handshake_init(&hs, XX, NOISE_RESPONDER, NULL, 0, NULL, NULL, NULL, 0),
		 NOISE_EINVAL, "XX responder without a static key");
	CHECK_RC(noise_handshake_init(&hs, XX, NOISE_INITIATOR, NULL, 0, s, pub, NULL, 0),
		 NOISE_EINVAL, "XX initiator given a remote static it would ignore");
	CHECK_RC(noise_handshake_init(&hs, NK, NOISE_INITIATOR, NULL, 0, NULL, NULL, NULL, 0),
		 NOISE_EINVAL, "NK initiator without the responder's key");
	CHECK_RC(noise_handshake_init(&hs, NK, NOISE_INITIATOR, NULL, 0, s, pub, NULL, 0),
		 NOISE_EINVAL, "NK initiator given a static key it would not send");
	CHECK_RC(noise_handshake_init(&hs, NK, NOISE_RESPONDER, NULL, 0, NULL, NULL, NULL, 0),
		 NOISE_EINVAL, "NK responder without a static key");
	CHECK_RC(noise_handshake_init(&hs, NK, NOISE_RESPONDER, NULL, 0, s, pub, NULL, 0),
		 NOISE_EINVAL, "NK responder given a remote static");
	CHECK_RC(noise_handshake_init(&hs, IK, NOISE_INITIATOR, NULL, 0, NULL, pub, NULL, 0),
		 NOISE_EINVAL, "IK initiator without a static key");
	CHECK_RC(noise_handshake_init(&hs, XX, NOISE_INITIATOR, NULL, 0, s, NULL,
				      (const uint8_t(*)[32])psks, 1),
		 NOISE_EINVAL, "a psk for a name without psk modifiers");
	CHECK_RC(noise_handshake_init(&hs, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", NOISE_INITIATOR,
				      NULL, 0, s, NULL, NULL, 0),
		 NOISE_EINVAL, "XXpsk3 without a psk");
	CHECK_RC(noise_handshake_init(&hs, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", NOISE_INITIATOR,
				      NULL, 0, s, NULL, (const uint8_t(*)[32])psks, 2),
		 NOISE_EINVAL, "XXpsk3 with two psks");
	CHECK_RC(noise_handshake_init(&hs, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", NOISE_INITIATOR,
				      NULL, 0, s, NULL, NULL, 1),
		 NOISE_EINVAL, "NULL psks with a count");
	CHECK_RC(noise_handshake_init(&hs, "Noise_XXpsk0+psk2_25519_ChaChaPoly_BLAKE2b",
				      NOISE_INITIATOR, NULL, 0, s, NULL, (const uint8_t(*)[32])psks,
				      2),
		 NOISE_OK, "a good init after failed ones");
	CHECK_ACTION(&hs, NOISE_ACTION_WRITE_MESSAGE, "initiator writes first");
	CHECK_RC(noise_handshake_init(&hs, "Noise_XXpsk0+psk2_25519_ChaChaPoly_BLAKE2b",
				      NOISE_RESPONDER, NULL, 0, s, NULL, (const uint8_t(*)[32])psks,
				      2),
		 NOISE_OK, "responder init");
	CHECK_ACTION(&hs, NOISE_ACTION_READ_MESSAGE, "responder reads first");
	noise_handshake_wipe(&hs);
	noise_handshake_wipe(&hs);
	CHECK_ACTION(&hs, NOISE_ACTION_FAILED, "after wipe (twice)");
	sodium_memzero(s, sizeof(s));
}

/* Every truncation of a handshake message fails cleanly; sizes are enforced. */
static void test_sizes(void)
{
	static const struct {
		const char *name;
		int msg;
		size_t below; /* truncations shorter than this are checked; 0 = all */
	} cases[] = {{XX, 0, 32}, {XX, 1, 0}, {XX, 2, 0}, {NK, 0, 0},
		     {NK, 1, 0},  {IK, 0, 0}, {IK, 1, 0}};
	uint8_t msg[512], out[512], *cut;
	size_t c, l, mlen, olen, limit;
	struct pair p;
	int rc;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (l = 0;; l++) {
			set_ctx("%s message %d truncated to %zu bytes", cases[c].name, cases[c].msg,
				l);
			if (pair_init(&p, cases[c].name, NULL, NULL, 0) ||
			    pair_run(&p, cases[c].msg) ||
			    pair_write(&p, cases[c].msg, msg, sizeof(msg), &mlen)) {
				pair_wipe(&p);
				break;
			}
			limit = cases[c].below ? cases[c].below : mlen;
			if (l >= limit) {
				pair_wipe(&p);
				break;
			}
			/* An exact-size heap copy, so that an over-read is caught by ASan. */
			cut = malloc(l ? l : 1);
			if (!cut) {
				pair_wipe(&p);
				break;
			}
			memcpy(cut, msg, l);
			rc = noise_handshake_read(receiver(&p, cases[c].msg), cut, l, out,
						  sizeof(out), &olen);
			free(cut);
			if (rc != NOISE_ESIZE && rc != NOISE_EAUTH)
				CHECK_RC(rc, NOISE_ESIZE, "truncated read (ESIZE or EAUTH)");
			CHECK_ACTION(receiver(&p, cases[c].msg), NOISE_ACTION_FAILED,
				     "after a truncated read");
			pair_wipe(&p);
		}
	}

	set_ctx("XX message 2 read into a payload buffer one byte short");
	if (pair_init(&p, XX, NULL, NULL, 0) == 0 && pair_run(&p, 1) == 0 &&
	    pair_write(&p, 1, msg, sizeof(msg), &mlen) == 0) {
		payload_of(1, &olen);
		CHECK_RC(noise_handshake_read(&p.ini, msg, mlen, out, olen - 1, &olen), NOISE_ESIZE,
			 "read");
		CHECK_ACTION(&p.ini, NOISE_ACTION_FAILED, "after ESIZE");
	}
	pair_wipe(&p);

	set_ctx("XX message 2 written into too small buffers");
	for (l = 0; l < 32 + 48 + 16 + 14; l++) {
		if (pair_init(&p, XX, NULL, NULL, 0) || pair_run(&p, 1)) {
			pair_wipe(&p);
			break;
		}
		cut = malloc(l ? l : 1);
		if (!cut) {
			pair_wipe(&p);
			break;
		}
		rc = noise_handshake_write(&p.res, (const uint8_t *)"second payload", 14, cut, l,
					   &mlen);
		free(cut);
		if (!CHECK_RC(rc, NOISE_ESIZE, "write with a short output buffer") ||
		    !CHECK_ACTION(&p.res, NOISE_ACTION_FAILED, "after ESIZE")) {
			pair_wipe(&p);
			break;
		}
		pair_wipe(&p);
	}

	set_ctx("largest handshake message");
	if (pair_init(&p, XX, NULL, NULL, 0) == 0) {
		memset(pbuf, 'x', NOISE_MAX_MSG);
		CHECK_RC(noise_handshake_write(&p.ini, pbuf, NOISE_MAX_MSG - 31, buf, sizeof(buf),
					       &mlen),
			 NOISE_ESIZE, "XX message 1 with a payload one byte too large");
	}
	pair_wipe(&p);
	if (pair_init(&p, XX, NULL, NULL, 0) == 0) {
		CHECK_RC(noise_handshake_write(&p.ini, pbuf, NOISE_MAX_MSG - 32, buf, sizeof(buf),
					       &mlen),
			 NOISE_OK, "XX message 1 of exactly NOISE_MAX_MSG bytes");
		CHECK_INT(mlen, NOISE_MAX_MSG, "its length");
		CHECK_RC(noise_handshake_read(&p.res, buf, mlen, pbuf, sizeof(pbuf), &olen),
			 NOISE_OK, "read it");
		CHECK_INT(olen, NOISE_MAX_MSG - 32, "payload length");
	}
	pair_wipe(&p);
	if (pair_init(&p, XX, NULL, NULL, 0) == 0) {
		CHECK_RC(
		    noise_handshake_read(&p.res, buf, NOISE_MAX_MSG + 1, pbuf, sizeof(pbuf), &olen),
		    NOISE_ESIZE, "read of a message above NOISE_MAX_MSG");
	}
	pair_wipe(&p);
}

static void test_rekey(void)
{
	static const uint8_t zeros[32];
	uint8_t old[NOISE_KEYLEN], want[NOISE_KEYLEN + NOISE_TAGLEN], nonce[12];
	uint8_t ct[64], out[64];
	struct pair p;

	set_ctx("rekey");
	if (pair_init(&p, XX, NULL, NULL, 0) || pair_run(&p, 3) || pair_split(&p))
		goto out;
	transport_ok(&p.isend, &p.rrecv, "before rekey");
	transport_ok(&p.rsend, &p.irecv, "before rekey");

	/* Independent computation of REKEY(k): ENCRYPT(k, 2^64-1, "", zeros)[0..32). */
	memcpy(old, p.isend.k, sizeof(old));
	memset(nonce, 0, 4);
	memset(nonce + 4, 0xff, 8);
	crypto_aead_chacha20poly1305_ietf_encrypt(want, NULL, zeros, sizeof(zeros), NULL, 0, NULL,
						  nonce, old);
	noise_cipher_rekey(&p.isend);
	noise_cipher_rekey(&p.rrecv);
	CHECK_BYTES(p.isend.k, NOISE_KEYLEN, want, NOISE_KEYLEN, "rekeyed key");
	CHECK_INT(p.isend.n, 1, "rekey keeps the nonce");
	transport_ok(&p.isend, &p.rrecv, "after rekey, initiator to responder");
	transport_ok(&p.rsend, &p.irecv, "other direction unaffected");
	noise_cipher_rekey(&p.rsend);
	noise_cipher_rekey(&p.irecv);
	transport_ok(&p.rsend, &p.irecv, "after rekey, responder to initiator");

	/* Only the sender rekeys: the receiver cannot decrypt, until it rekeys too. */
	noise_cipher_rekey(&p.isend);
	CHECK_RC(noise_encrypt(&p.isend, NULL, 0, (const uint8_t *)"abc", 3, ct), NOISE_OK,
		 "encrypt");
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, 3 + NOISE_TAGLEN, out), NOISE_EAUTH,
		 "decrypt with the old key");
	noise_cipher_rekey(&p.rrecv);
	CHECK_RC(noise_decrypt(&p.rrecv, NULL, 0, ct, 3 + NOISE_TAGLEN, out), NOISE_OK,
		 "decrypt once both rekeyed");
	CHECK_BYTES(out, 3, (const uint8_t *)"abc", 3, "payload");
	transport_ok(&p.isend, &p.rrecv, "still in sync");
out:
	sodium_memzero(old, sizeof(old));
	sodium_memzero(want, sizeof(want));
	pair_wipe(&p);
}

static void test_misc(void)
{
	uint8_t priv[NOISE_DHLEN], pub[NOISE_DHLEN], pub2[NOISE_DHLEN];
	int e;

	set_ctx("keys and strings");
	noise_keypair(priv, pub);
	CHECK_RC(noise_public_key(priv, pub2), NOISE_OK, "public key");
	CHECK_BYTES(pub2, sizeof(pub2), pub, sizeof(pub), "public key of a fresh pair");
	for (e = NOISE_ENONCE; e <= NOISE_OK; e++)
		CHECK(noise_strerror(e) && strcmp(noise_strerror(e), noise_strerror(-100)) != 0,
		      "every error has its own text");
	sodium_memzero(priv, sizeof(priv));
}

static const char *vectors_dir(char *dir, size_t cap)
{
	const char *src = getenv("KT_SOURCE_DIR");

	if (src && *src)
		snprintf(dir, cap, "%s/tests/data/noise-vectors", src);
	else
		snprintf(dir, cap, "tests/data/noise-vectors"); /* run from the source root */
	return dir;
}

int main(void)
{
	struct vstats st = {0, 0, 0};
	char dir[4096], readme[4200];

	if (sodium_init() < 0) {
		fprintf(stderr, "FAIL: sodium_init\n");
		return 1;
	}
	vectors_dir(dir, sizeof(dir));
	snprintf(readme, sizeof(readme), "%s/README.txt", dir);
	set_ctx("%s", readme);
	CHECK(access(readme, R_OK) == 0, "the vectors' README.txt (licence notice) is missing");
	run_vector_file(dir, "cacophony-25519-chachapoly-blake2b.json", &st);
	run_vector_file(dir, "snow-25519-chachapoly-blake2b.json", &st);
	printf("noise vectors: %d replayed, %d skipped, %d failed\n", st.replayed, st.skipped,
	       st.failed);
	set_ctx("vectors in %s", dir);
	CHECK(st.replayed > 0, "no vector was replayed");

	test_fresh_xx();
	test_psk();
	test_tampered_handshake();
	test_tampered_transport();
	test_nonce_exhausted();
	test_low_order();
	test_wrong_turn();
	test_bad_init();
	test_sizes();
	test_rekey();
	test_misc();

	if (failures) {
		printf("noise: %d check(s) FAILED\n", failures);
		return 1;
	}
	printf("noise: all checks passed\n");
	return 0;
}
