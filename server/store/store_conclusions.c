/*
 * store_conclusions.c - conclusions, one row per revision (see store_conclusions.h).
 * Portable SQL only.
 *
 * finding_ids is stored as decimal ids separated by commas ("3,7,12"),
 * ascending, as the digest of an approval lists them. Every UPDATE names the
 * version it expects and the state the row must be in (a DRAFT), so an
 * approved revision cannot be changed by any statement of this file except
 * store_conclusion_supersede(), which only moves APPROVED to SUPERSEDED.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_conclusions.h"
#include "server/store/store_int.h"

/* Room for STORE_CONCLUSION_FINDINGS_MAX ids of up to 19 digits and their commas. */
#define IDS_TEXT_CAP (STORE_CONCLUSION_FINDINGS_MAX * 21 + 1)

#define CONCLUSION_COLUMNS                                                                         \
	"c.id, c.plan_id, c.unit_id, c.revision, c.text, c.finding_ids, c.state, c.author_id, "    \
	"COALESCE(ua.username, ''), c.created_at, c.updated_at, c.version, "                       \
	"COALESCE(c.approved_by, 0), COALESCE(ub.username, ''), COALESCE(ub.full_name, ''), "      \
	"COALESCE(c.approved_at, 0), c.digest, c.signature, c.signing_key"
#define CONCLUSION_FROM                                                                            \
	" FROM conclusions c LEFT JOIN users ua ON ua.id = c.author_id"                            \
	" LEFT JOIN users ub ON ub.id = c.approved_by"

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* "3,7,12" from ids (sorted copy) into out (IDS_TEXT_CAP bytes). */
static int ids_format(size_t n, const int64_t *ids, char *out)
{
	int64_t sorted[STORE_CONCLUSION_FINDINGS_MAX];
	size_t len = 0;

	if (n > STORE_CONCLUSION_FINDINGS_MAX)
		return KT_ETOOBIG;
	if (n)
		memcpy(sorted, ids, n * sizeof(*ids));
	qsort(sorted, n, sizeof(*sorted), cmp_id);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w =
		    snprintf(out + len, IDS_TEXT_CAP - len, "%s%" PRId64, i ? "," : "", sorted[i]);
		if (w < 0 || (size_t)w >= IDS_TEXT_CAP - len)
			return KT_ETOOBIG;
		len += (size_t)w;
	}
	return 0;
}

/* The reverse of ids_format(); KT_ECORRUPT for anything it would not have written. */
static int ids_parse(const char *s, size_t len, int64_t *ids, size_t *n)
{
	size_t i = 0;

	*n = 0;
	while (i < len) {
		int64_t v = 0;
		size_t start = i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return KT_ECORRUPT;
			v = v * 10 + (s[i] - '0');
			i++;
		}
		if (i == start || *n == STORE_CONCLUSION_FINDINGS_MAX)
			return KT_ECORRUPT;
		ids[(*n)++] = v;
		if (i < len && s[i++] != ',')
			return KT_ECORRUPT;
		if (i == len && s[len - 1] == ',')
			return KT_ECORRUPT;
	}
	return 0;
}

static int copy_blob(struct db_stmt *s, int col, uint8_t *out, size_t want)
{
	size_t n;
	const void *p = db_column_blob(s, col, &n);

	if (n == 0) {
		memset(out, 0, want);
		return 0;
	}
	if (n != want)
		return KT_ECORRUPT;
	memcpy(out, p, want);
	return 0;
}

static int conclusion_row(struct db_stmt *s, struct store_conclusion *c)
{
	const char *ids;
	size_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	c->id = db_column_int64(s, 0);
	c->plan_id = db_column_int64(s, 1);
	c->unit_id = db_column_int64(s, 2);
	c->revision = (int32_t)db_column_int64(s, 3);
	if ((rc = store_col_text(s, 4, c->text, sizeof(c->text))) < 0)
		return rc;
	ids = db_column_text(s, 5, &n);
	if ((rc = ids_parse(ids, n, c->finding_ids, &c->n_findings)) < 0)
		return rc;
	c->state = (int)db_column_int64(s, 6);
	c->author_id = db_column_int64(s, 7);
	if ((rc = store_col_text(s, 8, c->author, sizeof(c->author))) < 0)
		return rc;
	c->created_at = db_column_int64(s, 9);
	c->updated_at = db_column_int64(s, 10);
	c->version = db_column_int64(s, 11);
	c->approved_by = db_column_int64(s, 12);
	if ((rc = store_col_text(s, 13, c->approver, sizeof(c->approver))) < 0 ||
	    (rc = store_col_text(s, 14, c->approver_name, sizeof(c->approver_name))) < 0)
		return rc;
	c->approved_at = db_column_int64(s, 15);
	if ((rc = copy_blob(s, 16, c->digest, sizeof(c->digest))) < 0 ||
	    (rc = copy_blob(s, 17, c->signature, sizeof(c->signature))) < 0 ||
	    (rc = copy_blob(s, 18, c->signing_key, sizeof(c->signing_key))) < 0)
		return rc;
	return 0;
}

int store_conclusion_create(struct store_tx *tx, struct store_conclusion *c)
{
	char ids[IDS_TEXT_CAP];
	struct db_stmt *s = NULL;
	size_t nt;
	int rc;

	if ((rc = store_str_check(c->text, STORE_CONCLUSION_TEXT_MAX, &nt)) < 0 ||
	    (rc = ids_format(c->n_findings, c->finding_ids, ids)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO conclusions (plan_id, unit_id, revision, text, finding_ids, "
			"state, author_id, created_at, updated_at, version) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, c->plan_id);
	db_bind_int64(s, 2, c->unit_id);
	db_bind_int64(s, 3, c->revision);
	db_bind_text(s, 4, c->text, nt);
	db_bind_str(s, 5, ids);
	db_bind_int64(s, 6, STORE_CONCLUSION_DRAFT);
	db_bind_int64(s, 7, c->author_id);
	db_bind_int64(s, 8, c->created_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	c->id = db_column_int64(s, 0);
	c->state = STORE_CONCLUSION_DRAFT;
	c->version = 1;
	c->updated_at = c->created_at;
	qsort(c->finding_ids, c->n_findings, sizeof(*c->finding_ids), cmp_id);
out:
	db_finish(s);
	return rc;
}

int store_conclusion_get(struct store_tx *tx, int64_t id, struct store_conclusion *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc =
	    db_prepare(tx->db, "SELECT " CONCLUSION_COLUMNS CONCLUSION_FROM " WHERE c.id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = conclusion_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_conclusion_latest(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			    struct store_conclusion *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " CONCLUSION_COLUMNS CONCLUSION_FROM
			" WHERE c.plan_id = ?1 AND c.unit_id = ?2 ORDER BY c.revision DESC LIMIT 1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = conclusion_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_conclusion_update_draft(struct store_tx *tx, int64_t id, int64_t expected_version,
				  const char *text, size_t n_findings, const int64_t *finding_ids,
				  int64_t now)
{
	char ids[IDS_TEXT_CAP];
	struct db_stmt *s = NULL;
	size_t nt;
	int rc;

	if ((rc = store_str_check(text, STORE_CONCLUSION_TEXT_MAX, &nt)) < 0 ||
	    (rc = ids_format(n_findings, finding_ids, ids)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE conclusions SET text = ?3, finding_ids = ?4, updated_at = ?5, "
			"version = version + 1 WHERE id = ?1 AND version = ?2 AND state = ?6",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, expected_version);
	db_bind_text(s, 3, text, nt);
	db_bind_str(s, 4, ids);
	db_bind_int64(s, 5, now);
	db_bind_int64(s, 6, STORE_CONCLUSION_DRAFT);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx) == 0 ? 0 : KT_ECONFLICT;
out:
	db_finish(s);
	return rc;
}

int store_conclusion_approve(struct store_tx *tx, int64_t id, int64_t expected_version, int64_t by,
			     int64_t at, const uint8_t digest[32], const uint8_t signature[64],
			     const uint8_t signing_key[32])
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE conclusions SET state = ?3, approved_by = ?4, approved_at = ?5, "
			"digest = ?6, signature = ?7, signing_key = ?8, updated_at = ?5, "
			"version = version + 1 WHERE id = ?1 AND version = ?2 AND state = ?9",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, expected_version);
	db_bind_int64(s, 3, STORE_CONCLUSION_APPROVED);
	db_bind_int64(s, 4, by);
	db_bind_int64(s, 5, at);
	db_bind_blob(s, 6, digest, 32);
	db_bind_blob(s, 7, signature, 64);
	db_bind_blob(s, 8, signing_key, 32);
	db_bind_int64(s, 9, STORE_CONCLUSION_DRAFT);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx) == 0 ? 0 : KT_ECONFLICT;
out:
	db_finish(s);
	return rc;
}

int store_conclusion_supersede(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			       int64_t except_id, int64_t now, int32_t *revision)
{
	struct db_stmt *s = NULL;
	int rc;

	*revision = 0;
	rc = db_prepare(tx->db,
			"UPDATE conclusions SET state = ?4, updated_at = ?5, version = version + 1 "
			"WHERE plan_id = ?1 AND unit_id = ?2 AND id <> ?3 AND state = ?6 "
			"RETURNING revision",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	db_bind_int64(s, 3, except_id);
	db_bind_int64(s, 4, STORE_CONCLUSION_SUPERSEDED);
	db_bind_int64(s, 5, now);
	db_bind_int64(s, 6, STORE_CONCLUSION_APPROVED);
	while ((rc = db_step(s)) == DB_ROW) {
		int32_t r = (int32_t)db_column_int64(s, 0);

		if (r > *revision)
			*revision = r;
	}
out:
	db_finish(s);
	return rc;
}

int store_conclusion_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int32_t before_revision,
			  int (*fn)(const struct store_conclusion *c, void *arg), void *arg)
{
	struct store_conclusion *c = malloc(sizeof(*c));
	struct db_stmt *s = NULL;
	int rc = KT_ENOMEM;

	if (!c)
		goto out;
	rc = db_prepare(tx->db,
			"SELECT " CONCLUSION_COLUMNS CONCLUSION_FROM
			" WHERE c.plan_id = ?1 AND c.unit_id = ?2 AND (?3 = 0 OR c.revision < ?3)"
			" ORDER BY c.revision DESC",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, unit_id);
	db_bind_int64(s, 3, before_revision);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = conclusion_row(s, c)) < 0)
			goto out;
		if ((rc = fn(c, arg)) != 0)
			goto out;
	}
out:
	db_finish(s);
	free(c);
	return rc;
}

int store_conclusion_finding(struct store_tx *tx, int64_t finding_id, int64_t *plan_id,
			     int64_t *unit_id, int *state)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT plan_id, unit_id, state FROM findings WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, finding_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	*plan_id = db_column_int64(s, 0);
	*unit_id = db_column_int64(s, 1);
	*state = (int)db_column_int64(s, 2);
out:
	db_finish(s);
	return rc;
}
