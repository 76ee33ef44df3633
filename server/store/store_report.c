/*
 * store_report.c - report figures, watch candidates and signing keys (see
 * store_report.h). Portable SQL only; read-only.
 *
 * Parameters shared by the report statements: ?1 the plan, ?2 the unit (0:
 * every unit). "In the plan" is the IN (plan_units) filter each statement
 * carries, so a unit removed from the plan drops out of every figure at once.
 * The findings statement walks the index findings(plan_id, unit_id, id).
 */
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store_int.h"
#include "server/store/store_report.h"

/*
 * Proto enum numbers the statements name: FindingState
 * ACCEPTED 3; ConclusionState APPROVED 2, SUPERSEDED 3; RecommendationState
 * OPEN 1, ANSWERED 2, DONE 3, RETURNED 4.
 */
#define IN_PLAN(col) " AND " col " IN (SELECT unit_id FROM plan_units WHERE plan_id = ?1)"
#define UNIT_IS(col) " AND (?2 = 0 OR " col " = ?2)"

/* clang-format off */
/* The group covering a unit: its first assignment naming one (itself or via the member). */
static const char units_sql[] =
	"SELECT u.id, u.code, u.name, COALESCE(g.id, 0), COALESCE(g.name, '')"
	" FROM plan_units pu JOIN units u ON u.id = pu.unit_id"
	" LEFT JOIN working_groups g ON g.id = ("
	"  SELECT COALESCE(a.group_id, tm.group_id) FROM assignments a"
	"  LEFT JOIN team_members tm ON tm.plan_id = a.plan_id AND tm.user_id = a.user_id"
	"  WHERE a.plan_id = pu.plan_id AND a.unit_id = pu.unit_id"
	"  AND COALESCE(a.group_id, tm.group_id) IS NOT NULL"
	"  ORDER BY a.id LIMIT 1)"
	" WHERE pu.plan_id = ?1" UNIT_IS("pu.unit_id")
	" ORDER BY u.code, u.id";

static const char findings_sql[] =
	"SELECT unit_id, area, kind, COUNT(*) FROM findings"
	" WHERE plan_id = ?1 AND state = 3" UNIT_IS("unit_id") IN_PLAN("unit_id")
	" GROUP BY unit_id, area, kind";

static const char conclusions_sql[] =
	"SELECT DISTINCT unit_id FROM conclusions"
	" WHERE plan_id = ?1 AND state IN (2, 3) AND unit_id <> 0"
	UNIT_IS("unit_id") IN_PLAN("unit_id");

static const char recommendations_sql[] =
	"SELECT unit_id,"
	" SUM(CASE WHEN state IN (1, 2, 4) THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN state IN (1, 2, 4) AND deadline < ?3 THEN 1 ELSE 0 END)"
	" FROM recommendations WHERE plan_id = ?1" UNIT_IS("unit_id") IN_PLAN("unit_id")
	" GROUP BY unit_id";

static const char reviews_sql[] =
	"SELECT r.unit_id, r.state,"
	" (SELECT COUNT(*) FROM review_officials o WHERE o.review_id = r.id)"
	" FROM reviews r WHERE r.plan_id = ?1" UNIT_IS("r.unit_id") IN_PLAN("r.unit_id");

static const char outcomes_sql[] =
	"SELECT o.outcome, COUNT(*) FROM review_officials o JOIN reviews r ON r.id = o.review_id"
	" WHERE r.plan_id = ?1" UNIT_IS("r.unit_id") IN_PLAN("r.unit_id")
	" GROUP BY o.outcome ORDER BY o.outcome";

static const char groups_plan_sql[] =
	"SELECT COUNT(*) FROM working_groups WHERE plan_id = ?1";

static const char groups_unit_sql[] =
	"SELECT COUNT(DISTINCT COALESCE(a.group_id, tm.group_id)) FROM assignments a"
	" LEFT JOIN team_members tm ON tm.plan_id = a.plan_id AND tm.user_id = a.user_id"
	" WHERE a.plan_id = ?1 AND a.unit_id = ?2";

static const char window_sql[] =
	"SELECT MIN(date_from), MAX(date_to) FROM assignments"
	" WHERE plan_id = ?1" UNIT_IS("unit_id") IN_PLAN("unit_id");

static const char keys_sql[] =
	"SELECT d.user_id, u.username, d.id, d.signing_key, d.enrolled_at, d.revoked"
	" FROM devices d JOIN users u ON u.id = d.user_id"
	" WHERE d.user_id = ?1 AND d.signing_key IS NOT NULL ORDER BY d.id";
/* clang-format on */

/* Prepare sql and bind ?1 plan_id and ?2 unit_id. */
static int prepare(struct store_tx *tx, const char *sql, int64_t plan_id, int64_t unit_id,
		   struct db_stmt **s)
{
	int rc = db_prepare(tx->db, sql, s);

	if (rc < 0)
		return rc;
	db_bind_int64(*s, 1, plan_id);
	db_bind_int64(*s, 2, unit_id);
	return 0;
}

/* A COUNT(*) or SUM() of a row that SQL guarantees non-negative, as a figure. */
static uint32_t count_col(struct db_stmt *s, int col)
{
	int64_t v = db_column_int64(s, col);

	if (v < 0)
		return 0;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int store_report_units(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
		       int (*fn)(const struct store_report_unit *u, void *arg), void *arg)
{
	struct store_report_unit u;
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, units_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&u, 0, sizeof(u));
		u.unit_id = db_column_int64(s, 0);
		if ((rc = store_col_text(s, 1, u.code, sizeof(u.code))) < 0 ||
		    (rc = store_col_text(s, 2, u.name, sizeof(u.name))) < 0 ||
		    (rc = store_col_text(s, 4, u.group_name, sizeof(u.group_name))) < 0)
			goto out;
		u.group_id = db_column_int64(s, 3);
		if ((rc = fn(&u, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_report_findings(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(int64_t unit_id, int area, int kind, uint32_t count, void *arg),
			  void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, findings_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		rc = fn(db_column_int64(s, 0), (int)db_column_int64(s, 1),
			(int)db_column_int64(s, 2), count_col(s, 3), arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_report_conclusions(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			     int (*fn)(int64_t unit_id, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, conclusions_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW)
		if ((rc = fn(db_column_int64(s, 0), arg)) != 0)
			goto out;
out:
	db_finish(s);
	return rc;
}

int store_report_recommendations(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
				 const char *today,
				 int (*fn)(int64_t unit_id, uint32_t open, uint32_t done,
					   uint32_t overdue, void *arg),
				 void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, recommendations_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	db_bind_str(s, 3, today);
	while ((rc = db_step(s)) == DB_ROW) {
		rc = fn(db_column_int64(s, 0), count_col(s, 1), count_col(s, 2), count_col(s, 3),
			arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_report_reviews(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			 int (*fn)(int64_t unit_id, int state, uint32_t officials, void *arg),
			 void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, reviews_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		rc = fn(db_column_int64(s, 0), (int)db_column_int64(s, 1), count_col(s, 2), arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_report_outcomes(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(int outcome, uint32_t count, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = prepare(tx, outcomes_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW)
		if ((rc = fn((int)db_column_int64(s, 0), count_col(s, 1), arg)) != 0)
			goto out;
out:
	db_finish(s);
	return rc;
}

int store_report_groups(struct store_tx *tx, int64_t plan_id, int64_t unit_id, uint32_t *out)
{
	struct db_stmt *s = NULL;
	int rc;

	*out = 0;
	if (unit_id)
		rc = prepare(tx, groups_unit_sql, plan_id, unit_id, &s);
	else if ((rc = db_prepare(tx->db, groups_plan_sql, &s)) == 0)
		db_bind_int64(s, 1, plan_id);
	if (rc < 0)
		goto out;
	if ((rc = store_step_one(s)) < 0)
		goto out;
	*out = count_col(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_report_window(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			char from[STORE_DATE_MAX + 1], char to[STORE_DATE_MAX + 1])
{
	struct db_stmt *s = NULL;
	int rc;

	from[0] = to[0] = '\0';
	if ((rc = prepare(tx, window_sql, plan_id, unit_id, &s)) < 0)
		goto out;
	if ((rc = store_step_one(s)) < 0)
		goto out;
	if ((rc = store_col_text(s, 0, from, STORE_DATE_MAX + 1)) < 0 ||
	    (rc = store_col_text(s, 1, to, STORE_DATE_MAX + 1)) < 0)
		goto out;
out:
	db_finish(s);
	return rc;
}

int store_signing_keys(struct store_tx *tx, int64_t user_id,
		       int (*fn)(const struct store_signing_key *k, void *arg), void *arg)
{
	struct store_signing_key k;
	struct db_stmt *s = NULL;
	const void *p;
	size_t n;
	int rc;

	if ((rc = db_prepare(tx->db, keys_sql, &s)) < 0)
		goto out;
	db_bind_int64(s, 1, user_id);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&k, 0, sizeof(k));
		k.user_id = db_column_int64(s, 0);
		if ((rc = store_col_text(s, 1, k.username, sizeof(k.username))) < 0)
			goto out;
		k.device_id = db_column_int64(s, 2);
		p = db_column_blob(s, 3, &n);
		if (!p || n != sizeof(k.key)) {
			rc = KT_ECORRUPT;
			goto out;
		}
		memcpy(k.key, p, sizeof(k.key));
		k.registered_at = db_column_int64(s, 4);
		k.revoked = db_column_int64(s, 5) != 0;
		if ((rc = fn(&k, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}
