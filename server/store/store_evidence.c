/*
 * store_evidence.c - evidence rows and their chunks (see store_evidence.h).
 * Portable SQL only. The chunk column "offset" is quoted: OFFSET is an SQL
 * keyword.
 *
 * Invariant kept here: the chunks of an evidence row cover [0, received)
 * exactly, without gaps or overlaps, because a chunk is only stored at
 * offset == received, and received grows by the chunk's length in the same
 * statement sequence (inside the caller's write transaction).
 */
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_evidence.h"
#include "server/store/store_int.h"

#define EVIDENCE_COLUMNS                                                                           \
	"id, plan_id, name, content_type, size, sha256, received, complete, uploaded_by, "         \
	"created_at, COALESCE(completed_at, 0)"

static int evidence_row(struct db_stmt *s, struct store_evidence *e)
{
	const void *h;
	size_t hl = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	e->id = db_column_int64(s, 0);
	e->plan_id = db_column_int64(s, 1);
	if ((rc = store_col_text(s, 2, e->name, sizeof(e->name))) < 0 ||
	    (rc = store_col_text(s, 3, e->content_type, sizeof(e->content_type))) < 0)
		return rc;
	e->size = (uint64_t)db_column_int64(s, 4);
	h = db_column_blob(s, 5, &hl);
	if (hl != STORE_SHA256_LEN)
		return KT_ECORRUPT;
	memcpy(e->sha256, h, STORE_SHA256_LEN);
	e->received = (uint64_t)db_column_int64(s, 6);
	e->complete = db_column_int64(s, 7) != 0;
	e->uploaded_by = db_column_int64(s, 8);
	e->created_at = db_column_int64(s, 9);
	e->completed_at = db_column_int64(s, 10);
	return 0;
}

int store_evidence_insert(struct store_tx *tx, struct store_evidence *e)
{
	struct db_stmt *s = NULL;
	size_t nn, nt;
	int rc;

	if ((rc = store_str_check(e->name, STORE_NAME_MAX, &nn)) < 0 ||
	    (rc = store_str_check(e->content_type, STORE_EVIDENCE_TYPE_MAX, &nt)) < 0)
		goto out;
	if (e->size > INT64_MAX) {
		rc = KT_ERANGE;
		goto out;
	}
	rc =
	    db_prepare(tx->db,
		       "INSERT INTO evidence (plan_id, name, content_type, size, sha256, received, "
		       "complete, uploaded_by, created_at) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7) RETURNING id",
		       &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, e->plan_id);
	db_bind_text(s, 2, e->name, nn);
	db_bind_text(s, 3, e->content_type, nt);
	db_bind_int64(s, 4, (int64_t)e->size);
	db_bind_blob(s, 5, e->sha256, STORE_SHA256_LEN);
	db_bind_int64(s, 6, e->uploaded_by);
	db_bind_int64(s, 7, e->created_at);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	e->id = db_column_int64(s, 0);
	e->received = 0;
	e->complete = false;
	e->completed_at = 0;
out:
	db_finish(s);
	return rc;
}

int store_evidence_get(struct store_tx *tx, int64_t id, struct store_evidence *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " EVIDENCE_COLUMNS " FROM evidence WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = evidence_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_evidence_get_by_hash(struct store_tx *tx, int64_t plan_id,
			       const uint8_t sha256[STORE_SHA256_LEN], struct store_evidence *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(
	    tx->db, "SELECT " EVIDENCE_COLUMNS " FROM evidence WHERE plan_id = ?1 AND sha256 = ?2",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, plan_id);
	db_bind_blob(s, 2, sha256, STORE_SHA256_LEN);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = evidence_row(s, out);
out:
	db_finish(s);
	return rc;
}

static int drop_chunks(struct store_tx *tx, int64_t id)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "DELETE FROM evidence_chunks WHERE evidence_id = ?1", &s);
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

int store_evidence_restart(struct store_tx *tx, int64_t id, int64_t uploaded_by, const char *name,
			   const char *content_type, uint64_t size)
{
	struct store_evidence e;
	struct db_stmt *s = NULL;
	size_t nn, nt;
	int rc;

	if ((rc = store_str_check(name, STORE_NAME_MAX, &nn)) < 0 ||
	    (rc = store_str_check(content_type, STORE_EVIDENCE_TYPE_MAX, &nt)) < 0)
		goto out;
	if (size > INT64_MAX) {
		rc = KT_ERANGE;
		goto out;
	}
	if ((rc = store_evidence_get(tx, id, &e)) < 0)
		goto out;
	if (e.complete) {
		rc = KT_ESTATE;
		goto out;
	}
	if (e.size != size && (rc = drop_chunks(tx, id)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE evidence SET uploaded_by = ?2, name = ?3, content_type = ?4, "
			"received = CASE WHEN size = ?5 THEN received ELSE 0 END, size = ?5 "
			"WHERE id = ?1 AND complete = 0",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, uploaded_by);
	db_bind_text(s, 3, name, nn);
	db_bind_text(s, 4, content_type, nt);
	db_bind_int64(s, 5, (int64_t)size);
	rc = db_step(s);
	if (rc >= 0)
		rc = store_changed(tx);
out:
	db_finish(s);
	return rc;
}

int store_evidence_append(struct store_tx *tx, int64_t id, uint64_t offset, const void *data,
			  size_t n, uint64_t *received)
{
	struct store_evidence e;
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = store_evidence_get(tx, id, &e)) < 0)
		goto out;
	if (e.complete) {
		rc = KT_ESTATE;
		goto out;
	}
	if (offset != e.received) {
		rc = KT_ECONFLICT;
		goto out;
	}
	if (n == 0 || n > e.size - e.received) {
		rc = KT_ERANGE;
		goto out;
	}
	rc = db_prepare(
	    tx->db,
	    "INSERT INTO evidence_chunks (evidence_id, \"offset\", data) VALUES (?1, ?2, ?3)", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, (int64_t)offset);
	db_bind_blob(s, 3, data, n);
	rc = db_step(s);
	db_finish(s);
	s = NULL;
	if (rc < 0)
		goto out;
	rc = db_prepare(
	    tx->db,
	    "UPDATE evidence SET received = received + ?3 WHERE id = ?1 AND received = ?2 "
	    "AND complete = 0",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, (int64_t)offset);
	db_bind_int64(s, 3, (int64_t)n);
	rc = db_step(s);
	if (rc >= 0)
		rc = store_changed(tx) == 0 ? 0 : KT_ECONFLICT;
	if (rc == 0 && received)
		*received = offset + n;
out:
	db_finish(s);
	return rc;
}

int store_evidence_chunks(struct store_tx *tx, int64_t id,
			  int (*fn)(uint64_t offset, const void *data, size_t n, void *arg),
			  void *arg)
{
	struct db_stmt *s = NULL;
	const void *p;
	size_t n;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT \"offset\", data FROM evidence_chunks WHERE evidence_id = ?1 "
			"ORDER BY \"offset\"",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		n = 0;
		p = db_column_blob(s, 1, &n);
		rc = fn((uint64_t)db_column_int64(s, 0), p, n, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

int store_evidence_read(struct store_tx *tx, int64_t id, uint64_t offset, void *buf, size_t cap,
			size_t *n)
{
	struct db_stmt *s = NULL;
	uint64_t end = offset + cap, at, cend, from, to;
	const uint8_t *p;
	size_t len;
	int rc;

	*n = 0;
	if (offset > INT64_MAX || cap > INT64_MAX - offset)
		return KT_ERANGE;
	/* The chunk holding offset, then every chunk that starts before the end. */
	rc = db_prepare(tx->db,
			"SELECT \"offset\", data FROM evidence_chunks WHERE evidence_id = ?1 "
			"AND \"offset\" < ?3 AND \"offset\" >= COALESCE((SELECT MAX(\"offset\") "
			"FROM evidence_chunks WHERE evidence_id = ?1 AND \"offset\" <= ?2), 0) "
			"ORDER BY \"offset\"",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, (int64_t)offset);
	db_bind_int64(s, 3, (int64_t)end);
	while ((rc = db_step(s)) == DB_ROW) {
		at = (uint64_t)db_column_int64(s, 0);
		len = 0;
		p = db_column_blob(s, 1, &len);
		cend = at + len;
		from = at > offset ? at : offset;
		to = cend < end ? cend : end;
		if (from != offset + *n) {
			/* A gap: only the contiguous prefix is returned. */
			break;
		}
		if (to > from) {
			memcpy((uint8_t *)buf + (from - offset), p + (from - at), to - from);
			*n += to - from;
		}
	}
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc < 0 ? rc : 0;
}

int store_evidence_complete(struct store_tx *tx, int64_t id, int64_t now)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE evidence SET complete = 1, completed_at = ?2 "
			"WHERE id = ?1 AND complete = 0 AND received = size",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	rc = db_step(s);
	if (rc >= 0)
		rc = store_changed(tx) == 0 ? 0 : KT_ESTATE;
out:
	db_finish(s);
	return rc;
}

int store_evidence_reset(struct store_tx *tx, int64_t id)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = drop_chunks(tx, id)) < 0)
		goto out;
	rc = db_prepare(tx->db, "UPDATE evidence SET received = 0 WHERE id = ?1 AND complete = 0",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc >= 0)
		rc = store_changed(tx) == 0 ? 0 : KT_ESTATE;
out:
	db_finish(s);
	return rc;
}

int store_evidence_unit_visible(struct store_tx *tx, int64_t id, int64_t unit_id)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT 1 FROM finding_evidence fe JOIN findings f ON f.id = fe.finding_id "
			" WHERE fe.evidence_id = ?1 AND f.unit_id = ?2 AND f.state = 3 "
			"UNION ALL SELECT 1 FROM recommendation_evidence re "
			" JOIN recommendations r ON r.id = re.recommendation_id "
			" WHERE re.evidence_id = ?1 AND r.unit_id = ?2 "
			"UNION ALL SELECT 1 FROM reviews v "
			" WHERE v.minutes_evidence_id = ?1 AND v.unit_id = ?2 "
			"LIMIT 1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, unit_id);
	rc = db_step(s);
	if (rc >= 0)
		rc = rc == DB_ROW ? 1 : 0;
out:
	db_finish(s);
	return rc;
}
