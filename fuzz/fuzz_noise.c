/*
 * fuzz_noise.c - the server's side of Noise_XX (common/noise.c as responder,
 * with a fixed server key), fed message 1, message 3 and transport frames, and
 * the protobuf payloads the server reads from them (ClientHello, ClientFinish,
 * Request), as server/conn.c does.
 *
 * Input: byte 0 holds flags, then chunks (fuzz.h: 2-byte length, bytes):
 *
 *   flags & 1  message 1 is written by an initiator in the harness (fixed
 *              static and ephemeral keys) with chunk A as its ClientHello
 *              payload; without it, chunk A is message 1 itself
 *   flags & 2  (with flags & 1) message 3 is written by that initiator with
 *              chunk B as its payload, then XORed with chunk C; without it,
 *              chunk B is message 3 itself
 *   then transport records, one chunk each; its first byte % 4 says what the
 *   rest is:
 *     0  a raw frame for the responder to decrypt
 *     1  plaintext the initiator encrypts; the responder must read it back
 *     2  plaintext the responder encrypts; the initiator must read it back
 *     3  plaintext the initiator encrypts, then one bit (chosen by the next
 *        two bytes) is flipped; the responder must refuse it
 *   Records stop at the first frame the responder refuses: the server closes
 *   the connection there.
 *
 * Oracles (noise.h): message 2 is refused only for a low-order ephemeral key
 * in a raw message 1; from the harness's initiator it is always readable and
 * names the server's key; message 3 passes exactly when its
 * mask is all zero; after it both sides agree on the handshake hash and the
 * responder knows the initiator's key; a refused message leaves the handshake
 * FAILED without a remote key; a refused transport frame does not advance the
 * nonce. The ephemeral keys are fixed so that an input always runs the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/noise.h"
#include "common/wire.h"
#include "fuzz/fuzz.h"
#include "proto/kiemtra.pb-c.h"

#define SERVER_KEY_BYTE 0x53
#define SERVER_E_BYTE 0x65
#define CLIENT_KEY_BYTE 0x44
#define CLIENT_E_BYTE 0x45

static uint8_t msg[NOISE_MAX_MSG], msg2[NOISE_MAX_MSG], payload[NOISE_MAX_MSG];
static uint8_t ct[NOISE_MAX_MSG], pt[NOISE_MAX_MSG];

struct peer {
	uint8_t priv[32], pub[32], e[32];
};

static void peer_keys(struct peer *p, uint8_t key_byte, uint8_t e_byte)
{
	memset(p->priv, key_byte, sizeof(p->priv));
	memset(p->e, e_byte, sizeof(p->e));
	if (noise_public_key(p->priv, p->pub) != NOISE_OK)
		abort();
}

/* conn.c, message 1 read: the ClientHello decides the ServerHello's status. */
static size_t server_hello(const uint8_t *p, size_t plen, uint8_t *out, size_t cap)
{
	Kiemtra__V1__ClientHello *ch;
	Kiemtra__V1__ServerHello sh = KIEMTRA__V1__SERVER_HELLO__INIT;
	Kiemtra__V1__Limits lim = KIEMTRA__V1__LIMITS__INIT;
	size_t n;

	ch = (Kiemtra__V1__ClientHello *)kt_unpack(&kiemtra__v1__client_hello__descriptor, p, plen,
						   4096);
	sh.server_name = "kiemtrad/fuzz";
	lim.max_frame_bytes = KT_FRAME_MAX;
	sh.limits = &lim;
	if (ch && ch->min_version <= KT_PROTOCOL_VERSION &&
	    ch->max_version >= KT_PROTOCOL_VERSION) {
		sh.version = KT_PROTOCOL_VERSION;
		sh.status = KIEMTRA__V1__STATUS__STATUS_OK;
	} else {
		sh.status = KIEMTRA__V1__STATUS__STATUS_FAILED_PRECONDITION;
		sh.message = ch ? "no common version" : "the ClientHello could not be decoded";
	}
	kt_unpack_free((ProtobufCMessage *)ch);
	n = kt_pack(&sh.base, out, cap);
	FZ_CHECK(n > 0, "a ServerHello does not fit %zu bytes", cap);
	return n;
}

static void check_failed(const struct noise_handshake *hs, const char *which)
{
	FZ_CHECK(noise_handshake_action(hs) == NOISE_ACTION_FAILED, "%s: refused but not FAILED",
		 which);
	FZ_CHECK(noise_handshake_remote_static(hs) == NULL, "%s: a remote key after failure",
		 which);
}

/* Transport records: see the header. */
static void transport(struct fz_reader *rd, struct noise_cipher *r_tx, struct noise_cipher *r_rx,
		      struct noise_cipher *i_tx, struct noise_cipher *i_rx, bool have_initiator)
{
	const uint8_t *t;
	size_t tlen;
	int rc;

	while (fz_chunk(rd, &t, &tlen)) {
		unsigned op = tlen ? t[0] % 4 : 0;
		const uint8_t *body = tlen ? t + 1 : t;
		size_t blen = tlen ? tlen - 1 : 0;
		uint64_t n0 = r_rx->n;

		if (op != 0 && !have_initiator)
			op = 0;
		if (op == 0) {
			rc = noise_decrypt(r_rx, NULL, 0, body, blen, pt);
			if (rc != NOISE_OK) {
				FZ_CHECK(r_rx->n == n0, "a refused frame moved the nonce");
				return;
			}
			/* Only a forged tag gets here; decode what conn.c would. */
			kt_unpack_free(kt_unpack(&kiemtra__v1__request__descriptor, pt,
						 blen - NOISE_TAGLEN, KT_DECODE_BUDGET_UNAUTH));
		} else if (op == 1 || op == 3) {
			size_t plen = blen;

			if (op == 3) {
				if (blen < 2)
					return;
				plen = blen - 2;
			}
			rc = noise_encrypt(i_tx, NULL, 0, op == 3 ? body + 2 : body, plen, ct);
			if (rc != NOISE_OK) {
				FZ_CHECK(rc == NOISE_ESIZE && plen + NOISE_TAGLEN > NOISE_MAX_MSG,
					 "encrypt %zu bytes: %s", plen, noise_strerror(rc));
				return;
			}
			if (op == 3) {
				size_t bit = (((size_t)body[0] << 8) | body[1]) % ((plen + 16) * 8);

				ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				rc = noise_decrypt(r_rx, NULL, 0, ct, plen + NOISE_TAGLEN, pt);
				FZ_CHECK(rc == NOISE_EAUTH, "a flipped bit %zu passed: %s", bit,
					 noise_strerror(rc));
				FZ_CHECK(r_rx->n == n0, "a refused frame moved the nonce");
				return;
			}
			rc = noise_decrypt(r_rx, NULL, 0, ct, plen + NOISE_TAGLEN, pt);
			FZ_CHECK(rc == NOISE_OK, "responder decrypt: %s", noise_strerror(rc));
			FZ_CHECK(plen == 0 || memcmp(pt, body, plen) == 0, "plaintext differs");
			kt_unpack_free(kt_unpack(&kiemtra__v1__request__descriptor, pt, plen,
						 KT_DECODE_BUDGET_UNAUTH));
		} else {
			rc = noise_encrypt(r_tx, NULL, 0, body, blen, ct);
			if (rc != NOISE_OK) {
				FZ_CHECK(rc == NOISE_ESIZE, "encrypt: %s", noise_strerror(rc));
				return;
			}
			rc = noise_decrypt(i_rx, NULL, 0, ct, blen + NOISE_TAGLEN, pt);
			FZ_CHECK(rc == NOISE_OK, "initiator decrypt: %s", noise_strerror(rc));
			FZ_CHECK(blen == 0 || memcmp(pt, body, blen) == 0, "plaintext differs");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct peer server, client;
	static bool keys_ready;
	struct noise_handshake resp, init;
	struct noise_cipher r_tx = {0}, r_rx = {0}, i_tx = {0}, i_rx = {0};
	uint8_t h_r[NOISE_HASHLEN], h_i[NOISE_HASHLEN], hello[512];
	struct fz_reader rd;
	const uint8_t *a = NULL, *b = NULL, *mask = NULL, *m1, *m3;
	size_t alen = 0, blen = 0, masklen = 0, m1len, m2len, m3len, plen, hlen;
	bool use_init, build3, mutated = false;
	int rc;

	if (size < 1)
		return 0;
	if (!keys_ready) {
		if (sodium_init() < 0)
			abort();
		peer_keys(&server, SERVER_KEY_BYTE, SERVER_E_BYTE);
		peer_keys(&client, CLIENT_KEY_BYTE, CLIENT_E_BYTE);
		keys_ready = true;
	}
	use_init = data[0] & 1;
	build3 = use_init && (data[0] & 2);
	rd.p = data + 1;
	rd.n = size - 1;
	fz_chunk(&rd, &a, &alen);
	fz_chunk(&rd, &b, &blen);
	if (build3)
		fz_chunk(&rd, &mask, &masklen);

	rc = noise_handshake_init(&resp, KT_NOISE_PROTOCOL, NOISE_RESPONDER, kt_preamble,
				  KT_PREAMBLE_LEN, server.priv, NULL, NULL, 0);
	FZ_CHECK(rc == NOISE_OK, "responder init: %s", noise_strerror(rc));
	noise_handshake_set_ephemeral(&resp, server.e);
	memset(&init, 0, sizeof(init));
	if (use_init) {
		rc = noise_handshake_init(&init, KT_NOISE_PROTOCOL, NOISE_INITIATOR, kt_preamble,
					  KT_PREAMBLE_LEN, client.priv, NULL, NULL, 0);
		FZ_CHECK(rc == NOISE_OK, "initiator init: %s", noise_strerror(rc));
		noise_handshake_set_ephemeral(&init, client.e);
	}

	/* Message 1: -> e, ClientHello in clear. */
	if (use_init) {
		rc = noise_handshake_write(&init, a, alen, msg, sizeof(msg), &m1len);
		if (rc != NOISE_OK) {
			FZ_CHECK(rc == NOISE_ESIZE, "msg1 write: %s", noise_strerror(rc));
			goto out;
		}
		m1 = msg;
	} else {
		m1 = a ? a : msg;
		m1len = alen;
	}
	rc = noise_handshake_read(&resp, m1, m1len, payload, sizeof(payload), &plen);
	if (rc != NOISE_OK) {
		FZ_CHECK(!use_init, "the initiator's msg1 was refused: %s", noise_strerror(rc));
		check_failed(&resp, "msg1");
		goto out;
	}
	FZ_CHECK(noise_handshake_action(&resp) == NOISE_ACTION_WRITE_MESSAGE, "after msg1");

	/* Message 2: <- e, ee, s, es, ServerHello. */
	hlen = server_hello(payload, plen, hello, sizeof(hello));
	rc = noise_handshake_write(&resp, hello, hlen, msg2, sizeof(msg2), &m2len);
	if (rc != NOISE_OK) {
		/* A low-order ephemeral key in a raw msg1 makes "ee" all zeros: refused. */
		FZ_CHECK(!use_init && rc == NOISE_EDH, "msg2 write: %s", noise_strerror(rc));
		check_failed(&resp, "msg2");
		goto out;
	}
	if (use_init) {
		Kiemtra__V1__ServerHello *sh;

		rc = noise_handshake_read(&init, msg2, m2len, payload, sizeof(payload), &plen);
		FZ_CHECK(rc == NOISE_OK, "msg2 read: %s", noise_strerror(rc));
		FZ_CHECK(plen == hlen && memcmp(payload, hello, hlen) == 0, "ServerHello differs");
		FZ_CHECK(noise_handshake_remote_static(&init) &&
			     memcmp(noise_handshake_remote_static(&init), server.pub, 32) == 0,
			 "msg2 does not name the server's key");
		sh = (Kiemtra__V1__ServerHello *)kt_unpack(&kiemtra__v1__server_hello__descriptor,
							   payload, plen, 4096);
		FZ_CHECK(sh != NULL, "the ServerHello does not decode");
		kt_unpack_free(&sh->base);
	}

	/* Message 3: -> s, se, ClientFinish. */
	if (build3) {
		rc = noise_handshake_write(&init, b, blen, msg, sizeof(msg), &m3len);
		if (rc != NOISE_OK) {
			FZ_CHECK(rc == NOISE_ESIZE, "msg3 write: %s", noise_strerror(rc));
			goto out;
		}
		for (size_t i = 0; i < masklen && i < m3len; i++) {
			msg[i] ^= mask[i];
			mutated |= mask[i] != 0;
		}
		m3 = msg;
	} else {
		m3 = b ? b : msg;
		m3len = blen;
	}
	rc = noise_handshake_read(&resp, m3, m3len, payload, sizeof(payload), &plen);
	if (build3)
		FZ_CHECK((rc == NOISE_OK) == !mutated, "msg3 %s: %s",
			 mutated ? "altered" : "intact", noise_strerror(rc));
	if (rc != NOISE_OK) {
		check_failed(&resp, "msg3");
		goto out;
	}
	FZ_CHECK(noise_handshake_action(&resp) == NOISE_ACTION_SPLIT, "after msg3");
	FZ_CHECK(noise_handshake_remote_static(&resp) &&
		     memcmp(noise_handshake_remote_static(&resp), client.pub, 32) == 0,
		 "the responder does not know the client's key");
	kt_unpack_free(kt_unpack(&kiemtra__v1__client_finish__descriptor, payload, plen, 4096));
	rc = noise_handshake_split(&resp, &r_tx, &r_rx, h_r);
	FZ_CHECK(rc == NOISE_OK, "responder split: %s", noise_strerror(rc));
	if (build3) {
		FZ_CHECK(noise_handshake_action(&init) == NOISE_ACTION_SPLIT,
			 "initiator: no split");
		rc = noise_handshake_split(&init, &i_tx, &i_rx, h_i);
		FZ_CHECK(rc == NOISE_OK, "initiator split: %s", noise_strerror(rc));
		FZ_CHECK(memcmp(h_r, h_i, sizeof(h_r)) == 0, "the handshake hashes differ");
	}
	transport(&rd, &r_tx, &r_rx, &i_tx, &i_rx, build3);
out:
	noise_handshake_wipe(&resp);
	noise_handshake_wipe(&init);
	noise_cipher_wipe(&r_tx);
	noise_cipher_wipe(&r_rx);
	noise_cipher_wipe(&i_tx);
	noise_cipher_wipe(&i_rx);
	return 0;
}
