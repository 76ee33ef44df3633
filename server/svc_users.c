/* svc_users.c - see svc_users.h. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"
#include "server/svc_users.h"

#define MSG(...)                                                                               \
	do {                                                                                   \
		if (msg)                                                                       \
			snprintf(msg, cap, __VA_ARGS__);                                        \
	} while (0)

/* Role numbers are the proto enum Role; index 0 is ROLE_NONE. */
static const char *const role_names[] = {
	NULL, "admin", "planner", "inspector", "unit_rep", "authority", "observer",
};
#define NROLES ((int)(sizeof(role_names) / sizeof(role_names[0])))

const char *svc_role_name(int role)
{
	if (role <= 0 || role >= NROLES)
		return "none";
	return role_names[role];
}

int svc_role_parse(const char *name)
{
	for (int r = 1; r < NROLES; r++)
		if (strcmp(name, role_names[r]) == 0)
			return r;
	return 0;
}

int svc_roles_parse(const char *csv, uint32_t *roles, char *msg, size_t cap)
{
	char word[32];
	const char *p = csv;

	*roles = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(word)) {
			MSG("bad role list '%s'", csv);
			return KT_EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		int r = svc_role_parse(word);
		if (!r) {
			MSG("unknown role '%s' (roles: admin, planner, inspector, unit_rep, "
			    "authority, observer)",
			    word);
			return KT_EINVAL;
		}
		*roles |= STORE_ROLE_BIT(r);
		p += n;
		if (*p == ',')
			p++;
	}
	return KT_OK;
}

void svc_roles_format(uint32_t roles, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (int r = 1; r < NROLES; r++) {
		if (!(roles & STORE_ROLE_BIT(r)))
			continue;
		int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "", role_names[r]);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
}

int svc_username_check(const char *username, char *msg, size_t cap)
{
	size_t n = strlen(username);

	if (n < 2 || n > STORE_USERNAME_MAX) {
		MSG("a username has 2 to %d characters", STORE_USERNAME_MAX);
		return KT_EINVAL;
	}
	if (!(username[0] >= 'a' && username[0] <= 'z')) {
		MSG("a username starts with a letter a-z");
		return KT_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = username[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-')) {
			MSG("a username has only a-z, 0-9, '.', '_' and '-' (no capitals, no "
			    "diacritics)");
			return KT_EINVAL;
		}
	}
	return KT_OK;
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action,
		 const char *type, int64_t id, const char *detail)
{
	struct store_audit a = {
		.user_id = who->user_id,
		.actor = who->name,
		.session_id = who->session_id,
		.action = action,
		.object_type = type,
		.object_id = id,
		.detail = detail,
		.at = who->now,
	};
	return store_audit_append(tx, &a);
}

static int check_roles(struct store_tx *tx, uint32_t roles, const char *unit_code,
		       int64_t *unit_id, char *msg, size_t cap)
{
	struct store_unit u;
	int rc;

	*unit_id = 0;
	if (unit_code && *unit_code) {
		rc = store_unit_get_by_code(tx, unit_code, &u);
		if (rc == KT_ENOTFOUND) {
			MSG("no unit with code '%s'", unit_code);
			return rc;
		}
		if (rc != KT_OK)
			return rc;
		if (u.status != 1) {
			MSG("unit '%s' was merged into another unit", unit_code);
			return KT_ESTATE;
		}
		*unit_id = u.id;
	}
	/* ROLE_UNIT_REP (4) needs a unit; a unit without that role means nothing. */
	if ((roles & STORE_ROLE_BIT(4)) && !*unit_id) {
		MSG("the unit_rep role needs --unit CODE");
		return KT_EINVAL;
	}
	if (!(roles & STORE_ROLE_BIT(4)) && *unit_id) {
		MSG("--unit is only for the unit_rep role");
		return KT_EINVAL;
	}
	return KT_OK;
}

static int get_user(struct store_tx *tx, const char *username, struct store_user *u, char *msg,
		    size_t cap)
{
	int rc = store_user_get_by_name(tx, username, u);

	if (rc == KT_ENOTFOUND)
		MSG("no user '%s'", username);
	return rc;
}

int svc_user_add(struct store_tx *tx, const struct svc_actor *who, const char *username,
		 const char *full_name, uint32_t roles, const char *unit_code, const char *pwhash,
		 bool must_change, struct store_user *out, char *msg, size_t cap)
{
	struct store_user u;
	char detail[512], rnames[128];
	int rc;

	if ((rc = svc_username_check(username, msg, cap)) != KT_OK)
		return rc;
	rc = kt_text_check(full_name, strlen(full_name), STORE_NAME_MAX, KT_TEXT_NONEMPTY);
	if (rc != KT_OK) {
		MSG("the full name must be 1 to %d bytes of UTF-8 text on one line",
		    STORE_NAME_MAX);
		return rc;
	}
	memset(&u, 0, sizeof(u));
	if ((rc = check_roles(tx, roles, unit_code, &u.unit_id, msg, cap)) != KT_OK)
		return rc;
	snprintf(u.username, sizeof(u.username), "%s", username);
	snprintf(u.full_name, sizeof(u.full_name), "%s", full_name);
	snprintf(u.pwhash, sizeof(u.pwhash), "%s", pwhash);
	u.roles = roles;
	u.must_change_password = must_change;
	u.created_at = u.updated_at = who->now;
	rc = store_user_create(tx, &u);
	if (rc == KT_EEXIST) {
		MSG("user '%s' already exists", username);
		return rc;
	}
	if (rc != KT_OK)
		return rc;
	svc_roles_format(roles, rnames, sizeof(rnames));
	snprintf(detail, sizeof(detail), "username=%s name=%s roles=%s unit=%lld", username,
		 full_name, rnames, (long long)u.unit_id);
	if ((rc = audit(tx, who, "user.add", "user", u.id, detail)) != KT_OK)
		return rc;
	if (out)
		*out = u;
	return KT_OK;
}

int svc_user_set_disabled(struct store_tx *tx, const struct svc_actor *who, const char *username,
			  bool disabled, struct store_user *out, char *msg, size_t cap)
{
	struct store_user u;
	int rc;

	if ((rc = get_user(tx, username, &u, msg, cap)) != KT_OK)
		return rc;
	if ((rc = store_user_set_disabled(tx, u.id, disabled, who->now)) != KT_OK)
		return rc;
	if (disabled && (rc = store_session_delete_for_user(tx, u.id)) != KT_OK)
		return rc;
	if ((rc = audit(tx, who, disabled ? "user.disable" : "user.enable", "user", u.id,
			username)) != KT_OK)
		return rc;
	u.disabled = disabled;
	if (out)
		*out = u;
	return KT_OK;
}

int svc_user_set_password(struct store_tx *tx, const struct svc_actor *who, const char *username,
			  const char *pwhash, bool must_change, struct store_user *out, char *msg,
			  size_t cap)
{
	struct store_user u;
	int rc;

	if ((rc = get_user(tx, username, &u, msg, cap)) != KT_OK)
		return rc;
	if ((rc = store_user_set_password(tx, u.id, pwhash, must_change, who->now)) != KT_OK)
		return rc;
	/*
	 * A password set by someone else (a reset) ends every session of the user;
	 * a user changing their own keeps the session they are using.
	 */
	if (who->user_id != u.id) {
		if ((rc = store_session_delete_for_user(tx, u.id)) != KT_OK)
			return rc;
	}
	if ((rc = audit(tx, who, who->user_id == u.id ? "user.password_change" : "user.password_reset",
			"user", u.id, username)) != KT_OK)
		return rc;
	u.must_change_password = must_change;
	if (out)
		*out = u;
	return KT_OK;
}

int svc_user_set_roles(struct store_tx *tx, const struct svc_actor *who, const char *username,
		       uint32_t roles, const char *unit_code, struct store_user *out, char *msg,
		       size_t cap)
{
	struct store_user u;
	char detail[256], rnames[128];
	int64_t unit_id;
	int rc;

	if ((rc = get_user(tx, username, &u, msg, cap)) != KT_OK)
		return rc;
	if ((rc = check_roles(tx, roles, unit_code, &unit_id, msg, cap)) != KT_OK)
		return rc;
	if ((rc = store_user_set_roles(tx, u.id, roles, unit_id, who->now)) != KT_OK)
		return rc;
	svc_roles_format(roles, rnames, sizeof(rnames));
	snprintf(detail, sizeof(detail), "roles=%s unit=%lld", rnames, (long long)unit_id);
	if ((rc = audit(tx, who, "user.roles", "user", u.id, detail)) != KT_OK)
		return rc;
	u.roles = roles;
	u.unit_id = unit_id;
	if (out)
		*out = u;
	return KT_OK;
}

int svc_verify_signature(struct store_tx *tx, int64_t device_id, const uint8_t digest[32],
			 const uint8_t *sig, size_t sig_len, uint8_t key_out[32], char *msg,
			 size_t cap)
{
	bool revoked = false;
	int rc;

	if (!sig || sig_len != 64) {
		MSG("an approval needs a 64-byte Ed25519 signature over its digest");
		return KT_EINVAL;
	}
	rc = store_device_get_signing_key(tx, device_id, key_out, &revoked);
	if (rc == KT_ENOTFOUND) {
		MSG("this device has no signing key registered; log in again with a current "
		    "client");
		return KT_EPERM;
	}
	if (rc != KT_OK)
		return rc;
	if (revoked) {
		MSG("this device was revoked; it cannot sign");
		return KT_EPERM;
	}
	if (crypto_sign_verify_detached(sig, digest, 32, key_out) != 0) {
		MSG("the signature does not match the content being approved (it changed, or "
		    "the signing key is not this device's)");
		return KT_EPERM;
	}
	return KT_OK;
}

struct revoke_match {
	const char *prefix;
	size_t prefix_len;
	struct store_device found;
	int matches;
};

static int match_device(const struct store_device *d, void *arg)
{
	struct revoke_match *m = arg;
	char fp[KT_FINGERPRINT_LEN];

	kt_fingerprint(d->pubkey, fp);
	if (strncmp(fp, m->prefix, m->prefix_len) == 0) {
		m->found = *d;
		m->matches++;
	}
	return 0;
}

int svc_device_revoke(struct store_tx *tx, const struct svc_actor *who, const char *username,
		      const char *fingerprint_prefix, struct store_device *out,
		      int64_t *sessions_ended, char *msg, size_t cap)
{
	struct revoke_match m = {.prefix = fingerprint_prefix};
	struct store_user u;
	char detail[160];
	int rc;

	*sessions_ended = 0;
	m.prefix_len = strlen(fingerprint_prefix);
	if (strncmp(fingerprint_prefix, "SHA256:", 7) != 0 || m.prefix_len < 7 + 4) {
		MSG("name the device by its fingerprint as 'user show' prints it: SHA256: and at "
		    "least 4 more characters");
		return KT_EINVAL;
	}
	if ((rc = get_user(tx, username, &u, msg, cap)) != KT_OK)
		return rc;
	if ((rc = store_device_list(tx, u.id, match_device, &m)) < 0)
		return rc;
	if (m.matches == 0) {
		MSG("'%s' has no device whose fingerprint starts with %s", username,
		    fingerprint_prefix);
		return KT_ENOTFOUND;
	}
	if (m.matches > 1) {
		MSG("%d devices of '%s' start with %s; give more of the fingerprint", m.matches,
		    username, fingerprint_prefix);
		return KT_EINVAL;
	}
	if (m.found.revoked) {
		MSG("that device of '%s' is already revoked", username);
		return KT_ESTATE;
	}
	if ((rc = store_device_set_revoked(tx, m.found.id, true)) != KT_OK)
		return rc;
	if ((rc = store_session_delete_for_device(tx, m.found.id, sessions_ended)) != KT_OK)
		return rc;
	snprintf(detail, sizeof(detail), "device %lld of %s revoked", (long long)m.found.id,
		 username);
	if ((rc = audit(tx, who, "device.revoke", "device", m.found.id, detail)) != KT_OK)
		return rc;
	m.found.revoked = true;
	*out = m.found;
	return KT_OK;
}

void svc_token_hash(const uint8_t token[32], uint8_t out[32])
{
	crypto_generichash(out, 32, token, 32, NULL, 0);
}

int svc_login(struct store_tx *tx, const struct svc_actor *who, int64_t user_id,
	      const uint8_t device_pub[32], const char *device_name,
	      const uint8_t *signing_key, const uint8_t token_hash[32],
	      int64_t expires_at, struct store_user *user, struct store_session *session,
	      bool *enrolled, char *msg, size_t cap)
{
	struct store_device d;
	char detail[STORE_NAME_MAX + 64];
	int rc;

	*enrolled = false;
	if ((rc = store_user_get(tx, user_id, user)) != KT_OK)
		return rc;
	/* The account may have been disabled while the password was being checked. */
	if (user->disabled) {
		MSG("account '%s' is disabled", user->username);
		return KT_EPERM;
	}
	rc = store_device_find(tx, user_id, device_pub, &d);
	if (rc == KT_ENOTFOUND) {
		memset(&d, 0, sizeof(d));
		d.user_id = user_id;
		memcpy(d.pubkey, device_pub, 32);
		snprintf(d.name, sizeof(d.name), "%s", device_name ? device_name : "");
		d.enrolled_at = d.last_seen_at = who->now;
		if ((rc = store_device_add(tx, &d)) != KT_OK)
			return rc;
		*enrolled = true;
		snprintf(detail, sizeof(detail), "device %lld enrolled: %s", (long long)d.id,
			 d.name);
		if ((rc = audit(tx, who, "device.enrol", "device", d.id, detail)) != KT_OK)
			return rc;
	} else if (rc != KT_OK) {
		return rc;
	} else if (d.revoked) {
		MSG("this device was revoked for '%s'; ask the administrator", user->username);
		return KT_EPERM;
	} else if ((rc = store_device_touch(tx, d.id, who->now)) != KT_OK) {
		return rc;
	}
	if (signing_key) {
		uint8_t old[32];
		bool revoked;
		int have = store_device_get_signing_key(tx, d.id, old, &revoked);
		if (have != KT_OK && have != KT_ENOTFOUND)
			return have;
		if (have == KT_ENOTFOUND || sodium_memcmp(old, signing_key, 32) != 0) {
			char hex[65];
			if ((rc = store_device_set_signing_key(tx, d.id, signing_key)) != KT_OK)
				return rc;
			sodium_bin2hex(hex, sizeof(hex), signing_key, 32);
			snprintf(detail, sizeof(detail), "device %lld signing key %s",
				 (long long)d.id, hex);
			if ((rc = audit(tx, who, "device.signing_key", "device", d.id, detail)) !=
			    KT_OK)
				return rc;
		}
	}
	memset(session, 0, sizeof(*session));
	session->user_id = user_id;
	session->device_id = d.id;
	memcpy(session->token_hash, token_hash, 32);
	session->created_at = session->last_used_at = who->now;
	session->expires_at = expires_at;
	if ((rc = store_session_create(tx, session)) != KT_OK)
		return rc;
	snprintf(detail, sizeof(detail), "session %lld device %lld", (long long)session->id,
		 (long long)d.id);
	struct svc_actor self = *who;
	self.user_id = user_id;
	self.name = user->username;
	self.session_id = session->id;
	return audit(tx, &self, "auth.login", "user", user_id, detail);
}

int svc_resume(struct store_tx *tx, int64_t now, const uint8_t token_hash[32],
	       const uint8_t device_pub[32], int64_t ttl_ms, int64_t max_ms,
	       struct store_user *user, struct store_session *session, char *msg, size_t cap)
{
	struct store_device d;
	int64_t exp;
	int rc;

	rc = store_session_get_by_hash(tx, token_hash, session);
	if (rc == KT_ENOTFOUND || (rc == KT_OK && session->expires_at <= now)) {
		MSG("the session has expired or was ended; log in again");
		return KT_EUNAUTH;
	}
	if (rc != KT_OK)
		return rc;
	if ((rc = store_user_get(tx, session->user_id, user)) != KT_OK)
		return rc;
	if (user->disabled) {
		MSG("account '%s' is disabled", user->username);
		return KT_EPERM;
	}
	rc = store_device_find(tx, user->id, device_pub, &d);
	if (rc == KT_ENOTFOUND || (rc == KT_OK && d.id != session->device_id)) {
		MSG("this session was issued to another device; log in again from this one");
		return KT_EUNAUTH;
	}
	if (rc != KT_OK)
		return rc;
	if (d.revoked) {
		MSG("this device was revoked; ask the administrator");
		return KT_EPERM;
	}
	exp = now + ttl_ms;
	if (exp > session->created_at + max_ms)
		exp = session->created_at + max_ms;
	if ((rc = store_session_touch(tx, session->id, now, exp)) != KT_OK)
		return rc;
	session->last_used_at = now;
	session->expires_at = exp;
	return store_device_touch(tx, d.id, now);
}

int svc_logout(struct store_tx *tx, const struct svc_actor *who, int64_t session_id)
{
	int rc = store_session_delete(tx, session_id);

	if (rc != KT_OK && rc != KT_ENOTFOUND)
		return rc;
	return audit(tx, who, "auth.logout", "session", session_id, "");
}
