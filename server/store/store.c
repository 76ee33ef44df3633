/*
 * store.c - opening the store, schema migrations, transactions, group commit,
 * backup and integrity check (see store.h), and the helpers of store_int.h.
 */
#include "server/store/store.h"

#include <stdarg.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store_int.h"

#define STORE_DB_FILE "kiemtra.db"

/*
 * Migrations, applied in order, each in its own transaction that also records
 * its version in schema_version. A step is never edited once released: a
 * change of schema is a new step at the end.
 *
 * The DDL is per driver (sql[dialect]), because types and key generation
 * differ (SQLite's INTEGER PRIMARY KEY and STRICT tables; PostgreSQL would use
 * BIGINT GENERATED ALWAYS AS IDENTITY, BYTEA and a plpgsql trigger). The
 * record files' statements are the same for every driver.
 *
 * Conventions: times are INTEGER milliseconds since the epoch (UTC); an
 * optional reference is NULL in the table and 0 in the structs (NULLIF and
 * COALESCE in the record files); every mutable row has a version, bumped by
 * each update; rows of history (unit_events, audit_log) are never updated.
 */
struct migration {
	int version;
	const char *what;
	const char *sql[DB_DIALECT_COUNT];
};

/* clang-format off */
static const struct migration migrations[] = {
	{
		.version = 1,
		.what = "units, unit events, users, devices, sessions, audit log",
		.sql[DB_DIALECT_SQLITE] =
			"CREATE TABLE units ("
			" id INTEGER PRIMARY KEY,"
			" code TEXT NOT NULL UNIQUE,"
			" name TEXT NOT NULL,"
			" name_folded TEXT NOT NULL,"      /* kt_fold(name), for find */
			" kind INTEGER NOT NULL,"          /* UnitKind */
			" parent_id INTEGER REFERENCES units(id),"
			" status INTEGER NOT NULL DEFAULT 1 CHECK (status IN (1, 2)),"
			" merged_into INTEGER REFERENCES units(id),"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" CHECK (parent_id IS NULL OR parent_id <> id),"
			" CHECK ((status = 2) = (merged_into IS NOT NULL))"
			") STRICT;"
			"CREATE INDEX units_by_parent ON units(parent_id, id);"

			"CREATE TABLE unit_events ("
			" id INTEGER PRIMARY KEY,"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" kind INTEGER NOT NULL,"          /* UnitEventKind */
			" at INTEGER NOT NULL,"
			" old_name TEXT NOT NULL DEFAULT '',"
			" new_name TEXT NOT NULL DEFAULT '',"
			" old_parent_id INTEGER NOT NULL DEFAULT 0,"
			" new_parent_id INTEGER NOT NULL DEFAULT 0,"
			" other_unit_id INTEGER NOT NULL DEFAULT 0,"
			" actor TEXT NOT NULL,"
			" note TEXT NOT NULL DEFAULT ''"
			") STRICT;"
			"CREATE INDEX unit_events_by_unit ON unit_events(unit_id, id);"

			"CREATE TABLE users ("
			" id INTEGER PRIMARY KEY,"
			" username TEXT NOT NULL UNIQUE,"
			" full_name TEXT NOT NULL,"
			" roles INTEGER NOT NULL DEFAULT 0,"
			" unit_id INTEGER REFERENCES units(id),"
			" disabled INTEGER NOT NULL DEFAULT 0,"
			" must_change_password INTEGER NOT NULL DEFAULT 0,"
			" pwhash TEXT NOT NULL,"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1"
			") STRICT;"

			"CREATE TABLE devices ("
			" id INTEGER PRIMARY KEY,"
			" user_id INTEGER NOT NULL REFERENCES users(id),"
			" pubkey BLOB NOT NULL CHECK (length(pubkey) = 32),"
			" name TEXT NOT NULL,"
			" enrolled_at INTEGER NOT NULL,"
			" last_seen_at INTEGER NOT NULL,"
			" revoked INTEGER NOT NULL DEFAULT 0,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" UNIQUE (user_id, pubkey)"
			") STRICT;"

			"CREATE TABLE sessions ("
			" id INTEGER PRIMARY KEY,"
			" user_id INTEGER NOT NULL REFERENCES users(id),"
			" device_id INTEGER REFERENCES devices(id),"
			" token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
			" created_at INTEGER NOT NULL,"
			" last_used_at INTEGER NOT NULL,"
			" expires_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1"
			") STRICT;"
			"CREATE INDEX sessions_by_user ON sessions(user_id);"
			"CREATE INDEX sessions_by_expiry ON sessions(expires_at);"

			/* No foreign keys: the log outlives whatever it mentions. */
			"CREATE TABLE audit_log ("
			" id INTEGER PRIMARY KEY,"
			" at INTEGER NOT NULL,"
			" user_id INTEGER NOT NULL,"
			" actor TEXT NOT NULL,"
			" session_id INTEGER NOT NULL,"
			" action TEXT NOT NULL,"
			" object_type TEXT NOT NULL,"
			" object_id INTEGER NOT NULL,"
			" detail TEXT NOT NULL,"
			" prev_hash BLOB NOT NULL,"
			" row_hash BLOB NOT NULL"
			") STRICT;"
			/* Append-only for the server; the hash chain catches who drops these. */
			"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
			" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
			"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
			" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
	},
	{
		.version = 2,
		.what = "plans, teams, findings, evidence, conclusions, recommendations, reviews",
		.sql[DB_DIALECT_SQLITE] =
			/* A device may register an Ed25519 key that signs its user's approvals. */
			"ALTER TABLE devices ADD COLUMN signing_key BLOB;"

			"CREATE TABLE plans ("
			" id INTEGER PRIMARY KEY,"
			" number TEXT NOT NULL,"             /* 06/KH-UBND */
			" issued_on TEXT NOT NULL,"          /* YYYY-MM-DD */
			" issuer TEXT NOT NULL,"
			" title TEXT NOT NULL,"
			" period_start TEXT NOT NULL,"
			" period_end TEXT NOT NULL,"
			" areas INTEGER NOT NULL,"           /* bit (1 << Area) */
			" status INTEGER NOT NULL DEFAULT 1," /* PlanStatus */
			" team_decision_number TEXT NOT NULL DEFAULT '',"
			" team_decision_date TEXT NOT NULL DEFAULT '',"
			" authority_user_id INTEGER REFERENCES users(id),"
			" review_chain TEXT NOT NULL,"       /* Signer numbers, e.g. '1,2,4' */
			" client_id TEXT NOT NULL,"
			" created_by INTEGER NOT NULL REFERENCES users(id),"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" closed_by INTEGER REFERENCES users(id),"
			" closed_at INTEGER,"
			" closure_digest BLOB,"
			" closure_signature BLOB,"
			" closure_key BLOB,"
			" UNIQUE (number, issued_on),"
			" UNIQUE (created_by, client_id)"
			") STRICT;"
			"CREATE TABLE plan_units ("
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" PRIMARY KEY (plan_id, unit_id)"
			") STRICT;"
			"CREATE TABLE working_groups ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" name TEXT NOT NULL,"
			" UNIQUE (plan_id, name)"
			") STRICT;"
			"CREATE TABLE team_members ("
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" user_id INTEGER NOT NULL REFERENCES users(id),"
			" role INTEGER NOT NULL,"            /* TeamRole */
			" group_id INTEGER REFERENCES working_groups(id),"
			" PRIMARY KEY (plan_id, user_id)"
			") STRICT;"
			"CREATE INDEX team_members_by_user ON team_members(user_id);"
			"CREATE TABLE assignments ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" group_id INTEGER REFERENCES working_groups(id),"
			" user_id INTEGER REFERENCES users(id),"
			" date_from TEXT NOT NULL,"
			" date_to TEXT NOT NULL,"
			" created_at INTEGER NOT NULL,"
			" CHECK ((group_id IS NULL) <> (user_id IS NULL))"
			") STRICT;"
			"CREATE INDEX assignments_by_plan ON assignments(plan_id, unit_id);"
			"CREATE TABLE plan_observers ("
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" user_id INTEGER NOT NULL REFERENCES users(id),"
			" PRIMARY KEY (plan_id, user_id)"
			") STRICT;"

			"CREATE TABLE evidence ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" name TEXT NOT NULL,"
			" content_type TEXT NOT NULL,"
			" size INTEGER NOT NULL,"
			" sha256 BLOB NOT NULL,"
			" received INTEGER NOT NULL DEFAULT 0,"
			" complete INTEGER NOT NULL DEFAULT 0,"
			" uploaded_by INTEGER NOT NULL REFERENCES users(id),"
			" created_at INTEGER NOT NULL,"
			" completed_at INTEGER,"
			" UNIQUE (plan_id, sha256)"
			") STRICT;"
			"CREATE TABLE evidence_chunks ("
			" evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
			" offset INTEGER NOT NULL,"
			" data BLOB NOT NULL,"
			" PRIMARY KEY (evidence_id, offset)"
			") STRICT;"

			"CREATE TABLE findings ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" area INTEGER NOT NULL,"
			" kind INTEGER NOT NULL,"            /* FindingKind */
			" text TEXT NOT NULL,"
			" cause TEXT NOT NULL,"
			" state INTEGER NOT NULL,"           /* FindingState */
			" return_reason TEXT NOT NULL DEFAULT '',"
			" author_id INTEGER NOT NULL REFERENCES users(id),"
			" client_id TEXT NOT NULL,"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" updated_by INTEGER NOT NULL REFERENCES users(id),"
			" version INTEGER NOT NULL DEFAULT 1,"
			" accepted_by INTEGER REFERENCES users(id),"
			" accepted_at INTEGER,"
			" accept_digest BLOB,"
			" accept_signature BLOB,"
			" accept_key BLOB,"
			" UNIQUE (author_id, client_id)"
			") STRICT;"
			"CREATE INDEX findings_by_plan_unit ON findings(plan_id, unit_id, id);"
			"CREATE TABLE finding_evidence ("
			" finding_id INTEGER NOT NULL REFERENCES findings(id),"
			" evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
			" PRIMARY KEY (finding_id, evidence_id)"
			") STRICT;"
			/* Every version of every finding, written with the change itself. */
			"CREATE TABLE finding_revisions ("
			" finding_id INTEGER NOT NULL REFERENCES findings(id),"
			" version INTEGER NOT NULL,"
			" state INTEGER NOT NULL,"
			" area INTEGER NOT NULL,"
			" kind INTEGER NOT NULL,"
			" text TEXT NOT NULL,"
			" cause TEXT NOT NULL,"
			" reason TEXT NOT NULL DEFAULT '',"
			" evidence_ids TEXT NOT NULL DEFAULT '',"  /* '3,7' */
			" by_user INTEGER NOT NULL REFERENCES users(id),"
			" at INTEGER NOT NULL,"
			" PRIMARY KEY (finding_id, version)"
			") STRICT;"

			"CREATE TABLE conclusions ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL,"         /* 0: the whole inspection */
			" revision INTEGER NOT NULL,"
			" text TEXT NOT NULL,"
			" finding_ids TEXT NOT NULL DEFAULT '',"
			" state INTEGER NOT NULL,"           /* ConclusionState */
			" author_id INTEGER NOT NULL REFERENCES users(id),"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" approved_by INTEGER REFERENCES users(id),"
			" approved_at INTEGER,"
			" digest BLOB,"
			" signature BLOB,"
			" signing_key BLOB,"
			" UNIQUE (plan_id, unit_id, revision)"
			") STRICT;"

			"CREATE TABLE recommendations ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" text TEXT NOT NULL,"
			" deadline TEXT NOT NULL,"
			" state INTEGER NOT NULL,"           /* RecommendationState */
			" response_kind INTEGER NOT NULL DEFAULT 0,"
			" response_text TEXT NOT NULL DEFAULT '',"
			" responded_by INTEGER REFERENCES users(id),"
			" responded_at INTEGER,"
			" decision_reason TEXT NOT NULL DEFAULT '',"
			" decided_by INTEGER REFERENCES users(id),"
			" decided_at INTEGER,"
			" client_id TEXT NOT NULL,"
			" created_by INTEGER NOT NULL REFERENCES users(id),"
			" created_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" UNIQUE (created_by, client_id)"
			") STRICT;"
			"CREATE INDEX recommendations_by_plan ON recommendations(plan_id, unit_id);"
			"CREATE TABLE recommendation_evidence ("
			" recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),"
			" evidence_id INTEGER NOT NULL REFERENCES evidence(id),"
			" PRIMARY KEY (recommendation_id, evidence_id)"
			") STRICT;"
			/* Every response round and its decision. */
			"CREATE TABLE recommendation_rounds ("
			" recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),"
			" round INTEGER NOT NULL,"
			" kind INTEGER NOT NULL,"
			" text TEXT NOT NULL,"
			" evidence_ids TEXT NOT NULL DEFAULT '',"
			" by_user INTEGER NOT NULL REFERENCES users(id),"
			" at INTEGER NOT NULL,"
			" decision INTEGER NOT NULL DEFAULT 0," /* 0 pending, 1 accepted, 2 returned */
			" reason TEXT NOT NULL DEFAULT '',"
			" decided_by INTEGER REFERENCES users(id),"
			" decided_at INTEGER,"
			" PRIMARY KEY (recommendation_id, round)"
			") STRICT;"

			"CREATE TABLE reviews ("
			" id INTEGER PRIMARY KEY,"
			" plan_id INTEGER NOT NULL REFERENCES plans(id),"
			" unit_id INTEGER NOT NULL REFERENCES units(id),"
			" meeting_date TEXT NOT NULL,"
			" minutes_evidence_id INTEGER REFERENCES evidence(id),"
			" state INTEGER NOT NULL,"           /* ReviewState */
			" next_step INTEGER NOT NULL,"
			" round INTEGER NOT NULL DEFAULT 1," /* a return starts a new round */
			" return_reason TEXT NOT NULL DEFAULT '',"
			" recorded_by INTEGER NOT NULL REFERENCES users(id),"
			" recorded_at INTEGER NOT NULL,"
			" updated_at INTEGER NOT NULL,"
			" version INTEGER NOT NULL DEFAULT 1,"
			" UNIQUE (plan_id, unit_id)"
			") STRICT;"
			"CREATE TABLE review_officials ("
			" review_id INTEGER NOT NULL REFERENCES reviews(id),"
			" pos INTEGER NOT NULL,"
			" name TEXT NOT NULL,"
			" position TEXT NOT NULL,"
			" outcome INTEGER NOT NULL,"         /* Outcome */
			" note TEXT NOT NULL DEFAULT '',"
			" PRIMARY KEY (review_id, pos)"
			") STRICT;"
			"CREATE TABLE review_signoffs ("
			" id INTEGER PRIMARY KEY,"
			" review_id INTEGER NOT NULL REFERENCES reviews(id),"
			" round INTEGER NOT NULL,"
			" step INTEGER NOT NULL,"
			" signer INTEGER NOT NULL,"          /* Signer */
			" approved INTEGER NOT NULL,"
			" reason TEXT NOT NULL DEFAULT '',"
			" user_id INTEGER NOT NULL REFERENCES users(id),"
			" at INTEGER NOT NULL,"
			" digest BLOB NOT NULL,"
			" signature BLOB NOT NULL,"
			" signing_key BLOB NOT NULL,"
			" UNIQUE (review_id, round, step)"
			") STRICT;",
	},
	{
		.version = 3,
		.what = "index: a plan's findings in id order (paging without a sort)",
		/*
		 * Listing a plan's findings pages by id; with only (plan_id, unit_id,
		 * id) SQLite sorted a temporary B-tree on every page (minutes for
		 * 290,000 findings, measured by the crash test's long run).
		 */
		.sql[DB_DIALECT_SQLITE] = "CREATE INDEX findings_by_plan ON findings(plan_id, id);",
	},
};
/* clang-format on */

#define MIGRATIONS_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_latest(void)
{
	return migrations[MIGRATIONS_COUNT - 1].version;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_schema_version(struct db *db, int *version)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &s);
	if (rc < 0)
		goto out;
	rc = db_step(s);
	if (rc < 0)
		goto out;
	*version = rc == DB_ROW ? (int)db_column_int64(s, 0) : 0;
	rc = 0;
out:
	db_finish(s);
	return rc;
}

/* Apply one step unless another process did it first (the check is inside the lock). */
static int apply_migration(struct db *db, const struct migration *m)
{
	struct db_stmt *s = NULL;
	int rc, current;

	rc = db_begin(db, true);
	if (rc < 0)
		return rc;
	rc = read_schema_version(db, &current);
	if (rc < 0 || current >= m->version)
		goto out;
	rc = db_exec(db, m->sql[db_dialect(db)]);
	if (rc < 0)
		goto out;
	rc = db_prepare(db, "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)", &s);
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, m->version);
	db_bind_int64(s, 2, wall_ms());
	rc = db_step(s);
	if (rc < 0)
		goto out;
	db_finish(s);
	s = NULL;
	rc = db_commit(db);
out:
	db_finish(s);
	if (rc < 0)
		db_rollback(db);
	return rc;
}

static int migrate(struct store *st)
{
	int rc, version;

	rc = db_exec(st->db, "CREATE TABLE IF NOT EXISTS schema_version ("
			     " version INTEGER PRIMARY KEY,"
			     " applied_at INTEGER NOT NULL)");
	if (rc < 0)
		return rc;
	rc = read_schema_version(st->db, &version);
	if (rc < 0)
		return rc;
	if (version > migrations[MIGRATIONS_COUNT - 1].version)
		return KT_ESTATE; /* written by a newer server: do not touch it */
	for (int i = 0; i < MIGRATIONS_COUNT; i++) {
		if (migrations[i].version <= version)
			continue;
		rc = apply_migration(st->db, &migrations[i]);
		if (rc < 0)
			return rc;
	}
	return read_schema_version(st->db, &st->schema_version);
}

static _Atomic uint64_t last_stamp; /* the last rights stamp handed out, process-wide */

static void stamp_renew(struct store *st)
{
	st->rights_stamp = atomic_fetch_add(&last_stamp, 1) + 1;
}

/* Tables no standing is computed from; their rows change with every submission or login. */
static bool rights_blind(const char *table)
{
	static const char *const blind[] = {"findings", "finding_revisions", "finding_evidence",
					    "audit_log", "evidence", "evidence_chunks", "sessions"};

	for (size_t i = 0; i < sizeof(blind) / sizeof(blind[0]); i++) {
		if (strcmp(table, blind[i]) == 0)
			return true;
	}
	return false;
}

static void on_change(void *arg, const char *table)
{
	struct store *st = arg;

	if (!table || !rights_blind(table))
		stamp_renew(st);
}

int store_open(struct store **out, const char *data_dir, const struct store_options *options)
{
	struct store_options defaults = {.create = false, .busy_timeout_ms = 5000};
	struct store *st = NULL;
	char *path = NULL;
	int rc = KT_ENOMEM;

	*out = NULL;
	if (!options)
		options = &defaults;
	if (sodium_init() < 0) {
		rc = KT_EINTERNAL;
		goto out;
	}
	if (options->create && mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
		rc = errno == ENOENT ? KT_ENOTFOUND : KT_EIO;
		goto out;
	}
	if (asprintf(&path, "%s/%s", data_dir, STORE_DB_FILE) < 0) {
		path = NULL;
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto out;
	rc = db_open(&st->db, path, options->create,
		     options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 5000);
	if (rc < 0)
		goto out;
	rc = migrate(st);
	if (rc < 0)
		goto out;
	stamp_renew(st);
	db_on_change(st->db, on_change, st);
	*out = st;
	st = NULL;
	rc = 0;
out:
	store_close(st);
	free(path);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->in_tx)
		db_rollback(st->db);
	db_close(st->db);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->schema_version;
}

/* At a transaction's start: another connection's commit may have changed anything. */
static int notice_others(struct store *st)
{
	int64_t v;
	int rc = db_data_version(st->db, &v);

	if (rc < 0)
		return rc;
	if (v != st->data_version) {
		st->data_version = v;
		stamp_renew(st);
	}
	return 0;
}

/* After a rollback: what this connection remembered of the database may be gone with it. */
static void forget(struct store *st)
{
	store_audit_forget(st);
	stamp_renew(st);
}

uint64_t store_rights_stamp(struct store_tx *tx)
{
	return tx->st->rights_stamp;
}

static struct store_tx *tx_start(struct store *st, bool write)
{
	st->in_tx = true;
	st->tx = (struct store_tx){.st = st, .db = st->db, .write = write};
	return &st->tx;
}

static void tx_end(struct store *st)
{
	st->in_tx = false;
	st->in_batch = false;
	st->in_group = false;
	st->batch_err = 0;
	st->tx = (struct store_tx){0};
}

int store_run(struct store *st, bool write, store_tx_fn fn, void *arg)
{
	int rc;

	if (st->in_tx)
		return KT_ESTATE; /* no nesting: one transaction at a time */
	rc = db_begin(st->db, write);
	if (rc < 0)
		return rc;
	rc = notice_others(st);
	if (rc == 0)
		rc = fn(tx_start(st, write), arg);
	if (rc == 0)
		rc = db_commit(st->db);
	if (rc != 0) {
		db_rollback(st->db);
		forget(st);
	}
	tx_end(st);
	return rc;
}

int store_batch_begin(struct store *st)
{
	int rc;

	if (st->in_tx)
		return KT_ESTATE;
	rc = db_begin(st->db, true);
	if (rc < 0)
		return rc;
	rc = notice_others(st);
	if (rc < 0) {
		db_rollback(st->db);
		forget(st);
		return rc;
	}
	tx_start(st, true);
	st->in_batch = true;
	return 0;
}

/*
 * One savepoint per item. When the item's failure took the whole transaction
 * with it (SQLite rolls back on a full disk or an I/O error), the batch is
 * over: batch_err keeps the cause for the items after it and for the commit.
 */
int store_batch_item(struct store *st, store_tx_fn fn, void *arg)
{
	int rc, rc2;

	if (!st->in_batch || st->in_group)
		return KT_ESTATE;
	if (st->batch_err)
		return st->batch_err;
	rc = db_savepoint(st->db, "batch_item");
	if (rc < 0) {
		st->batch_err = rc;
		return rc;
	}
	rc = fn(&st->tx, arg);
	if (rc != 0)
		forget(st); /* its audit row, if any, is rolled back below */
	if (!db_in_transaction(st->db)) {
		st->batch_err = rc != 0 ? rc : KT_EINTERNAL;
		return st->batch_err;
	}
	if (rc != 0) {
		rc2 = db_rollback_to(st->db, "batch_item");
		if (rc2 == 0)
			rc2 = db_release(st->db, "batch_item");
	} else {
		rc2 = db_release(st->db, "batch_item");
	}
	if (rc2 < 0) {
		st->batch_err = rc2;
		return rc2;
	}
	return rc;
}

int store_batch_group_begin(struct store *st)
{
	int rc;

	if (!st->in_batch || st->in_group)
		return KT_ESTATE;
	if (st->batch_err)
		return st->batch_err;
	rc = db_savepoint(st->db, "batch_group");
	if (rc < 0) {
		st->batch_err = rc;
		return rc;
	}
	st->in_group = true;
	return 0;
}

int store_batch_group_item(struct store *st, store_tx_fn fn, void *arg, bool *redo)
{
	int64_t before;
	int rc;

	if (!st->in_group)
		return KT_ESTATE;
	if (st->batch_err)
		return st->batch_err;
	before = db_total_changes(st->db);
	rc = fn(&st->tx, arg);
	if (rc == 0)
		return 0;
	if (!db_in_transaction(st->db)) {
		forget(st);
		st->batch_err = rc;
		return rc;
	}
	if (db_total_changes(st->db) != before)
		*redo = true; /* written, then failed: only a savepoint of its own can undo it */
	return rc;
}

int store_batch_group_end(struct store *st, bool undo)
{
	int rc = 0;

	if (!st->in_group)
		return KT_ESTATE;
	st->in_group = false;
	if (st->batch_err)
		return st->batch_err;
	if (undo) {
		rc = db_rollback_to(st->db, "batch_group");
		forget(st);
	}
	if (rc == 0)
		rc = db_release(st->db, "batch_group");
	if (rc < 0)
		st->batch_err = rc;
	return rc;
}

int store_batch_commit(struct store *st)
{
	int rc;

	if (!st->in_batch)
		return KT_ESTATE;
	rc = st->in_group ? KT_ESTATE : st->batch_err; /* a group left open: nothing is kept */
	if (rc == 0)
		rc = db_commit(st->db);
	if (rc != 0) {
		db_rollback(st->db);
		forget(st);
	}
	tx_end(st);
	return rc;
}

void store_batch_abort(struct store *st)
{
	if (!st || !st->in_batch)
		return;
	db_rollback(st->db);
	forget(st);
	tx_end(st);
}

int store_backup(struct store *st, const char *path)
{
	if (st->in_tx)
		return KT_ESTATE;
	return db_backup(st->db, path);
}

int store_sync_split(struct store *st)
{
	if (st->in_tx)
		return KT_ESTATE;
	return db_sync_split(st->db);
}

int store_sync(struct store *st)
{
	return db_sync_log(st->db);
}

int store_checkpoint(struct store *st)
{
	if (st->in_tx)
		return KT_ESTATE;
	return db_checkpoint(st->db);
}

int store_integrity_check(struct store *st, char *msg, size_t msgcap)
{
	if (st->in_tx)
		return KT_ESTATE;
	return db_integrity_check(st->db, msg, msgcap);
}

/* ---- helpers of store_int.h ---------------------------------------------- */

int store_col_text(struct db_stmt *s, int col, char *buf, size_t cap)
{
	size_t n;
	const char *p = db_column_text(s, col, &n);

	if (n >= cap || memchr(p, '\0', n))
		return KT_ECORRUPT;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

int store_str_check(const char *s, size_t max, size_t *len)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	*len = n;
	return n > max ? KT_ETOOBIG : 0;
}

int store_step_one(struct db_stmt *s)
{
	int rc = db_step(s);

	if (rc == DB_DONE)
		return KT_ENOTFOUND;
	return rc < 0 ? rc : 0;
}

int store_changed(struct store_tx *tx)
{
	return db_changes(tx->db) > 0 ? 0 : KT_ENOTFOUND;
}

int store_exec_i64(struct store_tx *tx, const char *sql, bool must_change, int n, ...)
{
	struct db_stmt *s = NULL;
	va_list ap;
	int rc;

	rc = db_prepare(tx->db, sql, &s);
	if (rc < 0)
		goto out;
	va_start(ap, n);
	for (int i = 1; i <= n; i++)
		db_bind_int64(s, i, va_arg(ap, int64_t));
	va_end(ap);
	rc = db_step(s);
	if (rc < 0)
		goto out;
	rc = must_change ? store_changed(tx) : 0;
out:
	db_finish(s);
	return rc;
}
