/*
 * store_reviews.c - responsibility reviews, their officials and their signed
 * steps (see store_reviews.h). Portable SQL only.
 *
 * A review row holds the current content and position; review_officials holds
 * the officials of the current content (replaced as a whole by a new record,
 * which the service allows only in DRAFT); review_signoffs holds every signed
 * step of every round and is only ever appended to, so a return and the
 * approvals before it stay on record after the review moves on.
 */
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"
#include "server/store/store_reviews.h"

#define REVIEW_COLUMNS                                                                             \
	"id, plan_id, unit_id, meeting_date, COALESCE(minutes_evidence_id, 0), state, "            \
	"next_step, round, return_reason, recorded_by, recorded_at, updated_at, version"

#define SIGNOFF_COLUMNS                                                                            \
	"s.id, s.review_id, s.round, s.step, s.signer, s.approved, s.reason, s.user_id, s.at, "    \
	"s.digest, s.signature, s.signing_key, COALESCE(u.username, ''), "                         \
	"COALESCE(u.full_name, '')"

/* Copy a blob column of exactly n bytes; KT_ECORRUPT for any other length. */
static int col_blob(struct db_stmt *s, int col, uint8_t *out, size_t n)
{
	size_t len;
	const void *p = db_column_blob(s, col, &len);

	if (len != n)
		return KT_ECORRUPT;
	memcpy(out, p, n);
	return 0;
}

static int review_row(struct db_stmt *s, struct store_review *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = db_column_int64(s, 0);
	r->plan_id = db_column_int64(s, 1);
	r->unit_id = db_column_int64(s, 2);
	if ((rc = store_col_text(s, 3, r->meeting_date, sizeof(r->meeting_date))) < 0)
		return rc;
	r->minutes_evidence_id = db_column_int64(s, 4);
	r->state = (int)db_column_int64(s, 5);
	r->next_step = (int)db_column_int64(s, 6);
	r->round = (int)db_column_int64(s, 7);
	if ((rc = store_col_text(s, 8, r->return_reason, sizeof(r->return_reason))) < 0)
		return rc;
	r->recorded_by = db_column_int64(s, 9);
	r->recorded_at = db_column_int64(s, 10);
	r->updated_at = db_column_int64(s, 11);
	r->version = db_column_int64(s, 12);
	return 0;
}

/* The text fields of r must fit their columns' limits. */
static int review_check(const struct store_review *r, size_t *nd, size_t *nr)
{
	int rc = store_str_check(r->meeting_date, STORE_REVIEW_DATE_SIZE - 1, nd);

	if (rc == 0)
		rc = store_str_check(r->return_reason, STORE_REVIEW_REASON_MAX, nr);
	return rc;
}

int store_review_get(struct store_tx *tx, int64_t id, struct store_review *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " REVIEW_COLUMNS " FROM reviews WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = review_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_review_find(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
		      struct store_review *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(
	    tx->db, "SELECT " REVIEW_COLUMNS " FROM reviews WHERE plan_id = ?1 AND unit_id = ?2",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = review_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_review_insert(struct store_tx *tx, struct store_review *r)
{
	struct db_stmt *s = NULL;
	size_t nd, nr;
	int rc;

	if ((rc = review_check(r, &nd, &nr)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO reviews (plan_id, unit_id, meeting_date, minutes_evidence_id, "
			"state, next_step, round, return_reason, recorded_by, recorded_at, "
			"updated_at, version) "
			"VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1) "
			"RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r->plan_id);
	db_bind_int64(s, 2, r->unit_id);
	db_bind_text(s, 3, r->meeting_date, nd);
	db_bind_int64(s, 4, r->minutes_evidence_id);
	db_bind_int64(s, 5, r->state);
	db_bind_int64(s, 6, r->next_step);
	db_bind_int64(s, 7, r->round);
	db_bind_text(s, 8, r->return_reason, nr);
	db_bind_int64(s, 9, r->recorded_by);
	db_bind_int64(s, 10, r->recorded_at);
	db_bind_int64(s, 11, r->updated_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	r->id = db_column_int64(s, 0);
	r->version = 1;
out:
	db_finish(s);
	return rc;
}

int store_review_update(struct store_tx *tx, struct store_review *r, int64_t expected_version)
{
	struct db_stmt *s = NULL;
	size_t nd, nr;
	int rc;

	if ((rc = review_check(r, &nd, &nr)) < 0)
		goto out;
	rc =
	    db_prepare(tx->db,
		       "UPDATE reviews SET meeting_date = ?3, minutes_evidence_id = NULLIF(?4, 0), "
		       "state = ?5, next_step = ?6, round = ?7, return_reason = ?8, "
		       "recorded_by = ?9, recorded_at = ?10, updated_at = ?11, "
		       "version = version + 1 WHERE id = ?1 AND version = ?2",
		       &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r->id);
	db_bind_int64(s, 2, expected_version);
	db_bind_text(s, 3, r->meeting_date, nd);
	db_bind_int64(s, 4, r->minutes_evidence_id);
	db_bind_int64(s, 5, r->state);
	db_bind_int64(s, 6, r->next_step);
	db_bind_int64(s, 7, r->round);
	db_bind_text(s, 8, r->return_reason, nr);
	db_bind_int64(s, 9, r->recorded_by);
	db_bind_int64(s, 10, r->recorded_at);
	db_bind_int64(s, 11, r->updated_at);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (store_changed(tx) == 0) {
		r->version = expected_version + 1;
		rc = 0;
		goto out;
	}
	db_finish(s);
	s = NULL;
	/* Nothing changed: no such review, or another version. */
	rc = db_prepare(tx->db, "SELECT version FROM reviews WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r->id);
	rc = store_step_one(s);
	if (rc == 0)
		rc = KT_ECONFLICT;
out:
	db_finish(s);
	return rc;
}

int store_review_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t after_unit_id,
		      int (*fn)(const struct store_review *r, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	struct store_review r;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " REVIEW_COLUMNS " FROM reviews WHERE plan_id = ?1 "
			"AND (?2 = 0 OR unit_id = ?2) AND unit_id > ?3 ORDER BY unit_id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	db_bind_int64(s, 3, after_unit_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = review_row(s, &r)) < 0)
			goto out;
		if ((rc = fn(&r, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_review_officials_set(struct store_tx *tx, int64_t review_id, size_t n,
			       const struct store_review_official *v)
{
	struct db_stmt *s = NULL;
	size_t nn, np, nnote;
	int rc;

	rc = db_prepare(tx->db, "DELETE FROM review_officials WHERE review_id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, review_id);
	if ((rc = db_step(s)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		db_finish(s);
		s = NULL;
		if ((rc = store_str_check(v[i].name, STORE_NAME_MAX, &nn)) < 0 ||
		    (rc = store_str_check(v[i].position, STORE_NAME_MAX, &np)) < 0 ||
		    (rc = store_str_check(v[i].note, STORE_REVIEW_NOTE_MAX, &nnote)) < 0)
			goto out;
		rc = db_prepare(tx->db,
				"INSERT INTO review_officials (review_id, pos, name, position, "
				"outcome, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				&s);
		if (rc < 0)
			goto out;
		db_bind_int64(s, 1, review_id);
		db_bind_int64(s, 2, (int64_t)i + 1);
		db_bind_text(s, 3, v[i].name, nn);
		db_bind_text(s, 4, v[i].position, np);
		db_bind_int64(s, 5, v[i].outcome);
		db_bind_text(s, 6, v[i].note, nnote);
		if ((rc = db_step(s)) < 0)
			goto out;
	}
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_review_officials_list(struct store_tx *tx, int64_t review_id,
				int (*fn)(const struct store_review_official *o, void *arg),
				void *arg)
{
	struct store_review_official o;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT name, position, outcome, note FROM review_officials "
			"WHERE review_id = ?1 ORDER BY pos",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, review_id);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&o, 0, sizeof(o));
		if ((rc = store_col_text(s, 0, o.name, sizeof(o.name))) < 0 ||
		    (rc = store_col_text(s, 1, o.position, sizeof(o.position))) < 0 ||
		    (rc = store_col_text(s, 3, o.note, sizeof(o.note))) < 0)
			goto out;
		o.outcome = (int)db_column_int64(s, 2);
		if ((rc = fn(&o, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_review_signoff_add(struct store_tx *tx, struct store_review_signoff *so)
{
	struct db_stmt *s = NULL;
	size_t nr;
	int rc;

	if ((rc = store_str_check(so->reason, STORE_REVIEW_REASON_MAX, &nr)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO review_signoffs (review_id, round, step, signer, approved, "
			"reason, user_id, at, digest, signature, signing_key) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, so->review_id);
	db_bind_int64(s, 2, so->round);
	db_bind_int64(s, 3, so->step);
	db_bind_int64(s, 4, so->signer);
	db_bind_int64(s, 5, so->approved ? 1 : 0);
	db_bind_text(s, 6, so->reason, nr);
	db_bind_int64(s, 7, so->user_id);
	db_bind_int64(s, 8, so->at);
	db_bind_blob(s, 9, so->digest, sizeof(so->digest));
	db_bind_blob(s, 10, so->signature, sizeof(so->signature));
	db_bind_blob(s, 11, so->signing_key, sizeof(so->signing_key));
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	so->id = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_review_signoffs_list(struct store_tx *tx, int64_t review_id,
			       int (*fn)(const struct store_review_signoff *s, void *arg),
			       void *arg)
{
	struct store_review_signoff so;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " SIGNOFF_COLUMNS " FROM review_signoffs s "
			"LEFT JOIN users u ON u.id = s.user_id "
			"WHERE s.review_id = ?1 ORDER BY s.round, s.step",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, review_id);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&so, 0, sizeof(so));
		so.id = db_column_int64(s, 0);
		so.review_id = db_column_int64(s, 1);
		so.round = (int)db_column_int64(s, 2);
		so.step = (int)db_column_int64(s, 3);
		so.signer = (int)db_column_int64(s, 4);
		so.approved = db_column_int64(s, 5) != 0;
		so.user_id = db_column_int64(s, 7);
		so.at = db_column_int64(s, 8);
		if ((rc = store_col_text(s, 6, so.reason, sizeof(so.reason))) < 0 ||
		    (rc = col_blob(s, 9, so.digest, sizeof(so.digest))) < 0 ||
		    (rc = col_blob(s, 10, so.signature, sizeof(so.signature))) < 0 ||
		    (rc = col_blob(s, 11, so.signing_key, sizeof(so.signing_key))) < 0 ||
		    (rc = store_col_text(s, 12, so.username, sizeof(so.username))) < 0 ||
		    (rc = store_col_text(s, 13, so.full_name, sizeof(so.full_name))) < 0)
			goto out;
		if ((rc = fn(&so, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}
