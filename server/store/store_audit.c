/*
 * store_audit.c - the append-only, hash-chained audit log (see store.h).
 *
 * The chain, as docs/ARCHITECTURE.md quotes it:
 *
 *   audit_log(id INTEGER PRIMARY KEY, at, user_id, actor, session_id, action,
 *             object_type, object_id, detail, prev_hash BLOB, row_hash BLOB)
 *
 *   Rows have ids 1, 2, 3 ... without gaps.
 *   prev_hash(1) = 32 zero bytes;  prev_hash(n) = row_hash(n - 1).
 *   row_hash(n)  = BLAKE2b-256(prev_hash(n) || E(id) || E(at) || E(user_id) ||
 *                              E(actor) || E(session_id) || E(action) ||
 *                              E(object_type) || E(object_id) || E(detail))
 *   where BLAKE2b-256 is libsodium crypto_generichash() with a 32-byte output
 *   and no key, and E() is the canonical encoding of one field:
 *     an integer (id, at, user_id, session_id, object_id): its int64 value as
 *       8 bytes, big-endian, two's complement;
 *     a text (actor, action, object_type, detail): its length in bytes as
 *       4 bytes, big-endian, followed by its UTF-8 bytes (no terminator).
 *
 * Verification walks the rows in id order and checks that ids run from 1
 * without a gap (a gap is a removed row), that each prev_hash is the previous
 * row_hash, and that each row_hash is recomputed exactly. It cannot see rows
 * cut off the end: compare the row count and last row_hash with a copy kept
 * elsewhere (a backup, or the server log) to catch that.
 *
 * Appending reads the last row inside the caller's write transaction, which
 * holds the database's write lock (SQLite), so ids and links cannot race; the
 * store remembers the row it last appended (struct store) and reads it again
 * only after a rollback, which may have taken rows with it. The server is the
 * only writer of its database. A
 * PostgreSQL driver would lock the table (LOCK audit_log IN EXCLUSIVE MODE)
 * for the same effect; the primary key refuses a duplicate id in any case.
 */
#include <string.h>

#include <sodium.h>

#include "common/status.h"
#include "common/text.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"

#define AUDIT_HASH_BYTES 32
#define AUDIT_DETAIL_MAX (64 * 1024) /* bytes of detail text */
#define AUDIT_WORD_MAX 64	     /* bytes of actor, action and object_type */

/* One row's fields as the hash sees them (texts with their lengths). */
struct audit_row {
	int64_t id, at, user_id, session_id, object_id;
	const char *actor, *action, *object_type, *detail;
	size_t actor_len, action_len, object_type_len, detail_len;
};

static void hash_i64(crypto_generichash_state *h, int64_t v)
{
	uint64_t u = (uint64_t)v;
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (56 - 8 * i));
	crypto_generichash_update(h, b, sizeof(b));
}

static void hash_text(crypto_generichash_state *h, const char *s, size_t n)
{
	uint32_t u = (uint32_t)n;
	uint8_t b[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};

	crypto_generichash_update(h, b, sizeof(b));
	crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void row_hash(const uint8_t prev[AUDIT_HASH_BYTES], const struct audit_row *r,
		     uint8_t out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, AUDIT_HASH_BYTES);
	crypto_generichash_update(&h, prev, AUDIT_HASH_BYTES);
	hash_i64(&h, r->id);
	hash_i64(&h, r->at);
	hash_i64(&h, r->user_id);
	hash_text(&h, r->actor, r->actor_len);
	hash_i64(&h, r->session_id);
	hash_text(&h, r->action, r->action_len);
	hash_text(&h, r->object_type, r->object_type_len);
	hash_i64(&h, r->object_id);
	hash_text(&h, r->detail, r->detail_len);
	crypto_generichash_final(&h, out, AUDIT_HASH_BYTES);
}

/* A text field of an appended row: at most max bytes of valid UTF-8 (NULL reads as ""). */
static int audit_text(const char *s, size_t max, const char **out, size_t *len)
{
	int rc = store_str_check(s, max, len);

	if (rc < 0)
		return rc;
	*out = s ? s : "";
	return kt_utf8_valid(*out, *len) ? 0 : KT_EUTF8;
}

/* The last row's id and row_hash (0 and zeros for an empty log). */
static int audit_last(struct store_tx *tx, int64_t *id, uint8_t hash[AUDIT_HASH_BYTES])
{
	struct db_stmt *s = NULL;
	const void *p;
	size_t n;
	int rc;

	*id = 0;
	memset(hash, 0, AUDIT_HASH_BYTES);
	rc = db_prepare(tx->db, "SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1", &s);
	if (rc < 0)
		goto out;
	rc = db_step(s);
	if (rc <= 0)
		goto out;
	p = db_column_blob(s, 1, &n);
	if (n != AUDIT_HASH_BYTES) {
		rc = KT_ECORRUPT;
		goto out;
	}
	*id = db_column_int64(s, 0);
	memcpy(hash, p, AUDIT_HASH_BYTES);
	rc = 0;
out:
	db_finish(s);
	return rc;
}

int store_audit_append(struct store_tx *tx, const struct store_audit *a)
{
	uint8_t prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	struct audit_row r = {0};
	struct db_stmt *s = NULL;
	int64_t last;
	int rc;

	rc = audit_text(a->actor, AUDIT_WORD_MAX, &r.actor, &r.actor_len);
	if (rc == 0)
		rc = audit_text(a->action, AUDIT_WORD_MAX, &r.action, &r.action_len);
	if (rc == 0)
		rc = audit_text(a->object_type, AUDIT_WORD_MAX, &r.object_type, &r.object_type_len);
	if (rc == 0)
		rc = audit_text(a->detail, AUDIT_DETAIL_MAX, &r.detail, &r.detail_len);
	if (rc < 0)
		goto out;
	if (tx->st->audit_known) {
		last = tx->st->audit_last_id;
		memcpy(prev, tx->st->audit_last_hash, AUDIT_HASH_BYTES);
	} else if ((rc = audit_last(tx, &last, prev)) < 0) {
		goto out;
	}
	r.id = last + 1;
	r.at = a->at;
	r.user_id = a->user_id;
	r.session_id = a->session_id;
	r.object_id = a->object_id;
	row_hash(prev, &r, hash);

	rc = db_prepare(tx->db,
			"INSERT INTO audit_log (id, at, user_id, actor, session_id, action, "
			"object_type, object_id, detail, prev_hash, row_hash) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			&s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, r.id);
	db_bind_int64(s, 2, r.at);
	db_bind_int64(s, 3, r.user_id);
	db_bind_text(s, 4, r.actor, r.actor_len);
	db_bind_int64(s, 5, r.session_id);
	db_bind_text(s, 6, r.action, r.action_len);
	db_bind_text(s, 7, r.object_type, r.object_type_len);
	db_bind_int64(s, 8, r.object_id);
	db_bind_text(s, 9, r.detail, r.detail_len);
	db_bind_blob(s, 10, prev, sizeof(prev));
	db_bind_blob(s, 11, hash, sizeof(hash));
	rc = db_step(s);
	if (rc > 0)
		rc = 0;
out:
	db_finish(s);
	if (rc == 0) {
		tx->st->audit_known = true;
		tx->st->audit_last_id = r.id;
		memcpy(tx->st->audit_last_hash, hash, AUDIT_HASH_BYTES);
	} else {
		tx->st->audit_known = false;
	}
	return rc;
}

void store_audit_forget(struct store *st)
{
	st->audit_known = false;
}

int store_audit_verify(struct store_tx *tx, int64_t *rows, int64_t *bad_id)
{
	return store_audit_verify_head(tx, rows, bad_id, NULL);
}

int store_audit_verify_head(struct store_tx *tx, int64_t *rows, int64_t *bad_id,
			    uint8_t head[32])
{
	uint8_t prev[AUDIT_HASH_BYTES] = {0}, hash[AUDIT_HASH_BYTES];
	struct db_stmt *s = NULL;
	struct audit_row r;
	const void *ph, *rh;
	size_t nph, nrh;
	int64_t count = 0;
	int rc;

	*rows = 0;
	*bad_id = 0;
	rc = db_prepare(tx->db,
			"SELECT id, at, user_id, actor, session_id, action, object_type, "
			"object_id, detail, prev_hash, row_hash FROM audit_log ORDER BY id",
			&s);
	if (rc < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		r.id = db_column_int64(s, 0);
		r.at = db_column_int64(s, 1);
		r.user_id = db_column_int64(s, 2);
		r.actor = db_column_text(s, 3, &r.actor_len);
		r.session_id = db_column_int64(s, 4);
		r.action = db_column_text(s, 5, &r.action_len);
		r.object_type = db_column_text(s, 6, &r.object_type_len);
		r.object_id = db_column_int64(s, 7);
		r.detail = db_column_text(s, 8, &r.detail_len);
		ph = db_column_blob(s, 9, &nph);
		rh = db_column_blob(s, 10, &nrh);
		/* Every check compares to what the previous row left in prev. */
		if (r.id != count + 1 || nph != AUDIT_HASH_BYTES || nrh != AUDIT_HASH_BYTES ||
		    sodium_memcmp(ph, prev, AUDIT_HASH_BYTES) != 0) {
			*bad_id = r.id;
			rc = KT_ECORRUPT;
			goto out;
		}
		row_hash(prev, &r, hash);
		if (sodium_memcmp(hash, rh, AUDIT_HASH_BYTES) != 0) {
			*bad_id = r.id;
			rc = KT_ECORRUPT;
			goto out;
		}
		memcpy(prev, hash, AUDIT_HASH_BYTES);
		count++;
	}
out:
	*rows = count;
	if (head)
		memcpy(head, prev, AUDIT_HASH_BYTES);
	db_finish(s);
	return rc;
}
