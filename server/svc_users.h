/*
 * svc_users.h - the account service: domain rules for users, devices and
 * sessions above the store. No protobuf, no sockets, no password hashing
 * (hashes come in ready-made from auth.c).
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * writes an audit row for each change in that same transaction, and returns
 * 0 or a KT_E* code with a sentence for a person in msg (may be NULL).
 */
#ifndef KT_SVC_USERS_H
#define KT_SVC_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

/* Who is acting: a logged-in user, or the console (user_id 0, name "console"). */
struct svc_actor {
	int64_t user_id;
	const char *name;
	int64_t session_id;
	int64_t now;
};

/* Role names as used on the console and in the client: "admin", "planner", ... */
const char *svc_role_name(int role);
int svc_role_parse(const char *name); /* the role number, or 0 when unknown */
/* "inspector,observer" -> bits; KT_EINVAL naming the bad word. */
int svc_roles_parse(const char *csv, uint32_t *roles, char *msg, size_t cap);
/* Comma-separated names of the bits set, into out. */
void svc_roles_format(uint32_t roles, char *out, size_t cap);

/* Username rule: 2..64 bytes of [a-z0-9._-], starting with a letter. */
int svc_username_check(const char *username, char *msg, size_t cap);

int svc_user_add(struct store_tx *tx, const struct svc_actor *who, const char *username,
		 const char *full_name, uint32_t roles, const char *unit_code, const char *pwhash,
		 bool must_change, struct store_user *out, char *msg, size_t cap);
int svc_user_set_disabled(struct store_tx *tx, const struct svc_actor *who, const char *username,
			  bool disabled, struct store_user *out, char *msg, size_t cap);
int svc_user_set_password(struct store_tx *tx, const struct svc_actor *who, const char *username,
			  const char *pwhash, bool must_change, struct store_user *out, char *msg,
			  size_t cap);
int svc_user_set_roles(struct store_tx *tx, const struct svc_actor *who, const char *username,
		       uint32_t roles, const char *unit_code, struct store_user *out, char *msg,
		       size_t cap);

/*
 * After a verified password: enrol the device if new (refused when revoked),
 * create a session with token_hash, record the login. *enrolled tells whether
 * the device was new.
 */
int svc_login(struct store_tx *tx, const struct svc_actor *who, int64_t user_id,
	      const uint8_t device_pub[32], const char *device_name,
	      const uint8_t *signing_key /* 32 bytes, or NULL */, const uint8_t token_hash[32],
	      int64_t expires_at, struct store_user *user, struct store_session *session,
	      bool *enrolled, char *msg, size_t cap);
/*
 * Resume: the session for token_hash must exist, be unexpired, belong to an
 * enabled user, and have been issued to device_pub (not revoked). Slides the
 * expiry to min(now + ttl, created_at + max).
 */
int svc_resume(struct store_tx *tx, int64_t now, const uint8_t token_hash[32],
	       const uint8_t device_pub[32], int64_t ttl_ms, int64_t max_ms,
	       struct store_user *user, struct store_session *session, char *msg, size_t cap);
int svc_logout(struct store_tx *tx, const struct svc_actor *who, int64_t session_id);

/*
 * Verify an approval signed on the client: sig must be a 64-byte Ed25519
 * signature over digest by the signing key registered for device_id (the
 * session's device). The key used is copied to key_out for the record.
 * KT_EINVAL (bad length), KT_EPERM (no key registered, device revoked, or
 * the signature does not verify), each with a sentence in msg.
 */
int svc_verify_signature(struct store_tx *tx, int64_t device_id, const uint8_t digest[32],
			 const uint8_t *sig, size_t sig_len, uint8_t key_out[32], char *msg,
			 size_t cap);

/*
 * Revoke one of a user's devices, named by a prefix of its fingerprint
 * ("SHA256:TUa3" or more; it must match exactly one device of the user): the
 * device can no longer log in, resume or sign, and its sessions are deleted.
 * out gets the device (its public key lets the caller close live connections).
 * KT_ENOTFOUND (no user, no such device), KT_EINVAL (ambiguous or too short a
 * prefix), KT_ESTATE (already revoked).
 */
int svc_device_revoke(struct store_tx *tx, const struct svc_actor *who, const char *username,
		      const char *fingerprint_prefix, struct store_device *out,
		      int64_t *sessions_ended, char *msg, size_t cap);

/* Token hash as stored: BLAKE2b-256 of the 32-byte token. */
void svc_token_hash(const uint8_t token[32], uint8_t out[32]);

#endif
