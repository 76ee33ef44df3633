/*
 * rpc_auth.c - the account methods: ping, login, resume, logout, whoami,
 * password change. Protobuf mapping and flow only: rules live in svc_users.c,
 * hashing in auth.c.
 *
 * Login, step by step (each arrow is a hop between threads):
 *   start (loop: validate, throttle) -> lookup (storage: user by name)
 *   -> verify (thread pool: Argon2id, the dummy hash for unknown users)
 *   -> commit (storage: enrol device, create session, audit) -> finish (loop:
 *   the connection becomes authenticated) -> reply.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/server.h"

/* ---- mapping ---------------------------------------------------------------------- */

static Kiemtra__V1__User *pb_user(struct call *call, const struct store_user *u)
{
	Kiemtra__V1__User *p = call_alloc(call, sizeof(*p));
	size_t n = 0;

	if (!p)
		return NULL;
	kiemtra__v1__user__init(p);
	p->id = u->id;
	p->username = call_strdup(call, u->username);
	p->full_name = call_strdup(call, u->full_name);
	p->roles = call_alloc(call, 8 * sizeof(*p->roles));
	for (int r = 1; r < 8 && p->roles; r++)
		if (u->roles & STORE_ROLE_BIT(r))
			p->roles[n++] = (Kiemtra__V1__Role)r;
	p->n_roles = n;
	p->unit_id = u->unit_id;
	p->disabled = u->disabled;
	p->created_at = u->created_at;
	if (!p->username || !p->full_name || !p->roles)
		return NULL;
	return p;
}

static void set_auth(struct conn *c, const struct store_user *u, const struct store_session *s)
{
	c->user_id = u->id;
	c->session_id = s->id;
	snprintf(c->username, sizeof(c->username), "%s", u->username);
	c->roles = u->roles;
	c->unit_id = u->unit_id;
	c->must_change_password = u->must_change_password;
	c->session_started_at = s->created_at;
	c->session_expires_at = s->expires_at;
	c->device_id = s->device_id;
	/* Authenticated connections may send larger frames. */
	c->fr.max_frame = KT_FRAME_MAX;
}

static void wipe_str(char *s)
{
	if (s && s != protobuf_c_empty_string)
		sodium_memzero(s, strlen(s));
}

/* ---- ping -------------------------------------------------------------------------- */

static void ping_start(struct call *call)
{
	Kiemtra__V1__PingReq *q = call->req->ping;
	Kiemtra__V1__PingResp *p;

	if (q->data.len > 256) {
		call_fail(call, KT_ETOOBIG, "ping data is limited to 256 bytes");
		call_reply(call);
		return;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p) {
		call_fail(call, KT_ENOMEM, "out of memory");
		call_reply(call);
		return;
	}
	kiemtra__v1__ping_resp__init(p);
	p->data = q->data; /* points into the request, which outlives the reply */
	p->server_time = server_now_ms();
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_PING;
	call->resp.ping = p;
	call_reply(call);
}

/* ---- login ---------------------------------------------------------------------------- */

struct login_state {
	char username[STORE_USERNAME_MAX + 1];
	struct store_user user;
	bool found;
	uint8_t token[32];
	uint8_t token_hash[32];
	int64_t expires_at;
	struct store_session session;
	bool enrolled;
};

static void login_end(struct call *call)
{
	struct conn *c = call->conn;

	c->login_pending = false;
	if (call->req->body_case == KIEMTRA__V1__REQUEST__BODY_LOGIN)
		wipe_str(call->req->login->password);
	call_reply(call);
}

static int login_commit_run(struct store_tx *tx, struct worker_job *job)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct login_state *st = call->state;
	Kiemtra__V1__LoginReq *q = call->req->login;
	const uint8_t *sk = q->signing_key.len == 32 ? q->signing_key.data : NULL;

	return svc_login(tx, &call->who, st->user.id, call->device_pub, q->device_name, sk,
			 st->token_hash, st->expires_at, &st->user, &st->session, &st->enrolled,
			 call->msg, sizeof(call->msg));
}

static void login_commit_done(struct worker_job *job, int rc)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct login_state *st = call->state;
	struct conn *c = call->conn;
	Kiemtra__V1__LoginResp *p;

	call->rc = rc;
	if (rc != KT_OK || c->state != CONN_OPEN) {
		login_end(call);
		return;
	}
	set_auth(c, &st->user, &st->session);
	auth_throttle_success(c->srv->auth, c->peer_host, st->username);
	c->srv->stats.logins_ok++;
	p = call_alloc(call, sizeof(*p));
	if (!p) {
		call_fail(call, KT_ENOMEM, "out of memory");
		login_end(call);
		return;
	}
	kiemtra__v1__login_resp__init(p);
	p->session_token.data = st->token;
	p->session_token.len = sizeof(st->token);
	p->user = pb_user(call, &st->user);
	p->device_enrolled = st->enrolled;
	p->must_change_password = st->user.must_change_password;
	p->expires_at = st->expires_at;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_LOGIN;
	call->resp.login = p;
	fprintf(stderr, "kiemtrad: login %s from %s device %s%s\n", st->username, c->peer,
		c->device_fp, st->enrolled ? " (enrolled)" : "");
	login_end(call);
}

/*
 * The throttle's refusal: "too many <what>", wait_ms (0: the backoff has just
 * ended) before the next try.
 */
static void throttled(struct call *call, const char *what, uint32_t wait_ms)
{
	if (!wait_ms)
		wait_ms = 1000;
	call->retry_after_ms = wait_ms;
	call_fail(call, KT_ELIMIT, "too many %s; try again in %u s", what, (wait_ms + 999) / 1000);
}

#define LOGIN_FAILURES "failed logins from this address or for this account"
#define WRONG_PASSWORDS "wrong passwords"

static void login_verified(void *arg, int rc)
{
	struct call *call = arg;
	struct login_state *st = call->state;
	struct conn *c = call->conn;
	struct server *s = c->srv;

	/*
	 * A wrong password counts even when the client has already hung up:
	 * otherwise guessing and disconnecting before the answer would escape
	 * the throttle while still costing an Argon2id verification each.
	 */
	if (rc == KT_EUNAUTH) {
		auth_throttle_failure(s->auth, c->peer_host, st->username, uv_now(s->loop));
		s->stats.logins_failed++;
		call_fail(call, KT_EUNAUTH, "wrong username or password");
		login_end(call);
		return;
	}
	if (rc == KT_ELIMIT) {
		/* Attempts sent before it, at the same time, failed meanwhile. */
		throttled(
		    call, LOGIN_FAILURES,
		    auth_throttle_check(s->auth, c->peer_host, st->username, uv_now(s->loop)));
		login_end(call);
		return;
	}
	if (c->state != CONN_OPEN) {
		call->rc = KT_ESHUTDOWN;
		login_end(call);
		return;
	}
	if (rc != KT_OK) {
		call_fail(call, rc, "the password could not be checked (%s)", kt_strerror(rc));
		login_end(call);
		return;
	}
	if (st->user.disabled) {
		call_fail(call, KT_EPERM, "account '%s' is disabled; ask the administrator",
			  st->username);
		login_end(call);
		return;
	}
	randombytes_buf(st->token, sizeof(st->token));
	svc_token_hash(st->token, st->token_hash);
	call->who.now = server_now_ms();
	st->expires_at = call->who.now + s->cfg.session_ttl_ms;
	call->job.run = login_commit_run;
	call->job.run_raw = NULL;
	call->job.done = login_commit_done;
	worker_submit(s->worker, &call->job);
}

static int login_lookup_run(struct store_tx *tx, struct worker_job *job)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct login_state *st = call->state;
	int rc = store_user_get_by_name(tx, st->username, &st->user);

	st->found = rc == KT_OK;
	return rc == KT_ENOTFOUND ? KT_OK : rc;
}

static void login_lookup_done(struct worker_job *job, int rc)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct login_state *st = call->state;
	struct server *s = call->conn->srv;

	if (rc != KT_OK) {
		call->rc = rc;
		login_end(call);
		return;
	}
	rc = auth_verify(s->auth, st->found ? st->user.pwhash : NULL, call->req->login->password,
			 call->conn->peer_host, st->username, login_verified, call);
	if (rc == KT_ELIMIT) {
		call->retry_after_ms = 1000;
		call_fail(call, KT_ELIMIT, "the server is busy with other logins; try again");
		login_end(call);
	} else if (rc != KT_OK) {
		call_fail(call, rc, "the password could not be checked (%s)", kt_strerror(rc));
		login_end(call);
	}
}

static void login_start(struct call *call)
{
	Kiemtra__V1__LoginReq *q = call->req->login;
	struct conn *c = call->conn;
	struct login_state *st;
	size_t ulen = strlen(q->username);
	uint32_t wait;

	call->wipe = true;
	if (c->login_pending) {
		call_fail(call, KT_ESTATE, "a login is already in progress on this connection");
		goto refuse;
	}
	if (c->user_id) {
		call_fail(call, KT_ESTATE, "this connection is already logged in as '%s'",
			  c->username);
		goto refuse;
	}
	if (ulen == 0 || ulen > STORE_USERNAME_MAX ||
	    kt_text_check(q->username, ulen, STORE_USERNAME_MAX, KT_TEXT_NONEMPTY) != KT_OK) {
		call_fail(call, KT_EINVAL, "the username must be 1 to %d characters of text",
			  STORE_USERNAME_MAX);
		goto refuse;
	}
	if (strlen(q->password) > AUTH_PASSWORD_MAX) {
		call_fail(call, KT_EINVAL, "the password is longer than %d bytes",
			  AUTH_PASSWORD_MAX);
		goto refuse;
	}
	if (q->signing_key.len != 0 && q->signing_key.len != 32) {
		call_fail(call, KT_EINVAL, "a signing key is a 32-byte Ed25519 public key");
		goto refuse;
	}
	if (kt_text_check(q->device_name, strlen(q->device_name), STORE_NAME_MAX, 0) != KT_OK) {
		call_fail(call, KT_EINVAL, "the device name must be at most %d bytes of text",
			  STORE_NAME_MAX);
		goto refuse;
	}
	st = call_alloc(call, sizeof(*st));
	if (!st) {
		call_fail(call, KT_ENOMEM, "out of memory");
		goto refuse;
	}
	call->state = st;
	for (size_t i = 0; i <= ulen; i++) /* usernames are lower case */
		st->username[i] = (char)tolower((unsigned char)q->username[i]);
	wait = auth_throttle_check(c->srv->auth, c->peer_host, st->username, uv_now(c->srv->loop));
	if (wait) {
		throttled(call, LOGIN_FAILURES, wait);
		goto refuse;
	}
	c->login_pending = true;
	call->job.run = login_lookup_run;
	call->job.run_raw = NULL;
	call->job.done = login_lookup_done;
	worker_submit(c->srv->worker, &call->job);
	return;
refuse:
	wipe_str(q->password);
	call_reply(call);
}

/* ---- resume ---------------------------------------------------------------------------- */

struct resume_state {
	struct store_user user;
	struct store_session session;
};

static int resume_run(struct store_tx *tx, struct call *call)
{
	struct resume_state *st = call->state;
	struct server_config *cfg = &call->conn->srv->cfg; /* immutable after start */
	uint8_t hash[32];
	int rc;

	svc_token_hash(call->req->resume->session_token.data, hash);
	rc = svc_resume(tx, call->who.now, hash, call->device_pub, cfg->session_ttl_ms,
			cfg->session_max_ms, &st->user, &st->session, call->msg, sizeof(call->msg));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

static void resume_finish(struct call *call)
{
	struct resume_state *st = call->state;
	Kiemtra__V1__ResumeResp *p = call_alloc(call, sizeof(*p));

	set_auth(call->conn, &st->user, &st->session);
	if (!p) {
		call_fail(call, KT_ENOMEM, "out of memory");
		return;
	}
	kiemtra__v1__resume_resp__init(p);
	p->user = pb_user(call, &st->user);
	p->must_change_password = st->user.must_change_password;
	p->expires_at = st->session.expires_at;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_RESUME;
	call->resp.resume = p;
}

static void resume_start(struct call *call)
{
	struct conn *c = call->conn;

	call->wipe = true;
	if (c->login_pending || c->user_id) {
		call_fail(call, KT_ESTATE, "this connection is already logged in or logging in");
		call_reply(call);
		return;
	}
	if (call->req->resume->session_token.len != 32) {
		call_fail(call, KT_EINVAL, "a session token has 32 bytes");
		call_reply(call);
		return;
	}
	call->state = call_alloc(call, sizeof(struct resume_state));
	if (!call->state) {
		call_fail(call, KT_ENOMEM, "out of memory");
		call_reply(call);
		return;
	}
	call_submit(call);
}

/* ---- logout ---------------------------------------------------------------------------- */

static int logout_run(struct store_tx *tx, struct call *call)
{
	return svc_logout(tx, &call->who, call->who.session_id);
}

static void logout_finish(struct call *call)
{
	struct conn *c = call->conn;
	Kiemtra__V1__LogoutResp *p = call_alloc(call, sizeof(*p));

	c->user_id = 0;
	c->session_id = 0;
	c->username[0] = '\0';
	c->roles = 0;
	c->unit_id = 0;
	c->must_change_password = false;
	c->device_id = 0;
	events_forget(c);
	c->fr.max_frame = CONN_FRAME_MAX_UNAUTH;
	if (p) {
		kiemtra__v1__logout_resp__init(p);
		call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_LOGOUT;
		call->resp.logout = p;
	}
}

/* ---- whoami ---------------------------------------------------------------------------- */

struct whoami_state {
	struct store_user user;
	char peer[64];
	int64_t started, expires;
	bool must_change;
};

static int whoami_run(struct store_tx *tx, struct call *call)
{
	struct whoami_state *st = call->state;
	Kiemtra__V1__WhoamiResp *p;
	char fp[KT_FINGERPRINT_LEN];
	int rc = store_user_get(tx, call->who.user_id, &st->user);

	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__whoami_resp__init(p);
	p->user = pb_user(call, &st->user);
	kt_fingerprint(call->device_pub, fp);
	p->device_fingerprint = call_strdup(call, fp);
	p->session_started_at = st->started;
	p->session_expires_at = st->expires;
	p->peer_address = call_strdup(call, st->peer);
	p->must_change_password = st->must_change;
	if (!p->user || !p->device_fingerprint || !p->peer_address)
		return call_fail(call, KT_ENOMEM, "out of memory");
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_WHOAMI;
	call->resp.whoami = p;
	return KT_OK;
}

static void whoami_start(struct call *call)
{
	struct conn *c = call->conn;
	struct whoami_state *st = call_alloc(call, sizeof(*st));

	if (!st) {
		call_fail(call, KT_ENOMEM, "out of memory");
		call_reply(call);
		return;
	}
	snprintf(st->peer, sizeof(st->peer), "%s", c->peer);
	st->started = c->session_started_at;
	st->expires = c->session_expires_at;
	st->must_change = c->must_change_password;
	call->state = st;
	call_submit(call);
}

/* ---- password change --------------------------------------------------------------------- */

struct pwchange_state {
	struct store_user user;
	char newhash[STORE_PWHASH_MAX + 1];
};

static void pwchange_end(struct call *call)
{
	wipe_str(call->req->password_change->old_password);
	wipe_str(call->req->password_change->new_password);
	call_reply(call);
}

static int pwchange_commit_run(struct store_tx *tx, struct worker_job *job)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct pwchange_state *st = call->state;

	return svc_user_set_password(tx, &call->who, call->username, st->newhash, false, NULL,
				     call->msg, sizeof(call->msg));
}

static void pwchange_commit_done(struct worker_job *job, int rc)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	Kiemtra__V1__PasswordChangeResp *p;

	call->rc = rc;
	if (rc == KT_OK && call->conn->state == CONN_OPEN) {
		call->conn->must_change_password = false;
		p = call_alloc(call, sizeof(*p));
		if (p) {
			kiemtra__v1__password_change_resp__init(p);
			call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_PASSWORD_CHANGE;
			call->resp.password_change = p;
		}
	}
	pwchange_end(call);
}

static void pwchange_hashed(void *arg, int rc, const char *hash)
{
	struct call *call = arg;
	struct pwchange_state *st = call->state;

	if (rc != KT_OK) {
		call_fail(call, rc, "the new password could not be hashed (%s)", kt_strerror(rc));
		pwchange_end(call);
		return;
	}
	snprintf(st->newhash, sizeof(st->newhash), "%s", hash);
	call->who.now = server_now_ms();
	call->job.run = pwchange_commit_run;
	call->job.done = pwchange_commit_done;
	worker_submit(call->conn->srv->worker, &call->job);
}

static void pwchange_verified(void *arg, int rc)
{
	struct call *call = arg;
	struct server *s = call->conn->srv;

	if (rc == KT_EUNAUTH) {
		auth_throttle_failure(s->auth, call->peer_host, call->username, uv_now(s->loop));
		call_fail(call, KT_EPERM, "the current password is wrong");
		pwchange_end(call);
		return;
	}
	if (rc == KT_ELIMIT) {
		throttled(
		    call, WRONG_PASSWORDS,
		    auth_throttle_check(s->auth, call->peer_host, call->username, uv_now(s->loop)));
		pwchange_end(call);
		return;
	}
	if (rc == KT_OK)
		rc = auth_hash(s->auth, call->req->password_change->new_password, pwchange_hashed,
			       call);
	if (rc != KT_OK) {
		call_fail(call, rc, "the password could not be checked (%s)", kt_strerror(rc));
		pwchange_end(call);
	}
}

static int pwchange_lookup_run(struct store_tx *tx, struct worker_job *job)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct pwchange_state *st = call->state;

	return store_user_get(tx, call->who.user_id, &st->user);
}

static void pwchange_lookup_done(struct worker_job *job, int rc)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));
	struct pwchange_state *st = call->state;

	if (rc == KT_OK)
		rc = auth_verify(call->conn->srv->auth, st->user.pwhash,
				 call->req->password_change->old_password, call->peer_host,
				 call->username, pwchange_verified, call);
	if (rc != KT_OK) {
		call->rc = rc;
		pwchange_end(call);
	}
}

static void pwchange_start(struct call *call)
{
	Kiemtra__V1__PasswordChangeReq *q = call->req->password_change;
	struct server *s = call->conn->srv;
	uint32_t wait;

	call->wipe = true;
	if (strcmp(q->old_password, q->new_password) == 0) {
		call_fail(call, KT_EINVAL, "the new password must differ from the current one");
		pwchange_end(call);
		return;
	}
	if (strlen(q->old_password) > AUTH_PASSWORD_MAX ||
	    auth_password_policy(call->username, q->new_password, call->msg, sizeof(call->msg)) !=
		KT_OK) {
		if (!call->msg[0])
			snprintf(call->msg, sizeof(call->msg), "the current password is too long");
		call->rc = KT_EINVAL;
		pwchange_end(call);
		return;
	}
	wait = auth_throttle_check(s->auth, call->peer_host, call->username, uv_now(s->loop));
	if (wait) {
		throttled(call, WRONG_PASSWORDS, wait);
		pwchange_end(call);
		return;
	}
	call->state = call_alloc(call, sizeof(struct pwchange_state));
	if (!call->state) {
		call_fail(call, KT_ENOMEM, "out of memory");
		pwchange_end(call);
		return;
	}
	call->job.run = pwchange_lookup_run;
	call->job.run_raw = NULL;
	call->job.done = pwchange_lookup_done;
	worker_submit(s->worker, &call->job);
}

const struct method rpc_auth_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_PING, "ping", M_NOAUTH | M_MUSTCHANGE, 0, ping_start, NULL, NULL},
    {KIEMTRA__V1__REQUEST__BODY_LOGIN, "auth.login", M_NOAUTH | M_MUSTCHANGE, 0, login_start, NULL,
     NULL},
    {KIEMTRA__V1__REQUEST__BODY_RESUME, "auth.resume", M_NOAUTH | M_MUSTCHANGE, 0, resume_start,
     resume_run, resume_finish},
    {KIEMTRA__V1__REQUEST__BODY_LOGOUT, "auth.logout", M_MUSTCHANGE, 0, NULL, logout_run,
     logout_finish},
    {KIEMTRA__V1__REQUEST__BODY_WHOAMI, "auth.whoami", M_MUSTCHANGE, 0, whoami_start, whoami_run,
     NULL},
    {KIEMTRA__V1__REQUEST__BODY_PASSWORD_CHANGE, "auth.password_change", M_MUSTCHANGE, 0,
     pwchange_start, NULL, NULL},
};
const size_t rpc_auth_nmethods = sizeof(rpc_auth_methods) / sizeof(rpc_auth_methods[0]);
