/*
 * noise.h - the Noise Protocol Framework (revision 34) for one cipher suite:
 * DH 25519, cipher ChaChaPoly, hash BLAKE2b, built on libsodium primitives.
 *
 * Owns: a handshake state (symmetric state, local and remote keys, pattern
 * cursor) and, after Split(), the two transport cipher states. It does no I/O
 * and no allocation: every buffer belongs to the caller. Every key it holds is
 * wiped by noise_handshake_wipe(), noise_cipher_wipe() and on every failure of
 * a handshake step (a failed handshake cannot be continued).
 *
 * Supported patterns: XX, NK, IK, each with any set of psk modifiers
 * ("Noise_XXpsk3_...", "Noise_NKpsk0+psk2_..."). The protocol name is parsed
 * from the full string, e.g. "Noise_XX_25519_ChaChaPoly_BLAKE2b".
 *
 * Handshake state machine (noise_handshake_action tells which comes next):
 *
 *   init --> WRITE_MESSAGE <--> READ_MESSAGE --> SPLIT --(split)--> done
 *                 \                  /
 *                  `-----> FAILED <-'      (any error; terminal, keys wiped)
 *
 * "done" has no action of its own: after a successful split the handshake is
 * spent and noise_handshake_action() reports FAILED (nothing more can be done
 * with it), so check the return value of noise_handshake_split() itself.
 *
 * HMAC and HKDF are written per the Noise specification, section 4.3, over
 * BLAKE2b-512 (HASHLEN 64, BLOCKLEN 128). Cipher nonces are 4 zero bytes
 * followed by the 64-bit little-endian counter (ChaChaPoly in IETF form).
 */
#ifndef KT_NOISE_H
#define KT_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_DHLEN 32
#define NOISE_KEYLEN 32
#define NOISE_HASHLEN 64
#define NOISE_TAGLEN 16
#define NOISE_MAX_MSG 65535 /* largest Noise message, handshake or transport */
#define NOISE_MAX_PSKS 4
#define NOISE_MAX_TOKENS 16 /* tokens of the longest pattern message we support */
#define NOISE_MAX_MESSAGES 4

/* Errors are negative; 0 is success. */
enum noise_err {
	NOISE_OK = 0,
	NOISE_EINVAL = -1,  /* bad argument or unsupported protocol name */
	NOISE_ESTATE = -2,  /* call not allowed in this state (e.g. write when a read is due) */
	NOISE_ESIZE = -3,   /* message too short, too long, or output buffer too small */
	NOISE_EAUTH = -4,   /* decryption failed: wrong key, tampered data */
	NOISE_EDH = -5,     /* DH produced all zeros (low-order public key) */
	NOISE_ENONCE = -6,  /* nonce space exhausted (n reached 2^64-1): rekey or reconnect */
};

enum noise_role { NOISE_INITIATOR = 0, NOISE_RESPONDER = 1 };

enum noise_action {
	NOISE_ACTION_WRITE_MESSAGE = 1,
	NOISE_ACTION_READ_MESSAGE = 2,
	NOISE_ACTION_SPLIT = 3, /* every handshake message done: call noise_handshake_split() */
	NOISE_ACTION_FAILED = 4,
};

/* A transport CipherState. k is valid when has_key; n is the next nonce. */
struct noise_cipher {
	uint8_t k[NOISE_KEYLEN];
	uint64_t n;
	int has_key;
};

/*
 * The handshake state. Its fields are visible only so that it can be embedded
 * by value (in a connection, on the stack); treat them as private.
 */
struct noise_handshake {
	/* SymmetricState */
	struct noise_cipher cs;
	uint8_t ck[NOISE_HASHLEN];
	uint8_t h[NOISE_HASHLEN];
	/* keys: s/e private and public; rs/re remote public */
	uint8_t s_priv[NOISE_DHLEN], s_pub[NOISE_DHLEN];
	uint8_t e_priv[NOISE_DHLEN], e_pub[NOISE_DHLEN];
	uint8_t rs[NOISE_DHLEN], re[NOISE_DHLEN];
	int has_s, has_e, has_rs, has_re;
	int fixed_e; /* set by noise_handshake_set_ephemeral (tests) */
	uint8_t psks[NOISE_MAX_PSKS][32];
	int npsks, psk_used, psk_mode;
	/* pattern */
	int role;
	int nmsgs;         /* messages in the pattern */
	int msg_index;     /* next message to write or read */
	uint8_t tokens[NOISE_MAX_MESSAGES][NOISE_MAX_TOKENS];
	uint8_t ntokens[NOISE_MAX_MESSAGES];
	int action;        /* enum noise_action */
};

/*
 * Start a handshake. protocol_name is the full Noise name. s_priv is this side's
 * static private key (NULL when the pattern gives this side none); rs_pub is the
 * peer's static public key known in advance (the responder's for NK and IK; NULL
 * otherwise). psks holds npsks 32-byte keys consumed in token order. The
 * prologue is mixed into h. Returns NOISE_OK or NOISE_EINVAL (unsupported name,
 * a key the pattern requires is missing, a key the pattern would ignore is given,
 * npsks does not match the modifiers). Each pskN modifier may appear once, N from
 * 0 to the number of messages. On failure the state is wiped and FAILED.
 */
int noise_handshake_init(struct noise_handshake *hs, const char *protocol_name, enum noise_role role,
			 const uint8_t *prologue, size_t prologue_len, const uint8_t *s_priv,
			 const uint8_t *rs_pub, const uint8_t (*psks)[32], size_t npsks);

/*
 * Tests only: use this ephemeral private key instead of a fresh random one. Call
 * it after noise_handshake_init() and before this side's "e" token; ignored on a
 * FAILED state or once the ephemeral is in use.
 */
void noise_handshake_set_ephemeral(struct noise_handshake *hs, const uint8_t e_priv[NOISE_DHLEN]);

/* What the caller must do next. */
enum noise_action noise_handshake_action(const struct noise_handshake *hs);

/*
 * Write the next handshake message carrying payload into out (capacity outcap).
 * On success *outlen is the message length (never above NOISE_MAX_MSG).
 * Errors: NOISE_ESTATE (not our turn), NOISE_EINVAL (NULL out/outlen, or NULL
 * payload with a length), NOISE_ESIZE (payload too large for one message, or
 * outcap too small), NOISE_EDH. Any error moves the state to FAILED, zeroes what
 * was written to out and leaves *outlen 0. payload and out must not overlap.
 */
int noise_handshake_write(struct noise_handshake *hs, const uint8_t *payload, size_t payload_len,
			  uint8_t *out, size_t outcap, size_t *outlen);

/*
 * Read the next handshake message; the decrypted payload goes to payload
 * (capacity cap; msg_len is always enough) and *payload_len. Errors:
 * NOISE_ESTATE, NOISE_EINVAL, NOISE_ESIZE (truncated or too long, or cap too
 * small), NOISE_EAUTH, NOISE_EDH. Any error moves the state to FAILED, wipes
 * the keys and zeroes payload. msg and payload must not overlap.
 */
int noise_handshake_read(struct noise_handshake *hs, const uint8_t *msg, size_t msg_len,
			 uint8_t *payload, size_t cap, size_t *payload_len);

/*
 * The remote static public key once it is known (after "s" was read or given);
 * else NULL. It stays available after a successful split (a public key is not
 * a secret); noise_handshake_wipe() and any failure clear it.
 */
const uint8_t *noise_handshake_remote_static(const struct noise_handshake *hs);

/*
 * The current handshake hash h (HASHLEN bytes); after the last message it is the
 * channel binding. After split h is wiped: take it from split's h_out instead.
 */
void noise_handshake_hash(const struct noise_handshake *hs, uint8_t out[NOISE_HASHLEN]);

/*
 * Split (allowed only when the action is SPLIT): fill the sending and receiving
 * cipher states for this side (initiator sends with c1, responder with c2) and,
 * if h_out is not NULL, the final handshake hash. Wipes the handshake state
 * (all but the remote static public key). Errors: NOISE_ESTATE (the action is
 * not SPLIT), NOISE_EINVAL (send or recv NULL, or the same struct); either
 * wipes the handshake and leaves it FAILED.
 */
int noise_handshake_split(struct noise_handshake *hs, struct noise_cipher *send,
			  struct noise_cipher *recv, uint8_t h_out[NOISE_HASHLEN]);

/* Wipe every key and mark the state FAILED. Safe to call twice. */
void noise_handshake_wipe(struct noise_handshake *hs);

/*
 * Transport encryption with associated data ad (may be NULL with adlen 0).
 * out needs len + NOISE_TAGLEN bytes (encrypt) or len - NOISE_TAGLEN (decrypt);
 * out may equal the input buffer (any other overlap is not allowed). Returns
 * NOISE_OK, NOISE_ENONCE (the counter reached 2^64-1, which is reserved; nothing
 * was done), NOISE_ESIZE (the ciphertext would exceed NOISE_MAX_MSG, or is
 * shorter than a tag), NOISE_ESTATE (the cipher has no key), NOISE_EINVAL (NULL
 * pointers), or NOISE_EAUTH (decrypt: the nonce is not advanced, out is zeroed).
 */
int noise_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *in,
		  size_t len, uint8_t *out);
int noise_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t adlen, const uint8_t *in,
		  size_t len, uint8_t *out);

/*
 * Rekey() per the specification (sections 4.2, 11.3): k = first 32 bytes of
 * ENCRYPT(k, 2^64-1, "", 32 zero bytes); n is unchanged. Both ends must rekey
 * at the same point of the message stream. No-op on a cipher without a key.
 */
void noise_cipher_rekey(struct noise_cipher *c);
void noise_cipher_wipe(struct noise_cipher *c);

/*
 * A fresh X25519 key pair (aborts if libsodium cannot initialise: no randomness);
 * and the public key of a private key (NOISE_OK; NOISE_EINVAL for a NULL
 * argument; NOISE_EDH if libsodium refuses the key).
 */
void noise_keypair(uint8_t priv[NOISE_DHLEN], uint8_t pub[NOISE_DHLEN]);
int noise_public_key(const uint8_t priv[NOISE_DHLEN], uint8_t pub[NOISE_DHLEN]);

const char *noise_strerror(int err);

#endif
