/*
 * store.h - the storage seam. All SQL of the server lives below this header
 * (the .c files of server/store); nothing above it includes sqlite3.h or writes SQL.
 *
 * Layers: services (server/svc_*.c) call the record functions declared here,
 * inside a transaction the store runs; the record functions use portable SQL
 * through the driver interface in db.h (integer times, ON CONFLICT, RETURNING,
 * a version column on every mutable row); db_sqlite.c is today's only driver.
 * A PostgreSQL driver (libpq) would implement db.h again and reuse every
 * record function unchanged.
 *
 * Threads: a struct store is used by one thread at a time (the server's
 * storage thread, see server/worker.h). Nothing here is thread-safe.
 *
 * Errors: every function returns 0 or a negative KT_E* code (common/status.h):
 * KT_ENOTFOUND, KT_EEXIST (unique key taken), KT_ECONFLICT (version mismatch),
 * KT_EBUSY, KT_EIO, KT_EFULL, KT_ECORRUPT, KT_ENOMEM, KT_EINTERNAL. The driver
 * maps its own codes to these in one place.
 *
 * Ownership: output structs are filled by value (fixed-size text buffers), so
 * nothing returned needs freeing. Callbacks receive a pointer valid only for
 * the duration of the call.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC, supplied by the caller
 * (services pass the request's time, so one transaction has one "now").
 */
#ifndef KT_STORE_H
#define KT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;    /* an open database: driver, connection, cached statements */
struct store_tx; /* the transaction being run; valid only inside a store_tx_fn */

#define STORE_USERNAME_MAX 64   /* bytes; [a-z0-9._-], starts with a letter */
#define STORE_NAME_MAX 256      /* bytes of UTF-8 for names */
#define STORE_CODE_MAX 32       /* bytes; unit codes */
#define STORE_PWHASH_MAX 128    /* crypto_pwhash_STRBYTES */
#define STORE_NOTE_MAX 1024

struct store_options {
	bool create;            /* create the database when missing */
	int busy_timeout_ms;    /* 0: default 5000 */
};

/*
 * Open (and create when options->create) the database <data_dir>/kiemtra.db,
 * set WAL mode, foreign keys on, synchronous=FULL, and apply every pending
 * migration in one transaction each (schema_version table). *out is set on
 * success; on failure nothing is left open. options NULL: do not create, wait
 * 5000 ms. KT_ENOTFOUND when the database is missing and not to be created,
 * KT_ECORRUPT when the file is not a database, KT_ESTATE when a newer server
 * has migrated it past what this one knows.
 */
int store_open(struct store **out, const char *data_dir, const struct store_options *options);
void store_close(struct store *st); /* NULL is fine */

/* The schema version after migrations (for `status`). */
int store_schema_version(struct store *st);
/* The version this build migrates to (the last migration's). */
int store_schema_latest(void);

/*
 * The rights stamp, for memos of what rights are computed from (rights.c):
 * a number that is different whenever a standing in a plan may have changed
 * since it was last read. It is renewed by a change to any table other than
 * those rights never read (findings and their revisions and evidence links,
 * evidence and its chunks, the audit log, sessions), by every rollback, and
 * at the start of a transaction after another connection or process has
 * committed. Never 0; unique across the stores of a process, so a value
 * remembered under one store never matches another's.
 */
uint64_t store_rights_stamp(struct store_tx *tx);

/*
 * Transactions. store_run() runs fn inside one transaction (BEGIN IMMEDIATE when
 * write, else a read transaction): commits when fn returns 0, rolls back
 * otherwise and returns fn's code (or the commit's error).
 *
 * Group commit: store_batch_begin() opens a write transaction; each
 * store_batch_item() runs fn inside a savepoint and rolls back only that
 * savepoint when fn fails (returning fn's code; the batch goes on);
 * store_batch_commit() commits all (one fsync, or none after
 * store_sync_split()). When the commit fails, every item of the batch failed:
 * the caller reports the returned error for each. store_batch_abort() rolls
 * the whole batch back. When an item's failure ends the transaction itself (a
 * full disk), the later items and the commit return that error. store_run()
 * and a batch do not nest: KT_ESTATE while one is open.
 *
 * Groups, for items that may be run again: store_batch_group_begin() opens
 * one savepoint for a run of items, store_batch_group_item() runs each
 * without one of its own (a savepoint per item was two statements and a copy
 * of every page it changed). An item that fails having written nothing needs
 * no undoing; one that fails after writing sets *redo (its writes and those
 * of the group's earlier items are still there): the caller stops the group,
 * store_batch_group_end(st, true) rolls the group back to its savepoint, and
 * the caller runs the same items again with store_batch_item().
 * store_batch_group_end(st, false) keeps the group.
 */
typedef int (*store_tx_fn)(struct store_tx *tx, void *arg);
int store_run(struct store *st, bool write, store_tx_fn fn, void *arg);
int store_batch_begin(struct store *st);
int store_batch_item(struct store *st, store_tx_fn fn, void *arg);
int store_batch_group_begin(struct store *st);
int store_batch_group_item(struct store *st, store_tx_fn fn, void *arg, bool *redo);
int store_batch_group_end(struct store *st, bool undo);
int store_batch_commit(struct store *st);
void store_batch_abort(struct store *st);

/*
 * Durability apart from the commit (db.h, db_sync_split): after
 * store_sync_split() a batch's commit no longer waits for the disk, and
 * store_sync() (callable from another thread while the store is in use)
 * makes every batch committed before it began durable. KT_EUNIMPL from
 * store_sync_split() leaves commits durable by themselves. store_checkpoint()
 * writes everything into the database file and syncs it, outside batches.
 */
int store_sync_split(struct store *st);
int store_sync(struct store *st);
int store_checkpoint(struct store *st);

/* Online backup of the whole database to path (a new file; KT_EEXIST if present). */
int store_backup(struct store *st, const char *path);
/* PRAGMA integrity_check; 0 when "ok", KT_ECORRUPT otherwise (first message in msg). */
int store_integrity_check(struct store *st, char *msg, size_t msgcap);

/* ---- users ----------------------------------------------------------------- */

/* Role bits: bit (1u << ROLE_x) for the proto enum Role values 1..6. */
#define STORE_ROLE_BIT(r) (1u << (r))

struct store_user {
	int64_t id;
	char username[STORE_USERNAME_MAX + 1];
	char full_name[STORE_NAME_MAX + 1];
	uint32_t roles;          /* STORE_ROLE_BIT() set */
	int64_t unit_id;         /* for unit representatives; 0 otherwise */
	bool disabled;
	bool must_change_password;
	char pwhash[STORE_PWHASH_MAX + 1]; /* crypto_pwhash_str() output */
	int64_t created_at, updated_at;
	int64_t version;
};

/* Insert; u->id, u->version (1) are set. KT_EEXIST when the username is taken. */
int store_user_create(struct store_tx *tx, struct store_user *u);
int store_user_get(struct store_tx *tx, int64_t id, struct store_user *out);
int store_user_get_by_name(struct store_tx *tx, const char *username, struct store_user *out);
/* Every user, ordered by username. fn returning non-zero stops and is returned. */
int store_user_list(struct store_tx *tx, int (*fn)(const struct store_user *u, void *arg),
		    void *arg);
int store_user_count(struct store_tx *tx, int64_t *count);
/* Each of these bumps version and updated_at; KT_ENOTFOUND for an unknown id. */
int store_user_set_password(struct store_tx *tx, int64_t id, const char *pwhash,
			    bool must_change, int64_t now);
int store_user_set_disabled(struct store_tx *tx, int64_t id, bool disabled, int64_t now);
int store_user_set_roles(struct store_tx *tx, int64_t id, uint32_t roles, int64_t unit_id,
			 int64_t now);

/* ---- devices (a client install's Noise static key, enrolled per user) ------ */

struct store_device {
	int64_t id;
	int64_t user_id;
	uint8_t pubkey[32];
	char name[STORE_NAME_MAX + 1];
	int64_t enrolled_at, last_seen_at;
	bool revoked;
};

int store_device_find(struct store_tx *tx, int64_t user_id, const uint8_t pubkey[32],
		      struct store_device *out);
int store_device_add(struct store_tx *tx, struct store_device *d); /* sets d->id */
int store_device_touch(struct store_tx *tx, int64_t id, int64_t now);
int store_device_list(struct store_tx *tx, int64_t user_id,
		      int (*fn)(const struct store_device *d, void *arg), void *arg);
int store_device_set_revoked(struct store_tx *tx, int64_t id, bool revoked);
/* The Ed25519 key this device signs approvals with (KT_ENOTFOUND when none is registered). */
int store_device_set_signing_key(struct store_tx *tx, int64_t id, const uint8_t key[32]);
int store_device_get_signing_key(struct store_tx *tx, int64_t id, uint8_t key[32],
				 bool *revoked);

/* ---- sessions (login tokens; only a hash of the token is stored) ---------- */

struct store_session {
	int64_t id;
	int64_t user_id;
	int64_t device_id;
	uint8_t token_hash[32];
	int64_t created_at, last_used_at, expires_at;
};

int store_session_create(struct store_tx *tx, struct store_session *s); /* sets s->id */
int store_session_get_by_hash(struct store_tx *tx, const uint8_t token_hash[32],
			      struct store_session *out);
int store_session_touch(struct store_tx *tx, int64_t id, int64_t now, int64_t expires_at);
int store_session_delete(struct store_tx *tx, int64_t id);
int store_session_delete_for_user(struct store_tx *tx, int64_t user_id);
int store_session_delete_for_device(struct store_tx *tx, int64_t device_id, int64_t *deleted);
int store_session_delete_expired(struct store_tx *tx, int64_t now);

/* ---- units (a tree; renames, moves and merges keep history) -------------- */

/* Kinds and statuses use the proto enum numbers (UnitKind, UnitStatus, UnitEventKind). */
struct store_unit {
	int64_t id;
	char code[STORE_CODE_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	int kind;
	int64_t parent_id;       /* 0 for a root */
	int status;              /* 1 active, 2 merged */
	int64_t merged_into;
	int64_t created_at, updated_at;
	int64_t version;
};

struct store_unit_event {
	int64_t id;
	int64_t unit_id;
	int kind;                /* UnitEventKind */
	int64_t at;
	char old_name[STORE_NAME_MAX + 1], new_name[STORE_NAME_MAX + 1];
	int64_t old_parent_id, new_parent_id, other_unit_id;
	char actor[STORE_USERNAME_MAX + 1];
	char note[STORE_NOTE_MAX + 1];
};

/*
 * Every unit mutation below also records its store_unit_event rows (and the
 * folded name used by store_unit_find). They do not check domain rules beyond
 * keys and versions: svc_units.c does (no cycles, no merging a merged unit...).
 */
int store_unit_create(struct store_tx *tx, struct store_unit *u, const char *actor, int64_t now);
int store_unit_get(struct store_tx *tx, int64_t id, struct store_unit *out);
int store_unit_get_by_code(struct store_tx *tx, const char *code, struct store_unit *out);
/* Children of parent_id (0: every unit), ordered by id, ids > after_id, at most limit (0: all). */
int store_unit_list(struct store_tx *tx, int64_t parent_id, bool include_merged, int64_t after_id,
		    unsigned limit, int (*fn)(const struct store_unit *u, void *arg), void *arg);
/*
 * Units whose folded name (or code) contains every folded word of query, in id
 * order, at most limit (0: all). An empty query matches every unit.
 */
int store_unit_find(struct store_tx *tx, const char *query, bool include_merged, unsigned limit,
		    int (*fn)(const struct store_unit *u, void *arg), void *arg);
/* expected_version 0 skips the version check; KT_ECONFLICT on mismatch. */
int store_unit_rename(struct store_tx *tx, int64_t id, int64_t expected_version,
		      const char *new_name, const char *actor, const char *note, int64_t now);
int store_unit_move(struct store_tx *tx, int64_t id, int64_t new_parent_id, const char *actor,
		    const char *note, int64_t now);
/* Marks from merged into `into`, moves from's active children under into, records both events. */
int store_unit_merge(struct store_tx *tx, int64_t from, int64_t into, const char *actor,
		     const char *note, int64_t now);
int store_unit_history(struct store_tx *tx, int64_t id,
		       int (*fn)(const struct store_unit_event *e, void *arg), void *arg);
/* True (1) when ancestor is id itself or one of id's ancestors; 0 when not. */
int store_unit_is_ancestor(struct store_tx *tx, int64_t ancestor, int64_t id);

/* ---- audit log (append-only, hash-chained) --------------------------------- */

/*
 * Append one row in the caller's transaction: who (user id, or 0 with actor
 * "console"), which session, what (action such as "user.add", object type and
 * id, a UTF-8 detail text). row_hash = BLAKE2b-256(prev_hash || canonical
 * encoding of the row), documented in docs/ARCHITECTURE.md.
 */
struct store_audit {
	int64_t user_id;
	const char *actor;
	int64_t session_id;
	const char *action;
	const char *object_type;
	int64_t object_id;
	const char *detail;
	int64_t at;
};
int store_audit_append(struct store_tx *tx, const struct store_audit *a);
/*
 * Verify the whole chain. Returns 0 when intact (rows counted in *rows);
 * KT_ECORRUPT when a row was altered, removed or reordered: *bad_id is the
 * first row that does not verify (or the row after a gap).
 */
int store_audit_verify(struct store_tx *tx, int64_t *rows, int64_t *bad_id);
/*
 * The same, also giving the chain's head: the last verified row_hash (32 zero
 * bytes for an empty log). Rows cut off the end are caught by comparing the
 * row count and head with a copy kept elsewhere.
 */
int store_audit_verify_head(struct store_tx *tx, int64_t *rows, int64_t *bad_id,
			    uint8_t head[32]);

#endif
