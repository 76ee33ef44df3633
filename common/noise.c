/*
 * noise.c - the Noise Protocol Framework (revision 34), suite
 * 25519_ChaChaPoly_BLAKE2b, handshake patterns XX, NK and IK with psk modifiers.
 *
 * Owns: nothing of its own. The caller owns every struct noise_handshake and
 * struct noise_cipher and every buffer; this file only reads and writes them.
 * It keeps no global state (libsodium's own one-time initialisation aside).
 *
 * Every handshake step (noise_handshake_write/read) works on a copy of the
 * state held in a local and copies it back only when every check has passed,
 * so a step either happens completely or not at all. On any failure the local
 * copy and the caller's state are wiped and the state becomes FAILED. Every
 * temporary that held key material (DH outputs, HKDF outputs, hash states,
 * HMAC pads) is wiped with sodium_memzero() before its function returns.
 *
 * Section numbers in comments refer to the Noise specification, revision 34.
 */
#include "common/noise.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BLAKE2B_BLOCKLEN 128
#define NONCE_LEN 12 /* ChaChaPoly IETF nonce: 4 zero bytes || LE64(n) */

/* Pattern tokens (section 7). 0 ends a message's token list. */
enum noise_token {
	TOK_END = 0,
	TOK_E,
	TOK_S,
	TOK_EE,
	TOK_ES,
	TOK_SE,
	TOK_SS,
	TOK_PSK,
};

/*
 * The supported interactive patterns. The responder always has a static key
 * in these three; pre_rs means the pre-message "<- s" (the initiator knows the
 * responder's static public key before the handshake).
 */
struct noise_pattern {
	const char *name;
	int pre_rs;
	int init_s;
	int nmsgs;
	uint8_t msgs[3][5];
};

static const struct noise_pattern noise_patterns[] = {
    /* XX: -> e; <- e, ee, s, es; -> s, se */
    {"XX", 0, 1, 3, {{TOK_E}, {TOK_E, TOK_EE, TOK_S, TOK_ES}, {TOK_S, TOK_SE}}},
    /* NK: <- s; ...; -> e, es; <- e, ee */
    {"NK", 1, 0, 2, {{TOK_E, TOK_ES}, {TOK_E, TOK_EE}}},
    /* IK: <- s; ...; -> e, es, s, ss; <- e, ee, se */
    {"IK", 1, 1, 2, {{TOK_E, TOK_ES, TOK_S, TOK_SS}, {TOK_E, TOK_EE, TOK_SE}}},
};

static const char noise_prefix[] = "Noise_";
static const char noise_suffix[] = "_25519_ChaChaPoly_BLAKE2b";

/* ---- hash, HMAC, HKDF (section 4.3) ---- */

/* out = HASH(a || b) with BLAKE2b-512. */
static void hash2(uint8_t out[NOISE_HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
		  size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	if (alen)
		crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, NOISE_HASHLEN);
	sodium_memzero(&st, sizeof(st));
}

/*
 * HMAC-BLAKE2b (RFC 2104) of the data d1 || d2 under a HASHLEN-byte key (the
 * only key length Noise uses), zero-padded to BLOCKLEN:
 * HASH((K ^ opad) || HASH((K ^ ipad) || data)).
 */
static void hmac(uint8_t out[NOISE_HASHLEN], const uint8_t key[NOISE_HASHLEN], const uint8_t *d1,
		 size_t l1, const uint8_t *d2, size_t l2)
{
	crypto_generichash_state st;
	uint8_t pad[BLAKE2B_BLOCKLEN];
	uint8_t inner[NOISE_HASHLEN];
	size_t i;

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < NOISE_HASHLEN ? key[i] : 0) ^ 0x36);
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	if (l1)
		crypto_generichash_update(&st, d1, l1);
	if (l2)
		crypto_generichash_update(&st, d2, l2);
	crypto_generichash_final(&st, inner, sizeof(inner));

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < NOISE_HASHLEN ? key[i] : 0) ^ 0x5c);
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	crypto_generichash_update(&st, inner, sizeof(inner));
	crypto_generichash_final(&st, out, NOISE_HASHLEN);

	sodium_memzero(&st, sizeof(st));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

/*
 * HKDF(chaining_key, input_key_material, 2 or 3): o3 NULL means two outputs.
 * o1 may be the same buffer as ck (ck is read only before o1 is written).
 */
static void hkdf(const uint8_t ck[NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len,
		 uint8_t o1[NOISE_HASHLEN], uint8_t o2[NOISE_HASHLEN], uint8_t *o3)
{
	uint8_t temp_key[NOISE_HASHLEN];
	uint8_t b;

	hmac(temp_key, ck, ikm, ikm_len, NULL, 0);
	b = 0x01;
	hmac(o1, temp_key, &b, 1, NULL, 0);
	b = 0x02;
	hmac(o2, temp_key, o1, NOISE_HASHLEN, &b, 1);
	if (o3) {
		b = 0x03;
		hmac(o3, temp_key, o2, NOISE_HASHLEN, &b, 1);
	}
	sodium_memzero(temp_key, sizeof(temp_key));
}

/* ---- CipherState (section 5.1) ---- */

static void make_nonce(uint8_t nonce[NONCE_LEN], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* ENCRYPT(k, n, ad, plaintext): out gets len + TAGLEN bytes; out may equal in. */
static void aead_encrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const uint8_t *ad, size_t adlen,
			 const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[NONCE_LEN];

	make_nonce(nonce, n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, in, len, ad, adlen, NULL, nonce, k);
}

/* DECRYPT(k, n, ad, ciphertext): len >= TAGLEN; out gets len - TAGLEN bytes (zeros on failure). */
static int aead_decrypt(const uint8_t k[NOISE_KEYLEN], uint64_t n, const uint8_t *ad, size_t adlen,
			const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[NONCE_LEN];

	make_nonce(nonce, n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, in, len, ad, adlen, nonce,
						      k) != 0) {
		if (len > NOISE_TAGLEN)
			sodium_memzero(out, len - NOISE_TAGLEN);
		return NOISE_EAUTH;
	}
	return NOISE_OK;
}

/* ---- SymmetricState (section 5.2), on a working copy of the handshake ---- */

static void initialize_key(struct noise_cipher *cs, const uint8_t k[NOISE_KEYLEN])
{
	memcpy(cs->k, k, NOISE_KEYLEN);
	cs->n = 0;
	cs->has_key = 1;
}

static void mix_hash(struct noise_handshake *t, const uint8_t *data, size_t len)
{
	hash2(t->h, t->h, NOISE_HASHLEN, data, len);
}

static void mix_key(struct noise_handshake *t, const uint8_t *ikm, size_t len)
{
	uint8_t temp_k[NOISE_HASHLEN];

	hkdf(t->ck, ikm, len, t->ck, temp_k, NULL);
	initialize_key(&t->cs, temp_k); /* truncated to 32 bytes */
	sodium_memzero(temp_k, sizeof(temp_k));
}

static void mix_key_and_hash(struct noise_handshake *t, const uint8_t *ikm, size_t len)
{
	uint8_t temp_h[NOISE_HASHLEN], temp_k[NOISE_HASHLEN];

	hkdf(t->ck, ikm, len, t->ck, temp_h, temp_k);
	mix_hash(t, temp_h, sizeof(temp_h));
	initialize_key(&t->cs, temp_k);
	sodium_memzero(temp_h, sizeof(temp_h));
	sodium_memzero(temp_k, sizeof(temp_k));
}

/* EncryptAndHash: out gets len (+ TAGLEN once a key is set) bytes; out may equal in. */
static int encrypt_and_hash(struct noise_handshake *t, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t outlen = len;

	if (t->cs.has_key) {
		if (t->cs.n == UINT64_MAX)
			return NOISE_ENONCE;
		aead_encrypt(t->cs.k, t->cs.n, t->h, NOISE_HASHLEN, in, len, out);
		t->cs.n++;
		outlen += NOISE_TAGLEN;
	} else if (len) {
		memmove(out, in, len);
	}
	mix_hash(t, out, outlen);
	return NOISE_OK;
}

/*
 * DecryptAndHash of the len-byte ciphertext in (len >= TAGLEN once a key is
 * set). The new h is computed before out is written, so out may overlap in.
 */
static int decrypt_and_hash(struct noise_handshake *t, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t new_h[NOISE_HASHLEN];
	int rc = NOISE_OK;

	hash2(new_h, t->h, NOISE_HASHLEN, in, len);
	if (t->cs.has_key) {
		if (t->cs.n == UINT64_MAX) {
			rc = NOISE_ENONCE;
			goto out;
		}
		rc = aead_decrypt(t->cs.k, t->cs.n, t->h, NOISE_HASHLEN, in, len, out);
		if (rc != NOISE_OK)
			goto out;
		t->cs.n++;
	} else if (len) {
		memmove(out, in, len);
	}
	memcpy(t->h, new_h, NOISE_HASHLEN);
out:
	sodium_memzero(new_h, sizeof(new_h));
	return rc;
}

/* ---- DH tokens ---- */

/* MixKey(DH(priv, pub)); an all-zero result (low-order pub) is NOISE_EDH. */
static int mix_dh(struct noise_handshake *t, const uint8_t priv[NOISE_DHLEN],
		  const uint8_t pub[NOISE_DHLEN])
{
	uint8_t dh[NOISE_DHLEN];
	int rc = NOISE_EDH;

	if (crypto_scalarmult(dh, priv, pub) != 0 || sodium_is_zero(dh, sizeof(dh)))
		goto out;
	mix_key(t, dh, sizeof(dh));
	rc = NOISE_OK;
out:
	sodium_memzero(dh, sizeof(dh));
	return rc;
}

/*
 * The DH tokens mean the same thing to writer and reader; the first letter is
 * the initiator's key, the second the responder's.
 */
static int dh_token(struct noise_handshake *t, int tok)
{
	int ini = t->role == NOISE_INITIATOR;

	switch (tok) {
	case TOK_EE: /* ee */
		if (!t->has_e || !t->has_re)
			return NOISE_ESTATE;
		return mix_dh(t, t->e_priv, t->re);
	case TOK_ES: /* es: initiator's e with responder's s */
		if (ini ? (!t->has_e || !t->has_rs) : (!t->has_s || !t->has_re))
			return NOISE_ESTATE;
		return ini ? mix_dh(t, t->e_priv, t->rs) : mix_dh(t, t->s_priv, t->re);
	case TOK_SE: /* se: initiator's s with responder's e */
		if (ini ? (!t->has_s || !t->has_re) : (!t->has_e || !t->has_rs))
			return NOISE_ESTATE;
		return ini ? mix_dh(t, t->s_priv, t->re) : mix_dh(t, t->e_priv, t->rs);
	case TOK_SS: /* ss */
		if (!t->has_s || !t->has_rs)
			return NOISE_ESTATE;
		return mix_dh(t, t->s_priv, t->rs);
	}
	return NOISE_ESTATE;
}

/* psk: MixKeyAndHash(next psk in token order). */
static int psk_token(struct noise_handshake *t)
{
	if (t->psk_used >= t->npsks)
		return NOISE_ESTATE;
	mix_key_and_hash(t, t->psks[t->psk_used], sizeof(t->psks[0]));
	t->psk_used++;
	return NOISE_OK;
}

/* ---- protocol name and init ---- */

/*
 * Parse "Noise_" PATTERN [ "psk" D { "+psk" D } ] "_25519_ChaChaPoly_BLAKE2b".
 * *mods gets bit D set for each pskD modifier; D ranges over 0..nmsgs and may
 * not repeat. Anything else is NOISE_EINVAL.
 */
static int parse_name(const char *name, const struct noise_pattern **pp, unsigned *mods)
{
	const struct noise_pattern *p = NULL;
	const char *c;
	size_t i;
	unsigned d;

	if (strncmp(name, noise_prefix, sizeof(noise_prefix) - 1) != 0)
		return NOISE_EINVAL;
	c = name + sizeof(noise_prefix) - 1;
	for (i = 0; i < sizeof(noise_patterns) / sizeof(noise_patterns[0]); i++) {
		if (strncmp(c, noise_patterns[i].name, 2) == 0) {
			p = &noise_patterns[i];
			break;
		}
	}
	if (!p)
		return NOISE_EINVAL;
	c += 2;
	*mods = 0;
	if (strncmp(c, "psk", 3) == 0) {
		for (;;) {
			if (strncmp(c, "psk", 3) != 0)
				return NOISE_EINVAL;
			c += 3;
			if (*c < '0' || *c > '9')
				return NOISE_EINVAL;
			d = (unsigned)(*c - '0');
			c++;
			if (d > (unsigned)p->nmsgs || (*mods & (1u << d)))
				return NOISE_EINVAL;
			*mods |= 1u << d;
			if (*c != '+')
				break;
			c++;
		}
	}
	if (strcmp(c, noise_suffix) != 0)
		return NOISE_EINVAL;
	*pp = p;
	return NOISE_OK;
}

/* Lay out the token lists: psk0 opens message 1, pskN (N >= 1) closes message N. */
static void build_tokens(struct noise_handshake *hs, const struct noise_pattern *p, unsigned mods)
{
	int m, i, n;

	hs->nmsgs = p->nmsgs;
	for (m = 0; m < p->nmsgs; m++) {
		n = 0;
		if (m == 0 && (mods & 1u))
			hs->tokens[m][n++] = TOK_PSK;
		for (i = 0; i < 5 && p->msgs[m][i] != TOK_END; i++)
			hs->tokens[m][n++] = p->msgs[m][i];
		if (mods & (1u << (m + 1)))
			hs->tokens[m][n++] = TOK_PSK;
		hs->ntokens[m] = (uint8_t)n;
	}
}

static int count_bits(unsigned v)
{
	int n = 0;

	for (; v; v >>= 1)
		n += (int)(v & 1u);
	return n;
}

int noise_handshake_init(struct noise_handshake *hs, const char *protocol_name,
			 enum noise_role role, const uint8_t *prologue, size_t prologue_len,
			 const uint8_t *s_priv, const uint8_t *rs_pub, const uint8_t (*psks)[32],
			 size_t npsks)
{
	const struct noise_pattern *p = NULL;
	unsigned mods = 0;
	size_t name_len, i;
	int need_s, need_rs;
	int rc = NOISE_EINVAL;

	if (!hs)
		return NOISE_EINVAL;
	sodium_memzero(hs, sizeof(*hs));
	hs->action = NOISE_ACTION_FAILED;
	if (sodium_init() < 0)
		goto fail;
	if (!protocol_name || (role != NOISE_INITIATOR && role != NOISE_RESPONDER))
		goto fail;
	if ((!prologue && prologue_len) || (!psks && npsks) || npsks > NOISE_MAX_PSKS)
		goto fail;
	name_len = strnlen(protocol_name, 256);
	if (name_len >= 256 || parse_name(protocol_name, &p, &mods) != NOISE_OK)
		goto fail;
	if ((size_t)count_bits(mods) != npsks)
		goto fail;
	/* Exactly the keys the pattern gives this side: no more, no less. */
	need_s = role == NOISE_INITIATOR ? p->init_s : 1;
	need_rs = role == NOISE_INITIATOR && p->pre_rs;
	if (!s_priv != !need_s || !rs_pub != !need_rs)
		goto fail;

	build_tokens(hs, p, mods);
	hs->role = role;

	/*
	 * InitializeSymmetric(protocol_name): zero-padded into h, or hashed when
	 * longer than HASHLEN (no name accepted above is: the longest is 53 bytes).
	 */
	if (name_len <= NOISE_HASHLEN)
		memcpy(hs->h, protocol_name, name_len); /* the rest is already zero */
	else
		hash2(hs->h, (const uint8_t *)protocol_name, name_len, NULL, 0);
	memcpy(hs->ck, hs->h, NOISE_HASHLEN);
	hs->cs.has_key = 0;
	mix_hash(hs, prologue, prologue_len);

	if (s_priv) {
		memcpy(hs->s_priv, s_priv, NOISE_DHLEN);
		if (crypto_scalarmult_base(hs->s_pub, hs->s_priv) != 0)
			goto fail;
		hs->has_s = 1;
	}
	if (rs_pub) {
		memcpy(hs->rs, rs_pub, NOISE_DHLEN);
		hs->has_rs = 1;
	}
	/* pre-message "<- s": both sides mix the responder's static public key */
	if (p->pre_rs)
		mix_hash(hs, role == NOISE_INITIATOR ? hs->rs : hs->s_pub, NOISE_DHLEN);

	for (i = 0; i < npsks; i++)
		memcpy(hs->psks[i], psks[i], sizeof(hs->psks[i]));
	hs->npsks = (int)npsks;
	hs->psk_used = 0;
	hs->psk_mode = mods != 0;
	hs->msg_index = 0;
	hs->action =
	    role == NOISE_INITIATOR ? NOISE_ACTION_WRITE_MESSAGE : NOISE_ACTION_READ_MESSAGE;
	return NOISE_OK;
fail:
	noise_handshake_wipe(hs);
	return rc;
}

void noise_handshake_set_ephemeral(struct noise_handshake *hs, const uint8_t e_priv[NOISE_DHLEN])
{
	if (!hs || !e_priv || hs->action == NOISE_ACTION_FAILED || hs->has_e)
		return;
	memcpy(hs->e_priv, e_priv, NOISE_DHLEN);
	if (crypto_scalarmult_base(hs->e_pub, hs->e_priv) != 0) {
		noise_handshake_wipe(hs);
		return;
	}
	hs->fixed_e = 1;
}

enum noise_action noise_handshake_action(const struct noise_handshake *hs)
{
	if (!hs)
		return NOISE_ACTION_FAILED;
	return (enum noise_action)hs->action;
}

/* After message msg_index is done: whose turn is next, or SPLIT. */
static void advance(struct noise_handshake *t)
{
	t->msg_index++;
	if (t->msg_index >= t->nmsgs)
		t->action = NOISE_ACTION_SPLIT;
	else if (t->msg_index % 2 == t->role)
		t->action = NOISE_ACTION_WRITE_MESSAGE; /* initiator sends the even ones */
	else
		t->action = NOISE_ACTION_READ_MESSAGE;
}

/* ---- WriteMessage / ReadMessage (section 5.3) ---- */

/* *pos counts the bytes written to out so far, also on failure. */
static int write_message(struct noise_handshake *t, const uint8_t *payload, size_t payload_len,
			 uint8_t *out, size_t cap, size_t *pos)
{
	const uint8_t *tok = t->tokens[t->msg_index];
	size_t i, n;
	int rc;

	if (cap > NOISE_MAX_MSG)
		cap = NOISE_MAX_MSG;
	for (i = 0; i < t->ntokens[t->msg_index]; i++) {
		switch (tok[i]) {
		case TOK_E: /* e: a fresh (or injected) ephemeral, sent in clear */
			if (cap - *pos < NOISE_DHLEN)
				return NOISE_ESIZE;
			if (!t->fixed_e) {
				randombytes_buf(t->e_priv, NOISE_DHLEN);
				if (crypto_scalarmult_base(t->e_pub, t->e_priv) != 0)
					return NOISE_EDH;
			}
			t->has_e = 1;
			memcpy(out + *pos, t->e_pub, NOISE_DHLEN);
			*pos += NOISE_DHLEN;
			mix_hash(t, t->e_pub, NOISE_DHLEN);
			if (t->psk_mode)
				mix_key(t, t->e_pub, NOISE_DHLEN);
			break;
		case TOK_S: /* s: our static public key, encrypted once a key exists */
			if (!t->has_s)
				return NOISE_ESTATE;
			n = NOISE_DHLEN + (t->cs.has_key ? NOISE_TAGLEN : 0);
			if (cap - *pos < n)
				return NOISE_ESIZE;
			rc = encrypt_and_hash(t, t->s_pub, NOISE_DHLEN, out + *pos);
			if (rc != NOISE_OK)
				return rc;
			*pos += n;
			break;
		case TOK_PSK: /* psk */
			rc = psk_token(t);
			if (rc != NOISE_OK)
				return rc;
			break;
		default: /* ee, es, se, ss */
			rc = dh_token(t, tok[i]);
			if (rc != NOISE_OK)
				return rc;
			break;
		}
	}
	/* payload */
	n = t->cs.has_key ? NOISE_TAGLEN : 0;
	if (payload_len > cap || cap - *pos < n || cap - *pos - n < payload_len)
		return NOISE_ESIZE;
	rc = encrypt_and_hash(t, payload, payload_len, out + *pos);
	if (rc != NOISE_OK)
		return rc;
	*pos += payload_len + n;
	return NOISE_OK;
}

int noise_handshake_write(struct noise_handshake *hs, const uint8_t *payload, size_t payload_len,
			  uint8_t *out, size_t outcap, size_t *outlen)
{
	struct noise_handshake t;
	size_t pos = 0;
	int rc;

	if (!hs)
		return NOISE_EINVAL;
	if (outlen)
		*outlen = 0;
	rc = NOISE_ESTATE;
	if (hs->action != NOISE_ACTION_WRITE_MESSAGE)
		goto fail;
	rc = NOISE_EINVAL;
	if (!out || !outlen || (!payload && payload_len))
		goto fail;

	memcpy(&t, hs, sizeof(t));
	rc = write_message(&t, payload, payload_len, out, outcap, &pos);
	if (rc == NOISE_OK) {
		advance(&t);
		memcpy(hs, &t, sizeof(t));
		*outlen = pos;
	} else {
		sodium_memzero(out, pos);
	}
	sodium_memzero(&t, sizeof(t));
	if (rc == NOISE_OK)
		return NOISE_OK;
fail:
	noise_handshake_wipe(hs);
	return rc;
}

static int read_message(struct noise_handshake *t, const uint8_t *msg, size_t len, uint8_t *payload,
			size_t cap, size_t *payload_len)
{
	const uint8_t *tok = t->tokens[t->msg_index];
	size_t i, n, pos = 0;
	int rc;

	for (i = 0; i < t->ntokens[t->msg_index]; i++) {
		switch (tok[i]) {
		case TOK_E: /* e: the peer's ephemeral public key, in clear */
			if (len - pos < NOISE_DHLEN)
				return NOISE_ESIZE;
			memcpy(t->re, msg + pos, NOISE_DHLEN);
			t->has_re = 1;
			pos += NOISE_DHLEN;
			mix_hash(t, t->re, NOISE_DHLEN);
			if (t->psk_mode)
				mix_key(t, t->re, NOISE_DHLEN);
			break;
		case TOK_S: /* s: the peer's static public key, encrypted once a key exists */
			if (t->has_rs)
				return NOISE_ESTATE;
			n = NOISE_DHLEN + (t->cs.has_key ? NOISE_TAGLEN : 0);
			if (len - pos < n)
				return NOISE_ESIZE;
			rc = decrypt_and_hash(t, msg + pos, n, t->rs);
			if (rc != NOISE_OK)
				return rc;
			t->has_rs = 1;
			pos += n;
			break;
		case TOK_PSK: /* psk */
			rc = psk_token(t);
			if (rc != NOISE_OK)
				return rc;
			break;
		default: /* ee, es, se, ss */
			rc = dh_token(t, tok[i]);
			if (rc != NOISE_OK)
				return rc;
			break;
		}
	}
	/* payload */
	n = len - pos;
	if (t->cs.has_key) {
		if (n < NOISE_TAGLEN)
			return NOISE_ESIZE;
		n -= NOISE_TAGLEN;
	}
	if (n > cap)
		return NOISE_ESIZE;
	rc = decrypt_and_hash(t, msg + pos, len - pos, payload);
	if (rc != NOISE_OK)
		return rc;
	*payload_len = n;
	return NOISE_OK;
}

int noise_handshake_read(struct noise_handshake *hs, const uint8_t *msg, size_t msg_len,
			 uint8_t *payload, size_t cap, size_t *payload_len)
{
	struct noise_handshake t;
	size_t plen = 0;
	int rc;

	if (!hs)
		return NOISE_EINVAL;
	if (payload_len)
		*payload_len = 0;
	rc = NOISE_ESTATE;
	if (hs->action != NOISE_ACTION_READ_MESSAGE)
		goto fail;
	rc = NOISE_EINVAL;
	if ((!msg && msg_len) || (!payload && cap) || !payload_len)
		goto fail;
	rc = NOISE_ESIZE;
	if (msg_len > NOISE_MAX_MSG)
		goto fail;

	memcpy(&t, hs, sizeof(t));
	rc = read_message(&t, msg, msg_len, payload, cap, &plen);
	if (rc == NOISE_OK) {
		advance(&t);
		memcpy(hs, &t, sizeof(t));
		*payload_len = plen;
	} else if (payload) {
		sodium_memzero(payload, cap < msg_len ? cap : msg_len);
	}
	sodium_memzero(&t, sizeof(t));
	if (rc == NOISE_OK)
		return NOISE_OK;
fail:
	noise_handshake_wipe(hs);
	return rc;
}

const uint8_t *noise_handshake_remote_static(const struct noise_handshake *hs)
{
	return hs && hs->has_rs ? hs->rs : NULL;
}

void noise_handshake_hash(const struct noise_handshake *hs, uint8_t out[NOISE_HASHLEN])
{
	if (!out)
		return;
	if (!hs) {
		memset(out, 0, NOISE_HASHLEN);
		return;
	}
	memcpy(out, hs->h, NOISE_HASHLEN);
}

int noise_handshake_split(struct noise_handshake *hs, struct noise_cipher *send,
			  struct noise_cipher *recv, uint8_t h_out[NOISE_HASHLEN])
{
	uint8_t k1[NOISE_HASHLEN], k2[NOISE_HASHLEN];
	uint8_t rs[NOISE_DHLEN];
	int has_rs;
	int rc;

	if (!hs)
		return NOISE_EINVAL;
	rc = NOISE_ESTATE;
	if (hs->action != NOISE_ACTION_SPLIT)
		goto fail;
	rc = NOISE_EINVAL;
	if (!send || !recv || send == recv)
		goto fail;

	/* Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2), each truncated to 32 bytes */
	hkdf(hs->ck, NULL, 0, k1, k2, NULL);
	sodium_memzero(send, sizeof(*send));
	sodium_memzero(recv, sizeof(*recv));
	initialize_key(send, hs->role == NOISE_INITIATOR ? k1 : k2);
	initialize_key(recv, hs->role == NOISE_INITIATOR ? k2 : k1);
	if (h_out)
		memcpy(h_out, hs->h, NOISE_HASHLEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));

	/* Wipe everything but the remote static public key (not a secret). */
	memcpy(rs, hs->rs, sizeof(rs));
	has_rs = hs->has_rs;
	noise_handshake_wipe(hs);
	memcpy(hs->rs, rs, sizeof(rs));
	hs->has_rs = has_rs;
	sodium_memzero(rs, sizeof(rs));
	return NOISE_OK;
fail:
	noise_handshake_wipe(hs);
	return rc;
}

void noise_handshake_wipe(struct noise_handshake *hs)
{
	if (!hs)
		return;
	sodium_memzero(hs, sizeof(*hs));
	hs->action = NOISE_ACTION_FAILED;
}

/* ---- transport (section 5.1 EncryptWithAd / DecryptWithAd, 11.3 Rekey) ---- */

int noise_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *in,
		  size_t len, uint8_t *out)
{
	if (!c || (!ad && adlen) || (!in && len) || !out)
		return NOISE_EINVAL;
	if (!c->has_key)
		return NOISE_ESTATE;
	if (c->n == UINT64_MAX)
		return NOISE_ENONCE;
	if (len > NOISE_MAX_MSG - NOISE_TAGLEN)
		return NOISE_ESIZE;
	aead_encrypt(c->k, c->n, ad, adlen, in, len, out);
	c->n++;
	return NOISE_OK;
}

int noise_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *in,
		  size_t len, uint8_t *out)
{
	int rc;

	if (!c || (!ad && adlen) || !in || (!out && len > NOISE_TAGLEN))
		return NOISE_EINVAL;
	if (!c->has_key)
		return NOISE_ESTATE;
	if (c->n == UINT64_MAX)
		return NOISE_ENONCE;
	if (len < NOISE_TAGLEN || len > NOISE_MAX_MSG)
		return NOISE_ESIZE;
	rc = aead_decrypt(c->k, c->n, ad, adlen, in, len, out);
	if (rc != NOISE_OK)
		return rc;
	c->n++;
	return NOISE_OK;
}

void noise_cipher_rekey(struct noise_cipher *c)
{
	uint8_t zeros[NOISE_KEYLEN] = {0};
	uint8_t buf[NOISE_KEYLEN + NOISE_TAGLEN];

	if (!c || !c->has_key)
		return;
	/* REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, 32 zero bytes); n is kept */
	aead_encrypt(c->k, UINT64_MAX, NULL, 0, zeros, sizeof(zeros), buf);
	memcpy(c->k, buf, NOISE_KEYLEN);
	sodium_memzero(buf, sizeof(buf));
}

void noise_cipher_wipe(struct noise_cipher *c)
{
	if (c)
		sodium_memzero(c, sizeof(*c));
}

/* ---- keys ---- */

void noise_keypair(uint8_t priv[NOISE_DHLEN], uint8_t pub[NOISE_DHLEN])
{
	if (sodium_init() < 0)
		abort(); /* no randomness source: nothing safe to return */
	do {
		randombytes_buf(priv, NOISE_DHLEN);
	} while (crypto_scalarmult_base(pub, priv) != 0);
}

int noise_public_key(const uint8_t priv[NOISE_DHLEN], uint8_t pub[NOISE_DHLEN])
{
	if (!priv || !pub)
		return NOISE_EINVAL;
	if (crypto_scalarmult_base(pub, priv) != 0) {
		sodium_memzero(pub, NOISE_DHLEN);
		return NOISE_EDH;
	}
	return NOISE_OK;
}

const char *noise_strerror(int err)
{
	switch (err) {
	case NOISE_OK:
		return "success";
	case NOISE_EINVAL:
		return "invalid argument or unsupported protocol name";
	case NOISE_ESTATE:
		return "call not allowed in this handshake or cipher state";
	case NOISE_ESIZE:
		return "message or buffer size out of range";
	case NOISE_EAUTH:
		return "decryption failed (wrong key or tampered data)";
	case NOISE_EDH:
		return "Diffie-Hellman result is all zeros (low-order public key)";
	case NOISE_ENONCE:
		return "nonce space exhausted";
	}
	return "unknown noise error";
}
