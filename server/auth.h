/*
 * auth.h - passwords: hashing and verification off the loop thread, the
 * password policy, generated passwords, and login throttling.
 *
 * Owns: the Argon2id work queue (libuv thread pool, at most `concurrency`
 * hashes at once, at most `queue_max` waiting; beyond that KT_ELIMIT), a dummy
 * hash verified for unknown users so they cost the same as known ones, and the
 * throttle table (per address and per account: exponential backoff after
 * failures, decaying; never a permanent lock-out).
 *
 * Callbacks run on the loop thread. Passwords passed in are copied and the
 * copies wiped after use; the caller wipes its own.
 */
#ifndef KT_AUTH_H
#define KT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define AUTH_PASSWORD_MIN 10   /* code points */
#define AUTH_PASSWORD_MAX 1024 /* bytes */
#define AUTH_GENERATED_LEN 24  /* "xxxxx-xxxxx-xxxxx-xxxxx" + NUL */

enum auth_level {
	AUTH_LEVEL_INTERACTIVE = 0, /* libsodium INTERACTIVE limits: production default */
	AUTH_LEVEL_MODERATE = 1,
	AUTH_LEVEL_TEST = 2,        /* MIN limits: only for test suites (documented) */
};

struct auth;

struct auth_options {
	unsigned concurrency;  /* hashes at once (0: cores - 1, at least 1) */
	unsigned queue_max;    /* waiting hashes (default 256) */
	enum auth_level level;
};

int auth_new(struct auth **out, uv_loop_t *loop, const struct auth_options *opt);
/* Drops queued work (callbacks get KT_ESHUTDOWN) once running hashes finish. */
void auth_free(struct auth *a);

/* cb(arg, 0, hash) with a crypto_pwhash_str string, or cb(arg, KT_E*, NULL). */
typedef void (*auth_hash_cb)(void *arg, int rc, const char *hash);
int auth_hash(struct auth *a, const char *password, auth_hash_cb cb, void *arg);

/*
 * cb(arg, 0) when password matches hash; KT_EUNAUTH when not. hash NULL means
 * "unknown user": the dummy hash is verified and the result is KT_EUNAUTH.
 * With addr and username (the throttle's keys; NULL: none), a verification
 * that had to wait for a hashing thread checks the throttle again when its
 * turn comes and ends with cb(arg, KT_ELIMIT), unhashed, when the attempts
 * before it put the address or account into backoff: a burst of guesses sent
 * at once gets no more tries than guesses sent one after another (beyond the
 * ones already hashing, at most `concurrency`).
 */
typedef void (*auth_verify_cb)(void *arg, int rc);
int auth_verify(struct auth *a, const char *hash, const char *password, const char *addr,
		const char *username, auth_verify_cb cb, void *arg);

/*
 * Hash on the calling thread. Only for start-up (the first administrator),
 * before the loop serves anyone. out needs STORE_PWHASH_MAX + 1 bytes.
 */
int auth_hash_now(struct auth *a, const char *password, char *out, size_t cap);

/* Hashes running and waiting (for status). */
void auth_load(struct auth *a, unsigned *running, unsigned *waiting);

/* 0 when acceptable; KT_EINVAL with a sentence in msg otherwise. */
int auth_password_policy(const char *username, const char *password, char *msg, size_t cap);
/* A random password from an unambiguous alphabet, e.g. "k7mq2-x9rtf-...". */
void auth_generate_password(char out[AUTH_GENERATED_LEN]);

/*
 * Throttle. auth_throttle_check() returns 0, or the milliseconds to wait when
 * the address or the account is in backoff. Record every outcome.
 */
uint32_t auth_throttle_check(struct auth *a, const char *addr, const char *username,
			     uint64_t now_ms);
void auth_throttle_failure(struct auth *a, const char *addr, const char *username,
			   uint64_t now_ms);
void auth_throttle_success(struct auth *a, const char *addr, const char *username);

#endif
