/*
 * store_findings.c - findings, their evidence links and their revisions (see
 * store_findings.h). Portable SQL only.
 *
 * A finding's evidence is the set of rows in finding_evidence; each revision
 * keeps the ids it had as text ("3,7", ascending). accepted_by and the
 * acceptance blobs are NULL until a leader accepts.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_findings.h"
#include "server/store/store_int.h"

#define FINDING_COLUMNS                                                                            \
	"f.id, f.plan_id, f.unit_id, f.area, f.kind, f.state, f.text, f.cause, "                   \
	"f.return_reason, f.author_id, ua.username, f.client_id, f.created_at, f.updated_at, "     \
	"f.updated_by, f.version, COALESCE(f.accepted_by, 0), COALESCE(f.accepted_at, 0), "        \
	"COALESCE(ub.username, ''), COALESCE(ub.full_name, ''), f.accept_digest, "                 \
	"f.accept_signature, f.accept_key"
#define FINDING_FROM                                                                               \
	" FROM findings f JOIN users ua ON ua.id = f.author_id"                                    \
	" LEFT JOIN users ub ON ub.id = f.accepted_by"

/* "3,7": at most STORE_FINDING_EVIDENCE_MAX ids of up to 19 digits and a comma each. */
#define IDS_TEXT_MAX (STORE_FINDING_EVIDENCE_MAX * 21)

static void copy_blob(struct db_stmt *s, int col, uint8_t *out, size_t n)
{
	size_t len = 0;
	const void *p = db_column_blob(s, col, &len);

	memset(out, 0, n);
	if (p && len == n)
		memcpy(out, p, n);
}

static int finding_row(struct db_stmt *s, struct store_finding *f)
{
	int rc;

	store_finding_clear(f);
	f->id = db_column_int64(s, 0);
	f->plan_id = db_column_int64(s, 1);
	f->unit_id = db_column_int64(s, 2);
	f->area = (int)db_column_int64(s, 3);
	f->kind = (int)db_column_int64(s, 4);
	f->state = (int)db_column_int64(s, 5);
	if ((rc = store_col_text(s, 6, f->text, sizeof(f->text))) < 0 ||
	    (rc = store_col_text(s, 7, f->cause, sizeof(f->cause))) < 0 ||
	    (rc = store_col_text(s, 8, f->return_reason, sizeof(f->return_reason))) < 0 ||
	    (rc = store_col_text(s, 10, f->author, sizeof(f->author))) < 0 ||
	    (rc = store_col_text(s, 11, f->client_id, sizeof(f->client_id))) < 0 ||
	    (rc = store_col_text(s, 18, f->accepted_by_name, sizeof(f->accepted_by_name))) < 0 ||
	    (rc = store_col_text(s, 19, f->accepted_by_full, sizeof(f->accepted_by_full))) < 0)
		return rc;
	f->author_id = db_column_int64(s, 9);
	f->created_at = db_column_int64(s, 12);
	f->updated_at = db_column_int64(s, 13);
	f->updated_by = db_column_int64(s, 14);
	f->version = db_column_int64(s, 15);
	f->accepted_by = db_column_int64(s, 16);
	f->accepted_at = db_column_int64(s, 17);
	copy_blob(s, 20, f->accept_digest, sizeof(f->accept_digest));
	copy_blob(s, 21, f->accept_signature, sizeof(f->accept_signature));
	copy_blob(s, 22, f->accept_key, sizeof(f->accept_key));
	return 0;
}

/* The evidence ids linked to finding id, ascending, into ids[STORE_FINDING_EVIDENCE_MAX]. */
static int read_links(struct store_tx *tx, int64_t id, int64_t *ids, size_t *n)
{
	struct db_stmt *s = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(tx->db,
			"SELECT evidence_id FROM finding_evidence WHERE finding_id = ?1 "
			"ORDER BY evidence_id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == STORE_FINDING_EVIDENCE_MAX) {
			rc = KT_ECORRUPT;
			goto out;
		}
		ids[(*n)++] = db_column_int64(s, 0);
	}
out:
	db_finish(s);
	return rc < 0 ? rc : 0;
}

static int load_evidence(struct store_tx *tx, struct store_finding *f)
{
	return read_links(tx, f->id, f->evidence_ids, &f->n_evidence);
}

static int ids_format(const int64_t *ids, size_t n, char *out, size_t cap)
{
	size_t used = 0;
	int w;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		w = snprintf(out + used, cap - used, "%s%" PRId64, i ? "," : "", ids[i]);
		if (w < 0 || (size_t)w >= cap - used)
			return KT_ETOOBIG;
		used += (size_t)w;
	}
	return 0;
}

static int ids_parse(const char *s, int64_t *ids, size_t max, size_t *n)
{
	char *end;
	long long v;

	*n = 0;
	while (*s) {
		v = strtoll(s, &end, 10);
		if (end == s || v <= 0 || *n == max || (*end && *end != ','))
			return KT_ECORRUPT;
		ids[(*n)++] = v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

/* Link f's evidence; fresh: f is new, there are no old links to remove. */
static int link_evidence(struct store_tx *tx, const struct store_finding *f, bool fresh)
{
	struct db_stmt *s = NULL;
	int rc = 0;

	if (!fresh) {
		rc = db_prepare(tx->db, "DELETE FROM finding_evidence WHERE finding_id = ?1", &s);
		if (rc < 0)
			goto out;
		db_bind_int64(s, 1, f->id);
		rc = db_step(s);
		db_finish(s);
		s = NULL;
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < f->n_evidence; i++) {
		rc = db_prepare(
		    tx->db,
		    "INSERT INTO finding_evidence (finding_id, evidence_id) VALUES (?1, ?2)", &s);
		if (rc < 0)
			goto out;
		db_bind_int64(s, 1, f->id);
		db_bind_int64(s, 2, f->evidence_ids[i]);
		rc = db_step(s);
		db_finish(s);
		s = NULL;
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	db_finish(s);
	return rc;
}

static int add_revision(struct store_tx *tx, const struct store_finding *f, const char *reason)
{
	char ids[IDS_TEXT_MAX + 1];
	struct db_stmt *s = NULL;
	size_t nr;
	int rc;

	if ((rc = store_str_check(reason, STORE_FINDING_REASON_MAX, &nr)) < 0 ||
	    (rc = ids_format(f->evidence_ids, f->n_evidence, ids, sizeof(ids))) < 0)
		goto out;
	rc = db_prepare(
	    tx->db,
	    "INSERT INTO finding_revisions (finding_id, version, state, area, kind, text, "
	    "cause, reason, evidence_ids, by_user, at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, f->id);
	db_bind_int64(s, 2, f->version);
	db_bind_int64(s, 3, f->state);
	db_bind_int64(s, 4, f->area);
	db_bind_int64(s, 5, f->kind);
	db_bind_str(s, 6, f->text);
	db_bind_str(s, 7, f->cause);
	db_bind_text(s, 8, reason ? reason : "", nr);
	db_bind_str(s, 9, ids);
	db_bind_int64(s, 10, f->updated_by);
	db_bind_int64(s, 11, f->updated_at);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

/*
 * Revision 1 of a finding lives in its row until the first change, which
 * copies it here, with the evidence linked then, before changing the row
 * (a create writes one row fewer: a third of its SQLite time). Nothing when
 * the stored version is not 1; a revision 1 already stored (databases written
 * before) stays as it is.
 */
static int keep_first_revision(struct store_tx *tx, int64_t id)
{
	int64_t ev[STORE_FINDING_EVIDENCE_MAX];
	char ids[IDS_TEXT_MAX + 1];
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if ((rc = read_links(tx, id, ev, &n)) < 0 ||
	    (rc = ids_format(ev, n, ids, sizeof(ids))) < 0)
		return rc;
	rc = db_prepare(tx->db,
			"INSERT INTO finding_revisions (finding_id, version, state, area, kind, "
			"text, cause, reason, evidence_ids, by_user, at) "
			"SELECT id, 1, state, area, kind, text, cause, '', ?2, updated_by, "
			"updated_at FROM findings WHERE id = ?1 AND version = 1 "
			"ON CONFLICT (finding_id, version) DO NOTHING",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_str(s, 2, ids);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

/* The texts of f within their limits (the buffers guarantee it unless a caller wrote past). */
static int check_texts(const struct store_finding *f)
{
	size_t n;
	int rc;

	if ((rc = store_str_check(f->text, STORE_FINDING_TEXT_MAX, &n)) < 0 ||
	    (rc = store_str_check(f->cause, STORE_FINDING_CAUSE_MAX, &n)) < 0 ||
	    (rc = store_str_check(f->return_reason, STORE_FINDING_REASON_MAX, &n)) < 0 ||
	    (rc = store_str_check(f->client_id, STORE_FINDING_CLIENT_ID_MAX, &n)) < 0)
		return rc;
	if (f->n_evidence > STORE_FINDING_EVIDENCE_MAX)
		return KT_ETOOBIG;
	return 0;
}

void store_finding_clear(struct store_finding *f)
{
	_Static_assert(offsetof(struct store_finding, cause) > offsetof(struct store_finding, text) &&
			   offsetof(struct store_finding, return_reason) >
			       offsetof(struct store_finding, cause) &&
			   offsetof(struct store_finding, author_id) >
			       offsetof(struct store_finding, return_reason),
		       "the three large texts lie together between state and author_id");
	memset(f, 0, offsetof(struct store_finding, text));
	f->text[0] = f->cause[0] = f->return_reason[0] = '\0';
	memset(&f->author_id, 0, sizeof(*f) - offsetof(struct store_finding, author_id));
}

/*
 * The insert reports no row back (RETURNING costs SQLite a temporary table,
 * 15% of the statement): the new id is the connection's last insert, and
 * "nothing changed" means the client id was taken.
 */
int store_finding_insert(struct store_tx *tx, struct store_finding *f, int64_t now)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = check_texts(f)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO findings (plan_id, unit_id, area, kind, text, cause, state, "
			"return_reason, author_id, client_id, created_at, updated_at, updated_by, "
			"version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, ?10, ?10, ?8, 1) "
			"ON CONFLICT (author_id, client_id) DO NOTHING",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, f->plan_id);
	db_bind_int64(s, 2, f->unit_id);
	db_bind_int64(s, 3, f->area);
	db_bind_int64(s, 4, f->kind);
	db_bind_str(s, 5, f->text);
	db_bind_str(s, 6, f->cause);
	db_bind_int64(s, 7, f->state);
	db_bind_int64(s, 8, f->author_id);
	db_bind_str(s, 9, f->client_id);
	db_bind_int64(s, 10, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (db_changes(tx->db) != 1) {
		rc = KT_EEXIST; /* nothing inserted: the client id is taken */
		goto out;
	}
	f->id = db_last_insert_id(tx->db);
	db_finish(s);
	s = NULL;
	f->version = 1;
	f->created_at = f->updated_at = now;
	f->updated_by = f->author_id;
	f->return_reason[0] = '\0';
	rc = link_evidence(tx, f, true);
out:
	db_finish(s);
	return rc;
}

static int get_where(struct store_tx *tx, const char *sql, int64_t a, const char *b,
		     struct store_finding *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, sql, &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, a);
	if (b)
		db_bind_str(s, 2, b);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = finding_row(s, out);
	db_finish(s);
	s = NULL;
	if (rc < 0)
		goto out;
	rc = load_evidence(tx, out);
out:
	db_finish(s);
	return rc;
}

int store_finding_get(struct store_tx *tx, int64_t id, struct store_finding *out)
{
	return get_where(tx, "SELECT " FINDING_COLUMNS FINDING_FROM " WHERE f.id = ?1", id, NULL,
			 out);
}

int store_finding_get_by_client(struct store_tx *tx, int64_t author_id, const char *client_id,
				struct store_finding *out)
{
	size_t n;

	if (store_str_check(client_id, STORE_FINDING_CLIENT_ID_MAX, &n) < 0)
		return KT_ENOTFOUND;
	return get_where(tx,
			 "SELECT " FINDING_COLUMNS FINDING_FROM
			 " WHERE f.author_id = ?1 AND f.client_id = ?2",
			 author_id, client_id, out);
}

static void bind_blob_or_null(struct db_stmt *s, int idx, bool set, const void *p, size_t n)
{
	if (set)
		db_bind_blob(s, idx, p, n);
	else
		db_bind_null(s, idx);
}

int store_finding_save(struct store_tx *tx, struct store_finding *f, int64_t expected_version,
		       const char *reason)
{
	struct db_stmt *s = NULL;
	bool acc = f->accepted_by != 0;
	int rc;

	if ((rc = check_texts(f)) < 0 ||
	    (expected_version == 1 && (rc = keep_first_revision(tx, f->id)) < 0))
		goto out;
	rc = db_prepare(
	    tx->db,
	    "UPDATE findings SET area = ?3, kind = ?4, text = ?5, cause = ?6, state = ?7, "
	    "return_reason = ?8, updated_at = ?9, updated_by = ?10, version = version + 1, "
	    "accepted_by = NULLIF(?11, 0), accepted_at = NULLIF(?12, 0), "
	    "accept_digest = ?13, accept_signature = ?14, accept_key = ?15 "
	    "WHERE id = ?1 AND version = ?2",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, f->id);
	db_bind_int64(s, 2, expected_version);
	db_bind_int64(s, 3, f->area);
	db_bind_int64(s, 4, f->kind);
	db_bind_str(s, 5, f->text);
	db_bind_str(s, 6, f->cause);
	db_bind_int64(s, 7, f->state);
	db_bind_str(s, 8, f->return_reason);
	db_bind_int64(s, 9, f->updated_at);
	db_bind_int64(s, 10, f->updated_by);
	db_bind_int64(s, 11, f->accepted_by);
	db_bind_int64(s, 12, acc ? f->accepted_at : 0);
	bind_blob_or_null(s, 13, acc, f->accept_digest, sizeof(f->accept_digest));
	bind_blob_or_null(s, 14, acc, f->accept_signature, sizeof(f->accept_signature));
	bind_blob_or_null(s, 15, acc, f->accept_key, sizeof(f->accept_key));
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (store_changed(tx) != 0) {
		struct db_stmt *q = NULL;

		/* Nothing changed: no such finding, or another version is stored. */
		rc = db_prepare(tx->db, "SELECT version FROM findings WHERE id = ?1", &q);
		if (rc >= 0) {
			db_bind_int64(q, 1, f->id);
			rc = store_step_one(q);
			if (rc == 0)
				rc = KT_ECONFLICT;
		}
		db_finish(q);
		goto out;
	}
	db_finish(s);
	s = NULL;
	f->version = expected_version + 1;
	if ((rc = link_evidence(tx, f, false)) < 0)
		goto out;
	rc = add_revision(tx, f, reason);
out:
	db_finish(s);
	return rc;
}

int store_finding_list(struct store_tx *tx, const struct store_finding_filter *flt,
		       int (*fn)(const struct store_finding *f, void *arg), void *arg)
{
	struct store_finding *f = NULL;
	struct db_stmt *s = NULL;
	int rc;

	f = malloc(sizeof(*f));
	if (!f)
		return KT_ENOMEM;
	rc = db_prepare(tx->db,
			"SELECT " FINDING_COLUMNS FINDING_FROM
			" WHERE f.plan_id = ?1 AND (?2 = 0 OR f.unit_id = ?2)"
			" AND ((?3 >> f.state) & 1) = 1 AND (?4 = 0 OR f.area = ?4) AND f.id > ?5"
			" ORDER BY f.id LIMIT ?6",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, flt->plan_id);
	db_bind_int64(s, 2, flt->unit_id);
	db_bind_int64(s, 3, flt->states);
	db_bind_int64(s, 4, flt->area);
	db_bind_int64(s, 5, flt->after_id);
	db_bind_int64(s, 6, flt->limit ? (int64_t)flt->limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((rc = finding_row(s, f)) < 0 || (rc = load_evidence(tx, f)) < 0)
			goto out;
		rc = fn(f, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	free(f);
	return rc;
}

/*
 * A finding at version 1 without a stored revision: its row is revision 1.
 * *found tells whether it was one (and r is filled).
 */
static int first_revision_in_row(struct store_tx *tx, int64_t id, struct store_finding_revision *r,
				 bool *found)
{
	struct db_stmt *s = NULL;
	int rc;

	*found = false;
	rc = db_prepare(tx->db,
			"SELECT f.state, f.area, f.kind, f.text, f.cause, f.updated_by, u.username, "
			"f.updated_at FROM findings f JOIN users u ON u.id = f.updated_by "
			"WHERE f.id = ?1 AND f.version = 1 AND NOT EXISTS "
			"(SELECT 1 FROM finding_revisions r WHERE r.finding_id = f.id)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc == KT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	memset(r, 0, sizeof(*r));
	r->finding_id = id;
	r->version = 1;
	r->state = (int)db_column_int64(s, 0);
	r->area = (int)db_column_int64(s, 1);
	r->kind = (int)db_column_int64(s, 2);
	if ((rc = store_col_text(s, 3, r->text, sizeof(r->text))) < 0 ||
	    (rc = store_col_text(s, 4, r->cause, sizeof(r->cause))) < 0 ||
	    (rc = store_col_text(s, 6, r->by_name, sizeof(r->by_name))) < 0)
		goto out;
	r->by = db_column_int64(s, 5);
	r->at = db_column_int64(s, 7);
	db_finish(s);
	s = NULL;
	if ((rc = read_links(tx, id, r->evidence_ids, &r->n_evidence)) < 0)
		goto out;
	*found = true;
out:
	db_finish(s);
	return rc;
}

int store_finding_history(struct store_tx *tx, int64_t id, int64_t after_version, unsigned limit,
			  int (*fn)(const struct store_finding_revision *r, void *arg), void *arg)
{
	struct store_finding_revision *r = NULL;
	char ids[IDS_TEXT_MAX + 1];
	struct db_stmt *s = NULL;
	bool in_row = false;
	int rc;

	r = malloc(sizeof(*r));
	if (!r)
		return KT_ENOMEM;
	if (after_version < 1) {
		if ((rc = first_revision_in_row(tx, id, r, &in_row)) < 0)
			goto out;
		if (in_row) {
			rc = fn(r, arg); /* the whole history: nothing is stored yet */
			goto out;
		}
	}
	rc = db_prepare(
	    tx->db,
	    "SELECT r.version, r.state, r.area, r.kind, r.text, r.cause, r.reason, "
	    "r.evidence_ids, r.by_user, u.username, r.at FROM finding_revisions r "
	    "JOIN users u ON u.id = r.by_user WHERE r.finding_id = ?1 AND r.version > ?2 "
	    "ORDER BY r.version LIMIT ?3",
	    &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, after_version);
	db_bind_int64(s, 3, limit ? (int64_t)limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(r, 0, sizeof(*r));
		r->finding_id = id;
		r->version = db_column_int64(s, 0);
		r->state = (int)db_column_int64(s, 1);
		r->area = (int)db_column_int64(s, 2);
		r->kind = (int)db_column_int64(s, 3);
		if ((rc = store_col_text(s, 4, r->text, sizeof(r->text))) < 0 ||
		    (rc = store_col_text(s, 5, r->cause, sizeof(r->cause))) < 0 ||
		    (rc = store_col_text(s, 6, r->reason, sizeof(r->reason))) < 0 ||
		    (rc = store_col_text(s, 7, ids, sizeof(ids))) < 0 ||
		    (rc = ids_parse(ids, r->evidence_ids, STORE_FINDING_EVIDENCE_MAX,
				    &r->n_evidence)) < 0 ||
		    (rc = store_col_text(s, 9, r->by_name, sizeof(r->by_name))) < 0)
			goto out;
		r->by = db_column_int64(s, 8);
		r->at = db_column_int64(s, 10);
		rc = fn(r, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	free(r);
	return rc;
}
