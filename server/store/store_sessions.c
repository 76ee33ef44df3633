/*
 * store_sessions.c - devices (a client install's Noise static key, enrolled
 * per user; unique per (user_id, pubkey)) and sessions (login tokens, of which
 * only the caller's 32-byte hash is stored). Portable SQL only.
 */
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"

#define DEVICE_COLUMNS "id, user_id, pubkey, name, enrolled_at, last_seen_at, revoked"
#define SESSION_COLUMNS                                                                            \
	"id, user_id, COALESCE(device_id, 0), token_hash, created_at, last_used_at, expires_at"

/* Copy a 32-byte key column; KT_ECORRUPT for any other length. */
static int col_key(struct db_stmt *s, int col, uint8_t out[32])
{
	size_t n;
	const void *p = db_column_blob(s, col, &n);

	if (n != 32)
		return KT_ECORRUPT;
	memcpy(out, p, 32);
	return 0;
}

static int device_row(struct db_stmt *s, struct store_device *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->id = db_column_int64(s, 0);
	d->user_id = db_column_int64(s, 1);
	if ((rc = col_key(s, 2, d->pubkey)) < 0 ||
	    (rc = store_col_text(s, 3, d->name, sizeof(d->name))) < 0)
		return rc;
	d->enrolled_at = db_column_int64(s, 4);
	d->last_seen_at = db_column_int64(s, 5);
	d->revoked = db_column_int64(s, 6) != 0;
	return 0;
}

int store_device_find(struct store_tx *tx, int64_t user_id, const uint8_t pubkey[32],
		      struct store_device *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = ?1 AND pubkey = ?2",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, user_id);
	db_bind_blob(s, 2, pubkey, 32);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = device_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_device_add(struct store_tx *tx, struct store_device *d)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	rc = store_str_check(d->name, STORE_NAME_MAX, &n);
	if (rc < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO devices (user_id, pubkey, name, enrolled_at, last_seen_at, "
			"revoked, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, d->user_id);
	db_bind_blob(s, 2, d->pubkey, 32);
	db_bind_text(s, 3, d->name, n);
	db_bind_int64(s, 4, d->enrolled_at);
	db_bind_int64(s, 5, d->last_seen_at);
	db_bind_int64(s, 6, d->revoked);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	d->id = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_device_touch(struct store_tx *tx, int64_t id, int64_t now)
{
	return store_exec_i64(
	    tx, "UPDATE devices SET last_seen_at = ?2, version = version + 1 WHERE id = ?1", true,
	    2, id, now);
}

int store_device_set_signing_key(struct store_tx *tx, int64_t id, const uint8_t key[32])
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(
	    tx->db, "UPDATE devices SET signing_key = ?2, version = version + 1 WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_blob(s, 2, key, 32);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}

int store_device_get_signing_key(struct store_tx *tx, int64_t id, uint8_t key[32], bool *revoked)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT signing_key, revoked FROM devices WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	{
		size_t n = 0;
		const void *p = db_column_blob(s, 0, &n);
		if (!p || n != 32) {
			rc = KT_ENOTFOUND;
			goto out;
		}
		memcpy(key, p, 32);
	}
	*revoked = db_column_int64(s, 1) != 0;
	rc = KT_OK;
out:
	db_finish(s);
	return rc;
}

int store_device_list(struct store_tx *tx, int64_t user_id,
		      int (*fn)(const struct store_device *d, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	struct store_device d;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = ?1 "
			"ORDER BY id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, user_id);
	while ((rc = db_step(s)) == DB_ROW) {
		rc = device_row(s, &d);
		if (rc < 0)
			goto out;
		rc = fn(&d, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_device_set_revoked(struct store_tx *tx, int64_t id, bool revoked)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE devices SET revoked = ?2, version = version + 1 WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, revoked);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}

/* ---- sessions -------------------------------------------------------------- */

static int session_row(struct db_stmt *s, struct store_session *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->id = db_column_int64(s, 0);
	out->user_id = db_column_int64(s, 1);
	out->device_id = db_column_int64(s, 2);
	rc = col_key(s, 3, out->token_hash);
	if (rc < 0)
		return rc;
	out->created_at = db_column_int64(s, 4);
	out->last_used_at = db_column_int64(s, 5);
	out->expires_at = db_column_int64(s, 6);
	return 0;
}

int store_session_create(struct store_tx *tx, struct store_session *ss)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"INSERT INTO sessions (user_id, device_id, token_hash, created_at, "
			"last_used_at, expires_at, version) "
			"VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, ss->user_id);
	db_bind_int64(s, 2, ss->device_id);
	db_bind_blob(s, 3, ss->token_hash, 32);
	db_bind_int64(s, 4, ss->created_at);
	db_bind_int64(s, 5, ss->last_used_at);
	db_bind_int64(s, 6, ss->expires_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	ss->id = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_session_get_by_hash(struct store_tx *tx, const uint8_t token_hash[32],
			      struct store_session *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " SESSION_COLUMNS " FROM sessions WHERE token_hash = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_blob(s, 1, token_hash, 32);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = session_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_session_touch(struct store_tx *tx, int64_t id, int64_t now, int64_t expires_at)
{
	return store_exec_i64(tx,
			      "UPDATE sessions SET last_used_at = ?2, expires_at = ?3, "
			      "version = version + 1 WHERE id = ?1",
			      true, 3, id, now, expires_at);
}

/* Run a DELETE with one int64 parameter; *n gets the rows deleted. */
static int delete_by(struct store_tx *tx, const char *sql, int64_t v, int64_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, sql, &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, v);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	*n = db_changes(tx->db);
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_session_delete(struct store_tx *tx, int64_t id)
{
	int64_t n = 0;
	int rc = delete_by(tx, "DELETE FROM sessions WHERE id = ?1", id, &n);

	if (rc == 0 && n == 0)
		rc = KT_ENOTFOUND;
	return rc;
}

int store_session_delete_for_user(struct store_tx *tx, int64_t user_id)
{
	int64_t n;

	return delete_by(tx, "DELETE FROM sessions WHERE user_id = ?1", user_id, &n);
}

int store_session_delete_for_device(struct store_tx *tx, int64_t device_id, int64_t *deleted)
{
	return delete_by(tx, "DELETE FROM sessions WHERE device_id = ?1", device_id, deleted);
}

int store_session_delete_expired(struct store_tx *tx, int64_t now)
{
	int64_t n;

	return delete_by(tx, "DELETE FROM sessions WHERE expires_at <= ?1", now, &n);
}
