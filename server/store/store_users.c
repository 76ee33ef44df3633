/*
 * store_users.c - the users table (see store.h). Portable SQL only.
 *
 * Usernames are unique (the UNIQUE key gives KT_EEXIST); their format is the
 * services' business. unit_id 0 is stored as NULL (a foreign key to units).
 */
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"

#define USER_COLUMNS                                                                               \
	"id, username, full_name, roles, COALESCE(unit_id, 0), disabled, "                         \
	"must_change_password, pwhash, created_at, updated_at, version"

static int user_row(struct db_stmt *s, struct store_user *u)
{
	int rc;

	memset(u, 0, sizeof(*u));
	u->id = db_column_int64(s, 0);
	if ((rc = store_col_text(s, 1, u->username, sizeof(u->username))) < 0 ||
	    (rc = store_col_text(s, 2, u->full_name, sizeof(u->full_name))) < 0 ||
	    (rc = store_col_text(s, 7, u->pwhash, sizeof(u->pwhash))) < 0)
		return rc;
	u->roles = (uint32_t)db_column_int64(s, 3);
	u->unit_id = db_column_int64(s, 4);
	u->disabled = db_column_int64(s, 5) != 0;
	u->must_change_password = db_column_int64(s, 6) != 0;
	u->created_at = db_column_int64(s, 8);
	u->updated_at = db_column_int64(s, 9);
	u->version = db_column_int64(s, 10);
	return 0;
}

int store_user_create(struct store_tx *tx, struct store_user *u)
{
	struct db_stmt *s = NULL;
	size_t nu, nf, np;
	int rc;

	if ((rc = store_str_check(u->username, STORE_USERNAME_MAX, &nu)) < 0 ||
	    (rc = store_str_check(u->full_name, STORE_NAME_MAX, &nf)) < 0 ||
	    (rc = store_str_check(u->pwhash, STORE_PWHASH_MAX, &np)) < 0)
		goto out;
	if (u->updated_at == 0)
		u->updated_at = u->created_at;
	rc = db_prepare(tx->db,
			"INSERT INTO users (username, full_name, roles, unit_id, disabled, "
			"must_change_password, pwhash, created_at, updated_at, version) "
			"VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, u->username, nu);
	db_bind_text(s, 2, u->full_name, nf);
	db_bind_int64(s, 3, u->roles);
	db_bind_int64(s, 4, u->unit_id);
	db_bind_int64(s, 5, u->disabled);
	db_bind_int64(s, 6, u->must_change_password);
	db_bind_text(s, 7, u->pwhash, np);
	db_bind_int64(s, 8, u->created_at);
	db_bind_int64(s, 9, u->updated_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	u->id = db_column_int64(s, 0);
	u->version = 1;
out:
	db_finish(s);
	return rc;
}

int store_user_get(struct store_tx *tx, int64_t id, struct store_user *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = user_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_user_get_by_name(struct store_tx *tx, const char *username, struct store_user *out)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	rc = store_str_check(username, STORE_USERNAME_MAX, &n);
	if (rc < 0) {
		rc = KT_ENOTFOUND; /* too long to be anyone's name */
		goto out;
	}
	rc = db_prepare(tx->db, "SELECT " USER_COLUMNS " FROM users WHERE username = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, username, n);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = user_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_user_list(struct store_tx *tx, int (*fn)(const struct store_user *u, void *arg),
		    void *arg)
{
	struct db_stmt *s = NULL;
	struct store_user u;
	int rc;

	rc = db_prepare(tx->db, "SELECT " USER_COLUMNS " FROM users ORDER BY username", &s);
	if (rc < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		rc = user_row(s, &u);
		if (rc < 0)
			goto out;
		rc = fn(&u, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_user_count(struct store_tx *tx, int64_t *count)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT COUNT(*) FROM users", &s);
	if (rc < 0)
		goto out;
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	*count = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_user_set_password(struct store_tx *tx, int64_t id, const char *pwhash, bool must_change,
			    int64_t now)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	rc = store_str_check(pwhash, STORE_PWHASH_MAX, &n);
	if (rc < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE users SET pwhash = ?2, must_change_password = ?3, updated_at = ?4, "
			"version = version + 1 WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, pwhash, n);
	db_bind_int64(s, 3, must_change);
	db_bind_int64(s, 4, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}

int store_user_set_disabled(struct store_tx *tx, int64_t id, bool disabled, int64_t now)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE users SET disabled = ?2, updated_at = ?3, version = version + 1 "
			"WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, disabled);
	db_bind_int64(s, 3, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}

int store_user_set_roles(struct store_tx *tx, int64_t id, uint32_t roles, int64_t unit_id,
			 int64_t now)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE users SET roles = ?2, unit_id = NULLIF(?3, 0), updated_at = ?4, "
			"version = version + 1 WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, roles);
	db_bind_int64(s, 3, unit_id);
	db_bind_int64(s, 4, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}
