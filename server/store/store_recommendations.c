/*
 * store_recommendations.c - recommendations, their response evidence and
 * their response rounds (see store_recommendations.h). Portable SQL only.
 *
 * The recommendation row holds the current response and decision; the
 * evidence of the current response is in recommendation_evidence; every
 * response (round 1, 2, ...) and the decision on it stays in
 * recommendation_rounds, evidence ids as "3,7". Every UPDATE names the version
 * it expects and the states the row may be in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"
#include "server/store/store_recommendations.h"

#define IDS_TEXT_CAP (STORE_REC_EVIDENCE_MAX * 21 + 1)

#define REC_COLUMNS                                                                                \
	"r.id, r.plan_id, r.unit_id, r.text, r.deadline, r.state, r.response_kind, "               \
	"r.response_text, COALESCE(r.responded_by, 0), COALESCE(r.responded_at, 0), "              \
	"r.decision_reason, COALESCE(r.decided_by, 0), COALESCE(r.decided_at, 0), r.client_id, "   \
	"r.created_by, r.created_at, r.updated_at, r.version, "                                    \
	"(SELECT COUNT(*) FROM recommendation_rounds x WHERE x.recommendation_id = r.id)"

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int rec_row(struct db_stmt *s, struct store_recommendation *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = db_column_int64(s, 0);
	r->plan_id = db_column_int64(s, 1);
	r->unit_id = db_column_int64(s, 2);
	if ((rc = store_col_text(s, 3, r->text, sizeof(r->text))) < 0 ||
	    (rc = store_col_text(s, 4, r->deadline, sizeof(r->deadline))) < 0 ||
	    (rc = store_col_text(s, 7, r->response_text, sizeof(r->response_text))) < 0 ||
	    (rc = store_col_text(s, 10, r->decision_reason, sizeof(r->decision_reason))) < 0 ||
	    (rc = store_col_text(s, 13, r->client_id, sizeof(r->client_id))) < 0)
		return rc;
	r->state = (int)db_column_int64(s, 5);
	r->response_kind = (int)db_column_int64(s, 6);
	r->responded_by = db_column_int64(s, 8);
	r->responded_at = db_column_int64(s, 9);
	r->decided_by = db_column_int64(s, 11);
	r->decided_at = db_column_int64(s, 12);
	r->created_by = db_column_int64(s, 14);
	r->created_at = db_column_int64(s, 15);
	r->updated_at = db_column_int64(s, 16);
	r->version = db_column_int64(s, 17);
	r->rounds = (int32_t)db_column_int64(s, 18);
	return 0;
}

/* The evidence of r's current response, ascending by id. */
static int load_evidence(struct store_tx *tx, struct store_recommendation *r)
{
	struct db_stmt *s = NULL;
	int rc;

	r->n_evidence = 0;
	rc = db_prepare(tx->db,
			"SELECT e.id, e.name, e.sha256, e.size, e.content_type "
			"FROM recommendation_evidence re JOIN evidence e ON e.id = re.evidence_id "
			"WHERE re.recommendation_id = ?1 ORDER BY e.id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r->id);
	while ((rc = db_step(s)) == DB_ROW) {
		struct store_rec_evidence *e;
		const void *h;
		size_t n;

		if (r->n_evidence == STORE_REC_EVIDENCE_MAX) {
			rc = KT_ECORRUPT;
			goto out;
		}
		e = &r->evidence[r->n_evidence];
		memset(e, 0, sizeof(*e));
		e->id = db_column_int64(s, 0);
		if ((rc = store_col_text(s, 1, e->name, sizeof(e->name))) < 0 ||
		    (rc = store_col_text(s, 4, e->content_type, sizeof(e->content_type))) < 0)
			goto out;
		h = db_column_blob(s, 2, &n);
		if (n != sizeof(e->sha256)) {
			rc = KT_ECORRUPT;
			goto out;
		}
		memcpy(e->sha256, h, n);
		e->size = (uint64_t)db_column_int64(s, 3);
		r->n_evidence++;
	}
out:
	db_finish(s);
	return rc < 0 ? rc : 0;
}

/* Run a one-row SELECT of REC_COLUMNS (parameters bound by the caller) into out. */
static int fetch_one(struct store_tx *tx, struct db_stmt *s, struct store_recommendation *out)
{
	int rc = store_step_one(s);

	if (rc < 0)
		return rc;
	rc = rec_row(s, out);
	if (rc < 0)
		return rc;
	return load_evidence(tx, out);
}

int store_rec_create(struct store_tx *tx, struct store_recommendation *r)
{
	struct db_stmt *s = NULL;
	size_t nt, nd, nc;
	int rc;

	if ((rc = store_str_check(r->text, STORE_REC_TEXT_MAX, &nt)) < 0 ||
	    (rc = store_str_check(r->deadline, STORE_DATE_MAX, &nd)) < 0 ||
	    (rc = store_str_check(r->client_id, STORE_REC_CLIENT_ID_MAX, &nc)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO recommendations (plan_id, unit_id, text, deadline, state, "
			"client_id, created_by, created_at, updated_at, version) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r->plan_id);
	db_bind_int64(s, 2, r->unit_id);
	db_bind_text(s, 3, r->text, nt);
	db_bind_text(s, 4, r->deadline, nd);
	db_bind_int64(s, 5, STORE_REC_OPEN);
	db_bind_text(s, 6, r->client_id, nc);
	db_bind_int64(s, 7, r->created_by);
	db_bind_int64(s, 8, r->created_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	r->id = db_column_int64(s, 0);
	r->state = STORE_REC_OPEN;
	r->version = 1;
	r->updated_at = r->created_at;
out:
	db_finish(s);
	return rc;
}

int store_rec_get(struct store_tx *tx, int64_t id, struct store_recommendation *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc =
	    db_prepare(tx->db, "SELECT " REC_COLUMNS " FROM recommendations r WHERE r.id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = fetch_one(tx, s, out);
out:
	db_finish(s);
	return rc;
}

int store_rec_get_by_client(struct store_tx *tx, int64_t created_by, const char *client_id,
			    struct store_recommendation *out)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if (store_str_check(client_id, STORE_REC_CLIENT_ID_MAX, &n) < 0)
		return KT_ENOTFOUND; /* too long to have been stored */
	rc = db_prepare(tx->db,
			"SELECT " REC_COLUMNS " FROM recommendations r "
			"WHERE r.created_by = ?1 AND r.client_id = ?2",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, created_by);
	db_bind_text(s, 2, client_id, n);
	rc = fetch_one(tx, s, out);
out:
	db_finish(s);
	return rc;
}

/* "3,7" from sorted ids into out (IDS_TEXT_CAP bytes). */
static int ids_format(size_t n, const int64_t *ids, char *out)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + len, IDS_TEXT_CAP - len, "%s%" PRId64, i ? "," : "", ids[i]);
		if (w < 0 || (size_t)w >= IDS_TEXT_CAP - len)
			return KT_ETOOBIG;
		len += (size_t)w;
	}
	return 0;
}

static int exec_id(struct store_tx *tx, const char *sql, int64_t id)
{
	struct db_stmt *s = NULL;
	int rc = db_prepare(tx->db, sql, &s);

	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

static int add_evidence(struct store_tx *tx, int64_t id, size_t n, const int64_t *ids)
{
	struct db_stmt *s = NULL;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = db_prepare(
		    tx->db,
		    "INSERT INTO recommendation_evidence (recommendation_id, evidence_id) "
		    "VALUES (?1, ?2)",
		    &s);
		if (rc < 0)
			break;
		db_bind_int64(s, 1, id);
		db_bind_int64(s, 2, ids[i]);
		rc = db_step(s);
		if (rc > 0)
			rc = 0;
		db_finish(s);
		s = NULL;
	}
	return rc;
}

int store_rec_respond(struct store_tx *tx, int64_t id, int64_t expected_version, int kind,
		      const char *text, size_t n_evidence, const int64_t *evidence_ids, int64_t by,
		      int64_t at)
{
	int64_t sorted[STORE_REC_EVIDENCE_MAX];
	char ids[IDS_TEXT_CAP];
	struct db_stmt *s = NULL;
	size_t nt;
	int rc;

	if (n_evidence > STORE_REC_EVIDENCE_MAX)
		return KT_ETOOBIG;
	if (n_evidence)
		memcpy(sorted, evidence_ids, n_evidence * sizeof(*sorted));
	qsort(sorted, n_evidence, sizeof(*sorted), cmp_id);
	if ((rc = store_str_check(text, STORE_REC_TEXT_MAX, &nt)) < 0 ||
	    (rc = ids_format(n_evidence, sorted, ids)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE recommendations SET state = ?3, response_kind = ?4, "
			"response_text = ?5, responded_by = ?6, responded_at = ?7, "
			"decision_reason = '', decided_by = NULL, decided_at = NULL, "
			"updated_at = ?7, version = version + 1 "
			"WHERE id = ?1 AND version = ?2 AND state IN (?8, ?9)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, expected_version);
	db_bind_int64(s, 3, STORE_REC_ANSWERED);
	db_bind_int64(s, 4, kind);
	db_bind_text(s, 5, text, nt);
	db_bind_int64(s, 6, by);
	db_bind_int64(s, 7, at);
	db_bind_int64(s, 8, STORE_REC_OPEN);
	db_bind_int64(s, 9, STORE_REC_RETURNED);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (store_changed(tx) != 0) {
		rc = KT_ECONFLICT;
		goto out;
	}
	db_finish(s);
	s = NULL;
	rc = exec_id(tx, "DELETE FROM recommendation_evidence WHERE recommendation_id = ?1", id);
	if (rc < 0)
		goto out;
	rc = add_evidence(tx, id, n_evidence, sorted);
	if (rc < 0)
		goto out;
	rc = db_prepare(
	    tx->db,
	    "INSERT INTO recommendation_rounds (recommendation_id, round, kind, text, "
	    "evidence_ids, by_user, at) VALUES (?1, (SELECT COALESCE(MAX(round), 0) + 1 "
	    "FROM recommendation_rounds WHERE recommendation_id = ?1), ?2, ?3, ?4, ?5, ?6)",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, kind);
	db_bind_text(s, 3, text, nt);
	db_bind_str(s, 4, ids);
	db_bind_int64(s, 5, by);
	db_bind_int64(s, 6, at);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_rec_decide(struct store_tx *tx, int64_t id, int64_t expected_version, bool accept,
		     const char *reason, int64_t by, int64_t at)
{
	struct db_stmt *s = NULL;
	size_t nr;
	int rc;

	if ((rc = store_str_check(reason, STORE_REC_REASON_MAX, &nr)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE recommendations SET state = ?3, decision_reason = ?4, "
			"decided_by = ?5, decided_at = ?6, updated_at = ?6, version = version + 1 "
			"WHERE id = ?1 AND version = ?2 AND state = ?7",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, expected_version);
	db_bind_int64(s, 3, accept ? STORE_REC_DONE : STORE_REC_RETURNED);
	db_bind_text(s, 4, reason ? reason : "", nr);
	db_bind_int64(s, 5, by);
	db_bind_int64(s, 6, at);
	db_bind_int64(s, 7, STORE_REC_ANSWERED);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (store_changed(tx) != 0) {
		rc = KT_ECONFLICT;
		goto out;
	}
	db_finish(s);
	s = NULL;
	rc = db_prepare(
	    tx->db,
	    "UPDATE recommendation_rounds SET decision = ?2, reason = ?3, "
	    "decided_by = ?4, decided_at = ?5 WHERE recommendation_id = ?1 AND round = "
	    "(SELECT MAX(round) FROM recommendation_rounds WHERE recommendation_id = ?1)",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, accept ? STORE_REC_ACCEPTED : STORE_REC_REJECTED);
	db_bind_text(s, 3, reason ? reason : "", nr);
	db_bind_int64(s, 4, by);
	db_bind_int64(s, 5, at);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	/* An ANSWERED recommendation always has its round; none is a broken row. */
	rc = store_changed(tx) == 0 ? 0 : KT_ECORRUPT;
out:
	db_finish(s);
	return rc;
}

int store_rec_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t after_id,
		   int (*fn)(const struct store_recommendation *r, void *arg), void *arg)
{
	struct store_recommendation *r = malloc(sizeof(*r));
	struct db_stmt *s = NULL;
	int rc = KT_ENOMEM;

	if (!r)
		goto out;
	rc = db_prepare(tx->db,
			"SELECT " REC_COLUMNS " FROM recommendations r "
			"WHERE r.plan_id = ?1 AND (?2 = 0 OR r.unit_id = ?2) AND r.id > ?3 "
			"ORDER BY r.id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	db_bind_int64(s, 3, after_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = rec_row(s, r)) < 0 || (rc = load_evidence(tx, r)) < 0)
			goto out;
		if ((rc = fn(r, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	free(r);
	return rc;
}

int store_rec_evidence_info(struct store_tx *tx, int64_t evidence_id, int64_t *plan_id,
			    bool *complete)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT plan_id, complete FROM evidence WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, evidence_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	*plan_id = db_column_int64(s, 0);
	*complete = db_column_int64(s, 1) != 0;
out:
	db_finish(s);
	return rc;
}
