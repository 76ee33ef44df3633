/*
 * db.h - the database driver interface under the record files of server/store.
 *
 * A driver implements these functions over an opaque struct db (one
 * connection). db_sqlite.c is today's driver and the only file of the project
 * that includes sqlite3.h; a PostgreSQL driver (libpq) would implement this
 * header again. Record files (store_*.c) write portable SQL with numbered
 * parameters ?1, ?2 ... (a PostgreSQL driver rewrites them to $1, $2 ...).
 *
 * Owns: struct db owns the connection and a cache of prepared statements keyed
 * by SQL text; db_close() frees both. The cache also knows a statement by the
 * address of its text: SQL passed to db_prepare() must be a string literal or
 * another text that never changes while the connection is open (a static
 * table); never a buffer reused for other SQL. A struct db_stmt from db_prepare() is
 * lent to the caller until db_finish(), which resets it (bindings cleared) and
 * returns it to the cache. A statement already lent out (a caller that runs
 * the same SQL again from inside a row loop, e.g. a list callback) is prepared
 * afresh and freed by db_finish(). Every db_prepare() needs one db_finish();
 * db_finish(NULL) is fine.
 *
 * Errors: functions return 0 (db_step: DB_ROW or DB_DONE) or a negative KT_E*
 * code (common/status.h); the driver maps its own codes in one function.
 * db_errmsg() has the driver's text for the last failure.
 *
 * Threads: a struct db is used by one thread at a time.
 */
#ifndef KT_DB_H
#define KT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* The SQL dialect of a driver, for the few texts that differ (schema DDL). */
enum db_dialect {
	DB_DIALECT_SQLITE = 0,
	DB_DIALECT_COUNT,
};

/* db_step() results besides errors. */
enum {
	DB_DONE = 0,
	DB_ROW = 1,
};

/*
 * Open the database at path (a file for SQLite; created, mode 0600, when
 * create is set and it is missing; KT_ENOTFOUND when it is missing otherwise).
 * Sets the connection up for the store: WAL journal, foreign keys enforced,
 * synchronous FULL, busy_timeout_ms of waiting on a lock.
 */
int db_open(struct db **out, const char *path, bool create, int busy_timeout_ms);
void db_close(struct db *db); /* NULL is fine; every statement must be finished */
enum db_dialect db_dialect(const struct db *db);
/* The driver's text for the last failure on this connection; never NULL. */
const char *db_errmsg(const struct db *db);

/* Run SQL without parameters or results (several statements allowed: DDL). */
int db_exec(struct db *db, const char *sql);

/* Prepare (or take from the cache) the statement for sql; see the ownership note. */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
void db_finish(struct db_stmt *st);

/*
 * Bind parameter idx (1-based). Text and blobs are copied; n is their length in
 * bytes. A failed bind is also remembered by the statement and returned by
 * the next db_step(), so a record function may bind several parameters and
 * check once, at the step.
 */
int db_bind_int64(struct db_stmt *st, int idx, int64_t v);
int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t n);
int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
int db_bind_null(struct db_stmt *st, int idx);
/* db_bind_text() of a NUL-terminated string (NULL binds ""). */
int db_bind_str(struct db_stmt *st, int idx, const char *s);

/* DB_ROW when a row is ready, DB_DONE at the end, or a negative KT_E* code. */
int db_step(struct db_stmt *st);

/*
 * Columns of the current row (0-based). Text and blob pointers are valid until
 * the next db_step() or db_finish(); a NULL column reads as 0, "" or empty.
 */
int64_t db_column_int64(struct db_stmt *st, int col);
const char *db_column_text(struct db_stmt *st, int col, size_t *len);
const void *db_column_blob(struct db_stmt *st, int col, size_t *len);
bool db_column_is_null(struct db_stmt *st, int col);

/* Rows changed by the last INSERT, UPDATE or DELETE of this connection. */
int64_t db_changes(struct db *db);
/*
 * Rows changed by every INSERT, UPDATE and DELETE this connection completed
 * since it opened (a statement that failed and was undone counts nothing):
 * unchanged across some work means that work left nothing written.
 */
int64_t db_total_changes(struct db *db);
/*
 * Call fn(arg, table) after each row this connection inserts, updates or
 * deletes, with the table's name (fn NULL: no more calls). Not called for
 * rows removed by ON CONFLICT REPLACE or by a DELETE without WHERE (SQLite
 * skips its hook there; the store uses neither). fn must not use the
 * connection. A driver that cannot name the table passes NULL for every
 * changed row or statement.
 */
void db_on_change(struct db *db, void (*fn)(void *arg, const char *table), void *arg);
/*
 * *out: a number that changes when another connection (or process) commits
 * to the database; this connection's own commits leave it as it is.
 */
int db_data_version(struct db *db, int64_t *out);
/*
 * The id (INTEGER PRIMARY KEY) of the row this connection inserted last;
 * read it right after an INSERT whose db_changes() is 1. (SQLite:
 * sqlite3_last_insert_rowid; a PostgreSQL driver answers with lastval().)
 */
int64_t db_last_insert_id(struct db *db);

/*
 * Transactions. db_begin(write) takes the write lock at once (BEGIN IMMEDIATE);
 * db_begin(!write) opens a read-only transaction (writes fail). Savepoint
 * names are fixed identifiers of the store ([a-z_]+), never user data; a
 * connection uses at most 16 distinct savepoint statements (KT_ELIMIT beyond).
 * db_in_transaction() tells whether a transaction is open (a failed statement
 * may have rolled it back, e.g. on a full disk).
 */
int db_begin(struct db *db, bool write);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_savepoint(struct db *db, const char *name);
int db_release(struct db *db, const char *name);
int db_rollback_to(struct db *db, const char *name);
bool db_in_transaction(struct db *db);

/*
 * Durability apart from the commit (the worker's pipelined group commit).
 * After db_sync_split(), a commit writes its transaction to the write-ahead
 * log but does not wait for the disk (SQLite: synchronous=NORMAL, under which
 * checkpoints and a reused log's header are still synced); db_sync_log() then
 * makes every transaction committed before it began durable: the log only
 * ever loses a suffix, so one flush covers all earlier commits.
 * db_sync_split() returns KT_EUNIMPL when the connection cannot do this
 * (commits then stay durable by themselves, as after db_open()).
 *
 * Threads: db_sync_log() may run on another thread while the connection is in
 * use (it touches only its own descriptor of the log); it sets no error text.
 * db_checkpoint() copies the whole log into the database and syncs both (a
 * known-durable state after a failed db_sync_log()); connection thread.
 */
int db_sync_split(struct db *db);
int db_sync_log(struct db *db);
int db_checkpoint(struct db *db);

/* Copy the whole database online into a new file at path (KT_EEXIST when present). */
int db_backup(struct db *db, const char *path);
/* Structural check; 0 when sound, else KT_ECORRUPT with the first problem in msg. */
int db_integrity_check(struct db *db, char *msg, size_t msgcap);

#endif
