/*
 * store_plans.c - plans, plan units, working groups, team members,
 * assignments and observers (see store_plans.h). Portable SQL only.
 *
 * Nothing of a plan is deleted except what its own requests take back: a
 * unit removed from the plan (only while nothing depends on it), a team
 * member removed (with the assignments made to them personally), an
 * observer removed. Plans themselves are closed, never deleted.
 *
 * The closing check (store_plan_unit_states) and the unit-use check read the
 * tables of findings, conclusions, recommendations and reviews directly, by
 * their state numbers: ConclusionState APPROVED 2, RecommendationState DONE 3,
 * ReviewState APPROVED 3.
 */
#include "server/store/store_plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store_int.h"

#define PLAN_COLUMNS                                                                               \
	"id, number, issued_on, issuer, title, period_start, period_end, areas, status, "          \
	"team_decision_number, team_decision_date, COALESCE(authority_user_id, 0), "               \
	"review_chain, client_id, created_by, created_at, updated_at, version, "                   \
	"COALESCE(closed_by, 0), COALESCE(closed_at, 0), closure_digest, closure_signature, "      \
	"closure_key"

#define UNIT_COLUMNS_U                                                                             \
	"u.id, u.code, u.name, u.kind, COALESCE(u.parent_id, 0), u.status, "                       \
	"COALESCE(u.merged_into, 0), u.created_at, u.updated_at, u.version"

#define TEAM_COLUMNS                                                                               \
	"t.plan_id, t.user_id, t.role, COALESCE(t.group_id, 0), u.username, u.full_name"

#define ASSIGN_COLUMNS                                                                             \
	"id, plan_id, unit_id, COALESCE(group_id, 0), COALESCE(user_id, 0), date_from, date_to, "  \
	"created_at"

enum {
	CONCLUSION_APPROVED = 2,
	RECOMMENDATION_DONE = 3,
	REVIEW_APPROVED = 3,
};

/* "1,2,4" -> chain; KT_ECORRUPT for anything else. */
static int chain_parse(const char *s, int *chain, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < 0 || v > 1000 || *n == STORE_CHAIN_MAX)
			return KT_ECORRUPT;
		chain[(*n)++] = (int)v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return KT_ECORRUPT;
	}
	return 0;
}

static int chain_format(const int *chain, size_t n, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	if (n > STORE_CHAIN_MAX)
		return KT_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + len, cap - len, "%s%d", i ? "," : "", chain[i]);

		if (w < 0 || (size_t)w >= cap - len)
			return KT_ETOOBIG;
		len += (size_t)w;
	}
	return 0;
}

static int blob_fixed(struct db_stmt *s, int col, uint8_t *out, size_t want)
{
	size_t n;
	const void *p = db_column_blob(s, col, &n);

	if (n != want)
		return KT_ECORRUPT;
	memcpy(out, p, n);
	return 0;
}

static int plan_row(struct db_stmt *s, struct store_plan *p)
{
	char chain[64];
	int rc;

	memset(p, 0, sizeof(*p));
	p->id = db_column_int64(s, 0);
	if ((rc = store_col_text(s, 1, p->number, sizeof(p->number))) < 0 ||
	    (rc = store_col_text(s, 2, p->issued_on, sizeof(p->issued_on))) < 0 ||
	    (rc = store_col_text(s, 3, p->issuer, sizeof(p->issuer))) < 0 ||
	    (rc = store_col_text(s, 4, p->title, sizeof(p->title))) < 0 ||
	    (rc = store_col_text(s, 5, p->period_start, sizeof(p->period_start))) < 0 ||
	    (rc = store_col_text(s, 6, p->period_end, sizeof(p->period_end))) < 0)
		return rc;
	p->areas = (uint32_t)db_column_int64(s, 7);
	p->status = (int)db_column_int64(s, 8);
	if ((rc = store_col_text(s, 9, p->team_decision_number, sizeof(p->team_decision_number))) <
		0 ||
	    (rc = store_col_text(s, 10, p->team_decision_date, sizeof(p->team_decision_date))) < 0)
		return rc;
	p->authority_user_id = db_column_int64(s, 11);
	if ((rc = store_col_text(s, 12, chain, sizeof(chain))) < 0 ||
	    (rc = chain_parse(chain, p->review_chain, &p->n_chain)) < 0 ||
	    (rc = store_col_text(s, 13, p->client_id, sizeof(p->client_id))) < 0)
		return rc;
	p->created_by = db_column_int64(s, 14);
	p->created_at = db_column_int64(s, 15);
	p->updated_at = db_column_int64(s, 16);
	p->version = db_column_int64(s, 17);
	p->closed_by = db_column_int64(s, 18);
	p->closed_at = db_column_int64(s, 19);
	if (!db_column_is_null(s, 20)) {
		if ((rc = blob_fixed(s, 20, p->closure_digest, 32)) < 0 ||
		    (rc = blob_fixed(s, 21, p->closure_signature, 64)) < 0 ||
		    (rc = blob_fixed(s, 22, p->closure_key, 32)) < 0)
			return rc;
		p->has_closure = true;
	}
	return 0;
}

/* Run a prepared plan query that gives at most one row into out. */
static int plan_one(struct db_stmt *s, struct store_plan *out)
{
	int rc = store_step_one(s);

	return rc < 0 ? rc : plan_row(s, out);
}

static int plan_walk(struct db_stmt *s, int (*fn)(const struct store_plan *p, void *arg), void *arg)
{
	struct store_plan *p = malloc(sizeof(*p));
	int rc;

	if (!p)
		return KT_ENOMEM;
	while ((rc = db_step(s)) == DB_ROW) {
		rc = plan_row(s, p);
		if (rc < 0)
			break;
		rc = fn(p, arg);
		if (rc != 0)
			break;
	}
	free(p);
	return rc;
}

int store_plan_create(struct store_tx *tx, struct store_plan *p)
{
	struct db_stmt *s = NULL;
	char chain[64];
	size_t nn, ni, nis, nt, nps, npe, ntd, ntdd, nc;
	int rc;

	if ((rc = store_str_check(p->number, STORE_PLAN_NUMBER_MAX, &nn)) < 0 ||
	    (rc = store_str_check(p->issued_on, STORE_DATE_MAX, &ni)) < 0 ||
	    (rc = store_str_check(p->issuer, STORE_NAME_MAX, &nis)) < 0 ||
	    (rc = store_str_check(p->title, STORE_PLAN_TITLE_MAX, &nt)) < 0 ||
	    (rc = store_str_check(p->period_start, STORE_DATE_MAX, &nps)) < 0 ||
	    (rc = store_str_check(p->period_end, STORE_DATE_MAX, &npe)) < 0 ||
	    (rc = store_str_check(p->team_decision_number, STORE_PLAN_NUMBER_MAX, &ntd)) < 0 ||
	    (rc = store_str_check(p->team_decision_date, STORE_DATE_MAX, &ntdd)) < 0 ||
	    (rc = store_str_check(p->client_id, STORE_CLIENT_ID_MAX, &nc)) < 0 ||
	    (rc = chain_format(p->review_chain, p->n_chain, chain, sizeof(chain))) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO plans (number, issued_on, issuer, title, period_start, "
			"period_end, areas, status, team_decision_number, team_decision_date, "
			"authority_user_id, review_chain, client_id, created_by, created_at, "
			"updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, "
			"NULLIF(?10, 0), ?11, ?12, ?13, ?14, ?14, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, p->number, nn);
	db_bind_text(s, 2, p->issued_on, ni);
	db_bind_text(s, 3, p->issuer, nis);
	db_bind_text(s, 4, p->title, nt);
	db_bind_text(s, 5, p->period_start, nps);
	db_bind_text(s, 6, p->period_end, npe);
	db_bind_int64(s, 7, p->areas);
	db_bind_text(s, 8, p->team_decision_number, ntd);
	db_bind_text(s, 9, p->team_decision_date, ntdd);
	db_bind_int64(s, 10, p->authority_user_id);
	db_bind_str(s, 11, chain);
	db_bind_text(s, 12, p->client_id, nc);
	db_bind_int64(s, 13, p->created_by);
	db_bind_int64(s, 14, p->created_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	p->id = db_column_int64(s, 0);
	p->status = STORE_PLAN_ACTIVE;
	p->version = 1;
	p->updated_at = p->created_at;
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_plan_get(struct store_tx *tx, int64_t id, struct store_plan *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " PLAN_COLUMNS " FROM plans WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = plan_one(s, out);
out:
	db_finish(s);
	return rc;
}

int store_plan_head_get(struct store_tx *tx, int64_t id, struct store_plan_head *out)
{
	struct db_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_prepare(tx->db,
			"SELECT id, number, status, areas, COALESCE(authority_user_id, 0) "
			"FROM plans WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	if ((rc = store_step_one(s)) < 0 ||
	    (rc = store_col_text(s, 1, out->number, sizeof(out->number))) < 0)
		goto out;
	out->id = db_column_int64(s, 0);
	out->status = (int)db_column_int64(s, 2);
	out->areas = (uint32_t)db_column_int64(s, 3);
	out->authority_user_id = db_column_int64(s, 4);
out:
	db_finish(s);
	return rc;
}

int store_plan_get_by_client(struct store_tx *tx, int64_t created_by, const char *client_id,
			     struct store_plan *out)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if (store_str_check(client_id, STORE_CLIENT_ID_MAX, &n) < 0)
		return KT_ENOTFOUND;
	rc = db_prepare(
	    tx->db, "SELECT " PLAN_COLUMNS " FROM plans WHERE created_by = ?1 AND client_id = ?2",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, created_by);
	db_bind_text(s, 2, client_id, n);
	rc = plan_one(s, out);
out:
	db_finish(s);
	return rc;
}

int store_plan_find_by_number(struct store_tx *tx, const char *number,
			      int (*fn)(const struct store_plan *p, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if (store_str_check(number, STORE_PLAN_NUMBER_MAX, &n) < 0)
		return 0; /* too long to be anyone's number: no plans */
	rc = db_prepare(
	    tx->db, "SELECT " PLAN_COLUMNS " FROM plans WHERE number = ?1 ORDER BY issued_on, id",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, number, n);
	rc = plan_walk(s, fn, arg);
out:
	db_finish(s);
	return rc;
}

int store_plan_get_by_number_date(struct store_tx *tx, const char *number, const char *issued_on,
				  struct store_plan *out)
{
	struct db_stmt *s = NULL;
	size_t n, nd;
	int rc;

	if (store_str_check(number, STORE_PLAN_NUMBER_MAX, &n) < 0 ||
	    store_str_check(issued_on, STORE_DATE_MAX, &nd) < 0)
		return KT_ENOTFOUND;
	rc = db_prepare(
	    tx->db, "SELECT " PLAN_COLUMNS " FROM plans WHERE number = ?1 AND issued_on = ?2", &s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, number, n);
	db_bind_text(s, 2, issued_on, nd);
	rc = plan_one(s, out);
out:
	db_finish(s);
	return rc;
}

int store_plan_list(struct store_tx *tx, bool all, int64_t user_id, int64_t rep_unit_id,
		    bool include_closed, int (*fn)(const struct store_plan *p, void *arg),
		    void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " PLAN_COLUMNS " FROM plans p WHERE (?4 <> 0 OR p.status = 1) AND ("
			"?1 <> 0"
			" OR p.authority_user_id = ?2"
			" OR EXISTS (SELECT 1 FROM team_members t"
			"  WHERE t.plan_id = p.id AND t.user_id = ?2)"
			" OR EXISTS (SELECT 1 FROM plan_observers o"
			"  WHERE o.plan_id = p.id AND o.user_id = ?2)"
			" OR (?3 <> 0 AND EXISTS (SELECT 1 FROM plan_units pu"
			"  WHERE pu.plan_id = p.id AND pu.unit_id = ?3)))"
			" ORDER BY p.id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, all);
	db_bind_int64(s, 2, user_id);
	db_bind_int64(s, 3, rep_unit_id);
	db_bind_int64(s, 4, include_closed);
	rc = plan_walk(s, fn, arg);
out:
	db_finish(s);
	return rc;
}

int store_plan_update(struct store_tx *tx, struct store_plan *p, int64_t expected_version,
		      int64_t now)
{
	struct db_stmt *s = NULL;
	char chain[64];
	size_t nt, nps, npe, ntd, ntdd;
	int rc;

	if ((rc = store_str_check(p->title, STORE_PLAN_TITLE_MAX, &nt)) < 0 ||
	    (rc = store_str_check(p->period_start, STORE_DATE_MAX, &nps)) < 0 ||
	    (rc = store_str_check(p->period_end, STORE_DATE_MAX, &npe)) < 0 ||
	    (rc = store_str_check(p->team_decision_number, STORE_PLAN_NUMBER_MAX, &ntd)) < 0 ||
	    (rc = store_str_check(p->team_decision_date, STORE_DATE_MAX, &ntdd)) < 0 ||
	    (rc = chain_format(p->review_chain, p->n_chain, chain, sizeof(chain))) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE plans SET title = ?3, period_start = ?4, period_end = ?5, "
			"areas = ?6, authority_user_id = NULLIF(?7, 0), review_chain = ?8, "
			"team_decision_number = ?9, team_decision_date = ?10, updated_at = ?11, "
			"version = version + 1 WHERE id = ?1 AND version = ?2 RETURNING version",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, p->id);
	db_bind_int64(s, 2, expected_version);
	db_bind_text(s, 3, p->title, nt);
	db_bind_text(s, 4, p->period_start, nps);
	db_bind_text(s, 5, p->period_end, npe);
	db_bind_int64(s, 6, p->areas);
	db_bind_int64(s, 7, p->authority_user_id);
	db_bind_str(s, 8, chain);
	db_bind_text(s, 9, p->team_decision_number, ntd);
	db_bind_text(s, 10, p->team_decision_date, ntdd);
	db_bind_int64(s, 11, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (rc == DB_DONE) {
		struct store_plan cur;

		db_finish(s);
		s = NULL;
		rc = store_plan_get(tx, p->id, &cur);
		if (rc == 0)
			rc = KT_ECONFLICT;
		goto out;
	}
	p->version = db_column_int64(s, 0);
	p->updated_at = now;
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_plan_close(struct store_tx *tx, int64_t id, int64_t expected_version, int64_t by,
		     int64_t now, const uint8_t digest[32], const uint8_t signature[64],
		     const uint8_t key[32])
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE plans SET status = 2, closed_by = ?3, closed_at = ?4, "
			"closure_digest = ?5, closure_signature = ?6, closure_key = ?7, "
			"updated_at = ?4, version = version + 1 "
			"WHERE id = ?1 AND version = ?2 AND status = 1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, expected_version);
	db_bind_int64(s, 3, by);
	db_bind_int64(s, 4, now);
	db_bind_blob(s, 5, digest, 32);
	db_bind_blob(s, 6, signature, 64);
	db_bind_blob(s, 7, key, 32);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = db_changes(tx->db) > 0 ? 0 : KT_ECONFLICT;
out:
	db_finish(s);
	return rc;
}

/* ---- the plan's units ------------------------------------------------------- */

int store_plan_unit_ids(struct store_tx *tx, int64_t plan_id, int64_t *ids, size_t cap, size_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(tx->db,
			"SELECT unit_id FROM plan_units WHERE plan_id = ?1 ORDER BY unit_id", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n < cap)
			ids[*n] = db_column_int64(s, 0);
		(*n)++;
	}
out:
	db_finish(s);
	return rc;
}

int store_plan_units(struct store_tx *tx, int64_t plan_id,
		     int (*fn)(const struct store_unit *u, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	struct store_unit u;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " UNIT_COLUMNS_U " FROM plan_units pu JOIN units u ON u.id = "
			"pu.unit_id WHERE pu.plan_id = ?1 ORDER BY u.id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&u, 0, sizeof(u));
		u.id = db_column_int64(s, 0);
		if ((rc = store_col_text(s, 1, u.code, sizeof(u.code))) < 0 ||
		    (rc = store_col_text(s, 2, u.name, sizeof(u.name))) < 0)
			goto out;
		u.kind = (int)db_column_int64(s, 3);
		u.parent_id = db_column_int64(s, 4);
		u.status = (int)db_column_int64(s, 5);
		u.merged_into = db_column_int64(s, 6);
		u.created_at = db_column_int64(s, 7);
		u.updated_at = db_column_int64(s, 8);
		u.version = db_column_int64(s, 9);
		rc = fn(&u, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

/* Run a prepared "SELECT EXISTS (...)" or "SELECT COUNT(*)" and read its number. */
static int scalar(struct db_stmt *s, int64_t *v)
{
	int rc = store_step_one(s);

	if (rc < 0)
		return rc;
	*v = db_column_int64(s, 0);
	return 0;
}

int store_plan_has_unit(struct store_tx *tx, int64_t plan_id, int64_t unit_id)
{
	struct db_stmt *s = NULL;
	int64_t v = 0;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT EXISTS (SELECT 1 FROM plan_units WHERE plan_id = ?1 AND "
			"unit_id = ?2)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	rc = scalar(s, &v);
	if (rc == 0)
		rc = v ? 1 : 0;
out:
	db_finish(s);
	return rc;
}

int store_plan_unit_add(struct store_tx *tx, int64_t plan_id, int64_t unit_id)
{
	return store_exec_i64(tx, "INSERT INTO plan_units (plan_id, unit_id) VALUES (?1, ?2)",
			      false, 2, plan_id, unit_id);
}

int store_plan_unit_remove(struct store_tx *tx, int64_t plan_id, int64_t unit_id)
{
	return store_exec_i64(tx, "DELETE FROM plan_units WHERE plan_id = ?1 AND unit_id = ?2",
			      true, 2, plan_id, unit_id);
}

int store_plan_unit_use(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			struct store_plan_unit_use *out)
{
	struct db_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_prepare(
	    tx->db,
	    "SELECT"
	    " (SELECT COUNT(*) FROM findings WHERE plan_id = ?1 AND unit_id = ?2),"
	    " (SELECT COUNT(*) FROM assignments WHERE plan_id = ?1 AND unit_id = ?2),"
	    " (SELECT COUNT(*) FROM conclusions WHERE plan_id = ?1 AND unit_id = ?2),"
	    " (SELECT COUNT(*) FROM recommendations WHERE plan_id = ?1 AND unit_id = ?2),"
	    " (SELECT COUNT(*) FROM reviews WHERE plan_id = ?1 AND unit_id = ?2)",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	out->findings = db_column_int64(s, 0);
	out->assignments = db_column_int64(s, 1);
	out->conclusions = db_column_int64(s, 2);
	out->recommendations = db_column_int64(s, 3);
	out->reviews = db_column_int64(s, 4);
out:
	db_finish(s);
	return rc;
}

int store_plan_review_count(struct store_tx *tx, int64_t plan_id, int64_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(tx->db, "SELECT COUNT(*) FROM reviews WHERE plan_id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	rc = scalar(s, n);
out:
	db_finish(s);
	return rc;
}

int store_plan_unit_states(struct store_tx *tx, int64_t plan_id,
			   int (*fn)(const struct store_plan_unit_state *st, void *arg), void *arg)
{
	struct store_plan_unit_state us;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT pu.unit_id, u.code,"
			" EXISTS (SELECT 1 FROM conclusions c WHERE c.plan_id = pu.plan_id"
			"  AND c.unit_id = pu.unit_id AND c.state = ?2),"
			" (SELECT COUNT(*) FROM recommendations r WHERE r.plan_id = pu.plan_id"
			"  AND r.unit_id = pu.unit_id AND r.state <> ?3),"
			" EXISTS (SELECT 1 FROM reviews v WHERE v.plan_id = pu.plan_id"
			"  AND v.unit_id = pu.unit_id AND v.state = ?4)"
			" FROM plan_units pu JOIN units u ON u.id = pu.unit_id"
			" WHERE pu.plan_id = ?1 ORDER BY u.code",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, CONCLUSION_APPROVED);
	db_bind_int64(s, 3, RECOMMENDATION_DONE);
	db_bind_int64(s, 4, REVIEW_APPROVED);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&us, 0, sizeof(us));
		us.unit_id = db_column_int64(s, 0);
		if ((rc = store_col_text(s, 1, us.code, sizeof(us.code))) < 0)
			goto out;
		us.conclusion_approved = db_column_int64(s, 2) != 0;
		us.recommendations_open = db_column_int64(s, 3);
		us.review_approved = db_column_int64(s, 4) != 0;
		rc = fn(&us, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

/* ---- working groups ----------------------------------------------------------- */

static int group_row(struct db_stmt *s, struct store_group *g)
{
	memset(g, 0, sizeof(*g));
	g->id = db_column_int64(s, 0);
	g->plan_id = db_column_int64(s, 1);
	return store_col_text(s, 2, g->name, sizeof(g->name));
}

int store_group_create(struct store_tx *tx, struct store_group *g)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if ((rc = store_str_check(g->name, STORE_GROUP_NAME_MAX, &n)) < 0)
		goto out;
	rc = db_prepare(
	    tx->db, "INSERT INTO working_groups (plan_id, name) VALUES (?1, ?2) RETURNING id", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, g->plan_id);
	db_bind_text(s, 2, g->name, n);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	g->id = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_group_get(struct store_tx *tx, int64_t id, struct store_group *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT id, plan_id, name FROM working_groups WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = group_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_group_get_by_name(struct store_tx *tx, int64_t plan_id, const char *name,
			    struct store_group *out)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if (store_str_check(name, STORE_GROUP_NAME_MAX, &n) < 0)
		return KT_ENOTFOUND;
	rc = db_prepare(
	    tx->db, "SELECT id, plan_id, name FROM working_groups WHERE plan_id = ?1 AND name = ?2",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_text(s, 2, name, n);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = group_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_group_list(struct store_tx *tx, int64_t plan_id,
		     int (*fn)(const struct store_group *g, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	struct store_group g;
	int rc;

	rc = db_prepare(
	    tx->db, "SELECT id, plan_id, name FROM working_groups WHERE plan_id = ?1 ORDER BY id",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = group_row(s, &g)) < 0)
			goto out;
		rc = fn(&g, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

/* ---- team ------------------------------------------------------------------- */

static int team_row(struct db_stmt *s, struct store_team_member *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->plan_id = db_column_int64(s, 0);
	m->user_id = db_column_int64(s, 1);
	m->role = (int)db_column_int64(s, 2);
	m->group_id = db_column_int64(s, 3);
	if ((rc = store_col_text(s, 4, m->username, sizeof(m->username))) < 0)
		return rc;
	return store_col_text(s, 5, m->full_name, sizeof(m->full_name));
}

int store_team_get(struct store_tx *tx, int64_t plan_id, int64_t user_id,
		   struct store_team_member *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " TEAM_COLUMNS
			" FROM team_members t JOIN users u ON u.id = t.user_id"
			" WHERE t.plan_id = ?1 AND t.user_id = ?2",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, user_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = team_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_team_set(struct store_tx *tx, const struct store_team_member *m)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"INSERT INTO team_members (plan_id, user_id, role, group_id) "
			"VALUES (?1, ?2, ?3, NULLIF(?4, 0)) ON CONFLICT (plan_id, user_id) "
			"DO UPDATE SET role = excluded.role, group_id = excluded.group_id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, m->plan_id);
	db_bind_int64(s, 2, m->user_id);
	db_bind_int64(s, 3, m->role);
	db_bind_int64(s, 4, m->group_id);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_team_remove(struct store_tx *tx, int64_t plan_id, int64_t user_id)
{
	return store_exec_i64(tx, "DELETE FROM team_members WHERE plan_id = ?1 AND user_id = ?2",
			      true, 2, plan_id, user_id);
}

int store_team_list(struct store_tx *tx, int64_t plan_id,
		    int (*fn)(const struct store_team_member *m, void *arg), void *arg)
{
	struct store_team_member m;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " TEAM_COLUMNS
			" FROM team_members t JOIN users u ON u.id = t.user_id"
			" WHERE t.plan_id = ?1 ORDER BY t.role, u.username",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = team_row(s, &m)) < 0)
			goto out;
		rc = fn(&m, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_team_find_role(struct store_tx *tx, int64_t plan_id, int role,
			 struct store_team_member *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " TEAM_COLUMNS
			" FROM team_members t JOIN users u ON u.id = t.user_id"
			" WHERE t.plan_id = ?1 AND t.role = ?2 ORDER BY u.username LIMIT 1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, role);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = team_row(s, out);
out:
	db_finish(s);
	return rc;
}

/* ---- assignments ------------------------------------------------------------ */

static int assignment_row(struct db_stmt *s, struct store_assignment *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->id = db_column_int64(s, 0);
	a->plan_id = db_column_int64(s, 1);
	a->unit_id = db_column_int64(s, 2);
	a->group_id = db_column_int64(s, 3);
	a->user_id = db_column_int64(s, 4);
	if ((rc = store_col_text(s, 5, a->date_from, sizeof(a->date_from))) < 0 ||
	    (rc = store_col_text(s, 6, a->date_to, sizeof(a->date_to))) < 0)
		return rc;
	a->created_at = db_column_int64(s, 7);
	return 0;
}

int store_assignment_put(struct store_tx *tx, struct store_assignment *a, bool *created)
{
	struct db_stmt *s = NULL;
	size_t nf, nt;
	int rc;

	*created = false;
	if ((rc = store_str_check(a->date_from, STORE_DATE_MAX, &nf)) < 0 ||
	    (rc = store_str_check(a->date_to, STORE_DATE_MAX, &nt)) < 0)
		goto out;
	rc = db_prepare(
	    tx->db,
	    "UPDATE assignments SET date_from = ?5, date_to = ?6 WHERE plan_id = ?1 "
	    "AND unit_id = ?2 AND COALESCE(group_id, 0) = ?3 AND COALESCE(user_id, 0) = ?4 "
	    "RETURNING id, created_at",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, a->plan_id);
	db_bind_int64(s, 2, a->unit_id);
	db_bind_int64(s, 3, a->group_id);
	db_bind_int64(s, 4, a->user_id);
	db_bind_text(s, 5, a->date_from, nf);
	db_bind_text(s, 6, a->date_to, nt);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (rc == DB_ROW) {
		a->id = db_column_int64(s, 0);
		a->created_at = db_column_int64(s, 1);
		rc = 0;
		goto out;
	}
	db_finish(s);
	s = NULL;
	rc =
	    db_prepare(tx->db,
		       "INSERT INTO assignments (plan_id, unit_id, group_id, user_id, date_from, "
		       "date_to, created_at) VALUES (?1, ?2, NULLIF(?3, 0), NULLIF(?4, 0), ?5, ?6, "
		       "?7) RETURNING id",
		       &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, a->plan_id);
	db_bind_int64(s, 2, a->unit_id);
	db_bind_int64(s, 3, a->group_id);
	db_bind_int64(s, 4, a->user_id);
	db_bind_text(s, 5, a->date_from, nf);
	db_bind_text(s, 6, a->date_to, nt);
	db_bind_int64(s, 7, a->created_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	a->id = db_column_int64(s, 0);
	*created = true;
out:
	db_finish(s);
	return rc;
}

int store_assignment_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(const struct store_assignment *a, void *arg), void *arg)
{
	struct store_assignment a;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " ASSIGN_COLUMNS " FROM assignments WHERE plan_id = ?1 "
			"AND (?2 = 0 OR unit_id = ?2) ORDER BY unit_id, id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = assignment_row(s, &a)) < 0)
			goto out;
		rc = fn(&a, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_assignment_covers(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t user_id,
			    int64_t group_id)
{
	struct db_stmt *s = NULL;
	int64_t v = 0;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT EXISTS (SELECT 1 FROM assignments WHERE plan_id = ?1 AND "
			"unit_id = ?2 AND (user_id = ?3 OR (?4 <> 0 AND group_id = ?4)))",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	db_bind_int64(s, 3, user_id);
	db_bind_int64(s, 4, group_id);
	rc = scalar(s, &v);
	if (rc == 0)
		rc = v ? 1 : 0;
out:
	db_finish(s);
	return rc;
}

int store_assignment_remove_user(struct store_tx *tx, int64_t plan_id, int64_t user_id, int64_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(tx->db, "DELETE FROM assignments WHERE plan_id = ?1 AND user_id = ?2", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, user_id);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	*n = db_changes(tx->db);
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_assignment_remove_unit(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(tx->db, "DELETE FROM assignments WHERE plan_id = ?1 AND unit_id = ?2", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	*n = db_changes(tx->db);
	rc = 0;
out:
	db_finish(s);
	return rc;
}

/* ---- observers -------------------------------------------------------------- */

int store_observer_add(struct store_tx *tx, int64_t plan_id, int64_t user_id)
{
	struct db_stmt *s = NULL;
	int rc;

	rc =
	    db_prepare(tx->db, "INSERT INTO plan_observers (plan_id, user_id) VALUES (?1, ?2)", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, user_id);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_observer_remove(struct store_tx *tx, int64_t plan_id, int64_t user_id)
{
	return store_exec_i64(tx, "DELETE FROM plan_observers WHERE plan_id = ?1 AND user_id = ?2",
			      true, 2, plan_id, user_id);
}

int store_observer_is(struct store_tx *tx, int64_t plan_id, int64_t user_id)
{
	struct db_stmt *s = NULL;
	int64_t v = 0;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT EXISTS (SELECT 1 FROM plan_observers WHERE plan_id = ?1 AND "
			"user_id = ?2)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, user_id);
	rc = scalar(s, &v);
	if (rc == 0)
		rc = v ? 1 : 0;
out:
	db_finish(s);
	return rc;
}

int store_observer_ids(struct store_tx *tx, int64_t plan_id, int64_t *ids, size_t cap, size_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(
	    tx->db, "SELECT user_id FROM plan_observers WHERE plan_id = ?1 ORDER BY user_id", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n < cap)
			ids[*n] = db_column_int64(s, 0);
		(*n)++;
	}
out:
	db_finish(s);
	return rc;
}
