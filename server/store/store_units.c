/*
 * store_units.c - the unit tree and its history (see store.h). Portable SQL only.
 *
 * Units are never deleted: a merged unit keeps its row (status 2, merged_into)
 * and its unit_events, so its history survives the reorganisation. Each
 * mutation writes its events in the same transaction. name_folded holds
 * kt_fold(name) for store_unit_find(), which matches every folded word of the
 * query as a substring of name_folded or of LOWER(code).
 *
 * Domain rules (no cycles, no merging a merged unit, ...) are svc_units.c's;
 * here only keys, versions and the table's CHECKs apply.
 */
#include <string.h>

#include "common/status.h"
#include "common/text.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"

#define UNIT_COLUMNS                                                                               \
	"id, code, name, kind, COALESCE(parent_id, 0), status, COALESCE(merged_into, 0), "         \
	"created_at, updated_at, version"
#define UNIT_NCOLUMNS 10

/* Query words matched in SQL; more are checked on the fetched rows. */
#define FIND_SQL_WORDS 8
/* Deepest tree store_unit_is_ancestor() walks before calling the data corrupt. */
#define UNIT_MAX_DEPTH 10000

enum {
	UNIT_STATUS_ACTIVE = 1,
	UNIT_STATUS_MERGED = 2,
	UNIT_EVENT_CREATED = 1,
	UNIT_EVENT_RENAMED = 2,
	UNIT_EVENT_MOVED = 3,
	UNIT_EVENT_MERGED = 4,
	UNIT_EVENT_ABSORBED = 5,
};

/*
 * store_unit_find(): ?1..?8 are the first FIND_SQL_WORDS query words as LIKE
 * pattern bodies ('' for none), ?9 include_merged. Two extra columns, the
 * folded name and the lower-cased code, serve the words past the eighth.
 */
/* clang-format off */
#define FIND_WORD(n)                                                                           \
	" AND (name_folded LIKE '%' || ?" #n " || '%' ESCAPE '\\'"                             \
	" OR LOWER(code) LIKE '%' || ?" #n " || '%' ESCAPE '\\')"
static const char find_sql[] =
	"SELECT " UNIT_COLUMNS ", name_folded, LOWER(code) FROM units"
	" WHERE (?9 <> 0 OR status = 1)"
	FIND_WORD(1) FIND_WORD(2) FIND_WORD(3) FIND_WORD(4)
	FIND_WORD(5) FIND_WORD(6) FIND_WORD(7) FIND_WORD(8)
	" ORDER BY id";
#undef FIND_WORD
/* clang-format on */

static int unit_row(struct db_stmt *s, struct store_unit *u)
{
	int rc;

	memset(u, 0, sizeof(*u));
	u->id = db_column_int64(s, 0);
	if ((rc = store_col_text(s, 1, u->code, sizeof(u->code))) < 0 ||
	    (rc = store_col_text(s, 2, u->name, sizeof(u->name))) < 0)
		return rc;
	u->kind = (int)db_column_int64(s, 3);
	u->parent_id = db_column_int64(s, 4);
	u->status = (int)db_column_int64(s, 5);
	u->merged_into = db_column_int64(s, 6);
	u->created_at = db_column_int64(s, 7);
	u->updated_at = db_column_int64(s, 8);
	u->version = db_column_int64(s, 9);
	return 0;
}

/* The search key of a name; KT_EUTF8 when it is not valid UTF-8. */
static int fold_name(const char *name, size_t n, char folded[STORE_NAME_MAX + 1])
{
	if (n > STORE_NAME_MAX)
		return KT_ETOOBIG;
	if (kt_fold(name, n, folded, STORE_NAME_MAX + 1) == (size_t)-1)
		return KT_EUTF8;
	return 0;
}

/* Check the actor and note every mutation records; their lengths go to *na, *nn. */
static int check_actor_note(const char *actor, const char *note, size_t *na, size_t *nn)
{
	int rc = store_str_check(actor, STORE_USERNAME_MAX, na);

	if (rc == 0)
		rc = store_str_check(note, STORE_NOTE_MAX, nn);
	return rc;
}

static int add_event(struct store_tx *tx, const struct store_unit_event *e)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"INSERT INTO unit_events (unit_id, kind, at, old_name, new_name, "
			"old_parent_id, new_parent_id, other_unit_id, actor, note) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, e->unit_id);
	db_bind_int64(s, 2, e->kind);
	db_bind_int64(s, 3, e->at);
	db_bind_str(s, 4, e->old_name);
	db_bind_str(s, 5, e->new_name);
	db_bind_int64(s, 6, e->old_parent_id);
	db_bind_int64(s, 7, e->new_parent_id);
	db_bind_int64(s, 8, e->other_unit_id);
	db_bind_str(s, 9, e->actor);
	db_bind_str(s, 10, e->note);
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	return rc;
}

/* A new event of kind for unit at now, by actor with note (both already checked). */
static void event_init(struct store_unit_event *e, int64_t unit_id, int kind, int64_t now,
		       const char *actor, const char *note)
{
	memset(e, 0, sizeof(*e));
	e->unit_id = unit_id;
	e->kind = kind;
	e->at = now;
	if (actor)
		memcpy(e->actor, actor, strlen(actor));
	if (note)
		memcpy(e->note, note, strlen(note));
}

int store_unit_create(struct store_tx *tx, struct store_unit *u, const char *actor, int64_t now)
{
	char folded[STORE_NAME_MAX + 1];
	struct store_unit_event e;
	struct db_stmt *s = NULL;
	size_t nc, nn, na, nnote;
	int rc;

	if ((rc = store_str_check(u->code, STORE_CODE_MAX, &nc)) < 0 ||
	    (rc = store_str_check(u->name, STORE_NAME_MAX, &nn)) < 0 ||
	    (rc = check_actor_note(actor, NULL, &na, &nnote)) < 0 ||
	    (rc = fold_name(u->name, nn, folded)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"INSERT INTO units (code, name, name_folded, kind, parent_id, status, "
			"merged_into, created_at, updated_at, version) "
			"VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), 1, NULL, ?6, ?6, 1) RETURNING id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, u->code, nc);
	db_bind_text(s, 2, u->name, nn);
	db_bind_str(s, 3, folded);
	db_bind_int64(s, 4, u->kind);
	db_bind_int64(s, 5, u->parent_id);
	db_bind_int64(s, 6, now);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	u->id = db_column_int64(s, 0);
	u->status = UNIT_STATUS_ACTIVE;
	u->merged_into = 0;
	u->created_at = u->updated_at = now;
	u->version = 1;

	event_init(&e, u->id, UNIT_EVENT_CREATED, now, actor, NULL);
	memcpy(e.new_name, u->name, nn);
	e.new_parent_id = u->parent_id;
	rc = add_event(tx, &e);
out:
	db_finish(s);
	return rc;
}

int store_unit_get(struct store_tx *tx, int64_t id, struct store_unit *out)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT " UNIT_COLUMNS " FROM units WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = unit_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_unit_get_by_code(struct store_tx *tx, const char *code, struct store_unit *out)
{
	struct db_stmt *s = NULL;
	size_t n;
	int rc;

	if (store_str_check(code, STORE_CODE_MAX, &n) < 0) {
		rc = KT_ENOTFOUND; /* too long to be anyone's code */
		goto out;
	}
	rc = db_prepare(tx->db, "SELECT " UNIT_COLUMNS " FROM units WHERE code = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_text(s, 1, code, n);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = unit_row(s, out);
out:
	db_finish(s);
	return rc;
}

int store_unit_list(struct store_tx *tx, int64_t parent_id, bool include_merged, int64_t after_id,
		    unsigned limit, int (*fn)(const struct store_unit *u, void *arg), void *arg)
{
	struct db_stmt *s = NULL;
	struct store_unit u;
	int rc;

	/* Two texts so the index on parent_id serves a parent; "?1 = 0" keeps ?1 used. */
	if (parent_id == 0)
		rc = db_prepare(tx->db,
				"SELECT " UNIT_COLUMNS " FROM units WHERE ?1 = 0 "
				"AND (?2 <> 0 OR status = 1) AND id > ?3 ORDER BY id LIMIT ?4",
				&s);
	else
		rc = db_prepare(tx->db,
				"SELECT " UNIT_COLUMNS " FROM units WHERE parent_id = ?1 "
				"AND (?2 <> 0 OR status = 1) AND id > ?3 ORDER BY id LIMIT ?4",
				&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, parent_id);
	db_bind_int64(s, 2, include_merged);
	db_bind_int64(s, 3, after_id);
	db_bind_int64(s, 4, limit ? (int64_t)limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		rc = unit_row(s, &u);
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

/* A LIKE pattern body for word: '\', '%' and '_' escaped with '\'. */
static void like_escape(const char *word, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		if (word[i] == '\\' || word[i] == '%' || word[i] == '_')
			*out++ = '\\';
		*out++ = word[i];
	}
	*out = '\0';
}

/* Does the folded word w[0..n) occur in name_folded or in the lower-cased code? */
static bool word_in(const char *w, size_t n, const char *folded, const char *lcode)
{
	return memmem(folded, strlen(folded), w, n) || memmem(lcode, strlen(lcode), w, n);
}

int store_unit_find(struct store_tx *tx, const char *query, bool include_merged, unsigned limit,
		    int (*fn)(const struct store_unit *u, void *arg), void *arg)
{
	char q[STORE_NAME_MAX + 1], pat[2 * STORE_NAME_MAX + 1];
	char folded[STORE_NAME_MAX + 1], lcode[STORE_CODE_MAX + 1];
	const char *word[STORE_NAME_MAX / 2 + 1];
	size_t wlen[STORE_NAME_MAX / 2 + 1];
	struct db_stmt *s = NULL;
	struct store_unit u;
	unsigned nwords = 0, found = 0;
	size_t n;
	int rc;

	/* Fold the query and split it at its single spaces. */
	if ((rc = store_str_check(query, STORE_NAME_MAX, &n)) < 0 ||
	    (rc = fold_name(query, n, q)) < 0)
		goto out;
	for (char *p = q; *p;) {
		char *sp = strchr(p, ' ');
		size_t k = sp ? (size_t)(sp - p) : strlen(p);

		word[nwords] = p;
		wlen[nwords++] = k;
		p += k + (sp != NULL);
	}

	rc = db_prepare(tx->db, find_sql, &s);
	if (rc < 0)
		goto out;
	for (unsigned i = 0; i < FIND_SQL_WORDS; i++) {
		if (i < nwords) {
			like_escape(word[i], wlen[i], pat);
			db_bind_str(s, (int)i + 1, pat);
		} else {
			db_bind_str(s, (int)i + 1, ""); /* '%%' matches every name */
		}
	}
	db_bind_int64(s, 9, include_merged);
	while ((rc = db_step(s)) == DB_ROW) {
		bool all = true;

		if ((rc = store_col_text(s, UNIT_NCOLUMNS, folded, sizeof(folded))) < 0 ||
		    (rc = store_col_text(s, UNIT_NCOLUMNS + 1, lcode, sizeof(lcode))) < 0)
			goto out;
		for (unsigned i = FIND_SQL_WORDS; i < nwords && all; i++)
			all = word_in(word[i], wlen[i], folded, lcode);
		if (!all)
			continue;
		rc = unit_row(s, &u);
		if (rc < 0)
			goto out;
		rc = fn(&u, arg);
		if (rc != 0)
			goto out;
		if (limit && ++found >= limit)
			break;
	}
out:
	db_finish(s);
	return rc;
}

int store_unit_rename(struct store_tx *tx, int64_t id, int64_t expected_version,
		      const char *new_name, const char *actor, const char *note, int64_t now)
{
	char folded[STORE_NAME_MAX + 1];
	struct store_unit_event e;
	struct store_unit u;
	struct db_stmt *s = NULL;
	size_t n, na, nnote;
	int rc;

	if ((rc = store_str_check(new_name, STORE_NAME_MAX, &n)) < 0 ||
	    (rc = check_actor_note(actor, note, &na, &nnote)) < 0 ||
	    (rc = fold_name(new_name, n, folded)) < 0)
		goto out;
	rc = store_unit_get(tx, id, &u);
	if (rc < 0)
		goto out;
	if (expected_version && expected_version != u.version) {
		rc = KT_ECONFLICT;
		goto out;
	}
	rc = db_prepare(tx->db,
			"UPDATE units SET name = ?2, name_folded = ?3, updated_at = ?4, "
			"version = version + 1 WHERE id = ?1 AND version = ?5",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, new_name, n);
	db_bind_str(s, 3, folded);
	db_bind_int64(s, 4, now);
	db_bind_int64(s, 5, u.version);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	if (db_changes(tx->db) == 0) {
		rc = KT_ECONFLICT;
		goto out;
	}
	event_init(&e, id, UNIT_EVENT_RENAMED, now, actor, note);
	memcpy(e.old_name, u.name, sizeof(e.old_name));
	memcpy(e.new_name, new_name, n);
	rc = add_event(tx, &e);
out:
	db_finish(s);
	return rc;
}

/* Move one unit (already read into *u) under new_parent_id and record it. */
static int move_unit(struct store_tx *tx, const struct store_unit *u, int64_t new_parent_id,
		     const char *actor, const char *note, int64_t now)
{
	struct store_unit_event e;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"UPDATE units SET parent_id = NULLIF(?2, 0), updated_at = ?3, "
			"version = version + 1 WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, u->id);
	db_bind_int64(s, 2, new_parent_id);
	db_bind_int64(s, 3, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = store_changed(tx);
	if (rc < 0)
		goto out;
	event_init(&e, u->id, UNIT_EVENT_MOVED, now, actor, note);
	e.old_parent_id = u->parent_id;
	e.new_parent_id = new_parent_id;
	rc = add_event(tx, &e);
out:
	db_finish(s);
	return rc;
}

int store_unit_move(struct store_tx *tx, int64_t id, int64_t new_parent_id, const char *actor,
		    const char *note, int64_t now)
{
	struct store_unit u;
	size_t na, nnote;
	int rc;

	rc = check_actor_note(actor, note, &na, &nnote);
	if (rc == 0)
		rc = store_unit_get(tx, id, &u);
	if (rc == 0)
		rc = move_unit(tx, &u, new_parent_id, actor, note, now);
	return rc;
}

/* The first active child of parent_id: 0 and *child set, or KT_ENOTFOUND. */
static int first_active_child(struct store_tx *tx, int64_t parent_id, struct store_unit *child)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db,
			"SELECT " UNIT_COLUMNS " FROM units WHERE parent_id = ?1 AND status = 1 "
			"ORDER BY id LIMIT 1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, parent_id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	rc = unit_row(s, child);
out:
	db_finish(s);
	return rc;
}

int store_unit_merge(struct store_tx *tx, int64_t from, int64_t into, const char *actor,
		     const char *note, int64_t now)
{
	struct store_unit_event e;
	struct store_unit ufrom, uinto, child;
	struct db_stmt *s = NULL;
	size_t na, nnote;
	int rc;

	if (from == into) {
		rc = KT_EINVAL;
		goto out;
	}
	if ((rc = check_actor_note(actor, note, &na, &nnote)) < 0 ||
	    (rc = store_unit_get(tx, from, &ufrom)) < 0 ||
	    (rc = store_unit_get(tx, into, &uinto)) < 0)
		goto out;
	rc = db_prepare(tx->db,
			"UPDATE units SET status = 2, merged_into = ?2, updated_at = ?3, "
			"version = version + 1 WHERE id = ?1",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, into);
	db_bind_int64(s, 3, now);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	event_init(&e, from, UNIT_EVENT_MERGED, now, actor, note);
	e.other_unit_id = into;
	rc = add_event(tx, &e);
	if (rc < 0)
		goto out;

	/* Each move takes one child away from `from`, so this ends. */
	while ((rc = first_active_child(tx, from, &child)) == 0) {
		rc = move_unit(tx, &child, into, actor, note, now);
		if (rc < 0)
			goto out;
	}
	if (rc != KT_ENOTFOUND)
		goto out;

	event_init(&e, into, UNIT_EVENT_ABSORBED, now, actor, note);
	e.other_unit_id = from;
	rc = add_event(tx, &e);
out:
	db_finish(s);
	return rc;
}

static int event_row(struct db_stmt *s, struct store_unit_event *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->id = db_column_int64(s, 0);
	e->unit_id = db_column_int64(s, 1);
	e->kind = (int)db_column_int64(s, 2);
	e->at = db_column_int64(s, 3);
	if ((rc = store_col_text(s, 4, e->old_name, sizeof(e->old_name))) < 0 ||
	    (rc = store_col_text(s, 5, e->new_name, sizeof(e->new_name))) < 0 ||
	    (rc = store_col_text(s, 9, e->actor, sizeof(e->actor))) < 0 ||
	    (rc = store_col_text(s, 10, e->note, sizeof(e->note))) < 0)
		return rc;
	e->old_parent_id = db_column_int64(s, 6);
	e->new_parent_id = db_column_int64(s, 7);
	e->other_unit_id = db_column_int64(s, 8);
	return 0;
}

int store_unit_history(struct store_tx *tx, int64_t id,
		       int (*fn)(const struct store_unit_event *e, void *arg), void *arg)
{
	struct store_unit_event e;
	struct store_unit u;
	struct db_stmt *s = NULL;
	int rc;

	rc = store_unit_get(tx, id, &u);
	if (rc < 0)
		goto out;
	rc = db_prepare(tx->db,
			"SELECT id, unit_id, kind, at, old_name, new_name, old_parent_id, "
			"new_parent_id, other_unit_id, actor, note FROM unit_events "
			"WHERE unit_id = ?1 ORDER BY id",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		rc = event_row(s, &e);
		if (rc < 0)
			goto out;
		rc = fn(&e, arg);
		if (rc != 0)
			goto out;
	}
out:
	db_finish(s);
	return rc;
}

/* The parent of id (0 for a root), or KT_ENOTFOUND. */
static int parent_of(struct store_tx *tx, int64_t id, int64_t *parent)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT COALESCE(parent_id, 0) FROM units WHERE id = ?1", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, id);
	rc = store_step_one(s);
	if (rc < 0)
		goto out;
	*parent = db_column_int64(s, 0);
out:
	db_finish(s);
	return rc;
}

int store_unit_is_ancestor(struct store_tx *tx, int64_t ancestor, int64_t id)
{
	int64_t cur = id, parent;
	int rc;

	for (int depth = 0; depth <= UNIT_MAX_DEPTH; depth++) {
		rc = parent_of(tx, cur, &parent);
		if (rc < 0)
			return rc; /* KT_ENOTFOUND for an unknown id */
		if (cur == ancestor)
			return 1;
		if (parent == 0)
			return 0;
		cur = parent;
	}
	return KT_ECORRUPT; /* a cycle: the tree rules were bypassed */
}
